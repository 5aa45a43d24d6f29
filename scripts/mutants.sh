#!/usr/bin/env bash
# Mutation testing by hand: plants one listed one-line bug in Sources/ at a time, rebuilds, runs
# the test target of the module it is in, restores the file, and prints the mutants no test
# noticed (the survivors). Not run in CI: every mutant is a rebuild and a test run (minutes each).
#
#   scripts/mutants.sh            every mutant (a baseline run of the targets first)
#   scripts/mutants.sh 3 17       only mutants 3 and 17
#   scripts/mutants.sh --list     the list, without running anything
#
# Each mutant is an exact text that must occur once in its file, and its replacement: when
# Sources change so that a text no longer occurs exactly once, the mutant is reported as
# "not applicable" rather than planted somewhere else. The file is copied aside before and
# copied back after (also on Ctrl-C); the script refuses to start with uncommitted changes in
# Sources/, so `git checkout -- Sources` is always a safe way back.
# Environment: LOGS (folder for each mutant's build and test output, default a temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

files=() targets=() originals=() replacements=() whys=()
# mutant FILE TARGET ORIGINAL REPLACEMENT WHAT-IT-BREAKS
mutant() {
  files+=("$1") targets+=("$2") originals+=("$3") replacements+=("$4") whys+=("$5")
}

rules=Sources/LedgerStore/Rules
write=Sources/LedgerStore/Write
money=Sources/LedgerStore/Money
import=Sources/LedgerImport
query=Sources/LedgerQuery

# The rules.
mutant $rules/LedgerRules.swift LedgerStoreTests \
  '10_000...500_000_000' '10_001...500_000_000' \
  'a Dou+ budget of exactly ¥100 is refused'
mutant $rules/LedgerRules.swift LedgerStoreTests \
  'budget >= contentServiceMinimum' 'budget > contentServiceMinimum' \
  'a content-service booking of exactly ¥50,000 is refused'
mutant $rules/LedgerRules.swift LedgerStoreTests \
  'if let end, end < start {' 'if let end, end <= start {' \
  'a placement ending when it starts is refused'
mutant $rules/LedgerRules.swift LedgerStoreTests \
  'AND d.start < coalesce(c."end"' 'AND d.start <= coalesce(c."end"' \
  'a Dou+ order starting as a booking ends counts as an overlap (intervals not half-open)'
mutant $rules/LedgerRules.swift LedgerStoreTests \
  'guard end < start else { return [] }' 'guard end < start.adding(days: -1) else { return [] }' \
  'a promotion ending the day before it starts is accepted'
mutant $rules/Check.swift LedgerStoreTests \
  'WHERE m.source = 0 AND m.cost <> 0' 'WHERE m.source = 1 AND m.cost <> 0' \
  'check looks for cost on the wrong source and misses natural traffic with a cost'

# The writer.
mutant $write/MetricWriter.swift LedgerStoreTests \
  'let assignments = (names.map { "\($0) = excluded.\($0)" }' \
  'let assignments = (names.filter { $0 != "follows" }.map { "\($0) = excluded.\($0)" }' \
  'follows left out of the metric upsert update list: a changed follows is lost'
mutant $write/MetricWriter.swift LedgerStoreTests \
  '"given = given | excluded.given"' '"given = excluded.given"' \
  'an update forgets which numbers earlier rows gave'
mutant $write/MetricWriter.swift LedgerStoreTests \
  'WHERE OLD.\(name) IS NOT NEW.\(name) AND (OLD.given & \(1 << field.index)) <> 0;' \
  'WHERE OLD.\(name) IS NOT NEW.\(name);' \
  'filling a column a partial file left out is recorded as a revision'
mutant $write/LedgerWriter.swift LedgerStoreTests \
  'if source == .natural, values[.cost] != 0 {' 'if source == .douPlus, values[.cost] != 0 {' \
  'the writer lets natural traffic carry a cost'
mutant $write/LedgerWriter.swift LedgerStoreTests \
  'let changed = fields.filter { column, value in existing[column] as DatabaseValue != value }' \
  'let changed = fields.filter { _, _ in true }' \
  'an unchanged KOL, video or placement row counts as updated'
