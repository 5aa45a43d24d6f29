import Foundation
import Testing

// End-to-end tests of `aimt report roi|spend|5a`, `aimt shortlist` and `aimt advise`: the real
// binary on ledgers entered through the CLI, every output parsed back.

// MARK: - Ledgers

extension CLI {
  /// Adds a KOL with a follower count as of 2026-04-01.
  fileprivate func addKOL(_ id: String, followers: String) throws {
    try ok(["kol", "add", id, "--followers", followers, "--as-of", "2026-04-01"])
  }

  /// Adds a video; `extra` are further `video add` options.
  fileprivate func addVideo(_ id: String, kol: String, _ extra: [String] = []) throws {
    try ok(["video", "add", id, "--kol-id", kol] + extra)
  }

  /// Logs one day's numbers of a video.
  fileprivate func log(
    _ date: String, _ video: String, _ source: String, impressions: String, _ extra: [String] = []
  ) throws {
    try ok(["log", date, video, source, "--impressions", impressions] + extra)
  }
}

/// The worked example of docs/method.md: 250,000 natural impressions and ¥20,000 GMV.
///
/// Video v1 (KOL dy1, 200,000 followers, brand B, Tmall, review passed) logs them over
/// 2026-05-01…03; brand B has two 5A snapshots (2026-04-30 and 2026-05-03).
private func workedExample() throws -> CLI {
  let cli = try CLI()
  try cli.ok(["init"])
  try cli.addKOL("dy1", followers: "200,000")
  try cli.addVideo(
    "v1", kol: "dy1",
    [
      "--brand", "B", "--published", "2026-04-20 20:00", "--ad-review", "passed", "--chain",
      "tmall",
    ])
  try cli.log("2026-05-01", "v1", "natural", impressions: "100000", ["--gmv", "8000"])
  try cli.log("2026-05-02", "v1", "natural", impressions: "100,000", ["--gmv", "8,000.00"])
  try cli.log("2026-05-03", "v1", "natural", impressions: "50000", ["--gmv", "¥4000"])
  let audience = cli.path("audience.csv")
  try Data(
    """
    date,brand,o,a1,a2,a3,a4,a5,category_total
    2026-04-30,B,1000,100,200,300,50,10,
    2026-05-03,B,1200,150,250,300,60,20,10000

    """.utf8
  ).write(to: URL(fileURLWithPath: audience))
  try cli.ok(["import", "audience", audience])
  return cli
}

/// Two videos of different KOLs, brands and chains, with paid traffic of three tools.
///
/// v1 (dy1, B, tmall) has model 2.0, ¥3,000 of Dou+ and ¥500 of Suixintui (paid ROI 4500/3500);
/// v2 (dy2, C, closed_loop) has model 3.0 and ¥1,000 of Qianchuan (paid ROI 5.0).
private func twoVideoLedger() throws -> CLI {
  let cli = try workedExample()
  try cli.log(
    "2026-05-02", "v1", "dou_plus", impressions: "75000",
    ["--cost", "3000", "--gmv", "4500", "--likes", "10", "--comments", "5"])
  try cli.log("2026-05-03", "v1", "suixintui", impressions: "5000", ["--cost", "500"])
  try cli.addKOL("dy2", followers: "1,500,000")
  try cli.addVideo("v2", kol: "dy2", ["--brand", "C", "--chain", "closed_loop"])
  try cli.log("2026-05-03", "v2", "natural", impressions: "100000", ["--gmv", "12000"])
  try cli.log(
    "2026-05-03", "v2", "qianchuan", impressions: "10000", ["--cost", "1000", "--gmv", "5000"])
  return cli
}

// MARK: - Reading the output back

/// The keys of `report roi` rows, in the order of docs/data-model.md.
private let roiKeys = [
  "key", "natural_impressions", "natural_gmv", "natural_gpm", "cpm_price", "roi_model",
  "paid_impressions", "paid_cost", "paid_gmv", "paid_cpm", "paid_gpm", "paid_roi", "total_roi",
  "engagement_rate", "comment_like_ratio", "trend", "above_floor",
]

/// The keys of `report roi --series` rows: `key`, `date`, then the single-window keys.
private let seriesKeys = ["key", "date"] + roiKeys.dropFirst()

/// The keys of `report 5a` rows, in the order of docs/data-model.md.
private let fiveAKeys = [
  "date", "o", "a1", "a2", "a3", "a4", "a5", "total", "a2_a3", "share_a1", "share_a2",
  "share_a3", "share_a4", "share_a5", "delta_total", "penetration", "spend", "cost_per_new_asset",
]

/// The keys of `shortlist` rows, in the order of docs/data-model.md.
private let shortlistKeys = [
  "rank", "video_id", "kol_id", "kol_tier", "roi_model", "paid_roi", "ranked_by",
  "natural_impressions", "evidence_impressions", "natural_gmv", "engagement_rate", "trend",
  "suggested_weekly_budget",
]

