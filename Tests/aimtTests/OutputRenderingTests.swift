import Foundation
import LedgerStore
import Testing

@testable import aimt

// MARK: - Fixtures

/// A small table with Chinese text, a null, money (positive, negative, zero), a ratio, an int
/// and a bool: every format is pinned on it.
private let sample = OutputTable(
  columns: ["kol_id", "name", "followers", "cost", "roi", "authorized"].map(Column.init),
  rows: [
    [
      .text("dy1"), .text("美妆达人小美"), .int(1_200_000), .money(2_000_000),
      .ratio(exact(12345, 10000), digits: 2), .bool(true),
    ],
    [
      .text("dy22"), .text("Amy"), .null, .money(-123_456_789), .ratio(exact(1, 2), digits: 2),
      .bool(false),
    ],
    [.text("dy3"), .null, .int(0), .money(0), .null, .bool(true)],
  ])

/// The sample's columns with no rows.
private let empty = OutputTable(columns: sample.columns)

/// Lines joined with LF, each one ended by LF.
private func lines(_ lines: String...) -> String {
  lines.map { $0 + "\n" }.joined()
}

/// Lines joined with CRLF, each one ended by CRLF.
private func crlf(_ lines: String...) -> String {
  lines.map { $0 + "\r\n" }.joined()
}

/// The exact ratio `numerator / denominator`.
private func exact(_ numerator: Int128, _ denominator: Int128) -> Fraction {
  Fraction(numerator, over: denominator) ?? Fraction(0)
}

/// A one-column table of `cells`, for checking how single values print.
private func column(_ key: String, _ cells: [Cell]) -> OutputTable {
  OutputTable(columns: [Column(key)], rows: cells.map { [$0] })
}

/// The output's lines without the final empty one.
private func splitLines(_ text: String) -> [String] {
  text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

// MARK: - Every format on the sample

@Test func tableRendersSampleWithAlignedColumns() {
  #expect(
    render(sample, as: .table)
      == lines(
        "kol_id  name          followers           cost   roi  authorized",
        "──────  ────────────  ─────────  ─────────────  ────  ──────────",
        "dy1     美妆达人小美    1200000      20,000.00  1.23  true",
        "dy22    Amy                   —  -1,234,567.89  0.50  false",
        "dy3     —                     0           0.00     —  true"))
}

@Test func csvRendersSampleAsRFC4180() {
  #expect(
    render(sample, as: .csv)
      == crlf(
        "kol_id,name,followers,cost,roi,authorized",
        "dy1,美妆达人小美,1200000,20000.00,1.23,true",
        "dy22,Amy,,-1234567.89,0.50,false",
        "dy3,,0,0.00,,true"))
}

@Test func tsvRendersSampleWithTabsAndLF() {
  #expect(
    render(sample, as: .tsv)
      == lines(
        "kol_id\tname\tfollowers\tcost\troi\tauthorized",
        "dy1\t美妆达人小美\t1200000\t20000.00\t1.23\ttrue",
        "dy22\tAmy\t\t-1234567.89\t0.50\tfalse",
        "dy3\t\t0\t0.00\t\ttrue"))
}

@Test func jsonRendersSampleAsArrayOfObjectsInColumnOrder() {
  #expect(
    render(sample, as: .json)
      == lines(
        "[",
        #"{"kol_id":"dy1","name":"美妆达人小美","followers":1200000,"cost":20000,"#
          + #""roi":1.2345,"authorized":true},"#,
        #"{"kol_id":"dy22","name":"Amy","followers":null,"cost":-1234567.89,"roi":0.5,"#
          + #""authorized":false},"#,
        #"{"kol_id":"dy3","name":null,"followers":0,"cost":0,"roi":null,"authorized":true}"#,
        "]"))
}

@Test func ndjsonRendersSampleAsOneObjectPerLine() {
  #expect(
    render(sample, as: .ndjson)
      == lines(
        #"{"kol_id":"dy1","name":"美妆达人小美","followers":1200000,"cost":20000,"#
          + #""roi":1.2345,"authorized":true}"#,
        #"{"kol_id":"dy22","name":"Amy","followers":null,"cost":-1234567.89,"roi":0.5,"#
          + #""authorized":false}"#,
        #"{"kol_id":"dy3","name":null,"followers":0,"cost":0,"roi":null,"authorized":true}"#))
}

@Test func markdownRendersSampleAsPipeTableWithNumericColumnsRightAligned() {
  #expect(
    render(sample, as: .markdown)
      == lines(
        "| kol_id | name | followers | cost | roi | authorized |",
        "|---|---|---:|---:|---:|---|",
        "| dy1 | 美妆达人小美 | 1200000 | 20,000.00 | 1.23 | true |",
        "| dy22 | Amy | — | -1,234,567.89 | 0.50 | false |",
        "| dy3 | — | 0 | 0.00 | — | true |"))
}

