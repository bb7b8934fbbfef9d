#!/usr/bin/env python3
"""The specification curve's joint test in the Monte Carlo: power under a true effect, size under 0.

Reads the CSV of `iku-data curve-montecarlo` (one row per seed and true effect: the curve's
median effect and shares, the joint test's p_median and p_share) and writes the section
"Specification curve under the truth and under zero" of montecarlo.md: per true effect, the
seeds used and refused, the rejection rates of the joint test at 5 % with their Monte Carlo
standard errors, and the curve's median effect. Standard library only.

    python3 notebooks/curve_mc.py notebooks/curve_mc.csv.gz              # print the section
    python3 notebooks/curve_mc.py notebooks/curve_mc.csv.gz --update-md  # replace it in montecarlo.md
"""
import argparse
import csv
import gzip
import math
import os
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## Specification curve under the truth and under zero"
ALPHA = 0.05
# The run behind the committed notebooks/curve_mc.csv.gz, and its wall time.
COMMAND = """cargo build --release --bins
./target/release/iku-data curve-montecarlo --seeds 1..4000 --effect=-12.5,0 \\
    --multiverse notebooks/curve_mc.toml --jobs 2 --out /tmp/curve_mc.csv
gzip -9 -n -c /tmp/curve_mc.csv > notebooks/curve_mc.csv.gz"""
RUN_NOTE = ("Run of 2026-11-27: 8,000 replications (4,000 seeds × 2 effects) in 2 min 55 s of wall time with "
            "`--jobs 2` on the 2-core machine; the CSV is the same for any `--jobs`.")


def read(path):
    """{effect: (ok rows as dicts of floats, refused seeds)} in the order of the CSV."""
    by = {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            ok, refused = by.setdefault(float(row["effect"]), ([], []))
            if row["status"] == "refused":
                refused.append(int(row["seed"]))
            else:
                ok.append({k: float(v) for k, v in row.items() if k not in ("status", "reason")})
    return by


def rate(hits, n):
    """(rate, binomial Monte Carlo standard error)."""
    p = hits / n
    return p, math.sqrt(p * (1 - p) / n)


def pct(r):
    return f"{100 * r[0]:.1f} % (± {100 * r[1]:.1f})"


def section(path, command):
    by = read(path)
    all_rows = [r for ok, _ in by.values() for r in ok]
    seeds = sorted({int(r["seed"]) for r in all_rows} | {s for _, ref in by.values() for s in ref})
    n_specs = sorted({int(r["n_specs"]) for r in all_rows})
    reps = sorted({int(r["reps"]) for r in all_rows})
    out = [HEADING, "",
           "The specification curve's joint test (Simonsohn, Simmons & Nelson 2020) as the multiverse "
           "report computes it: the curve's median effect and its share of specifications significant at "
           "5 % in the more frequent direction, each set against a wild cluster bootstrap of the whole "
           "curve with effect = 0 imposed in every specification (shared Rademacher draws by "
           "municipality), two-sided: a draw counts when its median is as far from zero, or its share "
           "as large, in either direction. "
           f"Each seed: the panel of `iku-data simulate --seed N --effect B`, then the multiverse "
           f"`notebooks/curve_mc.toml` ({', '.join(map(str, n_specs))} specifications over outcome "
           f"definition, IKU timing, model and controls; B = {', '.join(map(str, reps))} draws). Seeds "
           f"{seeds[0]}–{seeds[-1]}, the same seeds under both effects (paired). Made by",
           "", "```", command, "python3 notebooks/curve_mc.py notebooks/curve_mc.csv.gz --update-md", "```", "",
           RUN_NOTE, "",
           "| true effect | seeds used (refused) | rejects, p_median < 0.05 | rejects, p_share < 0.05 "
           "| mean / median of the curve's median effect | mean share negative "
           "| mean share significant |",
           "|---:|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for effect, (ok, refused) in by.items():
        n = len(ok)
        med = [r["median_effect"] for r in ok]
        rm = rate(sum(r["p_median"] < ALPHA for r in ok), n)
        rs = rate(sum(r["p_share"] < ALPHA for r in ok), n)
        kind = "size" if effect == 0 else "power"
        out.append(f"| {effect:g} ({kind}) | {n} ({len(refused)}) | {pct(rm)} | {pct(rs)} "
                   f"| {statistics.fmean(med):.2f} / {statistics.median(med):.2f} "
                   f"| {statistics.fmean(r['share_negative'] for r in ok):.3f} "
                   f"| {statistics.fmean(r['share_significant'] for r in ok):.3f} |")
        if effect == 0:
            se0 = math.sqrt(ALPHA * (1 - ALPHA) / n)
            for name, r in (("p_median < 0.05", rm), ("p_share < 0.05", rs)):
                z = (r[0] - ALPHA) / se0
                verdict = ("within its Monte Carlo error of 5 % (|z| ≤ 1.96)" if abs(z) <= 1.96 else
                           f"{'above' if z > 0 else 'below'} 5 % by more than its Monte Carlo error (|z| > 1.96)")
                notes.append(f"- Rejection rate under zero of {name}: {100 * r[0]:.1f} % against the nominal 5 % "
                             f"(Monte Carlo s.e. at the nominal rate {100 * se0:.1f} pp, z = {z:+.2f}): "
                             f"**{verdict}**.")
    out += ["", "± after a rate: its binomial Monte Carlo standard error, √(p(1 − p)/n). Refused seeds "
            "are those whose calibration targets the simulator cannot meet; they are skipped.", ""]
    out += notes
    out += ["",
            "Both p-values are two-sided. An earlier version took the direction from the sign of the "
            "observed median and counted only draws as extreme in that direction: on the same seeds it "
            "rejected 10.0 % (± 0.5, p_median) and 7.8 % (± 0.4, p_share) of the time under zero at 5 %, "
            "the price of choosing the direction after seeing the data. The share test counts ties in "
            "the share (a discrete statistic) as at least as extreme, which makes it conservative.",
            "",
            "Reading: with both p-values two-sided, the joint test holds its nominal 5 % under zero "
            "(within its Monte Carlo error) and still finds the effect in about 95 % (median) and 97 % "
            "(share) of the seeds under −12.5. The curve's median is no estimate of the truth: the "
            "curve mixes IKU timings, and the specifications on the contemporaneous IKU (lag 0) measure "
            "an effect the simulated spending does not have.",
            "",
            "All of it describes the synthetic data-generating process, not Danish municipalities."]
    return "\n".join(out) + "\n"


def update_md(md_path, text):
    """Replaces the section (from its heading to the next `## ` heading or the end) or appends it."""
    with open(md_path) as f:
        md = f.read()
    if HEADING in md:
        start = md.index(HEADING)
        nxt = md.find("\n## ", start + len(HEADING))
        md = md[:start] + text + ("" if nxt < 0 else "\n" + md[nxt + 1:])
    else:
        md = md.rstrip("\n") + "\n\n" + text
    with open(md_path, "w") as f:
        f.write(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", help="the CSV of iku-data curve-montecarlo")
    ap.add_argument("--command", default=COMMAND, help="the command shown as having made the CSV")
    ap.add_argument("--update-md", action="store_true", help="write the section into notebooks/montecarlo.md")
    a = ap.parse_args()
    text = section(a.csv, a.command)
    if a.update_md:
        update_md(os.path.join(ROOT, "notebooks", "montecarlo.md"), text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
