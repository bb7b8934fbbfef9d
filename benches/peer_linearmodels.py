"""linearmodels peer: read the CSV, fit one model, print coefficients and SEs as one JSON line.

Usage: python3 benches/peer_linearmodels.py FILE within|twoways|pooled|read   (read: import and read only)
"""
import json
import sys

import pandas as pd
from linearmodels.panel import PanelOLS, PooledOLS

file, model = sys.argv[1], sys.argv[2]
d = pd.read_csv(file).set_index(["id", "year"])
if model == "read":
    sys.exit(print(json.dumps({"tool": "linearmodels", "model": "read", "nobs": len(d)})))
x = d[["x1", "x2", "x3"]]
if model == "within":
    res = PanelOLS(d["y"], x, entity_effects=True).fit(cov_type="clustered", cluster_entity=True)
elif model == "twoways":
    res = PanelOLS(d["y"], x, entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
elif model == "pooled":
    xc = x.copy()
    xc.insert(0, "const", 1.0)
    res = PooledOLS(d["y"], xc).fit(cov_type="robust")
else:
    sys.exit("model must be within, twoways or pooled")
ren = {"const": "(Intercept)"}
print(json.dumps({"tool": "linearmodels", "model": model, "nobs": int(res.nobs),
                  "coef": {ren.get(k, k): float(v) for k, v in res.params.items()},
                  "se": {ren.get(k, k): float(v) for k, v in res.std_errors.items()}}))