// MARK: - table

@Test func tableAlignsChineseTextByDisplayWidth() {
  let table = OutputTable(
    columns: [Column("name"), Column("brand"), Column("gmv")],
    rows: [
      [.text("Amy"), .text("山茶花"), .money(12_345)],
      [.text("美妆达人小美"), .text("L'Ore\u{301}al"), .money(5)],
      [.text("Bob 小王"), .text("ＡＢＣ"), .money(-100)],
    ])
  let output = render(table, as: .table)
  #expect(
    output
      == lines(
        "name          brand       gmv",
        "────────────  ───────  ──────",
        "Amy           山茶花   123.45",
        "美妆达人小美  L'Ore\u{301}al    0.05",
        "Bob 小王      ＡＢＣ    -1.00"))
  let widths = splitLines(output).map(displayWidth)
  #expect(widths.count == 5)
  #expect(Set(widths) == [29])
}

@Test func tableLinesUpEveryColumnStartWhenTheLastColumnIsText() {
  let table = OutputTable(
    columns: [Column("video"), Column("kol"), Column("title")],
    rows: [
      [.text("v1"), .text("美妆达人小美"), .text("春季新品 开箱")],
      [.text("视频二"), .text("Amy"), .text("x")],
    ])
  let output = splitLines(render(table, as: .table))
  #expect(output.count == 4)
  // The last column starts at display column 6 + 2 + 12 + 2 on every line but the rule.
  for (line, title) in zip(output, ["title", "", "春季新品 开箱", "x"]) where !title.isEmpty {
    guard let start = line.range(of: title)?.lowerBound else {
      Issue.record("\(title) missing from \(line)")
      continue
    }
    #expect(displayWidth(String(line[..<start])) == 22)
    #expect(line.hasSuffix(title))
  }
}

@Test func tableRightAlignsNumbersAndLeftAlignsText() {
  let table = OutputTable(
    columns: [Column("label"), Column("count"), Column("spend"), Column("ratio")],
    rows: [
      [.text("a"), .int(7), .money(100), .ratio(exact(1, 2), digits: 1)],
      [.text("longer"), .int(12_345), .money(123_456_700), .ratio(exact(1225, 100), digits: 1)],
    ])
  #expect(
    render(table, as: .table)
      == lines(
        "label   count         spend  ratio",
        "──────  ─────  ────────────  ─────",
        "a           7          1.00    0.5",
        "longer  12345  1,234,567.00   12.3"))
}

@Test func tableAlignsEachCellOfAMixedColumnByItsOwnKind() {
  let table = OutputTable(
    columns: [Column("field"), Column("old")],
    rows: [
      [.text("budget"), .money(150_000)],
      [.text("mode"), .text("auto")],
      [.text("end"), .null],
    ])
  #expect(
    render(table, as: .table)
      == lines(
        "field   old",
        "──────  ────────",
        "budget  1,500.00",
        "mode    auto",
        "end     —"))
}

@Test func tableMoneyUsesThousandsSeparators() {
  let table = column(
    "amount",
    [.money(99_999), .money(100_000), .money(-5), .money(Int64.min), .money(Int64.max)])
  #expect(
    render(table, as: .table)
      == lines(
        "                    amount",
        "──────────────────────────",
        "                    999.99",
        "                  1,000.00",
        "                     -0.05",
        "-92,233,720,368,547,758.08",
        " 92,233,720,368,547,758.07"))
}

@Test func tableHasNoTrailingSpaces() {
  let table = OutputTable(
    columns: [Column("a"), Column("long_header")],
    rows: [[.text("x"), .text("")], [.text("yy"), .null], [.text("z"), .text("t  ")]])
  let output = splitLines(render(table, as: .table))
  #expect(output.count == 5)
  for line in output { #expect(!line.hasSuffix(" ")) }
  #expect(output[2] == "x")
}

@Test func emptyTableShowsHeaderAndNoRows() {
  #expect(
    render(empty, as: .table)
      == lines(
        "kol_id  name  followers  cost  roi  authorized",
        "──────  ────  ─────────  ────  ───  ──────────",
        "(no rows)"))
}

