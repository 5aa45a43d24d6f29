#!/usr/bin/env bash
# Times aimt's reports (report roi, report roi --series, shortlist, report spend, advise) on the
# generated data set against the same aggregates hand-written for the sqlite3 CLI (a plain
# table with an index on date) and for DuckDB, and prints one table per size with the ratios
# and peak memory, then a scaling table.
#
#   Benchmarks/query.sh [--videos N ...] [--days N] [--scale] [--timeout SECONDS]
#                       [--generator python|demo]
#     (defaults: 14000 videos, 90 days; --scale: 14000, 56000 and 224000 videos; the data comes
#     from Benchmarks/generate.py, or with --generator demo from `aimt demo --out`, the
#     realistic set, in Benchmarks/data/demo-NxD/)
#
# Each command runs 3 times: the tables show the median seconds and the largest peak RSS. A
# run longer than 600 s is not repeated (runs: 1), and with --timeout S a run is stopped after
# S seconds and shown as >S (runs: killed).
# The baseline (1.00) is the sqlite3 CLI's 30-day aggregate with the previous 30 days for the
# trend, the work `aimt report roi --window 30` does. as_of is the last day of the data.
# Needs: a release build (made here, in .build or in $SCRATCH; $AIMT_BUILD says where to find
# it), sqlite3, python3 with duckdb (pip-installed when missing). Data, ledgers and databases
# go to Benchmarks/data/ (ignored by git) and are reused when complete.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() {
  echo "usage: $0 [--videos N ...] [--days N] [--scale] [--timeout SECONDS]" \
    "[--generator python|demo]" >&2
  exit 64
}
sizes=()
days=90
limit=""
generator=python
while [ $# -gt 0 ]; do
  case "$1" in
    --videos)
      shift
      [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]] || usage
      while [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; do sizes+=("$1"); shift; done ;;
    --days) [[ "${2:-}" =~ ^[0-9]+$ ]] || usage; days="$2"; shift 2 ;;
    --scale) sizes+=(14000 56000 224000); shift ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || usage; limit="$2"; shift 2 ;;
    --generator) [[ "${2:-}" =~ ^(python|demo)$ ]] || usage; generator="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(14000)
runs=3
once=600

scratch=()
[ -z "${SCRATCH:-}" ] || scratch=(--scratch-path "$SCRATCH")
swift build -c release --product aimt "${scratch[@]}" >/dev/null
aimt="${AIMT_BUILD:-${SCRATCH:-.build}}/release/aimt"
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb >/dev/null 2>&1

py() { python3 -c "$@"; }
# $1 / $2 to two decimals; a measurement of a stopped run (">S") gives a lower bound.
ratio() {
  py 'import sys
a, b = sys.argv[1], float(sys.argv[2].lstrip(">"))
x = float(a.lstrip(">")) / b if b else None
print("-" if x is None else (">" if a[0] == ">" else "") + f"{x:.2f}")' "$1" "$2"
}
# The day `$2` days after the ISO day `$1`.
day() { py "import datetime as d; print(d.date.fromisoformat('$1') + d.timedelta(days=$2))"; }

# Runs a command $runs times (once when a run takes over $once seconds), its output to
# /dev/null (stderr to $data/last.log); prints the median seconds, the largest peak RSS in KiB
# and the number of runs. A run stopped by --timeout prints ">S RSS killed".
timed() {
  local secs=() peak=0 i s m status
  for ((i = 0; i < runs; i++)); do
    status=0
    /usr/bin/time -f "%e %M" -o "$data/time.txt" ${limit:+timeout "$limit"} "$@" \
      >/dev/null 2>"$data/last.log" || status=$?
    read -r s m < <(tail -n 1 "$data/time.txt")
    [ "$m" -le "$peak" ] || peak=$m
    if [ -n "$limit" ] && [ "$status" = 124 ]; then echo ">$limit $peak killed"; return; fi
    if [ "$status" != 0 ]; then
      echo "failed: $*" >&2; cat "$data/last.log" "$data/time.txt" >&2; exit 1
    fi
    secs+=("$s")
    [ "$(py "print(int($s > $once))")" = 0 ] || break
  done
  echo "$(py "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" \
    "${secs[@]}") $peak ${#secs[@]}"
}

