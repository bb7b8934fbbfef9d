# iku — the two commands of the Quick start are `make reproduce` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
PANEL ?= data/synthetic/panel.csv
SPEC ?= specs/vive.toml
MULTIVERSE ?= specs/multiverse.toml
NOTEBOOK_VENV := .venv-notebooks
NOTEBOOK_PY := $(NOTEBOOK_VENV)/bin/python
NOTEBOOK_ENV := $(NOTEBOOK_VENV)/installed.txt

.PHONY: deps build reproduce synthetic test lint fmt bench clean notebooks notebooks-update

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

## Unit, integration and peer-reference tests, formatting and lints, then the notebooks on the
## debug binaries the tests have just built (no release build needed).
test: deps $(NOTEBOOK_ENV)
	$(CARGO) test --workspace --locked
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --locked --all-targets -- -D warnings
	IKU_BIN_DIR=target/debug $(NOTEBOOK_PY) notebooks/run.py

## The notebooks' Python environment, pinned by notebooks/requirements.txt.
$(NOTEBOOK_ENV): notebooks/requirements.txt
	@command -v python3 >/dev/null || { echo "the notebooks need Python 3.11 with venv and pip (python3)" >&2; exit 1; }
	python3 -m venv $(NOTEBOOK_VENV)
	$(NOTEBOOK_PY) -m pip install --quiet --disable-pip-version-check -r notebooks/requirements.txt
	cp notebooks/requirements.txt $@

## Execute every notebook (fails on any cell error; says which outputs differ from the committed ones).
notebooks: build $(NOTEBOOK_ENV)
	IKU_BIN_DIR=target/release $(NOTEBOOK_PY) notebooks/run.py

## Execute every notebook and write its outputs in place, for committing.
notebooks-update: build $(NOTEBOOK_ENV)
	IKU_BIN_DIR=target/release $(NOTEBOOK_PY) notebooks/run.py --update

lint: deps
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --locked --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

clean:
	$(CARGO) clean