@Test func tableShowsTitleAboveTheHeaderAndOtherFormatsIgnoreIt() {
  var table = column("n", [.int(1)])
  table.title = "Totals 汇总"
  #expect(render(table, as: .table) == lines("Totals 汇总", "n", "─", "1"))
  #expect(render(table, as: .csv) == crlf("n", "1"))
  #expect(render(table, as: .json) == lines("[", #"{"n":1}"#, "]"))
}

@Test func colorBoldsOnlyTheTableHeader() {
  let output = render(sample, as: .table, options: RenderOptions(color: true))
  let rows = splitLines(output)
  #expect(
    rows[0]
      == "\u{1B}[1mkol_id  name          followers           cost   roi  authorized\u{1B}[0m")
  // Widths ignore the escape codes: the bold header is as wide as the rule under it.
  #expect(displayWidth(rows[0]) == displayWidth(rows[1]))
  #expect(rows.dropFirst().allSatisfy { !$0.contains("\u{1B}") })
  let plain = render(sample, as: .table)
  let stripped = output.replacingOccurrences(of: "\u{1B}[1m", with: "")
    .replacingOccurrences(of: "\u{1B}[0m", with: "")
  #expect(stripped == plain)
}

@Test func noEscapeCodesWithoutColorOrOutsideTables() {
  for format in OutputFormat.allCases {
    #expect(!render(sample, as: format).contains("\u{1B}"))
    if format != .table {
      let colored = render(sample, as: format, options: RenderOptions(color: true))
      #expect(!colored.contains("\u{1B}"))
    }
  }
}

@Test func tableBlanksControlCharactersInCells() {
  let table = column("note", [.text("a\tb\nc\u{1B}[31md")])
  #expect(render(table, as: .table) == lines("note", "───────────", "a b c [31md"))
}

// MARK: - Cell values

@Test func moneyPrintsTwoDecimalsComputedFromTheInteger() {
  let table = column(
    "fen",
    [
      .money(5), .money(10), .money(100), .money(-1), .money(-100), .money(12_345_678_901),
      .money(Int64.min),
    ])
  #expect(
    render(table, as: .csv)
      == crlf(
        "fen", "0.05", "0.10", "1.00", "-0.01", "-1.00", "123456789.01",
        "-92233720368547758.08"))
}