# Runs SQL in DuckDB (file $1) $runs times in fresh processes; prints the median seconds of
# execute + fetchall inside python (no interpreter start, no `import duckdb`, no connect),
# the median seconds of the whole process and its largest peak RSS. A query whose SQL starts
# with COPY is only executed (it writes its own output).
duck_py='
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
start = time.perf_counter()
cursor = con.execute(sys.argv[2])
if not sys.argv[2].lstrip().upper().startswith("COPY"):
    cursor.fetchall()
with open(sys.argv[3], "a") as out:
    out.write(f"{time.perf_counter() - start:.3f}\n")
'
duck_timed() {
  local proc
  : >"$data/inner.txt"
  proc=$(timed python3 -c "$duck_py" "$data/metrics.duckdb" "$1" "$data/inner.txt")
  echo "$(py "import statistics, sys; t = [float(x) for x in open(sys.argv[1])]
print(f'{statistics.median(t):.3f}' if t else '>$limit')" "$data/inner.txt") $proc"
}

# Generates the data set of $videos × $days and loads it into an aimt ledger, a plain sqlite3
# table with an index on date and a DuckDB file; each is reused when it holds every row.
prepare() {
  local expected t
  expected=$((videos * days + videos * ((days + 7) / 9)))
  rows=0
  [ ! -f "$data/metrics.csv" ] || rows=$(($(wc -l < "$data/metrics.csv") - 1))
  if [ "$generator" = demo ]; then
    # audience.csv is the last file `aimt demo --out` writes: its presence means a complete set.
    if [ ! -f "$data/audience.csv" ]; then
      rm -f "$data"/aimt.db* "$data"/query-plain.db* "$data"/metrics.duckdb*
      $aimt demo --videos "$videos" --days "$days" --out "$data" --format tsv >/dev/null
      rows=$(($(wc -l < "$data/metrics.csv") - 1))
    fi
  elif [ "$rows" != "$expected" ] || [ ! -f "$data/videos.csv" ] || [ ! -f "$data/kols.csv" ]; then
    rm -f "$data"/aimt.db* "$data"/query-plain.db* "$data"/metrics.duckdb*
    python3 Benchmarks/generate.py "$data" --videos "$videos" --days "$days"
    rows=$(($(wc -l < "$data/metrics.csv") - 1))
  fi

  # The ledger: upgraded to this aimt's schema; rebuilt when a count is off or a report fails.
  if [ ! -f "$data/aimt.db" ] || ! $aimt init --db "$data/aimt.db" >/dev/null 2>&1 \
    || [ "$(sqlite3 "$data/aimt.db" "SELECT (SELECT count(*) FROM video) || ' ' ||
          (SELECT count(*) FROM metric)" 2>/dev/null)" != "$videos $rows" ] \
    || ! $aimt report roi --window 1 --limit 1 --db "$data/aimt.db" --format tsv >/dev/null 2>&1
  then
    echo "loading $rows rows into $data/aimt.db"
    rm -f "$data"/aimt.db*
    t=$SECONDS
    $aimt init --db "$data/aimt.db" >/dev/null
    $aimt import kols "$data/kols.csv" --db "$data/aimt.db" >/dev/null
    $aimt import videos "$data/videos.csv" --db "$data/aimt.db" >/dev/null
    $aimt import metrics "$data/metrics.csv" --db "$data/aimt.db" >/dev/null
    echo "  $((SECONDS - t)) s"
  fi

  if [ "$(sqlite3 "$data/query-plain.db" "SELECT count(*) FROM metrics INDEXED BY metrics_date
        WHERE date > ''" 2>/dev/null)" != "$rows" ]; then
    echo "loading $rows rows into $data/query-plain.db"
    rm -f "$data"/query-plain.db*
    t=$SECONDS
    sqlite3 "$data/query-plain.tmp" \
      "CREATE TABLE metrics(date TEXT, video_id TEXT, source TEXT, placement_id TEXT,
         impressions INT, cost REAL, gmv REAL, orders INT, likes INT, comments INT, shares INT,
         follows INT);" \
      ".mode csv" ".import --skip 1 $data/metrics.csv metrics" \
      "CREATE INDEX metrics_date ON metrics(date);"
    mv "$data/query-plain.tmp" "$data/query-plain.db"
    echo "  $((SECONDS - t)) s"
  fi

  if [ "$(py "import duckdb; print(duckdb.connect('$data/metrics.duckdb', read_only=True)
        .execute('SELECT count(*) FROM metrics').fetchone()[0])" 2>/dev/null)" != "$rows" ]; then
    echo "loading $rows rows into $data/metrics.duckdb"
    rm -f "$data"/metrics.duckdb* "$data"/duckdb.tmp*
    t=$SECONDS
    py "import duckdb
