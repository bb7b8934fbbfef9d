#!/usr/bin/env python3
"""Reference fixtures for the R² of a fit, from pyfixest: `_r2` (R² of the full model, fixed
effects included, weighted for weighted fits: fixest's `r2`) and `_r2_within` (R² after the
fixed effects are projected out: fixest's `wr2`).

Usage (from the repository root):
    python3 tests/reference/make_fixtures_r2.py   # writes fixtures/r2/pyfixest_r2.json

Runs on the committed panels (grunfeld.csv, grunfeld_unbal.csv, formula_panel.csv); the
first-difference R² (plm's `r.squared` of the differenced regression) is already recorded in
fixtures/plm_grunfeld*.json by make_fixtures_R.R. The Rust test is
crates/panelkit/tests/r2_peers.rs.
"""
import json
import os
import platform
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reproducible  # noqa: E402

reproducible.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

warnings.filterwarnings("ignore")

REF = "tests/reference"
# Tight enough that iterative demeaning does not limit the comparison (default 1e-6).
FIXEF_TOL = 1e-12

# id, data file, unit, time, our formula, our model (None: implied), pyfixest formula, weights
CASES = []
for ds in ("grunfeld", "grunfeld_unbal"):
    for w in (None, "w"):
        sfx = "/weighted" if w else ""
        CASES += [
            (f"{ds}/pooled{sfx}", ds, "firm", "year", "inv ~ value + capital", "pooled",
             "inv ~ value + capital", w),
            (f"{ds}/within{sfx}", ds, "firm", "year", "inv ~ value + capital | firm", None,
             "inv ~ value + capital | firm", w),
            (f"{ds}/within-time{sfx}", ds, "firm", "year", "inv ~ value + capital | year",
             None, "inv ~ value + capital | year", w),
            (f"{ds}/twoways{sfx}", ds, "firm", "year", "inv ~ value + capital | firm + year",
             None, "inv ~ value + capital | firm + year", w),
        ]
CASES += [
    ("formula_panel/fixef/region_year", "formula_panel", "code", "year",
     "y ~ x*z + i(grp, ref = \"a\") | region^year", None,
     "y ~ x*z + i(grp, ref='a') | region^year", None),
    ("formula_panel/fixef/three_weighted", "formula_panel", "code", "year",
     "y ~ log(x) + z | code + year + region^year", None,
     "y ~ np.log(x) + z | code + year + region^year", "w"),
    ("formula_panel/fixef/region_grp", "formula_panel", "code", "year",
     "log(y) ~ x + z + I(z^2) | region + grp", None,
     "np.log(y) ~ x + z + I(z**2) | region + grp", None),
]


def fnum(v):
    return None if v is None or not np.isfinite(v) else float(v)


def main():
    import pyfixest as pf

    cases = []
    for cid, ds, unit, time, ours, model, peer, weights in CASES:
        d = pd.read_csv(f"{REF}/data/{ds}.csv")
        fit = pf.feols(peer, data=d, weights=weights, fixef_tol=FIXEF_TOL, fixef_rm="none")
        has_fe = "|" in peer
        cases.append({
            "id": cid,
            "data_file": f"{REF}/data/{ds}.csv",
            "unit": unit,
            "time": time,
            "formula": ours,
            "model": model,
            "peer_call": f"pf.feols({peer!r}, data, weights={weights!r}, "
                         f"fixef_tol={FIXEF_TOL}, fixef_rm='none')",
            "weights": weights,
            "nobs": int(fit._N),
            "r2": fnum(fit._r2),
            "r2_within": fnum(fit._r2_within) if has_fe else None,
        })
    doc = {
        "source": "tests/reference/make_fixtures_r2.py",
        "peer": "pyfixest",
        "versions": {
            "pyfixest": pf.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
        "fields": {
            "r2": "fit._r2: 1 - SSR / sum(w (y - weighted mean y)^2), fixed effects included "
                  "(fixest r2)",
            "r2_within": "fit._r2_within: 1 - SSR / sum(w y_demeaned^2) (fixest wr2); null "
                         "without fixed effects",
        },
        "cases": cases,
    }
    with open(f"{REF}/fixtures/r2/pyfixest_r2.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
