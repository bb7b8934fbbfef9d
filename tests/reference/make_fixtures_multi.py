#!/usr/bin/env python3
"""Reference fixtures for multiple estimation (fixest's stepwise syntax, several outcomes,
split samples) from pyfixest.

Usage (from the repository root):
    python3 tests/reference/make_fixtures_multi.py   # writes fixtures/multi/pyfixest_multi.json

The data is the formula panel of make_fixtures_formula.py (tests/reference/data/
formula_panel.csv), with the same gap-aware panel-operator columns (pyfixest 0.60 has no
panel operators). Each case gives our formula (and --split / --fsplit), the formula given to
pyfixest, and per estimated model, in pyfixest's order: pyfixest's expanded formula, that
formula translated to our language (`formula`: pyfixest spellings replaced by FORMULA_MAP and
the case's own map; pyfixest writes a zero step as `+ 1`, kept here), the split value (null
for the full sample), the coefficient names translated to fixest's, estimates, CRV1 standard
errors clustered by `code` with pyfixest's default small-sample correction (fixest's: iku's
`--ssc fixest`), and N.
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reproducible  # noqa: E402

reproducible.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from make_fixtures_formula import DATA, NAME_MAP, peer_versions, with_panel_ops  # noqa: E402

warnings.filterwarnings("ignore")

REF = "tests/reference"
OUT = f"{REF}/fixtures/multi/pyfixest_multi.json"

# pyfixest spellings in formulas → ours.
FORMULA_MAP = [
    ("np.log(", "log("),
    ("**", "^"),
    ("ref='a'", 'ref = "a"'),
]

LAGS = "l_log_x_0 + l_log_x_1 + l_log_x_2"
# pyfixest 0.60 matches the fixed effects nested in the clusters by their position in the
# formula against its fixed-effect columns, whose order follows Python's string hashing;
# under reproducible.py's PYTHONHASHSEED=0 that order is `year, code`, so the peer formulas
# write the two-way effects in that order (checked in write_fixtures) and the case maps
# translate them back to ours.
YC = [("year + code", "code + year")]

# id, our formula, split, fsplit, pyfixest formula, case-specific formula map.
CASES = [
    ("outcomes_csw0_rhs_sw_fe",
     "c(y, log(y)) ~ x + csw0(z, I(z^2)) | sw(code, code + year)", None, None,
     "sw(y, np.log(y)) ~ x + csw0(z, I(z**2)) | sw(code, year + code)", YC),
    # pyfixest 0.60 cannot take a zero step inside the fixed effects (`code + 1` fails).
    ("sw0_factor_rhs_sw_fe",
     'y ~ x + sw0(z, i(grp, ref = "a")) | sw(code + year, code + region^year)', None, None,
     "y ~ x + sw0(z, i(grp, ref='a')) | sw(year + code, code + region^year)", YC),
    ("plus_outcomes_csw_lag_range",
     "y + log(y) ~ csw(x, l(log(x), 0:2)) | code", None, None,
     f"y + np.log(y) ~ csw(x, {LAGS}) | code", [(LAGS, "l(log(x), 0:2)")]),
    ("split_text_column",
     "y ~ x + z | code", "region", None,
     "y ~ x + z | code", []),
    # The weights column w (1, 1.25, ..., 2) is constant within units: each sample keeps the
    # unit-year graph connected. (A split on `size`, which changes within units in 2015,
    # disconnects it; iku's exact two-way path then counts the absorbed parameters by rank,
    # one fewer than pyfixest's sum of levels - 1, and the clustered SEs differ.)
    ("fsplit_numeric_column_sw",
     "y ~ sw(x, z) | code + year", None, "w",
     "y ~ sw(x, z) | year + code", YC),
]


def ours(formula, case_map):
    for a, b in case_map + FORMULA_MAP:
        formula = formula.replace(a, b)
    return formula


def write_fixtures():
    import pyfixest as pf

    d = with_panel_ops(pd.read_csv(DATA))
    cases = []
    for cid, formula, split, fsplit, peer, case_map in CASES:
        # fixef_rm="none": singletons kept, as fixest's feols and our default.
        multi = pf.feols(peer, data=d, vcov={"CRV1": "code"}, ssc=pf.ssc(),
                         fixef_rm="none", split=split, fsplit=fsplit)
        models = []
        for fit in multi.all_fitted_models.values():
            if fit._fixef is not None:
                names = [f.strip().replace("^", "_") for f in fit._fixef.split("+")]
                cols = [str(c)[len("__fixed_effect__("):-1] for c in fit._k_fe.index]
                if names != cols:
                    sys.exit(f"{fit._fml}: pyfixest's fixed-effect columns are {cols}; "
                             "write the effects in that order (see YC)")
            value = fit._sample_split_value
            if fit._sample_split_var is None or str(value) == "all":
                value = None  # the full sample (pyfixest's "all" marker)
            elif isinstance(value, (np.integer, np.floating)):
                value = value.item()
            coef = fit.coef()
            models.append({
                "peer_formula": fit._fml,
                "formula": ours(fit._fml, case_map),
                "split": value,
                "nobs": int(fit._N),
                "terms": [NAME_MAP.get(str(t), str(t)) for t in coef.index],
                "estimate": [float(v) for v in coef.to_numpy()],
                "std_error": [float(v) for v in fit.se().to_numpy()],
            })
        cases.append({
            "id": cid,
            "formula": formula,
            "split": split,
            "fsplit": fsplit,
            "peer_formula": peer,
            "models": models,
        })
    doc = {
        "source": "tests/reference/make_fixtures_multi.py",
        "data_file": DATA,
        "unit": "code",
        "time": "year",
        "cluster": "code",
        "ssc": "pyfixest ssc() defaults (fixest's): adj, fixef_k nested, G/(G-1), t df G-1",
        "order": "split value (full sample first with fsplit), then fixed-effects part, "
                 "then outcome, then right-hand side",
        "versions": peer_versions(pf),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(__doc__)
    write_fixtures()