con = duckdb.connect('$data/duckdb.tmp')
con.execute('SET enable_progress_bar = false')
con.execute(\"CREATE TABLE metrics AS SELECT * FROM read_csv_auto('$data/metrics.csv')\")
con.close()"
    mv "$data/duckdb.tmp" "$data/metrics.duckdb"
    echo "  $((SECONDS - t)) s"
  fi
}

# The hand-written traffic-ROI aggregate per video over the 30 days ending $asof, with
# (`trend`) or without the natural numbers of the 30 days before it.
roi_sql() {
  local prev_cols="" first=$cur
  if [ "${1:-}" = trend ]; then
    first=$prev
    prev_cols=",
      SUM(impressions) FILTER (WHERE source = 'natural' AND date < '$cur') AS prev_natural_impressions,
      SUM(gmv) FILTER (WHERE source = 'natural' AND date < '$cur') AS prev_natural_gmv"
  fi
  echo "SELECT video_id,
      SUM(impressions) FILTER (WHERE source = 'natural' AND date >= '$cur') AS natural_impressions,
      SUM(gmv) FILTER (WHERE source = 'natural' AND date >= '$cur') AS natural_gmv,
      SUM(impressions) FILTER (WHERE source <> 'natural' AND date >= '$cur') AS paid_impressions,
      SUM(cost) FILTER (WHERE source <> 'natural' AND date >= '$cur') AS paid_cost,
      SUM(gmv) FILTER (WHERE source <> 'natural' AND date >= '$cur') AS paid_gmv,
      SUM(likes) FILTER (WHERE date >= '$cur') AS likes,
      SUM(comments) FILTER (WHERE date >= '$cur') AS comments$prev_cols
    FROM metrics WHERE date BETWEEN '$first' AND '$asof' GROUP BY video_id"
}

# The rolling 7-day model per video and day from $since to $asof, with the 7 days before each
# window for the trend: daily sums, then window sums over a date range ($1 and $2 are the
# frames, in each engine's syntax).
series_sql() {
  echo "WITH daily AS (
      SELECT video_id, date,
        SUM(impressions) FILTER (WHERE source = 'natural') AS ni,
        SUM(gmv) FILTER (WHERE source = 'natural') AS ng,
        SUM(impressions) FILTER (WHERE source <> 'natural') AS pi,
        SUM(cost) FILTER (WHERE source <> 'natural') AS pc,
        SUM(gmv) FILTER (WHERE source <> 'natural') AS pg,
        SUM(likes) AS likes, SUM(comments) AS comments
      FROM metrics WHERE date BETWEEN '$series_first' AND '$asof' GROUP BY video_id, date),
    rolled AS (
      SELECT video_id, date, SUM(ni) OVER w, SUM(ng) OVER w, SUM(pi) OVER w, SUM(pc) OVER w,
        SUM(pg) OVER w, SUM(likes) OVER w, SUM(comments) OVER w,
        SUM(ni) OVER p AS prev_ni, SUM(ng) OVER p AS prev_ng
      FROM daily
      WINDOW w AS (PARTITION BY video_id ORDER BY $1),
        p AS (PARTITION BY video_id ORDER BY $2))
    SELECT * FROM rolled WHERE date >= '$since'"
}

labels=()
declare -A secs rss count
# Records one measurement: label, "seconds peak-KiB runs" (peak 0: not measured).
record() {
  local s m n
  read -r s m n <<<"$2"
  [[ "$s" =~ ^\>?[0-9.]+$ && "$m" =~ ^[0-9]+$ && -n "$n" ]] \
    || { echo "no measurement for: $1" >&2; exit 1; }
  labels+=("$1")
  secs[$1]=$s
  rss[$1]=$m
  count[$1]=$n
  printf '  %-58s %8s s  (%s)\n' "$1" "$s" "$n" >&2
}

