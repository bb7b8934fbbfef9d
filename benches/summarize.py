#!/usr/bin/env python3
"""Summarise benches/results: median wall time and max RSS per tool x model x panel, and the
agreement of every peer's coefficients (and standard errors) with iku's.

Usage: python3 benches/summarize.py benches/results
"""
import glob
import json
import math
import os
import re
import statistics
import sys

TOOLS = ["iku", "plm", "pyfixest", "linearmodels"]
MODELS = ["within", "twoways", "pooled"]
PANELS = ["balanced", "unbalanced"]
TOL = 1e-6
IKU_REP = []


def wall_rss(path):
    """(wall seconds, max RSS MB) from a GNU `time -v` log."""
    txt = open(path).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", txt)
    secs = 0.0
    for part in m.group(1).split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", txt).group(1))
    status = int(re.search(r"Exit status: (\d+)", txt).group(1))
    if status != 0:
        raise SystemExit(f"{path}: exit status {status}")
    return secs, rss / 1024.0


def load(path):
    """Coefficients and SEs of one run, as {term: (estimate, se)}, plus the raw record."""
    d = json.load(open(path))
    if "coefficients" in d:  # iku
        out = {c["term"]: (c["estimate"], c["std_error"]) for c in d["coefficients"]}
    else:
        out = {("(Intercept)" if k == "Intercept" else k): (v, d["se"][k]) for k, v in d["coef"].items()}
    return out, d


def main(res):
    rows, agree = [], []
    timing = {}
    for tool in TOOLS:
        for model in MODELS + ["read"]:
            for panel in PANELS:
                runs = sorted(glob.glob(os.path.join(res, f"{tool}.{model}.{panel}.*.time")))
                if not runs:
                    continue
                w, r = zip(*(wall_rss(p) for p in runs))
                timing[tool, model, panel] = (statistics.median(w), statistics.median(r), len(runs))
    for model in MODELS:
        for panel in PANELS:
            outs = {}
            for tool in TOOLS:
                files = sorted(glob.glob(os.path.join(res, f"{tool}.{model}.{panel}.*.out")))
                if files:
                    outs[tool] = [load(f) for f in files]
            if "iku" not in outs:
                continue
            ref, ikurec = outs["iku"][0]
            IKU_REP.append(max(abs(o[k][j] - ref[k][j]) for o, _ in outs["iku"][1:] for k in o for j in (0, 1))
                           if len(outs["iku"]) > 1 else 0.0)
            # largest change of any estimate or SE between repetitions of the same tool
            repdiff = {tool: max([abs(o[k][j] - lst[0][0][k][j]) for o, _ in lst[1:] for k in o for j in (0, 1)],
                                 default=0.0) for tool, lst in outs.items()}
            checks = {ssc: load(os.path.join(res, f"check.iku-{ssc}.{model}.{panel}.json"))[0]
                      for ssc in ("plm", "linearmodels")
                      if os.path.exists(os.path.join(res, f"check.iku-{ssc}.{model}.{panel}.json"))}
            for tool in TOOLS[1:]:
                if tool not in outs:
                    continue
                peer, _ = outs[tool][0]
                if set(peer) != set(ref):
                    agree.append((tool, model, panel, "terms differ", "", "", ""))
                    continue
                db = max(abs(peer[k][0] - ref[k][0]) for k in ref)
                # SE against iku under the preset that names the peer's convention
                base = ref if tool == "pyfixest" else checks.get(tool)
                note = ""
                if base is None:
                    dse = float("nan")
                else:
                    factor = 1.0
                    if tool == "linearmodels":
                        # linearmodels 7.x fit() defaults to debiased=True: its covariance is
                        # iku's `linearmodels` preset (debiased=False) x (n - k_fe)/(n - k_fe - k).
                        n, k = ikurec["nobs"], len(ref)
                        kfe = ikurec["n_units"] + ikurec["n_times"] - 1 if model == "twoways" else 0
                        factor = math.sqrt((n - kfe) / (n - kfe - k))
                        raw = max(abs(peer[t][1] / base[t][1] - 1) for t in ref)
                        note = f"raw {raw:.2e}; x sqrt((n-k_fe)/(n-k_fe-k))"
                    dse = max(abs(peer[t][1] / (base[t][1] * factor) - 1) for t in ref)
                if repdiff[tool] > 0:
                    note = (note + "; " if note else "") + f"repetitions differ by up to {repdiff[tool]:.1e}"
                ok = db <= TOL and (math.isnan(dse) or dse <= TOL)
                agree.append((tool, model, panel, f"{db:.1e}", f"{dse:.1e}", "yes" if ok else "NO", note))
    print("| tool | model | " + " | ".join(f"{p} wall s | {p} max RSS MB" for p in PANELS) + " |")
    print("|---|---|" + "---:|---:|" * len(PANELS))
    for model in MODELS + ["read"]:
        for tool in TOOLS:
            if model == "read" and tool == "iku":
                continue
            cells = []
            for panel in PANELS:
                t = timing.get((tool, model, panel))
                cells += [f"{t[0]:.2f}", f"{t[1]:.0f}"] if t else ["", ""]
            print(f"| {tool} | {model} | " + " | ".join(cells) + " |")
    reps = {t[2] for t in timing.values()}
    print(f"\nMedian of {', '.join(map(str, sorted(reps)))} runs per cell.\n")
    print(f"iku repetitions identical: {'yes' if all(v == 0 for v in IKU_REP) else 'NO'}\n")
    print("| peer | model | panel | max abs. coef. diff vs iku | max rel. SE diff vs iku (matching preset) | within 1e-6 | note |")
    print("|---|---|---|---:|---:|---|---|")
    for a in agree:
        print("| " + " | ".join(a) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results"))
