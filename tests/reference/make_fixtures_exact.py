#!/usr/bin/env python3
"""Exact sandwich covariances on a near-collinear panel (x2 = x1 + 1e-8·z), in 80-digit
arithmetic with mpmath, for the accuracy regression test in
crates/panelkit/tests/near_collinear.rs.

Writes tests/reference/data/near_collinear.csv and
tests/reference/fixtures/exact/mpmath_near_collinear.json. Every number of the CSV is read
back as the binary double it denotes (mpf(float(text))), so the exact answer is the answer
for the data the library reads. Covariances are the plain ones (no small-sample factor):
B = (X'X)^-1 for iid and B M B for the sandwich kinds, with the meats defined as in
crates/panelkit/src/inference/covariance.rs (leverages h_i = x_i'B x_i; two-way clustering
M_unit + M_time - M_unit∩time; Driscoll-Kraay and Newey-West with Bartlett weights and the
lag at period t - l). Rerunning is byte-identical.

usage: python3 tests/reference/make_fixtures_exact.py
"""
import json
import os
import platform
import random

import mpmath
from mpmath import mp, mpf

mp.dps = 80
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "near_collinear.csv")
OUT = os.path.join(ROOT, "fixtures", "exact", "mpmath_near_collinear.json")


def make_data():
    rng = random.Random(20261127)
    rows = []
    for unit in range(1, 13):
        a = rng.gauss(0, 1)
        for t in range(2001, 2009):
            x1 = round(rng.uniform(0, 10), 6)
            z = round(rng.gauss(0, 1), 6)
            x2 = x1 + 1e-8 * z
            e = rng.gauss(0, 1) * (1 + 0.2 * x1)
            y = round(1 + 0.5 * x1 + 2 * z + a + e, 6)
            rows.append((unit, t, y, x1, x2))
    with open(DATA, "w", newline="\n") as f:
        f.write("id,t,y,x1,x2\n")
        for unit, t, y, x1, x2 in rows:
            f.write(f"{unit},{t},{y!r},{x1!r},{x2!r}\n")


def read_data():
    with open(DATA) as f:
        lines = f.read().split("\n")[1:]
    out = []
    for ln in lines:
        if ln:
            p = ln.split(",")
            out.append((int(p[0]), int(p[1])) + tuple(mpf(float(v)) for v in p[2:]))
    return out


def demean(col, groups):
    sums, counts = {}, {}
    for v, g in zip(col, groups):
        sums[g] = sums.get(g, 0) + v
        counts[g] = counts.get(g, 0) + 1
    return [v - sums[g] / counts[g] for v, g in zip(col, groups)]


def outer(a, b):
    return mpmath.matrix([[a[p] * b[q] for q in range(len(b))] for p in range(len(a))])


def zeros(k):
    return mpmath.matrix(k, k)


def grouped(s, groups):
    sums = {}
    for row, g in zip(s, groups):
        if g in sums:
            sums[g] = [a + b for a, b in zip(sums[g], row)]
        else:
            sums[g] = list(row)
    return sums


def gram(rows, k):
    m = zeros(k)
    for r in rows:
        m += outer(r, r)
    return m


def bartlett(lag, lags):
    return 1 - mpf(lag) / (lags + 1)


def covariances(X, y, unit, time):
    n, k = len(X), len(X[0])
    Xm = mpmath.matrix(X)
    B = (Xm.T * Xm) ** -1
    beta = B * (Xm.T * mpmath.matrix(y))
    u = [y[i] - sum(X[i][p] * beta[p] for p in range(k)) for i in range(n)]
    s = [[X[i][p] * u[i] for p in range(k)] for i in range(n)]
    h = [sum(X[i][p] * B[p, q] * X[i][q] for p in range(k) for q in range(k)) for i in range(n)]
    meats = {
        "hc0": gram(s, k),
        "hc2": gram([[v / mpmath.sqrt(1 - h[i]) for v in s[i]] for i in range(n)], k),
        "hc3": gram([[v / (1 - h[i]) for v in s[i]] for i in range(n)], k),
        "cluster": gram(grouped(s, unit).values(), k),
        "cluster-time": gram(grouped(s, time).values(), k),
    }
    meats["cluster-twoway"] = (
        meats["cluster"] + meats["cluster-time"] - gram(grouped(s, list(zip(unit, time))).values(), k)
    )
    for lags in (1, 2):
        ht = grouped(s, time)
        m = gram(ht.values(), k)
        for lag in range(1, lags + 1):
            for t, a in ht.items():
                if t - lag in ht:
                    b = ht[t - lag]
                    m += bartlett(lag, lags) * (outer(a, b) + outer(b, a))
        meats[f"driscoll-kraay/{lags}"] = m
    pos = {(unit[i], time[i]): i for i in range(n)}
    m = gram(s, k)
    for i in range(n):
        j = pos.get((unit[i], time[i] - 1))
        if j is not None:
            m += bartlett(1, 1) * (outer(s[i], s[j]) + outer(s[j], s[i]))
    meats["newey-west/1"] = m
    out = {"iid": B}
    for name, m in meats.items():
        out[name] = B * m * B
    return [beta[p] for p in range(k)], out


def as_list(m):
    return [[float(m[p, q]) for q in range(m.cols)] for p in range(m.rows)]


def main():
    make_data()
    rows = read_data()
    unit = [r[0] for r in rows]
    time = [r[1] for r in rows]
    y = [r[2] for r in rows]
    x1 = [r[3] for r in rows]
    x2 = [r[4] for r in rows]
    cases = []
    pooled = [[mpf(1), a, b] for a, b in zip(x1, x2)]
    within = [list(r) for r in zip(demean(x1, unit), demean(x2, unit))]
    for model, terms, X, yy in [
        ("pooled", ["(Intercept)", "x1", "x2"], pooled, y),
        ("within", ["x1", "x2"], within, demean(y, unit)),
    ]:
        beta, covs = covariances(X, yy, unit, time)
        for name, v in covs.items():
            kind, _, lags = name.partition("/")
            cases.append(
                {
                    "model": model,
                    "formula": "y ~ x1 + x2",
                    "vcov": kind,
                    "lags": int(lags) if lags else None,
                    "terms": terms,
                    "coefficients": [float(b) for b in beta],
                    "matrix": as_list(v),
                }
            )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    doc = {
        "peer": "mpmath %s (mp.dps = %d), Python %s" % (mpmath.__version__, mp.dps, platform.python_version()),
        "data": "tests/reference/data/near_collinear.csv",
        "note": "plain covariances (no small-sample factor), exact for the doubles in the CSV, rounded to double",
        "cases": cases,
    }
    with open(OUT, "w", newline="\n") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
