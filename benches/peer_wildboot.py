#!/usr/bin/env python3
"""The wild cluster restricted bootstrap of the study's best estimate in the peers, timed after
the fit: pyfixest's `Feols.wildboottest` and the `wildboottest` package on a statsmodels OLS
with year dummies (B = 9,999 Rademacher draws, clustered by municipality, H0: effect = 0).

The best estimate (`fd_year` of specs/vive.toml) is rebuilt here from the shipped panel:
spending per inhabitant in 2020 prices (netexp / population * P_2020 / P_t), gap-aware first
differences within municipality, the change in IKU lagged one year, dependent-variable years
2007-2018, year effects. Prints the coefficient (to check it is the same model as iku's), the
p-values and the median of REPS timed runs of each peer's bootstrap call.

    python3 benches/peer_wildboot.py [--reps 11]
"""
import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def best_estimate_sample(path):
    """The estimation sample of `fd_year`: d_spend_pc, l1_d_iku, code, year."""
    p = pd.read_csv(path).sort_values(["code", "year"])
    base = p.loc[p.year == 2020].set_index("code")["price_index"]
    p["spend_pc"] = p.netexp_hk6_dkk / p.population * p.code.map(base) / p.price_index
    p["iku"] = p.iku_hk6_pct
    g = p.groupby("code")
    gap1 = g.year.diff() == 1
    p["d_spend_pc"] = np.where(gap1, g.spend_pc.diff(), np.nan)
    p["d_iku"] = np.where(gap1, g.iku.diff(), np.nan)
    p["l1_d_iku"] = np.where(gap1, p.groupby("code").d_iku.shift(1), np.nan)
    s = p[(p.year >= 2007) & (p.year <= 2018)].dropna(subset=["d_spend_pc", "l1_d_iku"])
    return s[["code", "year", "d_spend_pc", "l1_d_iku"]].reset_index(drop=True)


def timed(f, reps):
    """Median and min wall time (ms) of `reps` calls of f, and the last result."""
    ts, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), min(ts), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=11, help="timed runs of each peer")
    ap.add_argument("--panel", default=os.path.join(ROOT, "data", "synthetic", "panel.csv"))
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    import pyfixest as pf
    import statsmodels.api as sm
    import statsmodels
    import wildboottest
    from importlib.metadata import version
    from wildboottest.wildboottest import wildboottest as wbt

    s = best_estimate_sample(a.panel)
    fit = pf.feols("d_spend_pc ~ l1_d_iku | year", data=s, vcov={"CRV1": "code"})
    print(f"peers: pyfixest {pf.__version__}, wildboottest {version('wildboottest')}, "
          f"statsmodels {statsmodels.__version__}, numpy {np.__version__}")
    print(f"fd_year: n = {fit._N}, coefficient l1_d_iku = {fit.coef()['l1_d_iku']:.10g}, "
          f"CRV1 SE = {fit.se()['l1_d_iku']:.10g}")
    med, lo, r = timed(lambda: fit.wildboottest(reps=9999, param="l1_d_iku", cluster="code",
                                                weights_type="rademacher", seed=20220301), a.reps)
    print(f"pyfixest Feols.wildboottest (WCR, B = 9999): p = {float(r['Pr(>|t|)']):.4f}; "
          f"median {med:.2f} ms, min {lo:.2f} ms over {a.reps} runs")
    X = pd.get_dummies(s.year, prefix="y", drop_first=True, dtype=float)
    X.insert(0, "l1_d_iku", s.l1_d_iku)
    X = sm.add_constant(X)
    ols = sm.OLS(s.d_spend_pc, X)
    med, lo, r = timed(lambda: wbt(ols, B=9999, cluster=s.code, param="l1_d_iku",
                                   weights_type="rademacher", seed=20220301, show=False,
                                   parallel=False), a.reps)
    print(f"wildboottest (statsmodels OLS + year dummies, WCR, B = 9999): p = "
          f"{float(r['p-value'].iloc[0]):.4f}; median {med:.2f} ms, min {lo:.2f} ms over {a.reps} runs")


if __name__ == "__main__":
    sys.exit(main())