/// The keys of `report spend` rows.
private let spendKeys = [
  "key", "impressions", "cost", "gmv", "refunds", "paid_gmv", "orders", "roi", "paid_roi",
]

/// The keys of `advise` rows.
private let adviseKeys = [
  "video_id", "kol_id", "kol_tier", "age_days", "roi_model", "launch_model", "paid_roi", "trend",
  "evidence_impressions", "action", "mode", "strategy", "weekly_budget", "reasons",
]

/// One JSON object, parsed with JSONSerialization, and its keys in the order they were printed.
private struct PrintedObject {
  var values: [String: Any]
  var keys: [String]

  /// The value of `key` as a number, nil when it is absent, null or not a number.
  func number(_ key: String) -> Double? { (values[key] as? NSNumber)?.doubleValue }

  /// The value of `key` as text.
  func text(_ key: String) -> String? { values[key] as? String }

  /// Whether `key` is printed as JSON `null`.
  func isNull(_ key: String) -> Bool { values[key] is NSNull }

  /// The values without `date`, for comparing a series row with a single-window row.
  var withoutDate: NSDictionary {
    var copy = values
    copy["date"] = nil
    return copy as NSDictionary
  }
}

/// Parses one printed object line (`{…}` of a JSON array or an NDJSON line).
private func printedObject(
  _ line: Substring, sourceLocation: SourceLocation = #_sourceLocation
) throws -> PrintedObject {
  let text = line.hasSuffix(",") ? line.dropLast() : line
  let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
  let values = try #require(parsed as? [String: Any], sourceLocation: sourceLocation)
  var positions: [(String, String.Index)] = []
  for key in values.keys {
    let position = try #require(
      text.range(of: "\"\(key)\":")?.lowerBound, "key \(key) not found in \(text)",
      sourceLocation: sourceLocation)
    positions.append((key, position))
  }
  return PrintedObject(values: values, keys: positions.sorted { $0.1 < $1.1 }.map(\.0))
}

/// The objects of a `--format json` array, each with its keys in printed order.
private func jsonRows(
  _ output: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> [PrintedObject] {
  // The whole text must be one valid JSON array.
  let array = try JSONSerialization.jsonObject(with: Data(output.utf8))
  let count = try #require(array as? [Any], sourceLocation: sourceLocation).count
  let rows = try output.split(separator: "\n").filter { $0.hasPrefix("{") }.map {
    try printedObject($0, sourceLocation: sourceLocation)
  }
  #expect(rows.count == count, sourceLocation: sourceLocation)
  return rows
}

/// Runs a command with `--format json` and returns its rows.
private func json(
  _ cli: CLI, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation
) throws -> [PrintedObject] {
  let result = try cli.ok(arguments + ["--format", "json"], sourceLocation: sourceLocation)
  return try jsonRows(result.stdout, sourceLocation: sourceLocation)
}

/// The values of `key` in each row, in order (text only).
private func column(_ rows: [PrintedObject], _ key: String) -> [String] {
  rows.compactMap { $0.text(key) }
}

/// The records of RFC 4180 text: quoted fields may hold commas, quotes and line breaks.
private func csvRecords(_ text: String) -> [[String]] {
  var records: [[String]] = []
  var record: [String] = []
  var field = ""
  var quoted = false
  let scalars = Array(text.unicodeScalars)
  var index = 0
  while index < scalars.count {
    let scalar = scalars[index]
    index += 1
    if quoted {
      if scalar != "\"" {
        field.unicodeScalars.append(scalar)
      } else if index < scalars.count, scalars[index] == "\"" {
        field.unicodeScalars.append(scalar)
        index += 1
      } else {
        quoted = false
      }
      continue
    }
    switch scalar {
    case "\"": quoted = true
    case ",":
      record.append(field)
      field = ""
    case "\r": break
    case "\n":
      record.append(field)
      records.append(record)
      record = []
      field = ""
    default: field.unicodeScalars.append(scalar)
    }
  }
  if !field.isEmpty || !record.isEmpty {
    record.append(field)
    records.append(record)
  }
  return records
}

/// The header and rows of a text format's output, one string per cell.
private func grid(
  _ output: String, format: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> [[String]] {
  let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
  switch format {
  case "csv":
    return csvRecords(output)
  case "tsv":
    return lines.map {
      $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
  case "markdown":
    #expect(lines.count >= 2, sourceLocation: sourceLocation)
    return lines.enumerated().filter { $0.offset != 1 }.map { _, line in
      line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
    }
  default:
    // table: an optional title, the header, a rule of `─`, the rows; cells two spaces apart.
    let rule = try #require(
      lines.firstIndex { $0.hasPrefix("\u{2500}") }, "no rule line in\n\(output)",
      sourceLocation: sourceLocation)
    let shown = [lines[rule - 1]] + lines[(rule + 1)...].filter { $0 != "(no rows)" }
    return shown.map { line in
      line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
    }
  }
}

/// What no output may ever print for a ratio.
private let nonNumbers: Set<String> = [
  "nan", "-nan", "NaN", "inf", "-inf", "Infinity", "-Infinity",
]

// MARK: - 1. The worked example

@Test func roiWorkedExampleIsExactlyTwoAtTheDefaultCPMPrice() throws {
  let cli = try workedExample()
  let result = try cli.ok(["report", "roi", "--window", "7", "--format", "json"])
  #expect(result.stdout.contains("\"natural_gpm\":80.0,\"cpm_price\":40.0,\"roi_model\":2.0,"))
  let rows = try jsonRows(result.stdout)
  #expect(rows.count == 1)
  let row = try #require(rows.first)
  #expect(row.text("key") == "v1")
  #expect(row.number("natural_impressions") == 250_000)
  #expect(row.number("natural_gmv") == 20_000)
  #expect(row.number("natural_gpm") == 80.0)
  #expect(row.number("cpm_price") == 40.0)
  #expect(row.number("roi_model") == 2.0)
  #expect(row.values["above_floor"] as? Bool == true)
}

@Test func roiCPMPriceOptionRescalesTheModel() throws {
  let cli = try workedExample()
  let row = try #require(
    try json(cli, ["report", "roi", "--window", "7", "--cpm-price", "50"]).first)
  #expect(row.number("cpm_price") == 50.0)
  #expect(row.number("natural_gpm") == 80.0)
  #expect(row.number("roi_model") == 1.6)
  let yuanText = try #require(
    try json(cli, ["report", "roi", "--window", "7", "--cpm-price", "¥50.00"]).first)
  #expect(yuanText.number("roi_model") == 1.6)
}

