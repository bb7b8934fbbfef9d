#!/usr/bin/env python3
"""Reference fixtures for cluster inference with few clusters: the wild cluster bootstrap
(pyfixest's `wildboottest()` and the `wildboottest` package), CRV3 (pyfixest) and the
Romano-Wolf / Westfall-Young adjusted p-values (pyfixest `rwolf`, `wyoung`).

Usage (from the repository root):
    python3 tests/reference/make_fixtures_boot.py   # writes fixtures/few_clusters/bootstrap_grunfeld.json

Grunfeld has 10 firms, so with Rademacher weights and reps = 9999 > 2^10 every peer uses
full enumeration (all 1024 sign vectors): the results are exact, no random numbers involved.

Two kinds of bootstrap case:
- "pyfixest": `Feols.wildboottest()`, which bootstraps the dummy-variable design (fixed effects
  as one-hot columns); with unit effects nested in the firm clusters that equals the
  bootstrap on the within-transformed design.
- "wildboottest": `WildboottestCL` called directly on the design iku bootstraps: √w-scaled
  columns with the absorbed effects projected out (weighted least-squares residuals on the
  unit / unit+year dummies), e.g. for two-way effects, weights and combinations.

Every case records the peer's t statistic, its small-sample factor `ssc` (the t statistic
scales with its square root), its p-values, the sorted bootstrap t statistics and `ties`:
the draws whose |t*| equals |t| up to rounding (the sign vectors ±1 under WCR), which a peer
counts or not depending on the last bits of its arithmetic.
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

import pyfixest as pf  # noqa: E402
import wildboottest  # noqa: E402
from importlib.metadata import version  # noqa: E402
from wildboottest.wildboottest import WildboottestCL  # noqa: E402

REF = "tests/reference"
REPS = 9999
SEED = 1

VERSIONS = {
    "python": platform.python_version(),
    "pyfixest": pf.__version__,
    "wildboottest": version("wildboottest"),
    "numpy": np.__version__,
    "pandas": pd.__version__,
}


def ties(t, tb):
    return int(np.sum(np.abs(np.abs(tb) - abs(t)) <= 1e-9 * abs(t)))


def sorted_list(tb):
    return [float(f"{v:.12g}") for v in np.sort(np.asarray(tb, dtype=float))]


def load(file):
    d = pd.read_csv(f"{REF}/data/{file}")
    return d.sort_values(["firm", "year"]).reset_index(drop=True)


def first_diff(d):
    g = d.groupby("firm")
    out = d.copy()
    for c in ("inv", "value", "capital"):
        out["d_" + c] = g[c].diff()
    # gap-aware: a difference only between consecutive years
    out.loc[g["year"].diff() != 1, ["d_inv", "d_value", "d_capital"]] = np.nan
    return out.dropna(subset=["d_inv"]).reset_index(drop=True)


def pyfixest_case(cid, file, model, fml, param, ours_param, impose_null):
    d = load(file)
    if model == "fd":
        d = first_diff(d)
    fit = pf.feols(fml, data=d, vcov={"CRV1": "firm"})
    res, tb = fit.wildboottest(param=param, reps=REPS, seed=SEED, impose_null=impose_null,
                               return_bootstrapped_t_stats=True)
    t = float(res["t value"])
    tb = np.asarray(tb, dtype=float)
    return {
        "id": cid, "peer": "pyfixest", "data_file": f"{REF}/data/{file}", "model": model,
        "formula": "inv ~ value + capital", "peer_formula": fml, "weights": None,
        "hypothesis": f"{ours_param} = 0",
        "type": "wcr" if impose_null else "wcu", "reps": int(len(tb)),
        "t_stat": t, "ssc": float(res["ssc"]),
        "p_symmetric": float(res["Pr(>|t|)"]),
        "ties": ties(t, tb), "t_boot_sorted": sorted_list(tb),
    }


def projected(d, effects, weights):
    """√w-scaled columns inv, value, capital with the effects' dummies projected out."""
    sw = np.sqrt(d[weights].to_numpy()) if weights else np.ones(len(d))
    cols = np.column_stack([d[c].to_numpy() for c in ("inv", "value", "capital")]) * sw[:, None]
    if effects:
        dummies = pd.get_dummies(d[effects].astype(str), drop_first=False).to_numpy(float)
        dummies = dummies * sw[:, None]
        coef, *_ = np.linalg.lstsq(dummies, cols, rcond=None)
        cols = cols - dummies @ coef
    else:
        cols = np.column_stack([sw, cols])  # intercept column first
        return cols[:, 1], np.column_stack([cols[:, 0], cols[:, 2:]])
    return cols[:, 0], cols[:, 1:]


def wbt_case(cid, file, model, effects, weights, R, hyp, impose_null):
    d = load(file)
    y, X = projected(d, effects, weights)
    R = np.asarray(R, dtype=float)
    boot = WildboottestCL(X=X, Y=y, cluster=d["firm"].to_numpy(), R=R, B=REPS, seed=SEED,
                          parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=impose_null)
    boot.get_weights(weights_type="rademacher")
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    p = {}
    for kind, name in (("two-tailed", "p_symmetric"), ("equal-tailed", "p_equal_tailed"),
                       (">", "p_upper"), ("<", "p_lower")):
        boot.get_pvalue(pval_type=kind)
        p[name] = float(boot.pvalue)
    t = float(np.asarray(boot.t_stat).ravel()[0])
    tb = np.asarray(boot.t_boot, dtype=float).ravel()
    fml = "inv ~ value + capital" + (f" | {' + '.join(effects)}" if effects else "")
    return {
        "id": cid, "peer": "wildboottest", "data_file": f"{REF}/data/{file}", "model": model,
        "formula": fml, "weights": weights, "hypothesis": hyp,
        "type": "wcr" if impose_null else "wcu", "reps": int(len(tb)),
        "t_stat": t, "ssc": float(boot.ssc), **p,
        "ties": ties(t, tb), "t_boot_sorted": sorted_list(tb),
    }


