#!/usr/bin/env python3
"""Reference fixtures for the formula language, fixed effects on any column and clustering on
any column, from pyfixest (CRV1 with pyfixest's default small-sample correction, fixest's).

Usage (from the repository root):
    python3 tests/reference/make_fixtures_formula.py data       # writes data/formula_panel.csv
    python3 tests/reference/make_fixtures_formula.py fixtures   # writes fixtures/formula/pyfixest_formula.json

The panel is synthetic (seeded): 40 municipalities-like units `code`, years 2010-2019 with
gaps, a text column `region` (5 levels, constant within unit), a time-varying text factor
`grp`, a numeric factor `size`, positive `x` and `y` (for logs), `z`, and weights `w`.

pyfixest 0.60 has no panel operators, so lags, leads and differences are computed here,
gap-aware (the value at exactly t - k of the same unit, else missing), and passed as columns.
Each case records our formula, the formula given to pyfixest, and pyfixest's coefficient
names translated to fixest's (R) names by NAME_MAP / the case's own map, so the Rust test
compares names, estimates and standard errors without Python.
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
DATA = f"{REF}/data/formula_panel.csv"


def write_data():
    rng = np.random.default_rng(20261127)
    regions = ["north", "south", "east", "west", "centre"]
    rows = []
    for code in range(1, 41):
        reg = regions[(code * 7) % 5]
        a = rng.normal(0, 0.5)
        for year in range(2010, 2020):
            # gaps: an interior year, attrition, late entry
            if code % 9 == 4 and year == 2014:
                continue
            if code % 11 == 0 and year >= 2018:
                continue
            if code % 13 == 6 and year <= 2011:
                continue
            grp = "abc"[(code + year) % 3] if code % 4 else "abc"[code % 3]
            size = 1 + (code + (year > 2014)) % 3
            x = float(np.exp(rng.normal(1.0, 0.6)))
            z = rng.normal(0, 1)
            rows.append(dict(code=code, year=year, region=reg, grp=grp, size=size,
                             x=round(x, 6), z=round(z, 6), w=1 + (code % 5) / 4, a=a))
    d = pd.DataFrame(rows)
    e = rng.normal(0, 0.3, len(d))
    d["y"] = np.round(np.exp(1 + d.a + 0.4 * np.log(d.x) - 0.2 * d.z + 0.1 * (d.grp == "b")
                             + 0.05 * (d.year - 2015) * (d.region == "north")
                             + 0.02 * (d.year - 2010) + e), 6)
    d.drop(columns="a").to_csv(DATA, index=False)


def shift(d, values, k):
    """Gap-aware lag k (lead for k < 0) within `code`: the value at exactly year - k."""
    s = pd.Series(np.asarray(values, dtype=float),
                  index=pd.MultiIndex.from_arrays([d.code, d.year]))
    look = pd.MultiIndex.from_arrays([d.code, d.year - k])
    return s.reindex(look).to_numpy()


def with_panel_ops(d):
    """Panel-operator columns for the cases below."""
    d = d.copy()
    lx = np.log(d.x)
    dx = d.x - shift(d, d.x, 1)
    d["l_d_x_1"] = shift(d, dx, 1)
    d["d_log_x"] = lx - shift(d, lx, 1)
    for k in range(3):
        d[f"l_log_x_{k}"] = shift(d, lx, k)
    d["f_z_1"] = shift(d, d.z, -1)
    d["d_y_2"] = d.y - shift(d, d.y, 2)
    return d


# pyfixest's names → fixest's (R's deparse) names, for every case.
NAME_MAP = {
    "Intercept": "(Intercept)",
    "I(x ** 2)": "I(x^2)",
    "I((x + 1) ** 2)": "I((x + 1)^2)",
    "I(z ** 2)": "I(z^2)",
    "np.log(x)": "log(x)",
    "np.sqrt(x)": "sqrt(x)",
    "np.exp(z)": "exp(z)",
    "C(grp)[T.b]": "factor(grp)b",
    "C(grp)[T.c]": "factor(grp)c",
    "C(size)[T.2]": "factor(size)2",
    "C(size)[T.3]": "factor(size)3",
    "l_d_x_1": "l(d(x), 1)",
    "d_log_x": "d(log(x))",
    "l_log_x_0": "l(log(x), 0)",
    "l_log_x_1": "l(log(x), 1)",
    "l_log_x_2": "l(log(x), 2)",
    "f_z_1": "f(z, 1)",
    "d_y_2": "d(y, 2)",
}

# id, our formula, our model (None: implied by the fixed effects), pyfixest formula,
# weights, cluster columns ("a" or "a + b").
CASES = [
    ("functions_pooled",
     "y ~ log(x) + I(x^2) + sqrt(x) + exp(z) + I((x + 1)^2) + I(x * z)", "pooled",
     "y ~ np.log(x) + I(x**2) + np.sqrt(x) + np.exp(z) + I((x + 1)**2) + I(x * z)",
     None, "code"),
    ("log_factor_unit_fe_cluster_region",
     "log(y) ~ log(x) + z + factor(grp) | code", None,
     "np.log(y) ~ np.log(x) + z + C(grp) | code", None, "region"),
    ("interaction_twoways_cluster_twoway",
     "y ~ x + z + x:z | code + year", None,
     "y ~ x + z + x:z | code + year", None, "region + year"),
    ("star_i_ref_region_year_fe",
     "y ~ x*z + i(grp, ref = \"a\") | region^year", None,
     "y ~ x*z + i(grp, ref='a') | region^year", None, "region"),
    ("event_study_unit_and_region_year_fe",
     "y ~ log(x) + z + i(year, x, ref = 2015) | code + region^year", None,
     "y ~ np.log(x) + z + i(year, x, ref=2015) | code + region^year", None, "code"),
    ("nested_panel_operators",
     "y ~ l(d(x), 1) + l(log(x), 0:2) + f(z, 1) | code + year", None,
     "y ~ l_d_x_1 + l_log_x_0 + l_log_x_1 + l_log_x_2 + f_z_1 | code + year",
     None, "code"),
    ("difference_response_region_fe",
     "d(y, 2) ~ d(log(x)) + z | region", None,
     "d_y_2 ~ d_log_x + z | region", None, "region"),
    ("factors_pooled_intercept",
     "y ~ x + factor(size) + i(grp)", "pooled",
     "y ~ x + C(size) + i(grp)", None, "code"),
    ("weighted_three_fe_cluster_region",
     "y ~ log(x) + z | code + year + region^year", None,
     "y ~ np.log(x) + z | code + year + region^year", "w", "region"),
    ("region_fe_cluster_code_and_grp",
     "log(y) ~ x + z + I(z^2) | region + grp", None,
     "np.log(y) ~ x + z + I(z**2) | region + grp", None, "code + grp"),
]


def peer_versions(pf):
    """The versions of the peer and its stack, recorded in each fixture."""
    return {
        "pyfixest": pf.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


def write_fixtures():
    import pyfixest as pf

    d = with_panel_ops(pd.read_csv(DATA))
    cases = []
    for cid, ours, model, peer, weights, cluster in CASES:
        names = [c.strip() for c in cluster.split("+")]
        vcov = {"CRV1": "+".join(names)}
        # fixef_rm="none": singletons kept, as fixest's feols and our default (pyfixest 0.60
        # drops them by default).
        fit = pf.feols(peer, data=d, vcov=vcov, weights=weights, ssc=pf.ssc(),
                       fixef_rm="none")
        coef = fit.coef()
        se = fit.se()
        terms = [NAME_MAP.get(str(t), str(t)) for t in coef.index]
        cases.append({
            "id": cid,
            "formula": ours,
            "model": model,
            "peer_formula": peer,
            "weights": weights,
            "cluster": cluster,
            "nobs": int(fit._N),
            "terms": terms,
            "estimate": [float(v) for v in coef.to_numpy()],
            "std_error": [float(v) for v in se.to_numpy()],
            "t_df": float(fit._df_t),
        })
    doc = {
        "source": "tests/reference/make_fixtures_formula.py",
        "data_file": DATA,
        "unit": "code",
        "time": "year",
        "ssc": "pyfixest ssc() defaults (fixest's): adj, fixef_k nested, G/(G-1), t df G-1",
        "versions": peer_versions(pf),
        "cases": cases,
    }
    with open(f"{REF}/fixtures/formula/pyfixest_formula.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "data":
        write_data()
    elif what == "fixtures":
        write_fixtures()
    else:
        sys.exit(__doc__)