@Test func roiObservedCPMUsesThePaidCPMOfTheRow() throws {
  let cli = try workedExample()
  try cli.log("2026-05-02", "v1", "dou_plus", impressions: "75000", ["--cost", "3000"])
  let row = try #require(
    try json(cli, ["report", "roi", "--window", "7", "--cpm-price", "observed"]).first)
  #expect(row.number("paid_impressions") == 75_000)
  #expect(row.number("paid_cost") == 3_000)
  #expect(row.number("paid_cpm") == 40.0)
  #expect(row.number("cpm_price") == 40.0)
  #expect(row.number("roi_model") == 2.0)
}

@Test func roiObservedCPMFallsBackToTheSettingWithoutPaidTraffic() throws {
  let cli = try workedExample()
  // A setting unlike the paid CPM, so the row shows which price it used.
  try cli.ok(["config", "set", "cpm_price", "50"])
  let unpaid = try #require(
    try json(cli, ["report", "roi", "--window", "7", "--cpm-price", "observed"]).first)
  #expect(unpaid.isNull("paid_cpm"))
  #expect(unpaid.number("cpm_price") == 50.0)
  #expect(unpaid.number("roi_model") == 1.6)

  try cli.log("2026-05-02", "v1", "dou_plus", impressions: "75000", ["--cost", "3000"])
  let paid = try #require(
    try json(cli, ["report", "roi", "--window", "7", "--cpm-price", "observed"]).first)
  #expect(paid.number("cpm_price") == 40.0)
  #expect(paid.number("roi_model") == 2.0)
  let setting = try #require(try json(cli, ["report", "roi", "--window", "7"]).first)
  #expect(setting.number("cpm_price") == 50.0)
  #expect(setting.number("roi_model") == 1.6)
}

// MARK: - 2. Every output format

/// One command whose output is checked in every format.
private struct FormatCase: Sendable, CustomTestStringConvertible {
  var arguments: [String]
  /// The JSON keys and csv/tsv/markdown header.
  var keys: [String]
  /// A column whose first row has no value (a ratio with a zero denominator, or no trend).
  var nullColumn: String
  /// Columns only the `table` format adds, at the end.
  var tableOnly: [String] = []
  /// The `table` header when its extra columns are not at the end.
  var tableKeys: [String]? = nil

  var testDescription: String { arguments.joined(separator: " ") }