def crv3_cases():
    out = []
    for file in ("grunfeld.csv", "grunfeld_unbal.csv"):
        for model, fml in (("within", "inv ~ value + capital | firm"),
                           ("pooled", "inv ~ value + capital"),
                           ("fd", "d_inv ~ d_value + d_capital")):
            d = load(file)
            if model == "fd":
                d = first_diff(d)
            fit = pf.feols(fml, data=d, vcov={"CRV3": "firm"})
            se = fit.se()
            names = [n.replace("d_", "") for n in se.index]
            names = ["(Intercept)" if n == "Intercept" else n for n in names]
            out.append({"id": f"{file[:-4]}/{model}/crv3", "data_file": f"{REF}/data/{file}",
                        "model": model, "formula": "inv ~ value + capital", "ssc": "fixest",
                        "std_errors": dict(zip(names, [float(v) for v in se.to_numpy()]))})
    return out


def multiple_cases():
    d = load("grunfeld.csv")
    fmls = [("within", "inv ~ value + capital | firm"), ("within", "inv ~ value | firm"),
            ("pooled", "inv ~ value + capital"), ("pooled", "inv ~ value")]
    fits = [pf.feols(f, data=d, vcov={"CRV1": "firm"}) for _, f in fmls]
    rw = pf.rwolf(fits, "value", reps=REPS, seed=SEED)
    wy = pf.wyoung(fits, "value", reps=REPS, seed=SEED)
    tstats = []
    tie_counts = []
    for f in fits:
        res, tb = f.wildboottest(param="value", reps=REPS, seed=SEED,
                                 return_bootstrapped_t_stats=True)
        tstats.append(float(res["t value"]))
        tie_counts.append(ties(float(res["t value"]), np.asarray(tb, dtype=float)))
    return {
        "data_file": f"{REF}/data/grunfeld.csv", "param": "value", "reps": 2 ** 10,
        "models": [{"model": m, "formula": f.split(" |")[0]} for m, f in fmls],
        "t_stats": tstats, "ties": tie_counts,
        "rwolf": [float(v) for v in rw.loc["RW Pr(>|t|)"].to_numpy()],
        "wyoung": [float(v) for v in wy.loc["WY Pr(>|t|)"].to_numpy()],
    }


def main():
    cases = [
        pyfixest_case("grunfeld/within/value/wcr", "grunfeld.csv", "within",
                      "inv ~ value + capital | firm", "value", "value", True),
        pyfixest_case("grunfeld/within/value/wcu", "grunfeld.csv", "within",
                      "inv ~ value + capital | firm", "value", "value", False),
        pyfixest_case("grunfeld/within/capital/wcr", "grunfeld.csv", "within",
                      "inv ~ value + capital | firm", "capital", "capital", True),
        pyfixest_case("grunfeld/pooled/capital/wcr", "grunfeld.csv", "pooled",
                      "inv ~ value + capital", "capital", "capital", True),
        pyfixest_case("grunfeld/fd/value/wcr", "grunfeld.csv", "fd",
                      "d_inv ~ d_value + d_capital", "d_value", "value", True),
        pyfixest_case("grunfeld_unbal/within/capital/wcr", "grunfeld_unbal.csv", "within",
                      "inv ~ value + capital | firm", "capital", "capital", True),
        wbt_case("grunfeld/twoways/value/wcr", "grunfeld.csv", "twoways", ["firm", "year"],
                 None, [1, 0], "value = 0", True),
        wbt_case("grunfeld/twoways/capital/wcu", "grunfeld.csv", "twoways", ["firm", "year"],
                 None, [0, 1], "capital = 0", False),
        wbt_case("grunfeld/within-weighted/capital/wcr", "grunfeld.csv", "within", ["firm"],
                 "w", [0, 1], "capital = 0", True),
        wbt_case("grunfeld/within/sum/wcr", "grunfeld.csv", "within", ["firm"],
                 None, [1, 1], "value + capital = 0", True),
        wbt_case("grunfeld_unbal/twoways-weighted/diff/wcr", "grunfeld_unbal.csv", "twoways",
                 ["firm", "year"], "w", [1, -1], "value - capital = 0", True),
        wbt_case("grunfeld_unbal/twoways-weighted/diff/wcu", "grunfeld_unbal.csv", "twoways",
                 ["firm", "year"], "w", [1, -1], "value - capital = 0", False),
    ]
    obj = {"versions": VERSIONS, "reps_requested": REPS, "seed": SEED, "weights": "rademacher",
           "cluster": "firm", "bootstrap": cases, "crv3": crv3_cases(),
           "multiple": multiple_cases()}
    out = f"{REF}/fixtures/few_clusters/bootstrap_grunfeld.json"
    with open(out, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")
    print(f"{out}: {len(cases)} bootstrap cases", file=sys.stderr)


if __name__ == "__main__":
    main()
