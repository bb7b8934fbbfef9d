"""Compares iku's multiverse.csv with the pyfixest peer's JSON lines: the largest absolute and
relative differences of the effect and its SE over the models both ran.

Usage: python3 benches/multiverse/compare.py multiverse.csv pyfixest.jsonl
"""
import csv
import json
import sys

KEY = ["outcome", "timing", "model", "controls", "sample", "exclude"]
iku = {tuple(r[k] for k in KEY): r for r in csv.DictReader(open(sys.argv[1]))}
peer = [json.loads(line) for line in open(sys.argv[2])]
worst = {"estimate_abs": 0.0, "estimate_rel": 0.0, "se_abs": 0.0, "se_rel": 0.0}
matched = 0
for p in peer:
    r = iku.get(tuple(p[k] for k in KEY))
    if r is None:
        continue
    matched += 1
    assert int(r["nobs"]) == p["nobs"], (r, p)
    for name, a, b in [("estimate", float(r["estimate"]), p["estimate"]),
                       ("se", float(r["std_error"]), p["std_error"])]:
        d = abs(a - b)
        worst[name + "_abs"] = max(worst[name + "_abs"], d)
        worst[name + "_rel"] = max(worst[name + "_rel"], d / max(abs(b), 1e-300))
print(json.dumps({"iku_models": len(iku), "peer_models": len(peer), "matched": matched,
                  "max_diff": worst, "agree_1e-8": matched == len(peer) and max(worst["estimate_abs"], worst["se_abs"]) <= 1e-8}))
