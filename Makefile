# iku — the two commands of the Quick start are `make reproduce` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
PANEL ?= data/synthetic/panel.csv
SPEC ?= specs/vive.toml
MULTIVERSE ?= specs/multiverse.toml

.PHONY: deps build reproduce synthetic test lint fmt bench clean

deps:
	@bash .ci/deps.sh

build: deps
	$(CARGO) build --release --locked --bins

## The main job: data → estimates → projection → figures → reports/REPORT.md
reproduce: build
	./target/release/iku-reproduce --data $(PANEL) --spec $(SPEC) --multiverse $(MULTIVERSE) --out-dir reports

## Regenerate the shipped SYNTHETIC panel and its manifest (byte-identical; tests check it).
synthetic: build
	./target/release/iku-data simulate --seed 20220301 --out data/synthetic/panel.csv --manifest data/synthetic/manifest.toml

## Unit, integration and peer-reference tests, then formatting and lints.
test: deps
	$(CARGO) test --workspace --locked
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --locked --all-targets -- -D warnings

lint: deps
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --locked --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

clean:
	$(CARGO) clean
