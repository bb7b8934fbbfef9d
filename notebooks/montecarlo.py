#!/usr/bin/env python3
"""Monte Carlo study of the VIVE spec set on the calibrated SYNTHETIC panel.

For every seed and true effect, `iku-data montecarlo` draws a panel (seeds whose calibration
targets cannot be met are refused and counted) and fits every spec of the spec file, all in
one process (the library's simulate -> spec set path); this script reads its CSV once and
reports per spec and true effect: mean estimate, bias, empirical SD, mean SE, SE/SD, coverage
of the 95 % CI (analytic, CRV3 cluster jackknife, and the wild cluster bootstrap's interval by
test inversion: it covers the truth when the bootstrap p-value at the true effect exceeds 0.05)
and the rate at which H0: effect = 0 is rejected at 5 % (size under the placebo effect 0, power
otherwise). Standard library only.

    cargo build --release --bins
    python3 notebooks/montecarlo.py --seeds 200 --effects=-12.5,0 --jobs 2
"""
import argparse
import csv
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_montecarlo(bin_dir, spec, first, last, effects, ssc, jobs, out):
    """All replications in one `iku-data montecarlo` process; its progress goes to stderr."""
    cmd = [os.path.join(bin_dir, "iku-data"), "montecarlo", "--seeds", f"{first}..{last}",
           "--effect=" + ",".join(repr(e) for e in effects), "--spec", spec,
           "--jobs", str(jobs), "--out", out]
    if ssc:
        cmd += ["--ssc", ssc]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"iku-data montecarlo failed (exit {done.returncode})")


def read_results(path):
    """[(seed, effect, "ok", {spec: (label, estimate, se, conf_low, conf_high, crv3_low,
    crv3_high, boot_p_true)}) or
    (seed, effect, "refused", reason)] in the order of the replications."""
    results = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            seed, effect = int(row["seed"]), float(row["effect"])
            if row["status"] == "refused":
                results.append((seed, effect, "refused", row["reason"]))
                continue
            if not results or results[-1][:3] != (seed, effect, "ok"):
                results.append((seed, effect, "ok", {}))
            opt = lambda k: float(row[k]) if row.get(k) else None
            results[-1][3][row["spec"]] = (row["label"], float(row["estimate"]), float(row["std_error"]),
                                           float(row["conf_low"]), float(row["conf_high"]),
                                           opt("crv3_conf_low"), opt("crv3_conf_high"), opt("boot_p_true"))
    return results


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
        crv3 = [r[name][5] <= truth <= r[name][6] for r in reps if r[name][5] is not None]
        boot = [r[name][7] > 0.05 for r in reps if r[name][7] is not None]
        rate = lambda xs: (sum(xs) / len(xs), math.sqrt(sum(xs) / len(xs) * (1 - sum(xs) / len(xs)) / len(xs))) if xs else None
        cov = sum(cover) / n
        rej = sum(reject0) / n
        sd = statistics.stdev(est)
        out.append({
            "spec": name, "label": label, "n": n, "mean": statistics.fmean(est),
            "bias": statistics.fmean(est) - truth, "sd": sd, "mean_se": statistics.fmean(se),
            "se_sd": statistics.fmean(se) / sd, "coverage": cov,
            "coverage_mcse": math.sqrt(cov * (1 - cov) / n), "reject0": rej,
            "reject0_mcse": math.sqrt(rej * (1 - rej) / n),
            "coverage_crv3": rate(crv3), "coverage_boot": rate(boot),
        })
    return out


def table(rows, truth):
    """Markdown table of one true effect."""
    lines = [
        f"True effect {truth:g} DKK per inhabitant per pp ({rows[0]['n']} replications).",
        "",
        "| spec | mean estimate | bias (± MC s.e.) | empirical SD | mean SE | SE/SD | coverage of 95 % CI | "
        "coverage, CRV3 | coverage, WCR bootstrap | "
        + ("rejects H0: effect = 0 at 5 % (size)" if truth == 0 else "rejects H0: effect = 0 at 5 % (power)") + " |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pct = lambda c: "–" if c is None else f"{100 * c[0]:.1f} % (± {100 * c[1]:.1f})"
    for r in rows:
        lines.append(
            f"| `{r['spec']}` {r['label']} | {r['mean']:.3f} | {r['bias']:+.3f} (± {r['sd'] / math.sqrt(r['n']):.3f}) | {r['sd']:.3f} | {r['mean_se']:.3f} "
            f"| {r['se_sd']:.3f} | {pct((r['coverage'], r['coverage_mcse']))} "
            f"| {pct(r['coverage_crv3'])} | {pct(r['coverage_boot'])} "
            f"| {100 * r['reject0']:.1f} % (± {100 * r['reject0_mcse']:.1f}) |")
    lines += ["", "± after a rate or a bias: its Monte Carlo standard error. SE/SD: mean SE over empirical SD. "
              "CRV3: the cluster jackknife SE with the spec's small-sample preset and t df. WCR bootstrap: "
              "the spec's wild cluster bootstrap (spec file settings), its interval by test inversion; "
              "it covers the truth when the bootstrap p-value of H0: effect = truth exceeds 0.05."]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200, help="number of seeds tried per true effect")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--effects", default="-12.5,0", help="comma-separated true effects")
    ap.add_argument("--spec", default=os.path.join(ROOT, "specs", "vive.toml"))
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "target", "release"))
    ap.add_argument("--ssc", help="override the spec file's study-wide small-sample preset (e.g. stata)")
    ap.add_argument("--jobs", type=int, default=1, help="replications run in parallel (threads)")
    ap.add_argument("--json", help="also write every replication's estimates here")
    ap.add_argument("--csv", help="also keep the CSV of `iku-data montecarlo` here")
    ap.add_argument("--curve", metavar="CSV", help="also print the section on the specification curve's "
                    "joint test from this CSV of `iku-data curve-montecarlo` (see curve_mc.py)")
    a = ap.parse_args()
    effects = [float(e) for e in a.effects.split(",")]
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))
    exe = os.path.join(a.bin_dir, "iku-data")
    if not os.access(exe, os.X_OK):
        sys.exit(f"{exe} not found: run `cargo build --release --bins`")
    with tempfile.TemporaryDirectory(prefix="iku-mc-") as tmp:
        out = os.path.join(tmp, "montecarlo.csv")
        run_montecarlo(a.bin_dir, a.spec, seeds[0], seeds[-1], effects, a.ssc, a.jobs, out)
        if a.csv:
            with open(out, "rb") as src, open(a.csv, "wb") as dst:
                dst.write(src.read())
        results = read_results(out)
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
    if a.curve:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import curve_mc
        print(curve_mc.section(a.curve, curve_mc.COMMAND))
    if a.json:
        with open(a.json, "w") as f:
            json.dump([{"seed": r[0], "effect": r[1], "status": r[2], "result": r[3]} for r in results], f)


if __name__ == "__main__":
    main()
