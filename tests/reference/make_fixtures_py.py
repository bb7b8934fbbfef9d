#!/usr/bin/env python3
"""Reference fixtures from Python peers: pyfixest, linearmodels, statsmodels.

Usage (from the repository root):
    python3 tests/reference/make_fixtures_py.py data       # writes data/wage_*.csv
    python3 tests/reference/make_fixtures_py.py fixtures   # writes fixtures/{pyfixest,linearmodels,statsmodels}_*.json

`data` needs nothing; `fixtures` needs data/grunfeld*.csv written by
`Rscript tests/reference/make_fixtures_R.R data`. See README.md / regenerate.sh.
"""
import json
import math
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

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
WAGE_COLS = ["nr", "year", "lwage", "expersq", "union", "married", "hours",
             "exper", "black", "hisp", "educ", "occupation"]


def wage_unbal_drop(d):
    """Rows of the balanced wage panel dropped to make wage_unbal.csv.

    Persons are numbered i = 0, 1, ..., 544 in increasing `nr`.  A row is dropped if
      (a) i % 10 == 0 and year >= 1985   (attrition: these persons end in 1984)
      (b) i % 7 == 3  and year == 1983   (interior one-year gap)
      (c) i % 13 == 5 and year <= 1981   (late entry: these persons start in 1982)
    """
    persons = {nr: i for i, nr in enumerate(sorted(d["nr"].unique()))}
    i = d["nr"].map(persons)
    y = d["year"]
    return ((i % 10 == 0) & (y >= 1985)) | ((i % 7 == 3) & (y == 1983)) | ((i % 13 == 5) & (y <= 1981))


def write_data():
    from linearmodels.datasets import wage_panel
    d = wage_panel.load()[WAGE_COLS].sort_values(["nr", "year"]).reset_index(drop=True)
    # analytic weight, same rule as Grunfeld: 1 + ((row - 1) mod 5) / 4 on the balanced file
    d["w"] = 1 + (np.arange(len(d)) % 5) / 4
    d.to_csv(f"{REF}/data/wage_panel.csv", index=False)
    drop = wage_unbal_drop(d)
    d[~drop].to_csv(f"{REF}/data/wage_unbal.csv", index=False)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "data":
    write_data()
    sys.exit(0)

# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
import linearmodels  # noqa: E402
import pyfixest as pf  # noqa: E402
import scipy  # noqa: E402
import statsmodels  # noqa: E402
import statsmodels.formula.api as smf  # noqa: E402
from linearmodels.panel import (BetweenOLS, FirstDifferenceOLS, PanelOLS,  # noqa: E402
                                PooledOLS, RandomEffects)

VERSIONS = {
    "python": platform.python_version(),
    "pyfixest": pf.__version__,
    "linearmodels": linearmodels.__version__,
    "statsmodels": statsmodels.__version__,
    "numpy": np.__version__,
    "pandas": pd.__version__,
    "scipy": scipy.__version__,
}

DATASETS = [
    # name, file, unit, time, formula rhs, lhs
    ("grunfeld", "grunfeld.csv", "firm", "year", "inv", ["value", "capital"]),
    ("grunfeld_unbal", "grunfeld_unbal.csv", "firm", "year", "inv", ["value", "capital"]),
    ("wage_panel", "wage_panel.csv", "nr", "year", "lwage", ["expersq", "union", "married", "hours"]),
    ("wage_unbal", "wage_unbal.csv", "nr", "year", "lwage", ["expersq", "union", "married", "hours"]),
]


def fnum(x):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def fint(x):
    return None if x is None else int(x)


def term_name(t):
    return "(Intercept)" if t in ("Intercept", "const", "(Intercept)") else t


def coef_list(names, est, se, tval, pval, lo, hi, df):
    return [
        {"term": term_name(n), "estimate": fnum(est[i]), "std_error": fnum(se[i]),
         "t_value": fnum(tval[i]), "df": df, "p_value": fnum(pval[i]),
         "conf_low": fnum(lo[i]), "conf_high": fnum(hi[i])}
        for i, n in enumerate(names)
    ]


