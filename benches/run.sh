#!/usr/bin/env bash
# Whole-process benchmarks of iku-estimate against R plm, pyfixest and linearmodels on the same
# CSV files: median wall time and max RSS over REPS runs (GNU time -v), coefficient agreement.
#
#   benches/run.sh                     # 20,000 units x 20 years, 3 repetitions
#   UNITS=5000 YEARS=20 REPS=5 benches/run.sh
#
# Results: benches/results/ (raw outputs, time -v logs, summary.md); not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
UNITS=${UNITS:-20000}
YEARS=${YEARS:-20}
SEED=${SEED:-42}
OUT=benches/results
DATA=benches/data
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "GNU time is missing: apt-get install -y time" >&2; exit 1; }

cargo build --release --bin iku-estimate
IKU=./target/release/iku-estimate

tag="${UNITS}x${YEARS}"
if [ ! -f "$DATA/balanced_$tag.csv" ] || [ ! -f "$DATA/unbalanced_$tag.csv" ]; then
  python3 benches/make_panel.py --units "$UNITS" --years "$YEARS" --seed "$SEED" --out-dir "$DATA"
fi

rm -rf "$OUT"
mkdir -p "$OUT"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "memory: $(free -m | awk '/^Mem:/{print $2 " MB"}')"
  echo "rustc: $(rustc --version)"
  echo "iku commit: $(git rev-parse --short HEAD)"
  echo "R: $(Rscript -e 'cat(R.version.string)' 2>/dev/null)"
  echo "R packages: $(Rscript -e 'for (p in c("plm","sandwich","data.table")) if (requireNamespace(p, quietly=TRUE)) cat(p, as.character(packageVersion(p)), " ")' 2>/dev/null)"
  echo "python: $(python3 -c 'import sys; print(sys.version.split()[0])')"
  echo "python packages: $(python3 -c 'import pyfixest, linearmodels, pandas, numpy; print("pyfixest", pyfixest.__version__, " linearmodels", linearmodels.__version__, " pandas", pandas.__version__, " numpy", numpy.__version__)')"
  echo "panel: $tag seed $SEED, reps $REPS"
} > "$OUT/env.txt"
cat "$OUT/env.txt"

# The command of one tool for one model on one file.
cmd() {
  local tool=$1 model=$2 file=$3
  case "$tool" in
    iku)
      case "$model" in
        within)  echo "$IKU --data $file --unit id --time year --formula 'y ~ x1 + x2 + x3' --model within --vcov cluster --ssc fixest --format json" ;;
        twoways) echo "$IKU --data $file --unit id --time year --formula 'y ~ x1 + x2 + x3' --model twoways --vcov cluster --ssc fixest --format json" ;;
        pooled)  echo "$IKU --data $file --unit id --time year --formula 'y ~ x1 + x2 + x3' --model pooled --vcov hc1 --ssc fixest --format json" ;;
      esac ;;
    plm)          echo "Rscript benches/peer_plm.R $file $model" ;;
    pyfixest)     echo "python3 benches/peer_pyfixest.py $file $model" ;;
    linearmodels) echo "python3 benches/peer_linearmodels.py $file $model" ;;
  esac
}

start=$(date +%s)
for panel in balanced unbalanced; do
  file="$DATA/${panel}_$tag.csv"
  cat "$file" > /dev/null   # same page-cache state for every tool
  for rep in $(seq 1 "$REPS"); do
    for model in within twoways pooled read; do
      for tool in iku plm pyfixest linearmodels; do
        [ "$tool" = iku ] && [ "$model" = read ] && continue   # peers only: startup + read CSV
        base="$OUT/$tool.$model.$panel.$rep"
        c=$(cmd "$tool" "$model" "$file")
        echo "$c" > "$base.cmd"
        eval "$TIME -v -o $base.time $c" > "$base.out" 2> "$base.err"
        printf '%-13s %-8s %-11s rep %s  %s\n' "$tool" "$model" "$panel" "$rep" \
          "$(sed -n 's/.*m:ss): //p' "$base.time")"
      done
    done
  done
  # Untimed: iku under the presets that match plm's and linearmodels' covariance conventions.
  for model in within twoways pooled; do
    for ssc in plm linearmodels; do
      vcov=cluster
      [ "$model" = pooled ] && { [ "$ssc" = plm ] && vcov=hc1 || vcov=hc0; }
      $IKU --data "$file" --unit id --time year --formula 'y ~ x1 + x2 + x3' --model "$model" \
        --vcov "$vcov" --ssc "$ssc" --format json > "$OUT/check.iku-$ssc.$model.$panel.json"
    done
  done
done
echo "benchmark wall time: $(( $(date +%s) - start )) s"
python3 benches/summarize.py "$OUT" | tee "$OUT/summary.md"
