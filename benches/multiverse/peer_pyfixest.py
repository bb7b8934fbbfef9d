"""pyfixest peer of benches/multiverse/multiverse_1000.toml: the same 1,000 models in one
process with pyfixest's multiple estimation, one JSON line per model on stdout.

Usage: python3 benches/multiverse/peer_pyfixest.py PANEL.csv > pyfixest.jsonl

The variables are derived as in specs/vive.toml (spending per inhabitant in 2020 prices,
nominal spending per inhabitant, first differences, population growth in %), lags within
municipality on the balanced panel. Each (sample window, exclusion, model, controls) is one
data subset and two feols calls: `y1 + y2 ~ csw(L0, L1, L2) [+ pop_growth] | FE` (lag 0 and
the distributed lags 0-1, 0-2) and `y1 + y2 ~ sw(L1, L2) [+ pop_growth] | FE` (lags 1 and 2),
SEs clustered by municipality with pyfixest's default small-sample correction (iku's
`fixest` preset), fixef_tol 1e-12. A distributed lag's effect is the sum of its lag
coefficients, its SE from the coefficient covariance.
"""
import json
import sys

import numpy as np
import pandas as pd
import pyfixest as pf

SAMPLES = [(a, 2018) for a in range(2007, 2012)]
EXCLUDE = {
    "none": [],
    "no_cph": [101],
    "no_islands": [492, 563, 741, 825],
    "no_frb": [147],
    "no_bornholm": [400],
}


def derive(d):
    d = d.sort_values(["code", "year"]).reset_index(drop=True)
    base = d.loc[d.year == 2020].set_index("code")["price_index"]
    d["spend_pc"] = d.netexp_hk6_dkk * d.code.map(base) / d.price_index / d.population
    d["spend_pc_nom"] = d.netexp_hk6_dkk / d.population
    d["iku"] = d.iku_hk6_pct
    g = d.groupby("code")
    for v in ["spend_pc", "spend_pc_nom", "iku"]:
        d["d_" + v] = d[v] - g[v].shift(1)
    d["pop_growth"] = 100 * (np.log(d.population) - np.log(g["population"].shift(1)))
    g = d.groupby("code")
    for x in ["iku", "d_iku"]:
        for k in range(3):
            d[f"L{k}_{x}"] = g[x].shift(k)
    return d


def effect(fit, terms):
    b = fit.coef()
    v = pd.DataFrame(fit._vcov, index=b.index, columns=b.index)
    w = pd.Series(0.0, index=b.index)
    w[terms] = 1.0
    return float(w @ b), float(np.sqrt(w @ v @ w))


def main():
    d = derive(pd.read_csv(sys.argv[1]))
    out = []
    for a, z in SAMPLES:
        for ex, units in EXCLUDE.items():
            sub = d[(d.year >= a) & (d.year <= z) & ~d.code.isin(units)]
            for model in ["fd_year", "twfe"]:
                x = "d_iku" if model == "fd_year" else "iku"
                ys = "d_spend_pc + d_spend_pc_nom" if model == "fd_year" else "spend_pc + spend_pc_nom"
                fe = "year" if model == "fd_year" else "code + year"
                for ctrl in ["none", "pop_growth"]:
                    c = "" if ctrl == "none" else " + pop_growth"
                    calls = [
                        (f"{ys} ~ csw(L0_{x}, L1_{x}, L2_{x}){c} | {fe}",
                         ["lag0", "distlag0-1", "distlag0-2"], [[0], [0, 1], [0, 1, 2]]),
                        (f"{ys} ~ sw(L1_{x}, L2_{x}){c} | {fe}", ["lag1", "lag2"], [[1], [2]]),
                    ]
                    for fml, timings, lags in calls:
                        fits = pf.feols(fml, data=sub, vcov={"CRV1": "code"}, fixef_tol=1e-12)
                        models = fits.all_fitted_models
                        for key, fit in models.items():
                            outcome = "real" if fit._depvar in ("spend_pc", "d_spend_pc") else "nominal"
                            present = [k for k in range(3) if f"L{k}_{x}" in fit.coef().index]
                            j = lags.index(present)
                            terms = [f"L{k}_{x}" for k in lags[j]]
                            est, se = effect(fit, terms)
                            out.append({
                                "outcome": outcome, "timing": timings[j], "model": model,
                                "controls": ctrl, "sample": f"{a}-{z}", "exclude": ex,
                                "estimate": est, "std_error": se, "nobs": int(fit._N),
                                "formula": key,
                            })
    for r in out:
        print(json.dumps(r))
    print(f"{len(out)} models", file=sys.stderr)


if __name__ == "__main__":
    main()