def matrix(v):
    v = np.asarray(v, dtype=float)
    return [[fnum(x) for x in row] for row in v]


def write_json(peer, ds, fname, unit, time, cases, notes=None):
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    obj = {"peer": peer, "versions": VERSIONS, "dataset": ds,
           "data_file": f"{REF}/data/{fname}", "unit": unit, "time": time}
    if notes:
        obj["notes"] = notes
    obj["cases"] = cases
    out = f"{REF}/fixtures/{peer}_{ds}.json"
    with open(out, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")
    print(f"{out}: {len(cases)} cases", file=sys.stderr)


# ---------------------------------------------------------------------------
# pyfixest
# ---------------------------------------------------------------------------
# ssc presets.  pyfixest's own default is ssc() == ssc(k_adj=True, k_fixef="nonnested",
# G_adj=True, G_df="min"); it is recorded in every case under "peer_options".
# pyfixest's default fixef_tol (1e-6) leaves the two-way demeaning on unbalanced panels
# visibly inexact; a tight tolerance makes the fixtures exact to ~1e-12.
FIXEF_TOL = 1e-12
SSC_DEFAULT = ("fixest", "default", {})
SSC_PLAIN = ("none", "plain", {"k_adj": False, "G_adj": False})
SSC_FULL = ("stata", "kfixef_full", {"k_fixef": "full"})


def pyfixest_cases(ds, d, unit, time, y, xs):
    rhs = " + ".join(xs)
    models = {
        "pooled": f"{y} ~ {rhs}",
        "within": f"{y} ~ {rhs} | {unit}",
        "twoways": f"{y} ~ {rhs} | {unit} + {time}",
    }
    vcovs = [
        # (iku vcov, pyfixest vcov, vcov_kwargs, lags)
        ("iid", "iid", None, None),
        ("hc1", "hetero", None, None),
        ("hc2", "HC2", None, None),
        ("hc3", "HC3", None, None),
        ("cluster", {"CRV1": unit}, None, None),
        ("cluster-time", {"CRV1": time}, None, None),
        ("cluster-twoway", {"CRV1": f"{unit}+{time}"}, None, None),
        ("driscoll-kraay", "DK", {"lag": 2, "time_id": time, "panel_id": unit}, 2),
        ("newey-west", "NW", {"lag": 2, "time_id": time, "panel_id": unit}, 2),
        ("driscoll-kraay", "DK", {"lag": 3, "time_id": time, "panel_id": unit}, 3),
        ("newey-west", "NW", {"lag": 3, "time_id": time, "panel_id": unit}, 3),
    ]
    cases = []

    def run(model, fml, vc, pvc, kw, lags, ssc_label, ssc_name, ssc_kw, weights=None):
        note = None
        if model != "pooled" and pvc in ("HC2", "HC3"):
            return  # pyfixest: HC2/HC3 not supported with fixed effects
        if lags == 3 and model == "twoways":
            return
        if ssc_label == "stata" and vc not in ("hc1", "cluster", "cluster-time"):
            return
        if ssc_label == "none" and vc in ("iid",):
            # k_adj=False makes sigma^2 = RSS/(n-1): no iku preset uses this; recorded with ssc=null
            ssc_label = None
            note = "ssc(k_adj=False): sigma^2 = RSS/(n-1); matches no iku preset"
        if ssc_label == "none" and pvc == "NW" and ds.endswith("_unbal"):
            # pyfixest's panel NW lags by row position within unit (ignores time gaps);
            # plm's vcovNW lags by the time index: they differ on panels with gaps.
            ssc_label = None
            note = "pyfixest panel Newey-West lags by row position within unit (time gaps ignored); differs from plm vcovNW on gapped panels"
        if ssc_label == "none" and vc == "hc1":
            vc = "hc0"  # hetero without any adjustment is the plain White sandwich
        ssc = pf.ssc(**ssc_kw)
        fit = pf.feols(fml, data=d, vcov=pvc, vcov_kwargs=kw, ssc=ssc, weights=weights,
                       fixef_tol=FIXEF_TOL)
        tb = fit.tidy()
        names = list(tb.index)
        df_t = fnum(np.asarray(fit._df_t).min())
        kwtxt = f", vcov_kwargs={kw}" if kw else ""
        wtxt = f", weights='{weights}'" if weights else ""
        call = f"pf.feols('{fml}', data, vcov={pvc!r}{kwtxt}, ssc=pf.ssc({', '.join(f'{k}={v!r}' for k, v in ssc_kw.items())}){wtxt}, fixef_tol={FIXEF_TOL})"
        parts = [ds, model] + (["weighted"] if weights else []) + [vc] + ([f"L{lags}"] if lags else [])
        parts += [ssc_name]
        cases.append({
            "id": "/".join(parts), "call": call, "formula": fml, "model": model, "vcov": vc,
            "lags": lags, "ssc": ssc_label, "weights": weights,
            "peer_options": {"ssc": {k: (bool(v) if isinstance(v, (bool, np.bool_)) else v) for k, v in fit._ssc_dict.items()},
                             "ssc_factor": fnum(np.asarray(fit._ssc).ravel()[0]), "df_k": fint(fit._df_k)},
            "nobs": fint(fit._N), "df_resid": fint(fit._N - fit._df_k),
            "r2": fnum(fit._r2), "r2_adj": fnum(fit._adj_r2),
            "r2_within": fnum(getattr(fit, "_r2_within", None)) if model != "pooled" else None,
            "coefficients": coef_list(names, tb["Estimate"].values, tb["Std. Error"].values,
                                      tb["t value"].values, tb["Pr(>|t|)"].values,
                                      tb["2.5%"].values, tb["97.5%"].values, df_t),
            "vcov_matrix": matrix(fit._vcov),
        })
        if note:
            cases[-1]["note"] = note

    for model, fml in models.items():
        for ssc_label, ssc_name, ssc_kw in (SSC_DEFAULT, SSC_PLAIN, SSC_FULL):
            for vc, pvc, kw, lags in vcovs:
                run(model, fml, vc, pvc, kw, lags, ssc_label, ssc_name, ssc_kw)
    # weighted (analytic weights): pooled and within
    for model in ("pooled", "within"):
        for ssc_label, ssc_name, ssc_kw in (SSC_DEFAULT, SSC_PLAIN):
            for vc, pvc, kw, lags in vcovs[:2] + vcovs[4:5]:
                run(model, models[model], vc, pvc, kw, lags, ssc_label, ssc_name, ssc_kw, weights="w")
    return cases


# ---------------------------------------------------------------------------
# linearmodels
# ---------------------------------------------------------------------------
def lm_model(model, y, xs, pdata, weights=None):
    rhs = " + ".join(xs)
    w = pdata[weights] if weights else None
    if model == "pooled":
        f = f"{y} ~ 1 + {rhs}"
        return f, "PooledOLS", PooledOLS.from_formula(f, pdata, weights=w)
    if model == "within":
        f = f"{y} ~ {rhs} + EntityEffects"
        return f, "PanelOLS", PanelOLS.from_formula(f, pdata, weights=w)
    if model == "twoways":
        f = f"{y} ~ {rhs} + EntityEffects + TimeEffects"
        return f, "PanelOLS", PanelOLS.from_formula(f, pdata, weights=w)
    if model == "fd":
        f = f"{y} ~ {rhs}"
        return f, "FirstDifferenceOLS", FirstDifferenceOLS.from_formula(f, pdata, weights=w)
    if model == "between":
        f = f"{y} ~ 1 + {rhs}"
        return f, "BetweenOLS", BetweenOLS.from_formula(f, pdata, weights=w)
    if model == "random":
        f = f"{y} ~ 1 + {rhs}"
        return f, "RandomEffects", RandomEffects.from_formula(f, pdata, weights=w)
    raise ValueError(model)


LM_COVS = [
    # (iku vcov, fit kwargs, lags)
    ("iid", {"cov_type": "unadjusted"}, None),
    ("hc0", {"cov_type": "robust"}, None),
    ("cluster", {"cov_type": "clustered", "cluster_entity": True}, None),
    ("cluster-time", {"cov_type": "clustered", "cluster_time": True}, None),
    ("cluster-twoway", {"cov_type": "clustered", "cluster_entity": True, "cluster_time": True}, None),
    ("driscoll-kraay", {"cov_type": "kernel", "kernel": "bartlett", "bandwidth": 2}, 2),
    ("driscoll-kraay", {"cov_type": "kernel", "kernel": "bartlett", "bandwidth": 3}, 3),
]


def linearmodels_cases(ds, d, unit, time, y, xs):
    pdata = d.set_index([unit, time])
    cases = []
    skipped = []
    specs = [(m, None) for m in ("pooled", "within", "twoways", "fd", "between", "random")]
    specs += [("pooled", "w"), ("within", "w")]
    for model, weights in specs:
        for vc, kw, lags in LM_COVS:
            if lags == 3 and model not in ("pooled", "within"):
                continue
            if weights and vc not in ("iid", "hc0", "cluster"):
                continue
            for debiased in (False, True):
                fkw = dict(kw, debiased=debiased)
                f, cls, mod = lm_model(model, y, xs, pdata, weights)
                try:
                    res = mod.fit(**fkw)
                except Exception as e:  # record what the peer refuses
                    skipped.append(f"{model}{'/weighted' if weights else ''}: {cls}.fit({fkw}) -> {type(e).__name__}: {e}")
                    continue
                ci = res.conf_int()
                names = list(res.params.index)
                df = fint(res.df_resid) if debiased else None
                wtxt = f", weights=data['{weights}']" if weights else ""
                call = f"{cls}.from_formula('{f}', data.set_index(['{unit}', '{time}']){wtxt}).fit({', '.join(f'{k}={v!r}' for k, v in fkw.items())})"
                parts = [ds, model] + (["weighted"] if weights else []) + [vc] + ([f"L{lags}"] if lags else [])
                parts += ["debiased" if debiased else "default"]
                case = {
                    "id": "/".join(parts), "call": call, "formula": f, "model": model, "vcov": vc,
                    # iku's 'linearmodels' preset = linearmodels' defaults (debiased=False);
                    # debiased=True variants are recorded for reference (see README for
                    # which of them coincide numerically with other presets).
                    "lags": lags, "ssc": None if debiased else "linearmodels", "weights": weights,
                    "peer_options": fkw,
                    "nobs": fint(res.nobs), "df_resid": fint(res.df_resid),
                    "r2": fnum(res.rsquared), "r2_within": fnum(res.rsquared_within),
                    "r2_between": fnum(res.rsquared_between), "r2_overall": fnum(res.rsquared_overall),
                    "coefficients": coef_list(names, res.params.values, res.std_errors.values,
                                              res.tstats.values, res.pvalues.values,
                                              ci.iloc[:, 0].values, ci.iloc[:, 1].values, df),
                    "vcov_matrix": matrix(res.cov),
                }
                if model == "random":
                    vd = res.variance_decomposition
                    case["variance_components"] = {
                        "sigma2_effects": fnum(vd["Effects"]), "sigma2_idiosyncratic": fnum(vd["Residual"]),
                        "theta": [fnum(t) for t in np.unique(np.round(np.asarray(res.theta).ravel(), 15))],
                    }
                cases.append(case)
    return cases, skipped


# ---------------------------------------------------------------------------
# statsmodels: OLS / WLS, LSDV (unit / time dummies) for within and twoways
# ---------------------------------------------------------------------------
def statsmodels_cases(ds, d, unit, time, y, xs):
    rhs = " + ".join(xs)
    models = {
        "pooled": f"{y} ~ {rhs}",
        "within": f"{y} ~ {rhs} + C({unit})",
        "twoways": f"{y} ~ {rhs} + C({unit}) + C({time})",
    }
    covs = [
        # (iku vcov, ssc label, fit kwargs, note)
        ("iid", "none", {"use_t": True}, None),
        ("hc0", "none", {"cov_type": "HC0", "use_t": True}, None),
        ("hc1", "none", {"cov_type": "HC1", "use_t": True}, None),
        ("hc1", "stata", {"cov_type": "HC1", "use_t": True}, None),
        ("hc2", "none", {"cov_type": "HC2", "use_t": True}, "leverage of the full design (with dummies)"),
        ("hc3", "none", {"cov_type": "HC3", "use_t": True}, "leverage of the full design (with dummies)"),
        ("cluster", "stata", {"cov_type": "cluster", "cov_kwds": {"groups": unit}, "use_t": True}, None),
        ("cluster-time", "stata", {"cov_type": "cluster", "cov_kwds": {"groups": time}, "use_t": True}, None),
        ("cluster", "none", {"cov_type": "cluster", "cov_kwds": {"groups": unit, "use_correction": False, "df_correction": False}, "use_t": True}, None),
        ("cluster-time", "none", {"cov_type": "cluster", "cov_kwds": {"groups": time, "use_correction": False, "df_correction": False}, "use_t": True}, None),
    ]
    cases = []
    for model, f in models.items():
        for weights in (None, "w"):
            if weights and model == "twoways":
                continue
            for vc, ssc_label, kw, note in covs:
                if weights and vc not in ("iid", "hc0", "hc1", "cluster"):
                    continue
                label = ssc_label
                if model != "pooled" and vc in ("hc2", "hc3"):
                    # LSDV leverages include the dummies: h_ii(LSDV) = h_ii(demeaned) + 1/T_i,
                    # which is not iku's hc2/hc3 (leverage of the demeaned design)
                    label = None
                fkw = dict(kw)
                if "cov_kwds" in fkw:
                    fkw["cov_kwds"] = dict(fkw["cov_kwds"])
                    fkw["cov_kwds"]["groups"] = d[fkw["cov_kwds"]["groups"]].values
                mod = smf.wls(f, d, weights=d[weights]) if weights else smf.ols(f, d)
                res = mod.fit(**fkw)
                keep = ["Intercept"] + xs if model == "pooled" else xs
                ci = res.conf_int()
                use_t = res.use_t
                df = fint(res.df_resid_inference) if (use_t and getattr(res, "df_resid_inference", None) is not None) else (fint(res.df_resid) if use_t else None)
                ktxt = repr(kw).replace(f"'groups': '{unit}'", f"'groups': data['{unit}']").replace(f"'groups': '{time}'", f"'groups': data['{time}']")
                call = (f"smf.{'wls' if weights else 'ols'}('{f}', data{', weights=data[' + repr(weights) + ']' if weights else ''}).fit(**{ktxt})")
                parts = [ds, model] + (["weighted"] if weights else []) + [vc, label if label else "lsdv_leverage"]
                V = res.cov_params().loc[keep, keep].values
                case = {
                    "id": "/".join(parts), "call": call, "formula": f, "model": model, "vcov": vc,
                    "lags": None, "ssc": label, "weights": weights,
                    "nobs": fint(res.nobs), "df_resid": fint(res.df_resid),
                    "r2": fnum(res.rsquared), "r2_adj": fnum(res.rsquared_adj), "r2_within": None,
                    "coefficients": coef_list(keep, res.params[keep].values, res.bse[keep].values,
                                              res.tvalues[keep].values, res.pvalues[keep].values,
                                              ci.loc[keep, 0].values, ci.loc[keep, 1].values, df),
                    "vcov_matrix": matrix(V),
                }
                if note:
                    case["note"] = note
                cases.append(case)
    return cases


def main():
    for ds, fname, unit, time, y, xs in DATASETS:
        d = pd.read_csv(f"{REF}/data/{fname}")
        write_json("pyfixest", ds, fname, unit, time, pyfixest_cases(ds, d, unit, time, y, xs))
        lm_cases, skipped = linearmodels_cases(ds, d, unit, time, y, xs)
        write_json("linearmodels", ds, fname, unit, time, lm_cases,
                   notes={"skipped_by_peer": skipped} if skipped else None)
        write_json("statsmodels", ds, fname, unit, time, statsmodels_cases(ds, d, unit, time, y, xs))


if __name__ == "__main__":
    main()
