#!/usr/bin/env python3
"""Transcribe the real offline figures into iku's tidy reference files.

Usage: python3 data/reference/transcribe.py ../shared/data/real data/reference

Inputs (see ../shared/data/real/README.md for their origin):
  population_2007_2022.csv               noegletal.dk export (BOM, CRLF, ';', '.' = thousands)
  regk31_64551_per_capita_2016_2021.csv  Statistics Denmark REGK31, function 6.45.51, DKK/inhabitant
Outputs (UTF-8, ',', '\n', '.' decimals, one row per municipality-year):
  municipalities.csv  code,name,region_code,region_name
  population.csv      code,name,year,population,source
  regk31_64551.csv    code,name,year,function,dkk_per_capita_net,source
"""
import csv
import os
import sys

POP_SOURCE = ("noegletal.dk municipal key figures (Indenrigsministeriet), via "
              "maxodsbjerg/LeafletExploRation danske_kommuner/data/kommune_indbyggere_2007_2022.csv @08c7dd5")
REGK_SOURCE = ("Statistics Denmark REGK31, I alt (netto), Pr. indbygger, loebende priser, via "
               "marieleth/marieleth--hvad-bruger-din-kommune-pengene-paa data/<year>.csv")

REGIONS = {1081: "Region Nordjylland", 1082: "Region Midtjylland", 1083: "Region Syddanmark",
           1084: "Region Hovedstaden", 1085: "Region Sjælland"}
HOVEDSTADEN = {101, 147, 151, 153, 155, 157, 159, 161, 163, 165, 167, 169, 173, 175, 183, 185,
               187, 190, 201, 210, 217, 219, 223, 230, 240, 250, 260, 270, 400}
SJAELLAND = {253, 259, 265, 269, 306, 316, 320, 326, 329, 330, 336, 340, 350, 360, 370, 376, 390}
SYDDANMARK = {410, 420, 430, 440, 450, 461, 479, 480, 482, 492, 510, 530, 540, 550, 561, 563,
              573, 575, 580, 607, 621, 630}
MIDTJYLLAND = {615, 657, 661, 665, 671, 706, 707, 710, 727, 730, 740, 741, 746, 751, 756, 760,
               766, 779, 791}
NORDJYLLAND = {773, 787, 810, 813, 820, 825, 840, 846, 849, 851, 860}


def region(code):
    for rc, members in ((1084, HOVEDSTADEN), (1085, SJAELLAND), (1083, SYDDANMARK),
                        (1082, MIDTJYLLAND), (1081, NORDJYLLAND)):
        if code in members:
            return rc
    raise SystemExit(f"municipality {code} has no region")


def main(src, out):
    with open(os.path.join(src, "regk31_64551_per_capita_2016_2021.csv"), encoding="utf-8") as f:
        regk = [r for r in csv.DictReader(f) if r["kommunekode"]]
    names = {int(r["kommunekode"]): r["kommune"] for r in regk}
    with open(os.path.join(src, "population_2007_2022.csv"), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, body = rows[0], rows[1:]
    years = [int(h.split("_")[1]) for h in header[2:]]
    pop = []
    for r in body:
        code = int(r[1])
        for y, v in zip(years, r[2:]):
            pop.append((code, y, int(v.replace(".", ""))))
    codes = sorted({c for c, _, _ in pop})
    assert len(codes) == 98 and set(codes) == set(names), "expected the same 98 municipalities"
    assert len(HOVEDSTADEN | SJAELLAND | SYDDANMARK | MIDTJYLLAND | NORDJYLLAND) == 98
    with open(os.path.join(out, "municipalities.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "region_code", "region_name"])
        for c in codes:
            rc = region(c)
            w.writerow([c, names[c], rc, REGIONS[rc]])
    with open(os.path.join(out, "population.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "year", "population", "source"])
        for c, y, v in sorted(pop):
            w.writerow([c, names[c], y, v, POP_SOURCE])
    with open(os.path.join(out, "regk31_64551.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "year", "function", "dkk_per_capita_net", "source"])
        for r in sorted(regk, key=lambda r: (int(r["kommunekode"]), int(r["aar"]))):
            w.writerow([int(r["kommunekode"]), names[int(r["kommunekode"])], int(r["aar"]),
                        r["funktion"], int(r["kr_pr_indbygger_netto"]), REGK_SOURCE])
    totals = {}
    for c, y, v in pop:
        totals[y] = totals.get(y, 0) + v
    print("population totals:", {y: totals[y] for y in (2007, 2018, 2020)})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