  static let all = [
    FormatCase(arguments: ["report", "roi"], keys: roiKeys, nullColumn: "paid_cpm"),
    FormatCase(
      arguments: ["report", "roi", "--series", "--since", "2026-05-01", "--until", "2026-05-03"],
      keys: seriesKeys, nullColumn: "paid_roi",
      tableKeys: ["key", "date", "roi_model_14d"] + seriesKeys.dropFirst(2)),
    FormatCase(arguments: ["report", "spend", "--by", "tool"], keys: spendKeys, nullColumn: "roi"),
    FormatCase(
      arguments: ["report", "5a", "--brand", "B"], keys: fiveAKeys, nullColumn: "delta_total",
      tableOnly: ["layers"]),
    // The shortlist's keys are checked in DecisionCommandTests: v1's mid KOL books no content
    // service, so this ledger's shortlist is empty.
    FormatCase(arguments: ["advise"], keys: adviseKeys, nullColumn: "paid_roi"),
  ]
}

@Test(arguments: FormatCase.all)
private func everyFormatPrintsTheSpecKeysAndShowsANullRatioItsOwnWay(_ check: FormatCase) throws {
  let cli = try workedExample()
  let rows = try json(cli, check.arguments)
  #expect(!rows.isEmpty)
  for row in rows { #expect(row.keys == check.keys) }
  #expect(rows.first?.isNull(check.nullColumn) == true)
  let raw = try cli.ok(check.arguments + ["--format", "json"]).stdout
  #expect(raw.contains("\"\(check.nullColumn)\":null"))

  let ndjson = try cli.ok(check.arguments + ["--format", "ndjson"]).stdout
  let lines = ndjson.split(separator: "\n")
  #expect(lines.count == rows.count)
  for line in lines { #expect(try printedObject(line).keys == check.keys) }

  let csv = try cli.ok(check.arguments + ["--format", "csv"]).stdout
  #expect(csv.hasPrefix(check.keys.joined(separator: ",") + "\r\n"))

  let emptyText = ["csv": "", "tsv": "", "table": "\u{2014}", "markdown": "\u{2014}"]
  for (format, empty) in emptyText {
    // A table shows the main columns unless --wide; --wide keeps every one.
    let output = try cli.ok(check.arguments + ["--format", format, "--wide"]).stdout
    let table = try grid(output, format: format)
    let header =
      format == "table" ? check.tableKeys ?? check.keys + check.tableOnly : check.keys
    #expect(table.first == header, "\(format) header")
    #expect(table.count == rows.count + 1, "\(format) rows")
    let index = try #require(header.firstIndex(of: check.nullColumn))
    let first = try #require(table.dropFirst().first, "\(format) has no rows")
    #expect(first.count == header.count, "\(format) cells: \(first)")
    #expect(first.indices.contains(index) && first[index] == empty, "\(format): \(first)")
    for row in table { #expect(row.allSatisfy { !nonNumbers.contains($0) }, "\(format): \(row)") }
  }
}

// MARK: - 3. The series

@Test func seriesPrintsOneRowPerKeyPerDayWithRowsAndEachEqualsTheAsOfReport() throws {
  let cli = try workedExample()
  try cli.addKOL("dy2", followers: "1,500,000")
  try cli.addVideo("v2", kol: "dy2", ["--brand", "C"])
  try cli.log("2026-05-05", "v2", "natural", impressions: "100000", ["--gmv", "12000"])
  let series = try json(
    cli,
    [
      "report", "roi", "--series", "--window", "2", "--since", "2026-05-01", "--until",
      "2026-05-06",
    ])
  // v1's windows have rows up to 05-04 (05-03…05-04); v2's from 05-05. Keys rank by their row on
  // --until, and v1 has none that day.
  let pairs = series.map { "\($0.text("key") ?? "?") \($0.text("date") ?? "?")" }
  #expect(
    pairs == [
      "v2 2026-05-05", "v2 2026-05-06", "v1 2026-05-01", "v1 2026-05-02", "v1 2026-05-03",
      "v1 2026-05-04",
    ])
  for row in series {
    let key = try #require(row.text("key"))
    let date = try #require(row.text("date"))
    let single = try json(cli, ["report", "roi", "--window", "2", "--as-of", date])
    let same = try #require(single.first { $0.text("key") == key }, "\(key) on \(date)")
    #expect(row.withoutDate == same.values as NSDictionary, "\(key) on \(date)")
  }
  let last = try #require(series.first { $0.text("date") == "2026-05-06" })
  #expect(last.number("roi_model") == 3.0)

  let limited = try json(
    cli,
    [
      "report", "roi", "--series", "--window", "2", "--since", "2026-05-01", "--until",
      "2026-05-06", "--limit", "1",
    ])
  #expect(Set(column(limited, "key")) == ["v2"])
}

@Test func seriesTableDrawsEachKeysModelOverTheLast14DaysEndingOnTheRow() throws {
  let cli = try workedExample()
  let output = try cli.ok([
    "report", "roi", "--series", "--window", "1", "--since", "2026-05-01", "--until",
    "2026-05-04", "--format", "table", "--wide",
  ]).stdout
  let table = try grid(output, format: "table")
  let column = try #require(table.first?.firstIndex(of: "roi_model_14d"))
  // One glyph per day of the 14 ending on the row's day (blank before the first row; the
  // grid trims the blanks); the model is 2.0 every day, so every glyph is full.
  #expect(table.dropFirst().map { $0[column] } == ["█", "██", "███"])
  let csv = try cli.ok([
    "report", "roi", "--series", "--since", "2026-05-01", "--until", "2026-05-04", "--format",
    "csv",
  ]).stdout
  #expect(!csv.contains("roi_model_14d"))
}

@Test func seriesUntilDefaultsToAsOfAndItsLastRowIsThatDaysReport() throws {
  let cli = try workedExample()
  let series = try json(
    cli, ["report", "roi", "--series", "--as-of", "2026-05-02", "--since", "2026-05-01"])
  #expect(column(series, "date") == ["2026-05-01", "2026-05-02"])
  let single = try #require(
    try json(cli, ["report", "roi", "--as-of", "2026-05-02"]).first)
  #expect(series.last?.withoutDate == single.values as NSDictionary)
}

// MARK: - 4. Grouping, filters, sorting, limit and floor

@Test func roiGroupsByKOLToolBrandAndChain() throws {
  let cli = try twoVideoLedger()
  #expect(column(try json(cli, ["report", "roi"]), "key") == ["v2", "v1"])
  #expect(column(try json(cli, ["report", "roi", "--by", "kol"]), "key") == ["dy2", "dy1"])
  #expect(column(try json(cli, ["report", "roi", "--by", "brand"]), "key") == ["C", "B"])
  #expect(
    column(try json(cli, ["report", "roi", "--by", "chain"]), "key") == ["closed_loop", "tmall"])
  let tools = try json(cli, ["report", "roi", "--by", "tool"])
  #expect(Set(column(tools, "key")) == ["natural", "dou_plus", "suixintui", "qianchuan"])
  // Only the natural row has a model; the paid tools' (null) come after it.
  #expect(tools.first?.text("key") == "natural")
  #expect(tools.first?.number("natural_impressions") == 350_000)
  let douPlus = try #require(tools.first { $0.text("key") == "dou_plus" })
  #expect(douPlus.isNull("roi_model"))
  #expect(douPlus.number("paid_cost") == 3_000)
}

