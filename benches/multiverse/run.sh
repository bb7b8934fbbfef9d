#!/usr/bin/env bash
# The multiverse benchmark: 1,000 specifications of the study's SYNTHETIC panel with analytic
# SEs clustered by municipality, whole processes, iku (`iku-estimate --multiverse`, all outputs
# and figures written) against pyfixest's multiple estimation of the same models in one Python
# process; interleaved per repetition, GNU time -v; then the numbers are compared.
#
#   benches/multiverse/run.sh            # REPS=3
#
# Results: benches/results/multiverse/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${REPS:-3}
PANEL=data/synthetic/panel.csv
OUT=benches/results/multiverse
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "GNU time is missing: apt-get install -y time" >&2; exit 1; }
cargo build --release --bin iku-estimate
rm -rf "$OUT"; mkdir -p "$OUT"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rustc: $(rustc --version)"
  echo "iku commit: $(git rev-parse --short HEAD)"
  echo "python: $(python3 -c 'import sys; print(sys.version.split()[0])')"
  echo "python packages: $(python3 -c 'import pyfixest, pandas, numpy; print("pyfixest", pyfixest.__version__, " pandas", pandas.__version__, " numpy", numpy.__version__)')"
} > "$OUT/env.txt"
cat "$OUT/env.txt"
for r in $(seq 1 "$REPS"); do
  rm -rf "$OUT/iku-out"
  $TIME -v -o "$OUT/iku.$r.time" ./target/release/iku-estimate --multiverse benches/multiverse/multiverse_1000.toml \
    --data "$PANEL" --out-dir "$OUT/iku-out" > "$OUT/iku.$r.stdout" 2> "$OUT/iku.$r.stderr"
  $TIME -v -o "$OUT/pyfixest.$r.time" python3 benches/multiverse/peer_pyfixest.py "$PANEL" \
    > "$OUT/pyfixest.$r.jsonl" 2> "$OUT/pyfixest.$r.stderr"
done
python3 - "$OUT" "$REPS" <<'PY'
import re, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
def grab(f, key):
    for line in open(f):
        if key in line:
            return line.split(": ", 1)[1].strip()
def secs(s):
    parts = [float(x) for x in s.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rows = {}
for tool in ["iku", "pyfixest"]:
    wall = [secs(grab(f"{out}/{tool}.{r}.time", "Elapsed (wall clock)")) for r in range(1, reps + 1)]
    cpu = [float(grab(f"{out}/{tool}.{r}.time", "User time")) + float(grab(f"{out}/{tool}.{r}.time", "System time")) for r in range(1, reps + 1)]
    rss = [int(grab(f"{out}/{tool}.{r}.time", "Maximum resident")) / 1024 for r in range(1, reps + 1)]
    rows[tool] = (statistics.median(wall), statistics.median(cpu), statistics.median(rss), wall)
print("| tool | wall s (median) | cpu s (median) | peak MiB | walls |")
print("|---|---:|---:|---:|---|")
for t, (w, c, m, ws) in rows.items():
    print(f"| {t} | {w:.2f} | {c:.2f} | {m:.0f} | {', '.join(f'{x:.2f}' for x in ws)} |")
print(f"ratio pyfixest/iku: wall {rows['pyfixest'][0] / rows['iku'][0]:.1f}x, cpu {rows['pyfixest'][1] / rows['iku'][1]:.1f}x")
PY
python3 benches/multiverse/compare.py "$OUT/iku-out/multiverse.csv" "$OUT/pyfixest.$REPS.jsonl"
