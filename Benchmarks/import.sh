#!/usr/bin/env bash
# Times `aimt import metrics` on 1.4M rows against the sqlite3 CLI's .import and
# sqlite-utils, side by side, and prints the ratios and aimt's peak memory.
#
#   Benchmarks/import.sh [--videos N] [--days N] [--generator python|demo] [--runs N]
#     (defaults: 14000 videos, 90 days, Benchmarks/generate.py; with --generator demo the data
#     is `aimt demo --out`'s realistic set instead: videos published over the period, so about
#     half the rows per video, in Benchmarks/data/demo-NxD/; --runs rounds of all four
#     imports, interleaved so that they share this machine's noise, and the median of each is
#     printed: default 3)
#
# Needs: a release build (made here), sqlite3, python3; sqlite-utils is installed with pip
# when missing. Data and ledgers go to Benchmarks/data/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
videos=14000
days=90
generator=python
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --videos) videos="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --generator) generator="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: $0 [--videos N] [--days N] [--generator python|demo] [--runs N]" >&2; exit 64 ;;
  esac
done
case "$generator" in
  python) data="Benchmarks/data/${videos}x${days}" ;;
  demo) data="Benchmarks/data/demo-${videos}x${days}" ;;
  *) echo "--generator is python or demo" >&2; exit 64 ;;
esac
aimt=.build/release/aimt

swift build -c release --product aimt >/dev/null
if [ "$generator" = demo ]; then
  # audience.csv is the last file the generator writes: its presence means a complete set.
  [ -f "$data/audience.csv" ] \
    || $aimt demo --videos "$videos" --days "$days" --out "$data" --format tsv >/dev/null
else
  [ -f "$data/metrics.csv" ] || python3 Benchmarks/generate.py "$data" --videos "$videos" --days "$days"
fi
command -v sqlite-utils >/dev/null 2>&1 || pip install -q sqlite-utils >/dev/null 2>&1
rows=$(($(wc -l < "$data/metrics.csv") - 1))
mb=$(du -m "$data/metrics.csv" | cut -f1)

# Seconds (and peak RSS in KiB) of one command; the output goes to a log.
timed() {
  /usr/bin/time -f "%e %M" -o "$data/time.txt" "$@" >"$data/last.log" 2>&1
  cat "$data/time.txt"
}

# The ledger every first import starts from: KOLs and videos, no metrics.
rm -f "$data"/base.db*
$aimt init --db "$data/base.db" >/dev/null
$aimt import kols "$data/kols.csv" --db "$data/base.db" >/dev/null
$aimt import videos "$data/videos.csv" --db "$data/base.db" >/dev/null

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
sqlite_times=() utils_times=() first_times=() again_times=() first_rss=() again_rss=()
for round in $(seq "$runs"); do
  rm -f "$data"/plain.db* "$data"/utils.db* "$data"/aimt.db*
  read -r t _ < <(timed sqlite3 "$data/plain.db" \
    "CREATE TABLE metrics(date TEXT, video_id TEXT, source TEXT, placement_id TEXT,
       impressions INT, cost REAL, gmv REAL, orders INT, likes INT, comments INT, shares INT,
       follows INT, UNIQUE(date, video_id, source, placement_id));" \
    ".mode csv" ".import --skip 1 $data/metrics.csv metrics")
  sqlite_times+=("$t")
  read -r t _ < <(timed sqlite-utils insert "$data/utils.db" metrics "$data/metrics.csv" --csv)
  utils_times+=("$t")
  cp "$data/base.db" "$data/aimt.db"
  read -r t rss < <(timed $aimt import metrics "$data/metrics.csv" --db "$data/aimt.db")
  first_times+=("$t") first_rss+=("$rss")
  read -r t rss < <(timed $aimt import metrics "$data/metrics.csv" --db "$data/aimt.db")
  again_times+=("$t") again_rss+=("$rss")
  grep -q "metrics: 0 inserted, 0 updated, $rows unchanged" "$data/last.log" \
    || { echo "re-import was not a no-op:"; cat "$data/last.log"; exit 1; }
  echo "round $round: sqlite3 ${sqlite_times[-1]} s, sqlite-utils ${utils_times[-1]} s," \
    "aimt ${first_times[-1]} s, re-import ${again_times[-1]} s" >&2
done
t_sqlite=$(median "${sqlite_times[@]}")
t_utils=$(median "${utils_times[@]}")
t_first=$(median "${first_times[@]}")
t_again=$(median "${again_times[@]}")
rss_first=$(median "${first_rss[@]}")
rss_again=$(median "${again_rss[@]}")

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
rate() { python3 -c "print(f'{$1 / $2:,.0f}')"; }
echo "import of $rows metric rows ($mb MB CSV), median of $runs"
printf '%-34s %8s %12s %s\n' "tool" "seconds" "rows/s" "vs sqlite3 .import"
printf '%-34s %8s %12s %s\n' "sqlite3 .import (plain table)" "$t_sqlite" "$(rate "$rows" "$t_sqlite")" "1.00"
printf '%-34s %8s %12s %s\n' "sqlite-utils insert --csv" "$t_utils" "$(rate "$rows" "$t_utils")" "$(ratio "$t_utils" "$t_sqlite")"
printf '%-34s %8s %12s %s\n' "aimt import metrics (first)" "$t_first" "$(rate "$rows" "$t_first")" "$(ratio "$t_first" "$t_sqlite")"
printf '%-34s %8s %12s %s\n' "aimt import metrics (unchanged)" "$t_again" "$(rate "$rows" "$t_again")" "$(ratio "$t_again" "$t_sqlite")"
echo "aimt re-import / first import: $(ratio "$t_again" "$t_first")"
echo "aimt peak RSS: first $((rss_first / 1024)) MiB, re-import $((rss_again / 1024)) MiB"