@Test func roiBrandAndKOLFiltersKeepTheirVideos() throws {
  let cli = try twoVideoLedger()
  #expect(column(try json(cli, ["report", "roi", "--brand", "B"]), "key") == ["v1"])
  #expect(column(try json(cli, ["report", "roi", "--kol", "dy2"]), "key") == ["v2"])
  #expect(column(try json(cli, ["report", "roi", "--kol-id", "dy2"]), "key") == ["v2"])
  #expect(try json(cli, ["report", "roi", "--brand", "C", "--kol", "dy1"]).isEmpty)
}

@Test func roiToolFilterCountsOnlyThatToolAndListsOnlyKeysThatHadIt() throws {
  let cli = try twoVideoLedger()
  let all = try #require(try json(cli, ["report", "roi", "--brand", "B"]).first)
  #expect(all.number("paid_cost") == 3_500)
  #expect(all.number("paid_impressions") == 80_000)
  let rows = try json(cli, ["report", "roi", "--tool", "dou_plus"])
  #expect(column(rows, "key") == ["v1"])
  let row = try #require(rows.first)
  #expect(row.number("paid_cost") == 3_000)
  #expect(row.number("paid_impressions") == 75_000)
  #expect(row.number("paid_roi") == 1.5)
  #expect(row.number("natural_impressions") == 250_000)
  #expect(row.number("roi_model") == 2.0)
}

@Test func roiSortsByAColumnInEitherDirectionAndLimits() throws {
  let cli = try twoVideoLedger()
  // paid ROI: v1 4500/3500 ≈ 1.29, v2 5.0; model: v1 2.0, v2 3.0.
  #expect(
    column(try json(cli, ["report", "roi", "--sort", "paid_roi:asc"]), "key") == ["v1", "v2"])
  #expect(column(try json(cli, ["report", "roi", "--sort", "paid_roi"]), "key") == ["v2", "v1"])
  #expect(
    column(try json(cli, ["report", "roi", "--sort", "roi_model:asc"]), "key") == ["v1", "v2"])
  #expect(column(try json(cli, ["report", "roi", "--sort", "key"]), "key") == ["v1", "v2"])
  #expect(column(try json(cli, ["report", "roi", "--limit", "1"]), "key") == ["v2"])
  #expect(
    column(try json(cli, ["report", "roi", "--sort", "paid_roi:asc", "--limit", "1"]), "key") == [
      "v1"
    ])
  #expect(try json(cli, ["report", "roi", "--limit", "0"]).isEmpty)
}