scaling=()
for videos in "${sizes[@]}"; do
  data="Benchmarks/data/${videos}x${days}"
  [ "$generator" = python ] || data="Benchmarks/data/demo-${videos}x${days}"
  mkdir -p "$data"
  prepare
  db="$data/aimt.db"
  plain="$data/query-plain.db"
  asof=$(sqlite3 "$plain" "SELECT max(date) FROM metrics")
  cur=$(day "$asof" -29)
  prev=$(day "$asof" -59)
  since=$(day "$asof" -91)
  series_first=$(day "$since" -13)
  sale=$(day "$asof" 31)
  echo "timing $videos videos × $days days ($rows rows), as_of $asof, $runs runs each" >&2
  labels=()
  secs=()
  rss=()
  count=()

  base="sqlite3: 30 days + previous 30 (reads 60)"
  record "aimt report roi --window 30" \
    "$(timed $aimt report roi --window 30 --db "$db" --format tsv)"
  record "$base" "$(timed sqlite3 "$plain" "$(roi_sql trend)")"
  record "sqlite3: 30 days only" "$(timed sqlite3 "$plain" "$(roi_sql)")"
  read -r inner proc peak n <<<"$(duck_timed "$(roi_sql trend)")"
  record "duckdb: 30 days + previous 30, in process" "$inner 0 $n"
  record "duckdb: 30 days + previous 30, whole process" "$proc $peak $n"
  read -r inner proc peak n <<<"$(duck_timed "$(roi_sql)")"
  record "duckdb: 30 days only, in process" "$inner 0 $n"
  record "duckdb: 30 days only, whole process" "$proc $peak $n"

  record "aimt report roi --series --window 7 (92 days)" \
    "$(timed $aimt report roi --series --window 7 --since "$since" --until "$asof" \
      --db "$db" --format tsv)"
  record "aimt report roi --series ... --limit 20" \
    "$(timed $aimt report roi --series --window 7 --since "$since" --until "$asof" --limit 20 \
      --db "$db" --format tsv)"
  record "sqlite3: rolling 7 days + previous 7 (92 days)" \
    "$(timed sqlite3 "$plain" "$(series_sql \
      "julianday(date) RANGE BETWEEN 6 PRECEDING AND CURRENT ROW" \
      "julianday(date) RANGE BETWEEN 13 PRECEDING AND 7 PRECEDING")")"
  duck_series="COPY ($(series_sql \
    "date RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW" \
    "date RANGE BETWEEN INTERVAL 13 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING")) \
    TO '/dev/null' (FORMAT csv)"
  read -r inner proc peak n <<<"$(duck_timed "$duck_series")"
  record "duckdb: rolling 7 days + previous 7, in process" "$inner 0 $n"
  record "duckdb: rolling 7 days + previous 7, whole process" "$proc $peak $n"

  record "aimt shortlist (lookback 90 + previous 90)" \
    "$(timed $aimt shortlist --sale-start "$sale" --db "$db" --format tsv)"
  record "aimt report spend --by week" \
    "$(timed $aimt report spend --by week --db "$db" --format tsv)"
  record "aimt advise (7 days + previous 7)" "$(timed $aimt advise --db "$db" --format tsv)"

  echo
  echo "queries on $rows metric rows ($videos videos × $days days, as_of $asof)," \
    "median of $runs runs"
  printf '%-52s %8s %7s %11s %10s\n' "query" "seconds" "runs" "vs sqlite3" "peak RSS"
  for label in "${labels[@]}"; do
    mib=-
    [ "${rss[$label]}" = 0 ] || mib="$((rss[$label] / 1024)) MiB"
    printf '%-52s %8s %7s %11s %10s\n' "$label" "${secs[$label]}" "${count[$label]}" \
      "$(ratio "${secs[$label]}" "${secs[$base]}")" "$mib"
  done
  echo "aimt series (92 days) / aimt roi (30 days):" \
    "$(ratio "${secs["aimt report roi --series --window 7 (92 days)"]}" \
      "${secs["aimt report roi --window 30"]}")"
  echo "(sqlite3 and duckdb print the series as text to /dev/null; duckdb runs the 30-day"
  echo " aggregates with fetchall and the series with COPY ... TO '/dev/null')"
  scaling+=("$(printf '%-11s %13s %12s %10s %12s %12s %15s' "$rows" \
    "${secs["aimt report roi --window 30"]}" \
    "${secs["aimt report roi --series --window 7 (92 days)"]}" \
    "${secs["aimt shortlist (lookback 90 + previous 90)"]}" "${secs[$base]}" \
    "${secs["duckdb: 30 days + previous 30, in process"]}" \
    "${secs["duckdb: 30 days + previous 30, whole process"]}")")
done

echo
echo "scaling (seconds, median of $runs; the 30-day aggregates read 60 days for the trend)"
printf '%-11s %13s %12s %10s %12s %12s %15s\n' "rows" "aimt roi 30d" "aimt series" \
  "shortlist" "sqlite3 30d" "duckdb 30d" "duckdb 30d proc"
printf '%s\n' "${scaling[@]}"
