#!/usr/bin/env bash
# The review page in a real browser: build aimt, make the demo ledger, write
# `aimt report html`, open it in headless Chromium and fail when the page has console
# errors, renders blank, or lacks one of its charts.
#
#   scripts/check-html.sh                  check the demo's page
#   scripts/check-html.sh --keep DIR       also copy review.png and review.html to DIR
#   scripts/check-html.sh --page FILE      check an existing page instead (no build)
#   scripts/check-html.sh --strip-chart N  check the page with chart N removed (must fail)
#   scripts/check-html.sh --self-test      check the page, then prove that a removed chart,
#                                          a console error and a blank page each fail
#
# Environment: SCRATCH (swift build --scratch-path, default .build), CHROMIUM (the
# browser, default chromium), KEEP_DIR (as --keep), BRAND (default 山茶花), WINDOW_SIZE
# (the screenshot, default 1280,2400).
# Needs: the Swift toolchain, chromium, fonts-noto-cjk (Chinese glyphs), python3.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
charts=(spend-gmv roi-model audience-5a)
sections=(summary spend-gmv roi-model audience-5a videos shortlist provenance)
keep="${KEEP_DIR:-}"
page=""
strip=""
self_test=0
brand="${BRAND:-山茶花}"
window_size="${WINDOW_SIZE:-1280,2400}"

die() { echo "check-html: FAIL: $*" >&2; exit 1; }
say() { echo "check-html: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --keep) [ $# -ge 2 ] || die "--keep needs a folder"; keep="$2"; shift 2 ;;
    --page) [ $# -ge 2 ] || die "--page needs a file"; page="$2"; shift 2 ;;
    --strip-chart) [ $# -ge 2 ] || die "--strip-chart needs a chart name"; strip="$2"; shift 2 ;;
    --self-test) self_test=1; shift ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

browser="${CHROMIUM:-}"
if [ -z "$browser" ]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
  done
fi
[ -n "$browser" ] || die "no chromium found: apt-get install chromium fonts-noto-cjk (or set CHROMIUM)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read the screenshot"

