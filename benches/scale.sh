#!/usr/bin/env bash
# Two-way FE with clustered SEs as the number of periods grows: iku against pyfixest (and
# linearmodels when installed), whole processes, interleaved per repetition, under
# /usr/bin/time -v. Prints one line per run and a median table with ratios and peak memory.
#   UNITS=20000 PERIODS="10 50 200" REPS=3 benches/scale.sh
# MODEL=within (default twoways) times the one-way within model instead (the 5-million-row
# ingest benchmark); PEERS="pyfixest" leaves linearmodels out.
set -euo pipefail
cd "$(dirname "$0")/.."
UNITS=${UNITS:-20000}; PERIODS=${PERIODS:-"10 50 200"}; REPS=${REPS:-3}
MODEL=${MODEL:-twoways}; PEERS=${PEERS:-"pyfixest linearmodels"}
cargo build --release --locked --bins >/dev/null 2>&1
out=benches/results/scale; mkdir -p "$out" benches/data
: > "$out/runs.tsv"
for T in $PERIODS; do
  f=benches/data/balanced_${UNITS}x${T}.csv
  [ -f "$f" ] || python3 benches/make_panel.py --units "$UNITS" --years "$T" --seed 42 --out-dir benches/data >/dev/null
  tools=(iku)
  for p in $PEERS; do python3 -c "import $p" 2>/dev/null && tools+=("$p"); done
  for r in $(seq "$REPS"); do
    for tool in "${tools[@]}"; do
      case $tool in
        iku) cmd=(./target/release/iku-estimate --data "$f" --unit id --time year --formula "y ~ x1 + x2 + x3" --model "$MODEL" --vcov cluster --ssc fixest --format json) ;;
        pyfixest) cmd=(python3 benches/peer_pyfixest.py "$f" "$MODEL") ;;
        linearmodels) cmd=(python3 benches/peer_linearmodels.py "$f" "$MODEL") ;;
      esac
      /usr/bin/time -v "${cmd[@]}" >"$out/$tool.$T.json" 2>"$out/$tool.$T.time"
      wall=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$out/$tool.$T.time")
      cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$out/$tool.$T.time")
      peak=$(awk -F': ' '/Maximum resident/ {print $2/1024}' "$out/$tool.$T.time")
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$T" "$r" "$tool" "$wall" "$cpu" "$peak" | tee -a "$out/runs.tsv"
    done
  done
done
python3 - "$out/runs.tsv" "$UNITS" <<'PY'
import statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    T, r, tool, wall, cpu, peak = line.split()
    runs[(int(T), tool)].append((float(wall), float(cpu), float(peak)))
print("\n| T | rows | tool | wall s | cpu s | peak MiB | wall ratio iku/tool |")
print("|---|---|---|---|---|---|---|")
for T in sorted({t for t, _ in runs}):
    iku = statistics.median(w for w, _, _ in runs[(T, "iku")])
    for tool in ("iku", "pyfixest", "linearmodels"):
        if (T, tool) not in runs: continue
        v = runs[(T, tool)]
        w, c, p = (statistics.median(x[i] for x in v) for i in range(3))
        print(f"| {T} | {T*int(sys.argv[2]):,} | {tool} | {w:.2f} | {c:.2f} | {p:.0f} | {iku / w:.2f} |")
PY
