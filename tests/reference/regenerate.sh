#!/bin/sh
# Regenerate all reference data and fixtures, then cross-check them.
# Run from anywhere; needs Rscript (plm, sandwich, lmtest, car, clubSandwich, jsonlite) and
# python3 (pyfixest, linearmodels, statsmodels, wildboottest). See README.md.
set -eu
cd "$(dirname "$0")/../.."
Rscript tests/reference/make_fixtures_R.R data
Rscript tests/reference/make_fixtures_gmm.R data
python3 tests/reference/make_fixtures_py.py data
python3 tests/reference/make_fixtures_formula.py data
Rscript tests/reference/make_fixtures_R.R fixtures
Rscript tests/reference/make_fixtures_wald_R.R
Rscript tests/reference/make_fixtures_gmm.R fixtures
python3 tests/reference/make_fixtures_py.py fixtures
Rscript tests/reference/make_fixtures_crv2.R
Rscript tests/reference/make_fixtures_spectests.R
python3 tests/reference/make_fixtures_boot.py
python3 tests/reference/make_fixtures_formula.py fixtures
python3 tests/reference/make_fixtures_exact.py
python3 tests/reference/make_fixtures_multi.py
python3 tests/reference/make_fixtures_r2.py
python3 tests/reference/check_equivalences.py > tests/reference/equivalences.txt
echo "done; see tests/reference/equivalences.txt"
