#!/usr/bin/env python3
"""Cross-check the committed fixtures: which peer cases give the same numbers.

For every dataset, cases from all peers that estimate the same model (same `model`,
`weights`, same slope terms, intercept or not) are compared:
  * point estimates must agree to rtol 1e-6 across peers (else reported as a mismatch);
  * cases whose standard errors agree to rtol 1e-7 are printed as one group.
Also checks that every case labelled with the same (model, weights, vcov, lags, ssc)
preset agrees across peers, i.e. that the `ssc` labels are consistent.

Usage (from the repository root):
    python3 tests/reference/check_equivalences.py > tests/reference/equivalences.txt
Exit status 1 if any labelled preset disagrees across peers (standard errors);
differing t-test degrees of freedom are only listed ("df differs").
"""
import glob
import json
import sys
from collections import defaultdict

import numpy as np

REF = "tests/reference"
RTOL_B, RTOL_SE = 1e-6, 1e-7


def load():
    out = defaultdict(list)
    for fn in sorted(glob.glob(f"{REF}/fixtures/*.json")):
        obj = json.load(open(fn))
        for c in obj["cases"]:
            c["_peer"] = obj["peer"]
            out[obj["dataset"]].append(c)
    return out


def key(c):
    terms = tuple(x["term"] for x in c["coefficients"])
    return (c["model"], c["weights"] or "-", terms)


def vec(c, field):
    return np.array([x[field] for x in c["coefficients"]], dtype=float)


def close(a, b, rtol):
    return np.allclose(a, b, rtol=rtol, atol=0)


def main():
    bad = 0
    data = load()
    for ds in sorted(data):
        print(f"=== {ds}")
        groups = defaultdict(list)
        for c in data[ds]:
            groups[key(c)].append(c)
        for k in sorted(groups):
            cs = groups[k]
            print(f"\n--- model={k[0]} weights={k[1]} terms={','.join(k[2])}")
            ref = cs[0]
            for c in cs[1:]:
                if not close(vec(c, "estimate"), vec(ref, "estimate"), RTOL_B):
                    print(f"  ESTIMATES DIFFER: {c['_peer']}:{c['id']} vs {ref['_peer']}:{ref['id']}")
            # cluster by SE equality
            seen = [False] * len(cs)
            for i, c in enumerate(cs):
                if seen[i]:
                    continue
                members = [c]
                seen[i] = True
                for j in range(i + 1, len(cs)):
                    if not seen[j] and close(vec(cs[j], "std_error"), vec(c, "std_error"), RTOL_SE):
                        members.append(cs[j])
                        seen[j] = True
                peers = {m["_peer"] for m in members}
                tag = "  [cross-peer]" if len(peers) > 1 else ""
                print(f"  SE group{tag}:")
                for m in members:
                    print(f"    {m['_peer']:12s} ssc={str(m['ssc']):12s} {m['id']}")
            # label consistency: same preset must give same SEs across peers
            by_preset = defaultdict(list)
            for c in cs:
                if c["ssc"] is not None:
                    by_preset[(c["vcov"], c["lags"], c["ssc"])].append(c)
            for p, pcs in sorted(by_preset.items(), key=lambda kv: str(kv[0])):
                for c in pcs[1:]:
                    dfs = [x["df"] for x in c["coefficients"]], [x["df"] for x in pcs[0]["coefficients"]]
                    if dfs[0] != dfs[1]:
                        # informational only: the t-test df is each peer's own choice
                        print(f"  df differs {p}: {c['_peer']}:{c['id']} df={dfs[0][0]} vs {pcs[0]['_peer']}:{pcs[0]['id']} df={dfs[1][0]}")
                    if not close(vec(c, "std_error"), vec(pcs[0], "std_error"), RTOL_SE):
                        rel = np.max(np.abs(vec(c, "std_error") / vec(pcs[0], "std_error") - 1))
                        print(f"  LABEL CONFLICT {p}: {c['_peer']}:{c['id']} vs {pcs[0]['_peer']}:{pcs[0]['id']} (max rel diff {rel:.3g})")
                        bad += 1
        print()
    print(f"label conflicts: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
