#!/usr/bin/env bash
# Times every aimt report on the generated data set against DuckDB computing the same aggregate
# from its own native table (whole process: python start, import duckdb, connect, query), and
# the two oldest against the sqlite3 CLI on a plain table with an index on date; then the daily
# increment (one day's import into a ledger of all the days before it) and the import of the
# file sorted by date against sqlite3's .import. Prints one table per size and, at the end, a
# scaling table with every report's seconds and ratio per size.
#
#   Benchmarks/query.sh [--videos N ...] [--days N] [--scale] [--timeout SECONDS]
#                       [--generator python|demo] [--parts reports,increment,import]
#                       [--history DAYS]
#     (defaults: 14000 videos, 90 days, all three parts; --scale: 14000, 56000 and 224000
#     videos; the data comes from Benchmarks/generate.py, or with --generator demo from `aimt
#     demo --out`, the realistic set, in Benchmarks/data/demo-NxD/: reports only)
#   --history DAYS: instead of the parts, a ledger of DAYS days against one of its last --days
#     days (default 2000 videos): `report roi --window 30`, `shortlist` and `advise` on both, and
#     the ratio long/short, for aimt and DuckDB (e.g. --history 1095: 2.4M rows against 0.2M).
#
# Each command runs 3 times, a report's aimt and DuckDB runs in turns (so that the machine's drift
# moves both alike): the tables show the median seconds and the largest peak RSS. A
# run longer than 600 s is not repeated (runs: 1), and with --timeout S a run is stopped after
# S seconds and shown as >S. as_of is the last day of the data.
# The DuckDB and sqlite3 SQL is written out below, one function per report; the audience (5A)
# rows the generator does not write are made here: one snapshot per brand and day.
# Needs: a release build (made here, in .build or in $SCRATCH; AIMT=path or $AIMT_BUILD/release/
# aimt times a binary already built instead), sqlite3, python3 with duckdb (pip-installed when
# missing). Data, ledgers and databases go to Benchmarks/data/ (ignored by git) and are reused
# when complete.
set -euo pipefail
# AIMT, when given, is relative to the caller's directory.
[ -z "${AIMT:-}" ] || [[ "$AIMT" == /* ]] || AIMT=$PWD/$AIMT
cd "$(dirname "$0")/.."
usage() {
  echo "usage: $0 [--videos N ...] [--days N] [--scale] [--timeout SECONDS]" \
    "[--generator python|demo] [--parts reports,increment,import] [--history DAYS]" >&2
  exit 64
}
sizes=()
days=90
limit=""
generator=python
parts=reports,increment,import
history=""
while [ $# -gt 0 ]; do
  case "$1" in
    --videos)
      shift
      [[ "${1:-}" =~ ^[0-9]+$ ]] || usage
      while [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; do sizes+=("$1"); shift; done ;;
    --days) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage; days="$2"; shift 2 ;;
    --scale) sizes+=(14000 56000 224000); shift ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || usage; limit="$2"; shift 2 ;;
    --generator) [[ "${2:-}" =~ ^(python|demo)$ ]] || usage; generator="$2"; shift 2 ;;
    --parts)
      [[ "${2:-}" =~ ^(reports|increment|import)(,(reports|increment|import))*$ ]] || usage
      parts="$2"; shift 2 ;;
    --history) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage; history="$2"; shift 2 ;;
    *) usage ;;
  esac
done
if [ -n "$history" ]; then
  if [ "$generator" != python ] || [ "$history" -le "$days" ]; then
    echo "--history needs the python generator and more days than --days" >&2
    exit 64
  fi
  [ ${#sizes[@]} -gt 0 ] || sizes=(2000)
fi
[ ${#sizes[@]} -gt 0 ] || sizes=(14000)
if [ "$generator" = demo ] && [ "$parts" != reports ]; then
  echo "(--generator demo: reports only; the increment and import parts need generate.py's files)" >&2
  parts=reports
fi
has_part() { [[ ",$parts," == *",$1,"* ]]; }
runs=3
once=600

if [ -n "${AIMT:-}" ]; then
  aimt=$AIMT
elif [ -n "${AIMT_BUILD:-}" ]; then
  aimt=$AIMT_BUILD/release/aimt
else
  scratch=()
  [ -z "${SCRATCH:-}" ] || scratch=(--scratch-path "$SCRATCH")
  swift build -c release --product aimt "${scratch[@]}" >/dev/null
  aimt="${SCRATCH:-.build}/release/aimt"
fi
[ -x "$aimt" ] || { echo "no aimt binary at $aimt" >&2; exit 66; }
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb >/dev/null 2>&1

py() { python3 -c "$@"; }
# $1 / $2 to two decimals; a measurement of a stopped run (">S") gives a lower bound.
ratio() {
  py 'import sys
a, b = sys.argv[1], sys.argv[2]
if a in ("", "-") or b in ("", "-"):
    print("-"); raise SystemExit
x = float(a.lstrip(">")) / float(b.lstrip(">")) if float(b.lstrip(">")) else None
print("-" if x is None else (">" if a[0] == ">" else "") + f"{x:.2f}")' "$1" "$2"
}
# The day `$2` days after the ISO day `$1`.
day() { py "import datetime as d; print(d.date.fromisoformat('$1') + d.timedelta(days=$2))"; }
mib() { if [ "${1:-0}" = 0 ]; then echo -; else echo "$(($1 / 1024))"; fi; }
median() { py "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

# Runs a command $runs times (once when a run takes over $once seconds), its output to
# /dev/null (stderr to $data/last.log); prints the median seconds, the largest peak RSS in KiB
# and the number of runs. A run stopped by --timeout prints ">S RSS killed". When the array
# `before` is set, it runs (untimed) before each run.
before=()
timed() {
  local secs=() peak=0 i s m status
  for ((i = 0; i < runs; i++)); do
    [ ${#before[@]} -eq 0 ] || "${before[@]}"
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
  echo "$(median "${secs[@]}") $peak ${#secs[@]}"
}

# Runs the command in the array named $1 and the one in the array named $2 in turns, one run
# each per round for $runs rounds (fewer when a run takes over $once seconds), so that the
# machine's drift over the rounds (other load, the page cache, a frequency change) moves both
# alike and their ratio stays fair; prints `timed`'s three fields for the first, then for the
# second, on one line. A side stopped by --timeout is not run again.
timed_pair() {
  local -n pair_first=$1 pair_second=$2
  local i s m k slow peak_a=0 peak_b=0 killed_a="" killed_b=""
  local -a a=() b=()
  for ((i = 0; i < runs; i++)); do
    slow=0
    if [ -z "$killed_a" ]; then
      read -r s m k <<<"$(runs=1 timed "${pair_first[@]}")"
      [ "$m" -le "$peak_a" ] || peak_a=$m
      if [ "$k" = killed ]; then killed_a=$s; else a+=("$s"); fi
      [ "$(py "print(int(${s#>} > $once))")" = 0 ] || slow=1
    fi
    if [ -z "$killed_b" ]; then
      read -r s m k <<<"$(runs=1 timed "${pair_second[@]}")"
      [ "$m" -le "$peak_b" ] || peak_b=$m
      if [ "$k" = killed ]; then killed_b=$s; else b+=("$s"); fi
      [ "$(py "print(int(${s#>} > $once))")" = 0 ] || slow=1
    fi
    [ "$slow" = 0 ] || break
    [ -z "$killed_a" ] || [ -z "$killed_b" ] || break
  done
  if [ -n "$killed_a" ]; then echo -n "$killed_a $peak_a killed "
  else echo -n "$(median "${a[@]}") $peak_a ${#a[@]} "; fi
  if [ -n "$killed_b" ]; then echo "$killed_b $peak_b killed"
  else echo "$(median "${b[@]}") $peak_b ${#b[@]}"; fi
}

# DuckDB's side of a report: python running SQL on the file $argv[1] ($data/metrics.duckdb),
# read-only, in a fresh process, appending the seconds of the queries alone (no interpreter
# start, no `import duckdb`, no connect) to the file $argv[3]. Statements are separated by a
# line holding `;;` and each is fetched whole; one that starts with COPY is only executed (it
# writes its own output).
duck_py='
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
start = time.perf_counter()
for sql in sys.argv[2].split("\n;;\n"):
    cursor = con.execute(sql)
    if not sql.lstrip().upper().startswith("COPY"):
        cursor.fetchall()
with open(sys.argv[3], "a") as out:
    out.write(f"{time.perf_counter() - start:.3f}\n")
'
# The median of the in-process DuckDB times in $data/inner.txt.
duck_inner() {
  py "import statistics, sys; t = [float(x) for x in open(sys.argv[1])]
print(f'{statistics.median(t):.3f}' if t else '>$limit')" "$data/inner.txt"
}

# The data set of $2 videos × $3 days in $1 (generate.py, or `aimt demo --out`), and its
# audience.csv; everything built from an older set is removed when the set is made again.
generate() {
  local dir=$1 v=$2 d=$3 have=0
  mkdir -p "$dir"
  if [ "$generator" = demo ]; then
    # audience.csv is the last file `aimt demo --out` writes: its presence means a complete set.
    if [ ! -f "$dir/audience.csv" ]; then
      rm -rf "$dir"/*.db* "$dir"/*.duckdb* "$dir"/increment "$dir"/sorted
      $aimt demo --videos "$v" --days "$d" --out "$dir" --format tsv >/dev/null
    fi
    return
  fi
  [ ! -f "$dir/metrics.csv" ] || have=$(($(wc -l < "$dir/metrics.csv") - 1))
  if [ "$have" != $((v * d + v * ((d + 7) / 9))) ] || [ ! -f "$dir/videos.csv" ] \
    || [ ! -f "$dir/kols.csv" ]; then
    rm -rf "$dir"/*.db* "$dir"/*.duckdb* "$dir"/audience.csv "$dir"/increment "$dir"/sorted
    python3 Benchmarks/generate.py "$dir" --videos "$v" --days "$d"
  fi
  [ -f "$dir/audience.csv" ] || write_audience "$dir" 2026-01-01 "$d"
}

# audience.csv for directory $1: one 5A snapshot per brand of videos.csv and day, $3 days from
# $2, every layer moving by -1.5 % to +2 % a day (deterministic).
write_audience() {
  py 'import csv, datetime, random, sys
out, first, days = sys.argv[1], datetime.date.fromisoformat(sys.argv[2]), int(sys.argv[3])
with open(out + "/videos.csv", newline="") as f:
    brands = sorted({row["brand"] for row in csv.DictReader(f)})
with open(out + "/audience.csv.tmp", "w", newline="") as f:
    f.write("date,brand,o,a1,a2,a3,a4,a5,category_total\n")
    for b, brand in enumerate(brands):
        rng = random.Random(b)
        layers = [rng.randint(10**6, 10**7) // (k + 1) for k in range(6)]
        for d in range(days):
            layers = [x + x * rng.randint(-15, 20) // 1000 for x in layers]
            day = (first + datetime.timedelta(days=d)).isoformat()
            f.write(f"{day},{brand}," + ",".join(map(str, layers)) + f",{sum(layers) * 20}\n")
' "$1" "$2" "$3"
  mv "$1/audience.csv.tmp" "$1/audience.csv"
}

lines() { echo $(($(wc -l < "$1") - 1)); }

# Loads $data's files into the aimt ledger $data/aimt.db (upgraded to this aimt's schema;
# rebuilt when a count is off or a report fails), with --plain the sqlite3 plain table
# $data/query-plain.db, and unless --aimt-only the DuckDB file $data/metrics.duckdb (tables
# metrics, videos, audience). Sets rows.
load() {
  local t audience
  rows=$(lines "$data/metrics.csv")
  audience=$(lines "$data/audience.csv")
  if [ ! -f "$data/aimt.db" ] || ! $aimt init --db "$data/aimt.db" >/dev/null 2>&1 \
    || [ "$(sqlite3 "$data/aimt.db" "SELECT (SELECT count(*) FROM video) || ' ' ||
          (SELECT count(*) FROM metric) || ' ' || (SELECT count(*) FROM audience)" \
          2>/dev/null)" != "$(lines "$data/videos.csv") $rows $audience" ] \
    || ! $aimt report roi --window 1 --limit 1 --db "$data/aimt.db" --format tsv >/dev/null 2>&1
  then
    echo "loading $rows rows into $data/aimt.db" >&2
    rm -f "$data"/aimt.db* "$data"/aimt.tmp*
    t=$SECONDS
    $aimt init --db "$data/aimt.tmp" >/dev/null
    for kind in kols videos metrics audience; do
      $aimt import "$kind" "$data/$kind.csv" --db "$data/aimt.tmp" >/dev/null
    done
    mv "$data/aimt.tmp" "$data/aimt.db"
    echo "  $((SECONDS - t)) s" >&2
  fi

  if [ "${1:-}" = --plain ] && [ "$(sqlite3 "$data/query-plain.db" "SELECT count(*) FROM
        metrics INDEXED BY metrics_date WHERE date > ''" 2>/dev/null)" != "$rows" ]; then
    echo "loading $rows rows into $data/query-plain.db" >&2
    rm -f "$data"/query-plain.db*
    t=$SECONDS
    sqlite3 "$data/query-plain.tmp" \
      "CREATE TABLE metrics(date TEXT, video_id TEXT, source TEXT, placement_id TEXT,
         impressions INT, cost REAL, gmv REAL, orders INT, likes INT, comments INT, shares INT,
         follows INT);" \
      ".mode csv" ".import --skip 1 $data/metrics.csv metrics" \
      "CREATE INDEX metrics_date ON metrics(date);"
    mv "$data/query-plain.tmp" "$data/query-plain.db"
    echo "  $((SECONDS - t)) s" >&2
  fi

  [ "${1:-}" != --aimt-only ] || return 0
  if [ "$(py "import duckdb; con = duckdb.connect('$data/metrics.duckdb', read_only=True)
print(*(con.execute(f'SELECT count(*) FROM {t}').fetchone()[0]
        for t in ('metrics', 'videos', 'audience')))" 2>/dev/null)" \
    != "$rows $(lines "$data/videos.csv") $audience" ]; then
    echo "loading $rows rows into $data/metrics.duckdb" >&2
    rm -f "$data"/metrics.duckdb* "$data"/duckdb.tmp*
    t=$SECONDS
    py "import duckdb
con = duckdb.connect('$data/duckdb.tmp')
con.execute('SET enable_progress_bar = false')
for t in ('metrics', 'videos', 'audience'):
    con.execute(f\"CREATE TABLE {t} AS SELECT * FROM read_csv_auto('$data/{t}.csv')\")
con.close()"
    mv "$data/duckdb.tmp" "$data/metrics.duckdb"
    echo "  $((SECONDS - t)) s" >&2
  fi
}

# ---- The SQL: what each report computes, written by hand for DuckDB (and sqlite3). ----

# The traffic-ROI sums per video (or $3 = kol: per KOL, joining videos) over the $1 days
# ending $asof, with the natural numbers of the $1 days before it when $2 = trend.
roi_sql() {
  local window=$1 cur first prev_cols="" key=video_id from=metrics
  cur=$(day "$asof" $((1 - window)))
  first=$cur
  if [ "${2:-}" = trend ]; then
    first=$(day "$asof" $((1 - 2 * window)))
    prev_cols=",
      SUM(impressions) FILTER (WHERE source = 'natural' AND date < '$cur') AS prev_natural_impressions,
      SUM(gmv) FILTER (WHERE source = 'natural' AND date < '$cur') AS prev_natural_gmv"
  fi
  if [ "${3:-}" = kol ]; then key=kol_id from="metrics JOIN videos USING (video_id)"; fi
  echo "SELECT $key,
      SUM(impressions) FILTER (WHERE source = 'natural' AND date >= '$cur') AS natural_impressions,
      SUM(gmv) FILTER (WHERE source = 'natural' AND date >= '$cur') AS natural_gmv,
      SUM(impressions) FILTER (WHERE source <> 'natural' AND date >= '$cur') AS paid_impressions,
      SUM(cost) FILTER (WHERE source <> 'natural' AND date >= '$cur') AS paid_cost,
      SUM(gmv) FILTER (WHERE source <> 'natural' AND date >= '$cur') AS paid_gmv,
      SUM(likes) FILTER (WHERE date >= '$cur') AS likes,
      SUM(comments) FILTER (WHERE date >= '$cur') AS comments$prev_cols
    FROM $from WHERE date BETWEEN '$first' AND '$asof' GROUP BY $key"
}

# The rolling 7-day model per video and day from $since to $asof, with the 7 days before each
# window for the trend: daily sums, then window sums over a date range ($1 and $2 are the
# frames, in each engine's syntax); $3, when given, restricts the videos (a WHERE clause).
series_sql() {
  echo "WITH daily AS (
      SELECT video_id, date,
        SUM(impressions) FILTER (WHERE source = 'natural') AS ni,
        SUM(gmv) FILTER (WHERE source = 'natural') AS ng,
        SUM(impressions) FILTER (WHERE source <> 'natural') AS pi,
        SUM(cost) FILTER (WHERE source <> 'natural') AS pc,
        SUM(gmv) FILTER (WHERE source <> 'natural') AS pg,
        SUM(likes) AS likes, SUM(comments) AS comments
      FROM metrics WHERE date BETWEEN '$series_first' AND '$asof' ${3:-} GROUP BY video_id, date),
    rolled AS (
      SELECT video_id, date, SUM(ni) OVER w, SUM(ng) OVER w, SUM(pi) OVER w, SUM(pc) OVER w,
        SUM(pg) OVER w, SUM(likes) OVER w, SUM(comments) OVER w,
        SUM(ni) OVER p AS prev_ni, SUM(ng) OVER p AS prev_ng
      FROM daily
      WINDOW w AS (PARTITION BY video_id ORDER BY $1),
        p AS (PARTITION BY video_id ORDER BY $2))
    SELECT * FROM rolled WHERE date >= '$since'"
}
duck_frames=("date RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW"
  "date RANGE BETWEEN INTERVAL 13 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING")

# --series --limit 20: the 20 videos with the best 7-day model on $asof (paid + natural GMV over
# cost + the natural impressions' worth at 40 yuan CPM), then their series.
series20_sql() {
  series_sql "${duck_frames[@]}" "AND video_id IN (
      SELECT video_id FROM metrics WHERE date > '$(day "$asof" -7)' GROUP BY video_id
      ORDER BY SUM(gmv) / (SUM(cost) + SUM(impressions) FILTER (WHERE source = 'natural')
        * 0.04 + 1) DESC LIMIT 20)"
}

# report spend: cost, paid GMV and orders per ISO week ($1 = week) or per tool ($1 = tool) over
# the whole ledger.
spend_sql() {
  local key="date_trunc('week', date)"
  [ "$1" = week ] || key=source
  echo "SELECT $key AS k, SUM(cost), SUM(gmv), SUM(orders), SUM(impressions)
    FROM metrics WHERE source <> 'natural' GROUP BY k ORDER BY k"
}

# shortlist: per video, the 90-day lookback ending $asof and the 90 days before it (natural and
# paid sums, engagement), joined to the videos for the KOL.
shortlist_sql() {
  local cur first
  cur=$(day "$asof" -89)
  first=$(day "$asof" -179)
  echo "SELECT video_id, kol_id,
      SUM(impressions) FILTER (WHERE source = 'natural' AND date >= '$cur'),
      SUM(gmv) FILTER (WHERE source = 'natural' AND date >= '$cur'),
      SUM(impressions) FILTER (WHERE source <> 'natural' AND date >= '$cur'),
      SUM(cost) FILTER (WHERE source <> 'natural' AND date >= '$cur'),
      SUM(gmv) FILTER (WHERE source <> 'natural' AND date >= '$cur'),
      SUM(likes + comments + shares) FILTER (WHERE date >= '$cur'),
      SUM(impressions) FILTER (WHERE source = 'natural' AND date < '$cur'),
      SUM(gmv) FILTER (WHERE source = 'natural' AND date < '$cur')
    FROM metrics JOIN videos USING (video_id)
    WHERE date BETWEEN '$first' AND '$asof' GROUP BY video_id, kol_id"
}

# report 5a: the brand's snapshots with the change of the total, and the brand's cost per day
# (the spend since the previous snapshot: the snapshots are daily).
fivea_sql() {
  echo "WITH cost AS (
      SELECT date, SUM(cost) AS spend FROM metrics JOIN videos USING (video_id)
      WHERE brand = '$brand' GROUP BY date)
    SELECT a.date, o, a1, a2, a3, a4, a5, a1 + a2 + a3 + a4 + a5 AS total,
      total - LAG(total) OVER (ORDER BY a.date) AS delta_total, total / category_total, spend
    FROM audience a LEFT JOIN cost USING (date) WHERE a.brand = '$brand' ORDER BY a.date"
}

# video show: one video's rows of the last 60 days, summed per day and source.
video_sql() {
  echo "SELECT date, source, SUM(impressions), SUM(cost), SUM(gmv), SUM(orders), SUM(likes),
      SUM(comments) FROM metrics
    WHERE video_id = '$video' AND date > '$(day "$asof" -60)' GROUP BY date, source ORDER BY date"
}

# report html: the brand's spend and GMV per day over 30 days, its videos' 7 + 7-day sums,
# and its 5A snapshots.
html_sql() {
  echo "SELECT date, SUM(cost), SUM(gmv) FROM metrics JOIN videos USING (video_id)
    WHERE brand = '$brand' AND date > '$(day "$asof" -30)' GROUP BY date ORDER BY date
;;
$(roi_sql 7 trend | sed "s/FROM metrics WHERE/FROM metrics JOIN videos USING (video_id)\n    WHERE brand = '$brand' AND/")
;;
$(fivea_sql)"
}

# ---- The measurements. ----

declare -A result
# Records "seconds peak-KiB runs" under key $1 (peak 0: not measured) and logs it.
record() {
  local s m n
  read -r s m n <<<"$2"
  [[ "$s" =~ ^\>?[0-9.]+$ && "$m" =~ ^[0-9]+$ && -n "$n" ]] \
    || { echo "no measurement for: $1" >&2; exit 1; }
  result[$1]="$s $m $n"
  printf '  %-64s %8s s  (%s)\n' "$1" "$s" "$n" >&2
}
field() { local v; read -r -a v <<<"${result[$1]:-- 0 -}"; echo "${v[$2]}"; }

# The reports: key, label, then the aimt arguments (after `aimt`).
report_keys=(roi30 roi30kol roi7 series series20 spendweek spendtool fivea shortlist advise
  videoshow html)
declare -A report_label duck_of
report_label=([roi30]="report roi --window 30" [roi30kol]="report roi --window 30 --by kol"
  [roi7]="report roi --window 7" [series]="report roi --series --window 7 (92 days)"
  [series20]="report roi --series ... --limit 20" [spendweek]="report spend --by week"
  [spendtool]="report spend --by tool" [fivea]="report 5a --brand B"
  [shortlist]="shortlist (lookback 90 + previous 90)" [advise]="advise (7 days + previous 7)"
  [videoshow]="video show ID" [html]="report html --brand B")
aimt_args() {
  case "$1" in
    roi30) echo "report roi --window 30" ;;
    roi30kol) echo "report roi --window 30 --by kol" ;;
    roi7) echo "report roi --window 7" ;;
    series) echo "report roi --series --window 7 --since $since --until $asof" ;;
    series20) echo "report roi --series --window 7 --since $since --until $asof --limit 20" ;;
    spendweek) echo "report spend --by week" ;;
    spendtool) echo "report spend --by tool" ;;
    fivea) echo "report 5a --brand $brand" ;;
    shortlist) echo "shortlist --sale-start $sale" ;;
    advise) echo "advise" ;;
    videoshow) echo "video show $video" ;;
    html) echo "report html --brand $brand -o $data/review.html" ;;
  esac
}
# The DuckDB SQL of a report (advise and roi --window 7 share the 7 + 7-day aggregate).
duck_sql() {
  case "$1" in
    roi30) roi_sql 30 trend ;;
    roi30kol) roi_sql 30 trend kol ;;
    roi7 | advise) roi_sql 7 trend ;;
    series) echo "COPY ($(series_sql "${duck_frames[@]}")) TO '/dev/null' (FORMAT csv)" ;;
    series20) series20_sql ;;
    spendweek) spend_sql week ;;
    spendtool) spend_sql tool ;;
    fivea) fivea_sql ;;
    shortlist) shortlist_sql ;;
    videoshow) video_sql ;;
    html) html_sql ;;
  esac
}
duck_of=([advise]=roi7)

# Sets asof, since, series_first, sale, brand and video for the ledger in $data.
set_days() {
  # metric.day: days since 1970-01-01 (docs/data-model.md).
  asof=$(sqlite3 "$data/aimt.db" "SELECT date(max(day) * 86400, 'unixepoch') FROM metric")
  since=$(day "$asof" -91)
  series_first=$(day "$since" -13)
  sale=$(day "$asof" 31)
  brand=$(sqlite3 "$data/aimt.db" "SELECT brand FROM video ORDER BY id LIMIT 1")
  video=$(sqlite3 "$data/aimt.db" \
    "SELECT video_id FROM video ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM video)")
}

# Times the reports named in $2... on $data, keys prefixed with $1.
measure_reports() {
  local size=$1 key args proc peak n a1 a2 a3
  local -a aimt_cmd duck_cmd
  shift
  for key in "$@"; do
    read -r -a args <<<"$(aimt_args "$key")"
    [ "$key" = html ] || args+=(--format tsv)
    aimt_cmd=("$aimt" "${args[@]}" --db "$data/aimt.db")
    if [ -n "${duck_of[$key]:-}" ] && [ -n "${result[$size|${duck_of[$key]}|duck]:-}" ]; then
      record "$size|$key|aimt" "$(timed "${aimt_cmd[@]}")"
      result[$size|$key|duck]=${result[$size|${duck_of[$key]}|duck]}
      result[$size|$key|duckin]=${result[$size|${duck_of[$key]}|duckin]}
      continue
    fi
    # aimt and DuckDB in turns (timed_pair): the ratio is robust to the machine's drift.
    duck_cmd=(python3 -c "$duck_py" "$data/metrics.duckdb" "$(duck_sql "$key")" "$data/inner.txt")
    : >"$data/inner.txt"
    read -r a1 a2 a3 proc peak n <<<"$(timed_pair aimt_cmd duck_cmd)"
    record "$size|$key|aimt" "$a1 $a2 $a3"
    record "$size|$key|duck" "$proc $peak $n"
    result[$size|$key|duckin]="$(duck_inner) 0 $n"
  done
}

# The sqlite3 CLI on the plain table: the 30-day aggregate with the previous 30, the series.
measure_sqlite() {
  record "$1|roi30|sqlite" "$(timed sqlite3 "$data/query-plain.db" "$(roi_sql 30 trend)")"
  record "$1|series|sqlite" "$(timed sqlite3 "$data/query-plain.db" "$(series_sql \
    "julianday(date) RANGE BETWEEN 6 PRECEDING AND CURRENT ROW" \
    "julianday(date) RANGE BETWEEN 13 PRECEDING AND 7 PRECEDING")")"
}

print_reports() {
  local size=$1 key a d
  printf '%-40s %7s %8s %9s %7s %9s %9s %7s\n' "report" "aimt s" "aimt MiB" "duckdb s" \
    "ratio" "(in-proc)" "sqlite3 s" "ratio"
  for key in "${report_keys[@]}"; do
    a=$(field "$size|$key|aimt" 0)
    d=$(field "$size|$key|duck" 0)
    printf '%-40s %7s %8s %9s %7s %9s %9s %7s\n' "${report_label[$key]}" "$a" \
      "$(mib "$(field "$size|$key|aimt" 1)")" "$d" "$(ratio "$a" "$d")" \
      "$(field "$size|$key|duckin" 0)" "$(field "$size|$key|sqlite" 0)" \
      "$(ratio "$a" "$(field "$size|$key|sqlite" 0)")"
  done
  echo "(ratio: aimt / the other, whole process each; in-proc: DuckDB's query alone;" \
    "B = $brand, ID = $video)"
}

# Copies ledger $1 to $2 (the -wal and -shm files removed first): the untimed restore.
restore() { rm -f "$2" "$2-wal" "$2-shm"; cp "$1" "$2"; }
# A ledger $1 with kols.csv, videos.csv ($2) and metrics file $3, reused when complete.
ledger_of() {
  [ -f "$1" ] && return
  rm -f "$1.tmp"*
  $aimt init --db "$1.tmp" >/dev/null
  $aimt import kols "$data/kols.csv" --db "$1.tmp" >/dev/null
  $aimt import videos "$2" --db "$1.tmp" >/dev/null
  [ -z "$3" ] || $aimt import metrics "$3" --db "$1.tmp" >/dev/null
  mv "$1.tmp" "$1"
}

# The daily increment: the last day's rows imported into a ledger of every day before it, into
# one of the last quarter of those days (the same day's rows), and into one of the first
# quarter of the videos (a quarter of the rows), each from an untimed copy of the ledger.
measure_increment() {
  local size=$1 inc="$data/increment" quarter q first name r want
  mkdir -p "$inc"
  q=$((videos / 4))
  quarter=$(printf 'v%07d' "$q")
  first=$(day "$asof" $((-(days - 1) / 4)))
  if [ ! -f "$inc/ready" ]; then
    echo "splitting $data/metrics.csv at $asof" >&2
    awk -F, -v last="$asof" -v first="$first" -v quarter="$quarter" -v inc="$inc" '
      NR == 1 { split("all day days-quarter videos-quarter day-quarter", n, " ")
                for (i in n) print > (inc "/" n[i] ".csv"); next }
      $1 == last { print > (inc "/day.csv"); if ($2 < quarter) print > (inc "/day-quarter.csv"); next }
      { print > (inc "/all.csv")
        if ($1 >= first) print > (inc "/days-quarter.csv")
        if ($2 < quarter) print > (inc "/videos-quarter.csv") }' "$data/metrics.csv"
    head -n $((q + 1)) "$data/videos.csv" >"$inc/videos-quarter-list.csv"
    rm -f "$inc"/*.db*
    touch "$inc/ready"
  fi
  ledger_of "$inc/all.db" "$data/videos.csv" "$inc/all.csv"
  ledger_of "$inc/days-quarter.db" "$data/videos.csv" "$inc/days-quarter.csv"
  ledger_of "$inc/videos-quarter.db" "$inc/videos-quarter-list.csv" "$inc/videos-quarter.csv"
  for name in all:day days-quarter:day videos-quarter:day-quarter; do
    before=(restore "$inc/${name%%:*}.db" "$inc/work.db")
    record "$size|inc-${name%%:*}|aimt" \
      "$(timed "$aimt" import metrics "$inc/${name#*:}.csv" --db "$inc/work.db")"
    before=()
    want=$(($(lines "$inc/${name%%:*}.csv") + $(lines "$inc/${name#*:}.csv")))
    r=$(sqlite3 "$inc/work.db" "SELECT count(*) FROM metric")
    [ "$r" = "$want" ] || { echo "the increment left $r rows, not $want" >&2; exit 1; }
  done
}

print_increment() {
  local size=$1 name ledger day s r
  printf '%-52s %10s %8s %7s %9s %8s\n' "daily increment: aimt import metrics of $asof" \
    "ledger rows" "rows" "aimt s" "µs/row" "aimt MiB"
  for name in all:day days-quarter:day videos-quarter:day-quarter; do
    ledger=${name%%:*} day=${name#*:}
    s=$(field "$size|inc-$ledger|aimt" 0)
    r=$(lines "$data/increment/$day.csv")
    printf '%-52s %10s %8s %7s %9s %8s\n' "  into $(case $ledger in
        all) echo "every video, every day before it" ;;
        days-quarter) echo "every video, the $(((days - 1) / 4)) days before it" ;;
        videos-quarter) echo "a quarter of the videos, every day before it" ;;
      esac)" "$(lines "$data/increment/$ledger.csv")" "$r" "$s" \
      "$(py "print(f'{float(\"${s#>}\") / $r * 1e6:.1f}')")" \
      "$(mib "$(field "$size|inc-$ledger|aimt" 1)")"
  done
}

# The file sorted by date, then video (daily exports put together), imported by aimt into a
# ledger with the KOLs and videos and by sqlite3's .import into a plain table with a UNIQUE
# key, in $runs interleaved rounds; in the same rounds, the same rows as one file per day
# (each sorted by video, as a day's export is) in one `aimt import metrics days/*.csv`.
measure_import() {
  local size=$1 dir="$data/sorted" i a=() s=() d=() peak=0 dpeak=0 t m
  mkdir -p "$dir"
  if [ ! -f "$dir/metrics.csv" ]; then
    echo "sorting $data/metrics.csv by date, then video" >&2
    { head -n 1 "$data/metrics.csv"
      tail -n +2 "$data/metrics.csv" | LC_ALL=C sort -s -t, -k1,1 -k2,2; } >"$dir/metrics.tmp"
    mv "$dir/metrics.tmp" "$dir/metrics.csv"
  fi
  if [ ! -f "$dir/days/done" ]; then
    echo "splitting it into one file per day" >&2
    rm -rf "$dir/days" && mkdir -p "$dir/days"
    awk -F, -v out="$dir/days" 'NR == 1 { header = $0; next }
      $1 != day { if (file) close(file); day = $1; file = out "/" day ".csv"
                  print header > file }
      { print > file }' "$dir/metrics.csv"
    touch "$dir/days/done"
  fi
  ledger_of "$dir/base.db" "$data/videos.csv" ""
  for ((i = 0; i < runs; i++)); do
    rm -f "$dir"/plain.db*
    /usr/bin/time -f "%e %M" -o "$data/time.txt" sqlite3 "$dir/plain.db" \
      "CREATE TABLE metrics(date TEXT, video_id TEXT, source TEXT, placement_id TEXT,
         impressions INT, cost REAL, gmv REAL, orders INT, likes INT, comments INT, shares INT,
         follows INT, UNIQUE(date, video_id, source, placement_id));" \
      ".mode csv" ".import --skip 1 $dir/metrics.csv metrics" >"$data/last.log" 2>&1 \
      || { cat "$data/last.log" >&2; exit 1; }
    read -r t m <"$data/time.txt"
    s+=("$t")
    restore "$dir/base.db" "$dir/aimt.db"
    /usr/bin/time -f "%e %M" -o "$data/time.txt" "$aimt" import metrics "$dir/metrics.csv" \
      --db "$dir/aimt.db" >"$data/last.log" 2>&1 || { cat "$data/last.log" >&2; exit 1; }
    read -r t m <"$data/time.txt"
    a+=("$t")
    [ "$m" -le "$peak" ] || peak=$m
    restore "$dir/base.db" "$dir/aimt.db"
    /usr/bin/time -f "%e %M" -o "$data/time.txt" "$aimt" import metrics "$dir"/days/*.csv \
      --db "$dir/aimt.db" >"$data/last.log" 2>&1 || { cat "$data/last.log" >&2; exit 1; }
    read -r t m <"$data/time.txt"
    d+=("$t")
    [ "$m" -le "$dpeak" ] || dpeak=$m
    echo "  round $((i + 1)): sqlite3 .import ${s[-1]} s, aimt ${a[-1]} s," \
      "aimt of the daily files ${d[-1]} s" >&2
  done
  rm -f "$dir"/plain.db* "$dir"/aimt.db*
  result[$size|sorted|aimt]="$(median "${a[@]}") $peak $runs"
  result[$size|sorted|sqlite]="$(median "${s[@]}") 0 $runs"
  result[$size|daily-files|aimt]="$(median "${d[@]}") $dpeak $runs"
  result[$size|daily-files|sqlite]="$(median "${s[@]}") 0 $runs"
}

print_import() {
  local size=$1 a s
  a=$(field "$size|sorted|aimt" 0)
  s=$(field "$size|sorted|sqlite" 0)
  echo "import of the $rows rows sorted by date, then video: aimt $a s" \
    "($(mib "$(field "$size|sorted|aimt" 1)") MiB), sqlite3 .import (UNIQUE key) $s s," \
    "ratio $(ratio "$a" "$s") (target ≤ 0.60)"
  a=$(field "$size|daily-files|aimt" 0)
  echo "the same rows as one file per day in one import: aimt $a s" \
    "($(mib "$(field "$size|daily-files|aimt" 1)") MiB), ratio to sqlite3 .import $(ratio "$a" "$s")"
}

declare -A rows_of
# --history: for each size, the long ledger (generated) against its last $days days.
if [ -n "$history" ]; then
  for videos in "${sizes[@]}"; do
    long="Benchmarks/data/${videos}x${history}"
    short="Benchmarks/data/${videos}x${history}-last${days}"
    data=$long
    generate "$long" "$videos" "$history"
    load
    set_days
    mkdir -p "$short"
    if [ ! -f "$short/ready" ] || [ "$short/ready" -ot "$long/metrics.csv" ]; then
      rm -f "$short"/*
      cp "$long/kols.csv" "$long/videos.csv" "$short/"
      first=$(day "$asof" $((1 - days)))
      for f in metrics audience; do
        awk -F, -v first="$first" 'NR == 1 || $1 >= first' "$long/$f.csv" >"$short/$f.csv"
      done
      touch "$short/ready"
    fi
    keys=(roi30 shortlist advise)
    for which in short long; do
      data=${!which}
      load
      rows_of[$which]=$rows
      echo "timing $which: $videos videos, $rows rows, as_of $asof" >&2
      measure_reports "$which" "${keys[@]}"
    done
    echo
    echo "$videos videos: $days days (${rows_of[short]} rows) against $history days" \
      "(${rows_of[long]} rows), as_of $asof, median of $runs runs, seconds"
    printf '%-40s %9s %9s %10s %9s %9s %10s %12s\n' "report" "aimt ${days}d" "aimt ${history}d" \
      "long/short" "duck ${days}d" "duck ${history}d" "long/short" "MiB ${days}d/${history}d"
    for key in "${keys[@]}"; do
      printf '%-40s %9s %9s %10s %9s %9s %10s %12s\n' "${report_label[$key]}" \
        "$(field "short|$key|aimt" 0)" "$(field "long|$key|aimt" 0)" \
        "$(ratio "$(field "long|$key|aimt" 0)" "$(field "short|$key|aimt" 0)")" \
        "$(field "short|$key|duck" 0)" "$(field "long|$key|duck" 0)" \
        "$(ratio "$(field "long|$key|duck" 0)" "$(field "short|$key|duck" 0)")" \
        "$(mib "$(field "short|$key|aimt" 1)")/$(mib "$(field "long|$key|aimt" 1)")"
    done
  done
  exit 0
fi

for videos in "${sizes[@]}"; do
  data="Benchmarks/data/${videos}x${days}"
  [ "$generator" = python ] || data="Benchmarks/data/demo-${videos}x${days}"
  generate "$data" "$videos" "$days"
  if has_part reports; then load --plain; else load --aimt-only; fi
  rows_of[$videos]=$rows
  set_days
  echo "timing $videos videos × $days days ($rows rows), as_of $asof, $runs runs each" >&2
  if has_part reports; then
    measure_reports "$videos" "${report_keys[@]}"
    measure_sqlite "$videos"
  fi
  if has_part increment; then measure_increment "$videos"; fi
  if has_part import; then measure_import "$videos"; fi

  echo
  echo "$rows metric rows ($videos videos × $days days, as_of $asof), median of $runs runs"
  if has_part reports; then
    print_reports "$videos"
    echo "aimt series (92 days) / aimt roi (30 days):" \
      "$(ratio "$(field "$videos|series|aimt" 0)" "$(field "$videos|roi30|aimt" 0)")"
  fi
  if has_part increment; then print_increment "$videos"; fi
  if has_part import; then print_import "$videos"; fi
done

echo
echo "scaling: aimt seconds (aimt / DuckDB whole process), median of $runs"
header=$(printf '%-40s' "report")
for videos in "${sizes[@]}"; do header+=$(printf ' %18s' "${rows_of[$videos]} rows"); done
echo "$header"
scaled=()
if has_part reports; then scaled+=("${report_keys[@]}"); fi
if has_part increment; then scaled+=(inc-all inc-days-quarter inc-videos-quarter); fi
if has_part import; then scaled+=(sorted daily-files); fi
for key in "${scaled[@]}"; do
  case "$key" in
    inc-all) label="increment: one day into every day" other=none ;;
    inc-days-quarter) label="increment: one day into a quarter of days" other=none ;;
    inc-videos-quarter) label="increment: quarter videos' day" other=none ;;
    sorted) label="import sorted by date (/ sqlite3)" other=sqlite ;;
    daily-files) label="import of a file per day (/ sqlite3)" other=sqlite ;;
    *) label=${report_label[$key]} other=duck ;;
  esac
  line=$(printf '%-40s' "$label")
  for videos in "${sizes[@]}"; do
    a=$(field "$videos|$key|aimt" 0)
    if [ "$other" = none ]; then
      line+=$(printf ' %18s' "$a")
    else
      line+=$(printf ' %18s' "$a ($(ratio "$a" "$(field "$videos|$key|$other" 0)"))")
    fi
  done
  echo "$line"
done
