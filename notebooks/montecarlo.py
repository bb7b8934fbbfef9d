#!/usr/bin/env python3
"""Monte Carlo study of the VIVE spec set on the calibrated SYNTHETIC panel.

For every seed and true effect, `iku-data simulate` draws a panel (seeds whose calibration
targets cannot be met are refused and counted) and `iku-estimate --spec` fits every spec of
the spec file. Reported per spec and true effect: mean estimate, bias, empirical SD, mean SE,
SE/SD, coverage of the 95 % CI and the rate at which H0: effect = 0 is rejected at 5 %
(size under the placebo effect 0, power otherwise). Standard library only.

    cargo build --release --bins
    python3 notebooks/montecarlo.py --seeds 200 --effects=-12.5,0 --jobs 2
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one(bin_dir, spec, seed, effect):
    """Simulate and estimate one replication; return ("ok", columns) or ("refused", reason)."""
    with tempfile.TemporaryDirectory(prefix="iku-mc-") as tmp:
        panel = os.path.join(tmp, "panel.csv")
        sim = subprocess.run(
            [os.path.join(bin_dir, "iku-data"), "simulate", "--seed", str(seed), "--effect", repr(effect),
             "--out", panel, "--manifest", os.path.join(tmp, "panel.manifest.toml")],
            capture_output=True, text=True)
        if sim.returncode != 0:
            lines = [ln for ln in (sim.stderr + sim.stdout).splitlines() if ln.strip()]
            return seed, effect, "refused", (lines[0] if lines else f"exit {sim.returncode}")
        est = subprocess.run(
            [os.path.join(bin_dir, "iku-estimate"), "--spec", spec, "--data", panel, "--out-dir", tmp],
            capture_output=True, text=True)
        if est.returncode != 0:
            raise SystemExit(f"seed {seed} effect {effect}: iku-estimate failed:\n{est.stderr}")
        with open(os.path.join(tmp, "estimates.json")) as f:
            d = json.load(f)
        cols = {c["name"]: (c["label"], c["effect"]["estimate"], c["effect"]["std_error"],
                            c["effect"]["conf_low"], c["effect"]["conf_high"]) for c in d["columns"]}
        return seed, effect, "ok", cols


def reason_kind(why):
    """The refusal message with its seed-specific numbers replaced by '#', to group seeds."""
    why = re.sub(r"^iku-data: error: ", "", why)
    return re.sub(r"-?\d[\d.]*", "#", why)


def summarise(reps, truth):
    """Per-spec statistics over the replications of one true effect."""
    names = list(reps[0].keys())
    out = []
    for name in names:
        label = reps[0][name][0]
        est = [r[name][1] for r in reps]
        se = [r[name][2] for r in reps]
        cover = [r[name][3] <= truth <= r[name][4] for r in reps]
        reject0 = [r[name][3] > 0 or r[name][4] < 0 for r in reps]
        n = len(est)
        cov = sum(cover) / n
        rej = sum(reject0) / n
        sd = statistics.stdev(est)
        out.append({
            "spec": name, "label": label, "n": n, "mean": statistics.fmean(est),
            "bias": statistics.fmean(est) - truth, "sd": sd, "mean_se": statistics.fmean(se),
            "se_sd": statistics.fmean(se) / sd, "coverage": cov,
            "coverage_mcse": math.sqrt(cov * (1 - cov) / n), "reject0": rej,
            "reject0_mcse": math.sqrt(rej * (1 - rej) / n),
        })
    return out


def table(rows, truth):
    """Markdown table of one true effect."""
    lines = [
        f"True effect {truth:g} DKK per inhabitant per pp ({rows[0]['n']} replications).",
        "",
        "| spec | mean estimate | bias (± MC s.e.) | empirical SD | mean SE | SE/SD | coverage of 95 % CI | "
        + ("rejects H0: effect = 0 at 5 % (size)" if truth == 0 else "rejects H0: effect = 0 at 5 % (power)") + " |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['spec']}` {r['label']} | {r['mean']:.3f} | {r['bias']:+.3f} (± {r['sd'] / math.sqrt(r['n']):.3f}) | {r['sd']:.3f} | {r['mean_se']:.3f} "
            f"| {r['se_sd']:.3f} | {100 * r['coverage']:.1f} % (± {100 * r['coverage_mcse']:.1f}) "
            f"| {100 * r['reject0']:.1f} % (± {100 * r['reject0_mcse']:.1f}) |")
    lines += ["", "± after a rate or a bias: its Monte Carlo standard error. SE/SD: mean SE over empirical SD."]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200, help="number of seeds tried per true effect")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--effects", default="-12.5,0", help="comma-separated true effects")
    ap.add_argument("--spec", default=os.path.join(ROOT, "specs", "vive.toml"))
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "target", "release"))
    ap.add_argument("--ssc", help="override the spec file's small-sample preset (e.g. fixest)")
    ap.add_argument("--jobs", type=int, default=1, help="replications run in parallel")
    ap.add_argument("--json", help="also write every replication's estimates here")
    a = ap.parse_args()
    effects = [float(e) for e in a.effects.split(",")]
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))
    for b in ("iku-data", "iku-estimate"):
        if not os.access(os.path.join(a.bin_dir, b), os.X_OK):
            sys.exit(f"{os.path.join(a.bin_dir, b)} not found: run `cargo build --release --bins`")
    jobs = [(s, e) for e in effects for s in seeds]
    with tempfile.TemporaryDirectory(prefix="iku-mc-spec-") as tmp:
        spec = a.spec
        if a.ssc:
            # the same spec set with another study-wide preset (the line `ssc = "..."`)
            text, n = re.subn(r'(?m)^ssc = "[^"]*"$', f'ssc = "{a.ssc}"', open(a.spec).read())
            if n != 1:
                sys.exit(f"{a.spec}: expected one study-level line `ssc = \"...\"`, found {n}")
            spec = os.path.join(tmp, os.path.basename(a.spec))
            with open(spec, "w") as f:
                f.write(text)
        with ThreadPoolExecutor(max_workers=a.jobs) as pool:
            results = list(pool.map(lambda j: one(a.bin_dir, spec, *j), jobs))
    print(f"Seeds {seeds[0]}..{seeds[-1]} ({len(seeds)} per true effect), spec {os.path.relpath(a.spec, ROOT)}"
          + (f" with ssc = \"{a.ssc}\"" if a.ssc else "") + ".\n")
    for e in effects:
        res = [r for r in results if r[1] == e]
        ok = [r[3] for r in res if r[2] == "ok"]
        refused = [(r[0], r[3]) for r in res if r[2] == "refused"]
        print(f"## True effect {e:g}\n")
        print(f"{len(ok)} replications, {len(refused)} of {len(res)} seeds refused by the calibration"
              + (":" if refused else "."))
        groups = {}
        for s, why in refused:
            groups.setdefault(reason_kind(why), []).append(s)
        for kind, ss in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"- {len(ss)} seeds: {kind} (seeds {', '.join(map(str, ss))})")
        print()
        print(table(summarise(ok, e), e))
        print()
    if a.json:
        with open(a.json, "w") as f:
            json.dump([{"seed": r[0], "effect": r[1], "status": r[2], "result": r[3]} for r in results], f)


if __name__ == "__main__":
    main()