work="$(mktemp -d "${TMPDIR:-/tmp}/aimt-check-html.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The page: the demo ledger's review, unless one was given.
if [ -z "$page" ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
  scratch="${SCRATCH:-$root/.build}"
  say "building aimt (debug, scratch path $scratch)"
  (cd "$root" && swift build --scratch-path "$scratch" --product aimt >"$work/build.log" 2>&1) \
    || { tail -30 "$work/build.log" >&2; die "swift build failed"; }
  bin="$(cd "$root" && swift build --scratch-path "$scratch" --show-bin-path)/aimt"
  "$bin" demo --db "$work/demo.db" >"$work/demo.log" 2>&1 \
    || { cat "$work/demo.log" >&2; die "aimt demo failed"; }
  "$bin" report html --brand "$brand" --db "$work/demo.db" -o "$work/review.html" >/dev/null \
    || die "aimt report html --brand $brand failed"
  page="$work/review.html"
else
  [ -f "$page" ] || die "no page at $page"
  cp "$page" "$work/review.html"
  page="$work/review.html"
fi

# Removes the <svg data-chart="NAME"> element (its opening line to its </svg> line).
strip_chart() { # in out name
  sed -e "/<svg[^>]*data-chart=\"$3\"/,/<\/svg>/d" "$1" >"$2"
  if cmp -s "$1" "$2"; then die "--strip-chart: no chart named $3 in the page"; fi
}

# The checks on one page; prints why and returns 1 when the page fails.
check_page() { # page png
  local html="$1" png="$2" base
  base="${png%.png}"
  rm -rf "$base.profile"
  local flags=(--headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check
    --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$base.profile")
  # Screenshot of the top of the page at desktop width.
  "$browser" "${flags[@]}" --window-size="$window_size" --screenshot="$png" "file://$html" \
    >"$base.shot.log" 2>&1 || { cat "$base.shot.log" >&2; echo "chromium could not take a screenshot"; return 1; }
  [ -s "$png" ] || { echo "chromium wrote no screenshot"; return 1; }
  # The DOM after layout, with the console on stderr.
  "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --virtual-time-budget=3000 \
    --dump-dom "file://$html" >"$base.dom.html" 2>"$base.console.log" \
    || { cat "$base.console.log" >&2; echo "chromium could not load the page"; return 1; }
  if grep -E 'CONSOLE|Uncaught|ERROR:CONSOLE' "$base.console.log" >"$base.errors.log"; then
    echo "console errors:"; sed 's/^/  /' "$base.errors.log"; return 1
  fi
  python3 - "$base.dom.html" "$png" "${#charts[@]}" "${charts[@]}" "${sections[@]}" <<'PY'
import struct, sys, zlib
from html.parser import HTMLParser

dom_path, png_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
charts, sections = sys.argv[4:4 + count], sys.argv[4 + count:]
problems = []

# --- The DOM: sections, and each chart an <svg> with drawn marks outside <defs>.
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.marks, self.stack, self.lang, self.charset = set(), {}, [], None, False
        self.chart, self.defs, self.svg_depth = None, 0, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html": self.lang = a.get("lang")
        if tag == "meta" and (a.get("charset") or "").lower() == "utf-8": self.charset = True
        if "id" in a: self.ids.add(a["id"])
        if tag == "svg":
            self.svg_depth += 1
            if a.get("data-chart"):
                self.chart = a["data-chart"]; self.marks.setdefault(self.chart, 0)
        elif self.chart is not None:
            if tag == "defs": self.defs += 1
            drawn = tag in ("rect", "path", "polyline", "polygon", "circle")
            if drawn and not self.defs and (tag != "path" or (a.get("d") or "").strip()):
                if tag != "rect" or float(a.get("height") or 0) > 0:
                    self.marks[self.chart] += 1
    def handle_endtag(self, tag):
        if tag == "defs" and self.defs: self.defs -= 1
        if tag == "svg":
            self.svg_depth -= 1
            if self.svg_depth == 0: self.chart = None

with open(dom_path, encoding="utf-8") as f:
    dom = f.read()
page = Page(); page.feed(dom)
if page.lang != "zh-CN": problems.append(f'<html lang> is {page.lang!r}, not "zh-CN"')
if not page.charset: problems.append("no <meta charset=utf-8>")
for section in sections:
    if section not in page.ids: problems.append(f"section #{section} is missing")
for chart in charts:
    if chart not in page.marks: problems.append(f'chart "{chart}" is missing (no <svg data-chart="{chart}">)')
    elif page.marks[chart] == 0: problems.append(f'chart "{chart}" draws nothing (no path/rect/circle)')
if "<script" in dom.lower(): problems.append("the page has a <script>")
for scheme in ("http://", "https://"):
    if scheme in dom: problems.append(f"the page references the network ({scheme})")

# --- The screenshot: decode the PNG (zlib, standard library) and count its colours.
def pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n": raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR": header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT": idat.append(body)
        elif kind == b"IEND": break
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace: raise ValueError(f"unsupported PNG {header}")
    bpp = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    previous, rows, pos = bytearray(stride), [], 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride]); pos += 1 + stride
        if kind == 1:
            for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((x + y) & 255 for x, y in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line); previous = line
    return width, height, bpp, rows

try:
    width, height, bpp, rows = pixels(png_path)
    counts = {}
    for row in rows[::2]:
        for x in range(0, width * bpp, 2 * bpp):
            key = bytes(row[x:x + 3]); counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    drawn = 1 - background / total
    if len(counts) <= 16: problems.append(f"the screenshot is blank ({len(counts)} colours)")
    elif drawn < 0.02: problems.append(f"the screenshot is almost blank ({drawn:.1%} drawn)")
    else: print(f"screenshot {width}x{height}: {len(counts)} colours, {drawn:.0%} not background")
except Exception as error:  # a broken PNG is a failed check, with the reason
    problems.append(f"the screenshot cannot be read: {error}")

for problem in problems: print(problem)
sys.exit(1 if problems else 0)
PY
}

# Runs check_page and says pass or fail; returns its status.
run_check() { # label html png
  local report
  if report="$(check_page "$2" "$3" 2>&1)"; then
    [ -z "$report" ] || printf '%s\n' "$report" | sed 's/^/  /'
    say "$1: pass"
  else
    printf '%s\n' "$report" | sed 's/^/  /'
    say "$1: FAIL"
    return 1
  fi
}

if [ -n "$strip" ]; then
  strip_chart "$page" "$work/stripped.html" "$strip"
  page="$work/stripped.html"
fi

status=0
run_check "page $(basename "$page")" "$page" "$work/review.png" || status=1

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  cp "$work/review.png" "$keep/review.png"
  cp "$page" "$keep/review.html"
  say "screenshot: $keep/review.png (page: $keep/review.html)"
else
  say "screenshot: $work/review.png (removed on exit; use --keep DIR to keep it)"
fi

if [ "$self_test" = 1 ]; then
  [ "$status" = 0 ] || die "the page itself fails, so the self-test cannot run"
  say "self-test: each broken page below must fail"
  for chart in "${charts[@]}"; do
    strip_chart "$work/review.html" "$work/no-$chart.html" "$chart"
    if run_check "without chart $chart" "$work/no-$chart.html" "$work/no-$chart.png"; then
      die "self-test: the page without chart $chart passed"
    fi
  done
  sed -e 's#</body>#<script>console.error("self-test: broken"); undefinedCall();</script></body>#' \
    "$work/review.html" >"$work/console.html"
  if run_check "with a console error" "$work/console.html" "$work/console.png"; then
    die "self-test: a page with console errors passed"
  fi
  printf '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body></body></html>\n' \
    >"$work/blank.html"
  if run_check "blank page" "$work/blank.html" "$work/blank.png"; then
    die "self-test: a blank page passed"
  fi
  say "self-test: pass (every broken page was caught)"
fi

[ "$status" = 0 ] || die "the review page failed the browser check"
say "ok"