@Test func jsonMoneyIsAnExactNumberWithTrailingFractionZerosTrimmed() {
  let table = column(
    "gmv",
    [
      .money(1), .money(10), .money(100), .money(12_345_678_901),
      .money(922_337_203_685_477_580), .money(-5), .money(0), .money(2_000_050),
    ])
  #expect(
    render(table, as: .ndjson)
      == lines(
        #"{"gmv":0.01}"#, #"{"gmv":0.1}"#, #"{"gmv":1}"#, #"{"gmv":123456789.01}"#,
        #"{"gmv":9223372036854775.8}"#, #"{"gmv":-0.05}"#, #"{"gmv":0}"#,
        #"{"gmv":20000.5}"#))
}

@Test func ratioRoundsHalfUpFromItsIntegersToItsDigits() {
  let table = column(
    "ratio",
    [
      .ratio(exact(2, 3), digits: 0), .ratio(exact(1, 3), digits: 3),
      .ratio(exact(1, 8), digits: 2),
      .ratio(exact(3, 2), digits: 4), .ratio(exact(2675, 1000), digits: 2),
      .ratio(exact(1, 2000), digits: 2), .ratio(exact(9995, 1000), digits: 2),
    ])
  // 2.675 and 0.125 are halves, rounded up (a Double prints 2.67: it holds 2.67499…).
  #expect(
    render(table, as: .csv)
      == crlf("ratio", "1", "0.333", "0.13", "1.5000", "2.68", "0.00", "10.00"))
  #expect(
    render(table, as: .ndjson)
      == lines(
        #"{"ratio":0.6666666666666666}"#, #"{"ratio":0.3333333333333333}"#,
        #"{"ratio":0.125}"#, #"{"ratio":1.5}"#, #"{"ratio":2.675}"#, #"{"ratio":0.0005}"#,
        #"{"ratio":9.995}"#))
}

@Test func nonFiniteRealsRenderAsNull() {
  let table = OutputTable(
    columns: [Column("a"), Column("b"), Column("c")],
    rows: [[.real(.nan), .real(.infinity), .real(-.infinity)]])
  #expect(render(table, as: .json) == lines("[", #"{"a":null,"b":null,"c":null}"#, "]"))
  #expect(render(table, as: .ndjson) == lines(#"{"a":null,"b":null,"c":null}"#))
  #expect(render(table, as: .csv) == crlf("a,b,c", ",,"))
  #expect(render(table, as: .tsv) == lines("a\tb\tc", "\t\t"))
  #expect(render(table, as: .table) == lines("a  b  c", "─  ─  ─", "—  —  —"))
  #expect(render(table, as: .markdown) == lines("| a | b | c |", "|---|---|---|", "| — | — | — |"))
  for format in OutputFormat.allCases {
    let output = render(table, as: format).lowercased()
    #expect(!output.contains("nan") && !output.contains("inf"))
  }
}

@Test func realPrintsItsShortestRoundTripForm() {
  let table = column("v", [.real(1234.5), .real(5), .real(0.1), .real(-2.25)])
  #expect(render(table, as: .csv) == crlf("v", "1234.5", "5.0", "0.1", "-2.25"))
  #expect(
    render(table, as: .ndjson)
      == lines(#"{"v":1234.5}"#, #"{"v":5.0}"#, #"{"v":0.1}"#, #"{"v":-2.25}"#))
}

@Test func boolsAndIntsPrintPlainly() {
  let table = OutputTable(
    columns: [Column("b"), Column("i")],
    rows: [[.bool(true), .int(-42)], [.bool(false), .int(Int64.max)]])
  #expect(render(table, as: .csv) == crlf("b,i", "true,-42", "false,9223372036854775807"))
  #expect(
    render(table, as: .ndjson)
      == lines(#"{"b":true,"i":-42}"#, #"{"b":false,"i":9223372036854775807}"#))
}

@Test func shortRowsArePaddedWithNullAndExtraCellsIgnored() {
  let table = OutputTable(
    columns: [Column("a"), Column("b")], rows: [[.int(1)], [.int(2), .int(3), .int(4)]])
  #expect(render(table, as: .csv) == crlf("a,b", "1,", "2,3"))
  #expect(render(table, as: .ndjson) == lines(#"{"a":1,"b":null}"#, #"{"a":2,"b":3}"#))
}

// MARK: - csv

@Test func csvQuotesFieldsWithCommaQuoteOrLineBreak() {
  let table = OutputTable(
    columns: [Column("a,b"), Column("plain")],
    rows: [
      [.text("x,y"), .text("say \"hi\"")],
      [.text("line1\nline2"), .text("cr\rlf\r\n")],
      [.text("美妆, 达人"), .text("no quoting needed")],
      [.text("\"\u{301}"), .text(" spaced ")],
    ])
  #expect(
    render(table, as: .csv)
      == crlf(
        "\"a,b\",plain",
        "\"x,y\",\"say \"\"hi\"\"\"",
        "\"line1\nline2\",\"cr\rlf\r\n\"",
        "\"美妆, 达人\",no quoting needed",
        "\"\"\"\u{301}\", spaced "))
}

@Test func csvStartsWithAUTF8BOMOnlyWhenAsked() {
  let withBOM = render(sample, as: .csv, options: RenderOptions(csvBOM: true))
  #expect(Array(withBOM.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
  #expect(withBOM == "\u{FEFF}" + render(sample, as: .csv))
  #expect(render(sample, as: .csv).hasPrefix("kol_id,"))
  #expect(render(empty, as: .csv, options: RenderOptions(csvBOM: true)).hasPrefix("\u{FEFF}"))
  for format in OutputFormat.allCases where format != .csv {
    let output = render(sample, as: format, options: RenderOptions(csvBOM: true))
    #expect(output == render(sample, as: format))
  }
}

// MARK: - tsv

@Test func tsvReplacesTabsAndLineBreaksInsideFieldsWithSpaces() {
  let table = OutputTable(
    columns: [Column("a\tkey"), Column("b")],
    rows: [[.text("x\ty"), .text("one\ntwo")], [.text("cr\rlf\r\nend"), .text("美妆\t达人")]])
  #expect(
    render(table, as: .tsv)
      == lines("a key\tb", "x y\tone two", "cr lf  end\t美妆 达人"))
}

// MARK: - json

@Test func jsonEscapesQuotesBackslashesAndControlCharacters() {
  let table = OutputTable(
    columns: [Column("say \"k\"")],
    rows: [
      [.text(#"He said "hi" \ bye"#)],
      [.text("tab\tnew\nline\r\u{0}\u{1F}\u{7F}")],
      [.text("美妆达人小美 / 😀 é")],
    ])
  #expect(
    render(table, as: .ndjson)
      == lines(
        #"{"say \"k\"":"He said \"hi\" \\ bye"}"#,
        #"{"say \"k\"":"tab\u0009new\u000aline\u000d\u0000\u001f"# + "\u{7F}\"}",
        #"{"say \"k\"":"美妆达人小美 / 😀 é"}"#))
}

@Test func jsonOfNoRowsIsAnEmptyArray() {
  #expect(render(empty, as: .json) == "[]\n")
}

// MARK: - markdown

@Test func markdownEscapesPipesAndLineBreaks() {
  let table = OutputTable(
    columns: [Column("a|b"), Column("n")],
    rows: [[.text("x|y"), .int(1)], [.text("one\ntwo\r\nthree\rfour"), .int(2)]])
  #expect(
    render(table, as: .markdown)
      == lines(
        #"| a\|b | n |"#, "|---|---:|", #"| x\|y | 1 |"#,
        "| one<br>two<br>three<br>four | 2 |"))
}

// MARK: - Empty tables and streaming

@Test func emptyTableInEveryFormat() {
  let expected: [OutputFormat: String] = [
    .table: lines(
      "kol_id  name  followers  cost  roi  authorized",
      "──────  ────  ─────────  ────  ───  ──────────", "(no rows)"),
    .csv: crlf("kol_id,name,followers,cost,roi,authorized"),
    .tsv: lines("kol_id\tname\tfollowers\tcost\troi\tauthorized"),
    .json: "[]\n",
    .ndjson: "",
    .markdown: lines(
      "| kol_id | name | followers | cost | roi | authorized |", "|---|---|---|---|---|---|"),
  ]
  for format in OutputFormat.allCases {
    #expect(render(empty, as: format) == expected[format], "\(format)")
  }
}

@Test(arguments: OutputFormat.allCases)
func streamingWritesExactlyWhatTheStringVariantReturns(format: OutputFormat) {
  let optionSets = [
    RenderOptions(), RenderOptions(csvBOM: true, color: true), RenderOptions(color: true),
  ]
  for table in [sample, empty] {
    for options in optionSets {
      var chunks: [String] = []
      render(table, as: format, options: options) {
        chunks.append(String(decoding: $0, as: UTF8.self))
      }
      #expect(chunks.joined() == render(table, as: format, options: options))
      #expect(!chunks.contains(""))
    }
  }
}

@Test(arguments: OutputFormat.allCases)
func streamingHandsOverLargeResultsInBoundedChunks(format: OutputFormat) {
  var table = OutputTable(columns: [Column("id"), Column("name"), Column("gmv")])
  for index in 0..<20_000 {
    table.append([.int(Int64(index)), .text("美妆达人小美 \(index)"), .money(Int64(index) * 101)])
  }
  var chunks: [String] = []
  render(table, as: format, options: RenderOptions()) {
    chunks.append(String(decoding: $0, as: UTF8.self))
  }
  #expect(chunks.count > 5)
  #expect(chunks.allSatisfy { $0.utf8.count < 70 * 1024 })
  #expect(chunks.joined() == render(table, as: format))
}

// MARK: - displayWidth

@Test(
  arguments: [
    ("", 0), ("hello", 5), ("a b-c_1", 7),
    ("美妆达人小美", 12), ("カタカナ", 8), ("한국어", 6), ("ｶﾀｶﾅ", 4),
    ("￥", 2), ("，", 2), ("。「」", 6), ("ＡＢＣ", 6), ("　", 2),
    ("e\u{301}", 1), ("Ame\u{301}lie", 6), ("\u{1100}\u{1161}\u{11A8}", 2),
    ("😀", 2), ("👍🏽", 2), ("👨‍👩‍👧", 2), ("🇨🇳", 2), ("❤️", 2), ("❤", 1), ("1️⃣", 2),
    ("a\u{200D}b", 2), ("a\u{200B}b", 2), ("─", 1), ("—", 1), ("é", 1),
    ("\u{1B}[1mbold\u{1B}[0m", 4), ("tab\there", 7), ("Bob 小王", 8),
  ])
func displayWidthCountsTerminalColumns(text: String, width: Int) {
  #expect(displayWidth(text) == width, "\(text.debugDescription)")
}