@Test func roiFloorDecidesAboveFloorAndAModelEqualToItIsAbove() throws {
  let cli = try twoVideoLedger()
  func aboveFloor(_ floor: String?) throws -> [String: Bool] {
    let rows = try json(cli, ["report", "roi"] + (floor.map { ["--floor", $0] } ?? []))
    var result: [String: Bool] = [:]
    for row in rows {
      if let key = row.text("key") { result[key] = row.values["above_floor"] as? Bool }
    }
    return result
  }
  #expect(try aboveFloor(nil) == ["v1": true, "v2": true])
  #expect(try aboveFloor("2.5") == ["v1": false, "v2": true])
  #expect(try aboveFloor("2.0") == ["v1": true, "v2": true])
  #expect(try aboveFloor("3.01") == ["v1": false, "v2": false])
  try cli.ok(["config", "set", "roi_floor", "2.5"])
  #expect(try aboveFloor(nil) == ["v1": false, "v2": true])
  let title = try cli.ok(["report", "roi", "--floor", "2.0", "--format", "table"]).stdout
  #expect(title.hasPrefix("traffic ROI model by video, 7 days to 2026-05-03 (floor 2.00)\n"))
}

// MARK: - 5. Usage and data errors

/// A command that must fail, with its exit status and a phrase of its message.
private struct FailingCase: Sendable, CustomTestStringConvertible {
  var arguments: [String]
  var status: Int32
  var message: String

  var testDescription: String { arguments.joined(separator: " ") }

  static let all = [
    FailingCase(
      arguments: ["report", "roi", "--since", "2026-01-01"], status: 64,
      message: "--since and --until go with --series"),
    FailingCase(
      arguments: ["report", "roi", "--until", "2026-05-01"], status: 64,
      message: "--since and --until go with --series"),
    FailingCase(
      arguments: ["report", "roi", "--window", "0"], status: 64,
      message: "--window must be between 1 and 3660 days"),
    FailingCase(
      arguments: ["report", "roi", "--cpm-price", "abc"], status: 64,
      message: "The value 'abc' is invalid for '--cpm-price <YUAN|observed>'"),
    FailingCase(
      arguments: ["report", "roi", "--cpm-price", "0"], status: 64,
      message: "The value '0' is invalid for '--cpm-price"),
    FailingCase(
      arguments: ["report", "roi", "--as-of", "2026-02-30"], status: 64,
      message: "The value '2026-02-30' is invalid for '--as-of <YYYY-MM-DD>'"),
    FailingCase(
      arguments: ["report", "roi", "--sort", "paid_roi:up"], status: 64,
      message: "The value 'paid_roi:up' is invalid for '--sort"),
    FailingCase(
      arguments: ["report", "roi", "--limit=-1"], status: 64,
      message: "--limit must be 0 or more"),
    FailingCase(
      arguments: [
        "report", "roi", "--series", "--since", "2026-05-05", "--until", "2026-05-01",
      ], status: 64, message: "--since 2026-05-05 is after --until 2026-05-01"),
    FailingCase(
      arguments: ["report", "spend", "--since", "2026-05-05", "--until", "2026-05-01"],
      status: 64, message: "--since 2026-05-05 is after --until 2026-05-01"),
    FailingCase(
      arguments: ["advise", "--window", "0"], status: 64,
      message: "--window must be between 1 and 3660 days"),
    FailingCase(
      arguments: ["shortlist", "--sale-start", "2026-06-10", "--sale-end", "2026-06-01"],
      status: 64, message: "--sale-end 2026-06-01 is before --sale-start 2026-06-10"),
    FailingCase(
      arguments: ["shortlist", "--promotion", "618-2026", "--sale-end", "2026-06-01"],
      status: 64, message: "--sale-end goes with --sale-start"),
    FailingCase(
      arguments: ["shortlist"], status: 64,
      message: "name the sale: --promotion NAME or --sale-start YYYY-MM-DD"),
    FailingCase(
      arguments: ["shortlist", "--promotion", "618-2026", "--sale-start", "2026-06-01"],
      status: 64, message: "give --promotion or --sale-start, not both"),
    FailingCase(
      arguments: ["shortlist", "--promotion", "双11-2026"], status: 65,
      message: "aimt: error: no promotion '双11-2026' in the ledger"),
    FailingCase(
      arguments: ["report", "5a", "--brand", "Unknown"], status: 65,
      message: "aimt: error: no brand 'Unknown' in the ledger"),
    FailingCase(
      arguments: ["report", "5a"], status: 64, message: "Missing expected argument '--brand"),
    FailingCase(
      arguments: ["advise", "ghost"], status: 65,
      message: "aimt: error: no video 'ghost' in the ledger"),
  ]
}

