#!/usr/bin/env python3
"""Deterministic benchmark panels (CSV) for iku and its peers.

Writes a balanced panel of N units x T years and an unbalanced variant with about 10 % of the
rows dropped by a seeded rule. Columns: id,year,y,x1,x2,x3,w. Same arguments -> byte-identical
files (NumPy PCG64 generator, fixed number formatting).

    python3 benches/make_panel.py --units 20000 --years 20 --seed 42 --out-dir benches/data
"""
import argparse
import os

import numpy as np


def build(units: int, years: int, seed: int):
    """Return (id, year, y, x1, x2, x3, w) arrays of the balanced panel, rows sorted by (id, year)."""
    rng = np.random.default_rng(seed)
    n = units * years
    ids = np.repeat(np.arange(1, units + 1), years)
    year = np.tile(np.arange(2001, 2001 + years), units)
    alpha = rng.normal(0.0, 2.0, units)[ids - 1]  # unit effects, correlated with x below
    gamma = rng.normal(0.0, 1.0, years)[year - 2001]  # year effects
    x1 = 0.5 * alpha + rng.normal(0.0, 1.0, n)
    x2 = 0.3 * gamma + rng.normal(0.0, 1.0, n)
    x3 = rng.uniform(-1.0, 1.0, n) + 0.2 * x1
    w = rng.uniform(0.5, 2.0, n)
    e = rng.normal(0.0, 1.0, n) * (0.5 + 0.5 * np.abs(x3))  # heteroskedastic noise
    y = 1.0 + alpha + gamma + 1.0 * x1 - 0.5 * x2 + 0.25 * x3 + e
    return ids, year, y, x1, x2, x3, w


def write(path: str, cols, keep) -> int:
    """Write the kept rows as CSV (12 significant digits) via a temporary file and rename."""
    ids, year, y, x1, x2, x3, w = (c[keep] for c in cols)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="\n") as f:
        f.write("id,year,y,x1,x2,x3,w\n")
        for row in zip(ids.tolist(), year.tolist(), y.tolist(), x1.tolist(), x2.tolist(),
                       x3.tolist(), w.tolist()):
            f.write("%d,%d,%.12g,%.12g,%.12g,%.12g,%.12g\n" % row)
    os.replace(tmp, path)
    return int(keep.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=20000)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--drop", type=float, default=0.10, help="share of rows dropped in the unbalanced panel")
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "data"))
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    cols = build(a.units, a.years, a.seed)
    n = cols[0].size
    # Unbalanced rule: an independent seeded uniform per row; a row is dropped when it is below
    # `drop`, except each unit's first year, so that no unit vanishes.
    u = np.random.default_rng(a.seed + 1).uniform(0.0, 1.0, n)
    first = cols[1] == cols[1].min()
    keep_unbal = (u >= a.drop) | first
    tag = f"{a.units}x{a.years}"
    nb = write(os.path.join(a.out_dir, f"balanced_{tag}.csv"), cols, np.ones(n, dtype=bool))
    nu = write(os.path.join(a.out_dir, f"unbalanced_{tag}.csv"), cols, keep_unbal)
    print(f"balanced_{tag}.csv: {nb} rows; unbalanced_{tag}.csv: {nu} rows ({100 * (1 - nu / n):.1f} % dropped)")


if __name__ == "__main__":
    main()
