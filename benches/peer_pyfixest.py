"""pyfixest peer: read the CSV, fit one model, print coefficients and SEs as one JSON line.

Usage: python3 benches/peer_pyfixest.py FILE within|twoways|pooled|read   (read: import and read only)
"""
import json
import sys

import pandas as pd
import pyfixest as pf

file, model = sys.argv[1], sys.argv[2]
d = pd.read_csv(file)
if model == "read":
    sys.exit(print(json.dumps({"tool": "pyfixest", "model": "read", "nobs": len(d)})))
if model == "within":
    fit = pf.feols("y ~ x1 + x2 + x3 | id", data=d, vcov={"CRV1": "id"})
elif model == "twoways":
    fit = pf.feols("y ~ x1 + x2 + x3 | id + year", data=d, vcov={"CRV1": "id"})
elif model == "pooled":
    fit = pf.feols("y ~ x1 + x2 + x3", data=d, vcov="hetero")
else:
    sys.exit("model must be within, twoways or pooled")
b, se = fit.coef(), fit.se()
print(json.dumps({"tool": "pyfixest", "model": model, "nobs": int(fit._N),
                  "coef": {k: float(v) for k, v in b.items()},
                  "se": {k: float(v) for k, v in se.items()}}))