@Test(arguments: FailingCase.all)
private func reportErrorsExitWithTheirStatusAndAClearMessage(_ check: FailingCase) throws {
  let cli = try workedExample()
  let result = try cli.run(check.arguments)
  #expect(result.status == check.status, "stderr: \(result.stderr)")
  #expect(result.stderr.contains(check.message), "stderr: \(result.stderr)")
  #expect(result.stdout.isEmpty)
  for trace in ["Fatal error", "Stack dump", "Backtrace", "Current stack trace", "0x0000"] {
    #expect(!result.stderr.contains(trace))
  }
}

@Test func roiToolFilterRejectsNaturalWithoutOfferingIt() throws {
  let cli = try workedExample()
  let result = try cli.run(["report", "roi", "--tool", "natural"])
  #expect(result.status == 64)
  #expect(result.stderr.contains("The value 'natural' is invalid for '--tool"))
  #expect(!result.stderr.contains("- natural"))
}

@Test func shortlistExplainListsTheFailedRuleAndItsJSONIsOneDocument() throws {
  let cli = try workedExample()
  let arguments = ["shortlist", "--sale-start", "2026-06-10", "--floor", "3", "--explain"]
  let tsv = try cli.ok(arguments + ["--format", "tsv"]).stdout
  #expect(tsv.contains("\tv1\tdy1\t"))
  #expect(
    tsv.contains(
      "\tpassed\troi_model\ttraffic ROI model 2.00 is below the floor 3.00 over the last 90 days\n")
  )
  #expect(tsv.contains("ROI model 2.00 is below the floor 3.00"))
  let json = try cli.ok(arguments + ["--format", "json"]).stdout
  #expect(json.contains("\"failed_rule\":\"roi_model\""))
  let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
  #expect(rows.count == 1)
  let table = try cli.ok(arguments + ["--format", "table"]).stdout
  #expect(table.contains("excluded videos: the first rule each failed"))
}

// MARK: - 6. The 5A bars

@Test func fiveATableDrawsTheLayersAndOtherFormatsDoNot() throws {
  let cli = try workedExample()
  let table = try cli.ok(["report", "5a", "--brand", "B", "--format", "table", "--wide"]).stdout
  #expect(table.hasPrefix("5A audience of B (layers: A1 ░ A2 ▒ A3 ▓ A4 █ A5 ■)\n"))
  let cells = try grid(table, format: "table")
  #expect(cells.first?.last == "layers")
  // 30 cells for the widest snapshot (780): A1 150 → 6, A2 250 → 10, A3 300 → 12, A4 and A5
  // the rest.
  let bar = try #require(cells.last?.last)
  #expect(bar.hasPrefix(String(repeating: "░", count: 6) + String(repeating: "▒", count: 10)))
  #expect((29...31).contains(bar.count), "\(bar)")

  let rows = try json(cli, ["report", "5a", "--brand", "B"])
  #expect(rows.count == 2)
  #expect(rows.allSatisfy { $0.values["layers"] == nil })
  let second = try #require(rows.last)
  #expect(second.number("total") == 780)
  #expect(second.number("delta_total") == 120)
  #expect(second.number("penetration") == 0.078)
  for format in ["csv", "tsv", "markdown", "ndjson"] {
    let output = try cli.ok(["report", "5a", "--brand", "B", "--format", format]).stdout
    #expect(!output.contains("layers"), "\(format)")
    #expect(!output.contains("░"), "\(format)")
  }
}

// MARK: - 7. Advice

/// One video for each piece of advice, all logged on 2026-05-03.
///
/// vLow (model 0.5), vHead (head KOL, engagement 3.5%, review passed), vStop (model 3.0 but Dou+
/// paid ROI 0.5), vHeadQuiet (head KOL, engagement 0.1%), vHeadPending (head KOL, engagement
/// 3.5%, review pending).
private func adviceLedger() throws -> CLI {
  let cli = try CLI()
  try cli.ok(["init"])
  try cli.addKOL("dy1", followers: "200000")
  try cli.addKOL("head", followers: "1,000,000")
  try cli.addVideo("vLow", kol: "dy1", ["--ad-review", "passed"])
  try cli.log("2026-05-03", "vLow", "natural", impressions: "100000", ["--gmv", "2000"])
  try cli.addVideo("vHead", kol: "head", ["--ad-review", "passed"])
  try cli.log(
    "2026-05-03", "vHead", "natural", impressions: "100000",
    ["--gmv", "12000", "--likes", "3000", "--comments", "500"])
  try cli.addVideo("vStop", kol: "dy1", ["--ad-review", "passed"])
  try cli.log("2026-05-03", "vStop", "natural", impressions: "100000", ["--gmv", "12000"])
  try cli.log(
    "2026-05-03", "vStop", "dou_plus", impressions: "10000", ["--cost", "1000", "--gmv", "500"])
  try cli.addVideo("vHeadQuiet", kol: "head", ["--ad-review", "passed"])
  try cli.log(
    "2026-05-03", "vHeadQuiet", "natural", impressions: "100000",
    ["--gmv", "12000", "--likes", "100"])
  try cli.addVideo("vHeadPending", kol: "head", ["--ad-review", "pending"])
  try cli.log(
    "2026-05-03", "vHeadPending", "natural", impressions: "100000",
    ["--gmv", "12000", "--likes", "3000", "--comments", "500"])
  return cli
}