mutant $write/LedgerWriter.swift LedgerStoreTests \
  'if problems.count < Self.problemLimit {' 'if problems.count <= Self.problemLimit {' \
  'one problem more than the limit is kept'

# The parsers.
mutant $money/Money.swift LedgerStoreTests \
  'if decimals == 1 { fraction *= 10 }' 'if decimals == 1 { fraction *= 1 }' \
  '1.5 yuan reads as 1.05'
mutant $money/Money.swift LedgerStoreTests \
  'guard decimals <= 2 else {' 'guard decimals <= 3 else {' \
  'a third decimal is dropped silently instead of refused'
mutant $money/Money.swift LedgerStoreTests \
  'guard groupLength >= 1, groupLength <= 3, bytes[start] != zero else { return nil }' \
  'guard groupLength >= 1, groupLength <= 3 else { return nil }' \
  'a grouped number starting with 0 (0,123) is accepted'
mutant $money/Units.swift LedgerStoreTests \
  'guard !scan.overflowed else {' 'guard scan.value >= 0 else {' \
  'a count past Int64 wraps instead of being refused'
mutant $money/Units.swift LedgerStoreTests \
  'case "false", "no", "0", "n", "否": return false' 'case "false", "no", "0", "n": return false' \
  '否 is no longer read as no'
mutant $money/Day.swift LedgerStoreTests \
  'year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)' 'year % 4 == 0' \
  'every fourth year is a leap year (1900, 2100 get a 29 February)'
mutant $money/Day.swift LedgerStoreTests \
  'guard time.hour < 24, time.minute < 60' 'guard time.hour <= 24, time.minute < 60' \
  'the hour 24 is accepted'
mutant $money/Fraction.swift LedgerStoreTests \
  'if decimals == scale {' 'if decimals > scale {' \
  'a ratio rounding up to the next whole number keeps its overflowed decimals (0.995 → 0.100)'
mutant $import/Import/RowReader.swift LedgerImportTests \
  'case .milliFen: return (try Count.parse(utf8: bytes) + 500) / 1000' \
  'case .milliFen: return (try Count.parse(utf8: bytes) + 499) / 1000' \
  'milli-fen round half down instead of half up'
mutant $import/Reading/CSVReader.swift LedgerImportTests \
  '} else if p[1] == quote {' '} else if p[1] == quote, p[1] != quote {' \
  'a doubled quote inside a quoted CSV field is not unescaped'

# The reports.
mutant $query/TrafficModel.swift LedgerQueryTests \
  'aboveFloor = roiModel.map { $0 >= floor }' 'aboveFloor = roiModel.map { $0 > floor }' \
  'a model exactly at the ROI floor counts as below it'
mutant $query/TrafficModel.swift LedgerQueryTests \
  'if current < previous.times(declineRatio) { return .down }' \
  'if current <= previous.times(declineRatio) { return .down }' \
  'a model exactly at the decline ratio counts as down'
mutant $query/TrafficModel.swift LedgerQueryTests \
  'Fraction(Int128(fen) * 10, over: Int128(impressions))' \
  'Fraction(Int128(fen) * 10, over: Int128(impressions) + 1)' \
  'GPM and CPM divide by one impression too many'
mutant $query/Advice.swift LedgerQueryTests \
  'return Fraction(Int128(sorted[middle - 1]) + Int128(sorted[middle]), over: 2)' \
  'return Fraction(Int128(sorted[middle]) + Int128(sorted[middle]), over: 2)' \
  'the median of an even count is the upper middle value'
mutant $query/Advice.swift LedgerQueryTests \
  'if let age, age <= settings.freshDays {' 'if let age, age < settings.freshDays {' \
  'a video exactly freshDays old is no longer fresh'
mutant $query/Advice.swift LedgerQueryTests \
  'if let age, age < settings.warmupDays, tier != .superHead {' \
  'if let age, age <= settings.warmupDays, tier != .superHead {' \
  'the warm-up lasts a day longer'
