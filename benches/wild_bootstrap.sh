#!/usr/bin/env bash
# The wild cluster restricted bootstrap of the best estimate (B = 9,999, 98 clusters), timed
# after the fit in iku (`cargo bench --bench wild_bootstrap`) and in the peers
# (`benches/peer_wildboot.py`: pyfixest and wildboottest) in one run, with the ratio of the
# medians. Needs python3 with pyfixest, wildboottest and statsmodels.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-11}
iku=$(cargo bench --locked --bench wild_bootstrap 2>/dev/null)
peer=$(python3 benches/peer_wildboot.py --reps "$REPS")
echo "$iku"
echo "$peer"
python3 - "$iku" "$peer" <<'PY'
import re, sys
iku, peer = sys.argv[1], sys.argv[2]
draws = float(re.search(r"pass over the data and the draws: median ([\d.]+) ms", iku).group(1))
whole = float(re.search(r"wall time after the fit, \d+ runs: median ([\d.]+) ms", iku).group(1))
for line in peer.splitlines():
    m = re.search(r"^(.*?) \(.*median ([\d.]+) ms", line) or re.search(r"^(\S+ \S+) .*median ([\d.]+) ms", line)
    if m:
        t = float(m.group(2))
        print(f"ratio {m.group(1)} / iku: {t / draws:.0f}x (iku p-value only, {draws:.2f} ms); "
              f"{t / whole:.0f}x (iku p-values + CI by test inversion, {whole:.2f} ms)")
PY
