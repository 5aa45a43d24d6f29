#!/usr/bin/env bash
# Times `aimt import metrics` of an .xlsx sheet against openpyxl's read-only iteration of the
# same file and aimt's own import of the same rows as CSV; prints rows/s, aimt's peak memory
# and the two ratios (aimt xlsx / openpyxl, aimt xlsx / aimt csv).
#
#   Benchmarks/xlsx.sh [--rows N] [--runs N]    (defaults: 1000000 rows, 1 run)
#   AIMT=/path/to/release/aimt Benchmarks/xlsx.sh   (time that binary; no build)
#
# Needs: python3 (openpyxl is installed with pip when missing); the data set comes from
# Benchmarks/generate.py, the workbook from Benchmarks/generate_xlsx.py. Release build in
# .build-release. Data and ledgers go to Benchmarks/data/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--runs N]" >&2; exit 64 ;;
  esac
done
data=Benchmarks/data/14000x90
# AIMT=path/to/aimt uses a binary already built (release) instead of building one.
if [ -z "${AIMT:-}" ]; then
  swift build -c release --product aimt --scratch-path .build-release >/dev/null
fi
aimt="${AIMT:-.build-release/release/aimt}"
python3 -c "import openpyxl" 2>/dev/null || pip install -q openpyxl >/dev/null 2>&1
[ -f "$data/metrics.csv" ] || python3 Benchmarks/generate.py "$data"
[ -f "$data/metrics-$rows.xlsx" ] || python3 Benchmarks/generate_xlsx.py "$data" "$rows"

timed() {
  /usr/bin/time -f "%e %M" -o "$data/time.txt" "$@" >"$data/last.log" 2>&1 || {
    cat "$data/last.log" >&2
    exit 1
  }
  cat "$data/time.txt"
}

rm -f "$data"/xbase.db*
$aimt init --db "$data/xbase.db" >/dev/null
$aimt import kols "$data/kols.csv" --db "$data/xbase.db" >/dev/null
$aimt import videos "$data/videos.csv" --db "$data/xbase.db" >/dev/null

best() { printf '%s\n' "$@" | sort -n | head -1; }
xs=() ; cs=() ; ps=() ; rss=0
for _ in $(seq "$runs"); do
  cp "$data/xbase.db" "$data/x.db"
  read -r seconds kib < <(timed "$aimt" import metrics "$data/metrics-$rows.xlsx" --db "$data/x.db")
  xs+=("$seconds"); rss=$kib
  cp "$data/xbase.db" "$data/c.db"
  read -r seconds _ < <(timed "$aimt" import metrics "$data/metrics-$rows.csv" --db "$data/c.db")
  cs+=("$seconds")
  read -r seconds _ < <(timed python3 -c '
import sys
from openpyxl import load_workbook
n = 0
for row in load_workbook(sys.argv[1], read_only=True).active.iter_rows(values_only=True):
    n += 1
print(n)' "$data/metrics-$rows.xlsx")
  ps+=("$seconds")
done
x=$(best "${xs[@]}"); c=$(best "${cs[@]}"); p=$(best "${ps[@]}")
same=$("$aimt" sql "SELECT count(*) FROM metric" --db "$data/x.db" --format csv | tail -1)
echo "rows: $rows (ledger holds $same after the xlsx import); best of $runs run(s)"
echo "aimt import xlsx:  ${x}s  $(awk -v r="$rows" -v s="$x" 'BEGIN{printf "%d", r/s}') rows/s  peak RSS $((rss / 1024)) MiB"
echo "openpyxl read-only iteration: ${p}s"
echo "aimt import csv (same rows):  ${c}s"
echo "ratio aimt xlsx / openpyxl: $(awk -v a="$x" -v b="$p" 'BEGIN{printf "%.2f", a/b}') (target <= 0.5)"
echo "ratio aimt xlsx / aimt csv: $(awk -v a="$x" -v b="$c" 'BEGIN{printf "%.2f", a/b}') (target <= 4)"