mutant $query/RoiReport.swift LedgerQueryTests \
  'if row.day >= currentStart {' 'if row.day > currentStart {' \
  'the first day of the ROI window is counted in the previous window'
mutant $query/SpendReport.swift LedgerQueryTests \
  'let weekday = (Int(day.daysSinceEpoch) % 7 + 7 + 3) % 7' \
  'let weekday = (Int(day.daysSinceEpoch) % 7 + 7 + 4) % 7' \
  'spend weeks start on Sunday instead of Monday'

count=${#files[@]}
if [ "${1:-}" = "--list" ]; then
  for ((i = 0; i < count; i++)); do
    found="$(grep -cF -- "${originals[$i]}" "${files[$i]}" || true)"
    state=$([ "$found" = 1 ] && echo "" || echo " (NOT APPLICABLE: found $found times)")
    printf '%2d  %-18s %s%s\n    %s\n' "$((i + 1))" "${targets[$i]}" "${files[$i]}" "$state" \
      "${whys[$i]}"
  done
  exit 0
fi
chosen=("$@")
if [ ${#chosen[@]} -eq 0 ]; then
  for ((i = 1; i <= count; i++)); do chosen+=("$i"); done
fi

if ! git diff --quiet -- Sources || ! git diff --cached --quiet -- Sources; then
  echo "mutants: Sources/ has uncommitted changes; commit or stash them first" >&2
  exit 1
fi
logs="${LOGS:-$(mktemp -d)}"
mkdir -p "$logs"
saved="$(mktemp -d)"
planted=""
restore() {
  if [ -n "$planted" ]; then
    cp "$saved/file" "$planted"
    planted=""
  fi
}
trap 'restore; rm -rf "$saved"' EXIT
trap 'exit 130' INT TERM

# plant FILE ORIGINAL REPLACEMENT: exit 3 unless ORIGINAL occurs exactly once.
plant() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, original, replacement = sys.argv[1:]
text = open(path, encoding="utf-8").read()
if text.count(original) != 1:
    sys.exit(3)
open(path, "w", encoding="utf-8").write(text.replace(original, replacement))
PY
}

echo "mutants: logs in $logs"
echo "mutants: baseline (the targets must pass unmutated)"
swift build --build-tests >"$logs/baseline-build.log" 2>&1 \
  || { tail -20 "$logs/baseline-build.log" >&2; echo "mutants: the build fails" >&2; exit 1; }
for target in $(printf '%s\n' "${targets[@]}" | sort -u); do
  swift test --skip-build --filter "$target" >"$logs/baseline-$target.log" 2>&1 \
    || { echo "mutants: $target fails unmutated (see $logs/baseline-$target.log)" >&2; exit 1; }
done

survivors=() killed=0 stillborn=0 missing=0
for n in "${chosen[@]}"; do
  i=$((n - 1))
  file="${files[$i]}" target="${targets[$i]}"
  cp "$file" "$saved/file"
  planted="$file"
  if ! plant "$file" "${originals[$i]}" "${replacements[$i]}"; then
    restore
    echo "mutant $n: not applicable (its text is not once in $file)"
    missing=$((missing + 1))
    continue
  fi
  started=$SECONDS
  if ! swift build --build-tests >"$logs/$n-build.log" 2>&1; then
    outcome="does not compile"
    stillborn=$((stillborn + 1))
  elif timeout 1800 swift test --skip-build --filter "$target" >"$logs/$n-test.log" 2>&1; then
    outcome="SURVIVED"
    survivors+=("$n")
  else
    outcome="killed"
    killed=$((killed + 1))
  fi
  restore
  echo "mutant $n: $outcome by $target in $((SECONDS - started)) s: ${whys[$i]} ($file)"
done

echo "mutants: ${#chosen[@]} run: $killed killed, ${#survivors[@]} survived," \
  "$stillborn did not compile, $missing not applicable"
for n in "${survivors[@]}"; do
  i=$((n - 1))
  echo "  survivor $n: ${whys[$i]}"
  echo "    ${files[$i]}: '${originals[$i]}' → '${replacements[$i]}'"
done