@Test func adviseHoldsAVideoBelowTheFloor() throws {
  let cli = try adviceLedger()
  let rows = try json(cli, ["advise", "vLow"])
  #expect(rows.count == 1)
  let row = try #require(rows.first)
  #expect(row.text("action") == "hold")
  #expect(row.number("roi_model") == 0.5)
  #expect(row.isNull("mode") && row.isNull("strategy"))
  let reasons = try #require(row.text("reasons"))
  #expect(reasons.contains("below the floor"))
  #expect(reasons.contains("traffic ROI model 0.50 is below the floor 1.20 over the last 7 days"))
}

@Test func adviseBooksContentServiceForAHeadKOLWithEngagementAndPassedReview() throws {
  let cli = try adviceLedger()
  let row = try #require(try json(cli, ["advise", "vHead"]).first)
  #expect(row.text("action") == "content_service")
  #expect(row.text("kol_tier") == "head")
  #expect(row.number("roi_model") == 3.0)
  let reasons = try #require(row.text("reasons"))
  #expect(reasons.contains("engagement rate 3.5% ≥ 3.0%"))
  #expect(reasons.contains("ad review passed"))
  #expect(reasons.contains("head KOL (1,000,000 followers)"))
  // Engagement below 3% or a review not passed: no content service.
  let quiet = try #require(try json(cli, ["advise", "vHeadQuiet"]).first)
  #expect(quiet.text("action") != "content_service")
  let pending = try #require(try json(cli, ["advise", "vHeadPending"]).first)
  #expect(pending.text("action") != "content_service")
}

@Test func adviseStopsPaidTrafficWhosePaidROIIsBelowTheFloor() throws {
  let cli = try adviceLedger()
  let row = try #require(try json(cli, ["advise", "vStop"]).first)
  #expect(row.text("action") == "stop")
  #expect(row.number("paid_roi") == 0.5)
  #expect(row.number("roi_model") == 3.0)
  let reasons = try #require(row.text("reasons"))
  #expect(reasons.contains("paid ROI 0.50 is below the floor 1.20 over the last 7 days"))
}

@Test func adviseWithoutAVideoListsEveryVideoWithMetrics() throws {
  let cli = try adviceLedger()
  let rows = try json(cli, ["advise"])
  #expect(
    Set(column(rows, "video_id")) == ["vLow", "vHead", "vStop", "vHeadQuiet", "vHeadPending"])
  let actions = Dictionary(
    uniqueKeysWithValues: rows.compactMap { row in
      row.text("video_id").map { ($0, row.text("action") ?? "") }
    })
  #expect(actions["vLow"] == "hold")
  #expect(actions["vHead"] == "content_service")
  #expect(actions["vStop"] == "stop")
  #expect(column(try json(cli, ["advise", "--kol", "head"]), "video_id").count == 3)
}

// MARK: - 8. An empty ledger

@Test func emptyLedgerReportsPrintHeadersOnlyAndSucceed() throws {
  let cli = try CLI()
  try cli.ok(["init"])
  let headers: [([String], [String])] = [
    (["report", "roi"], roiKeys),
    (["report", "roi", "--series"], seriesKeys),
    (["report", "spend"], spendKeys),
    (["report", "spend", "--by", "tool"], spendKeys),
    (["advise"], adviseKeys),
    (["shortlist", "--sale-start", "2026-06-18"], shortlistKeys),
  ]
  for (arguments, keys) in headers {
    let tsv = try cli.ok(arguments + ["--format", "tsv"])
    #expect(tsv.stdout == keys.joined(separator: "\t") + "\n", "\(arguments)")
    // An empty report says why on stderr; stdout stays the bare header for scripts.
    #expect(tsv.stderr.isEmpty || tsv.stderr.contains("the ledger has no daily numbers yet"))
    #expect(try cli.ok(arguments + ["--format", "json"]).stdout == "[]\n")
    #expect(try cli.ok(arguments + ["--format", "ndjson"]).stdout.isEmpty)
    let table = try cli.ok(arguments + ["--format", "table"]).stdout
    #expect(table.contains("(no rows)\n"), "\(arguments)")
  }
}
