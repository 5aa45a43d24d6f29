import Foundation
import Testing

/// The eight numbers of a metric row, as `log` options and import columns.
private let metricFields = [
  "impressions", "cost", "gmv", "orders", "likes", "comments", "shares", "follows",
]

/// A ledger with KOL k1 and video v1.
private func ledger() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "k1")
  try cli.ok("video", "add", "v1", "--kol-id", "k1")
  return cli
}

/// The stored fen and counts of every metric row, in the column order of `metricFields`.
private func stored(_ cli: CLI) throws -> [String] {
  try cli.sqlite3(
    "aimt.db",
    "SELECT " + metricFields.joined(separator: ", ") + " FROM metric ORDER BY day, source"
  ).split(separator: "\n").map(String.init)
}

/// The history of v1 as (date, field, old, new) lines.
private func history(_ cli: CLI) throws -> [String] {
  let csv = try cli.ok("history", "v1", "--format", "csv").stdout
  return csv.split(whereSeparator: \.isNewline).dropFirst().map { line in
    let cells = line.split(separator: ",", omittingEmptySubsequences: false)
    return [cells[0], cells[3], cells[4], cells[5]].joined(separator: " ")
  }
}

@Test func everyMetricFieldLoggedByHandIsStoredUpdatedAndRevised() throws {
  let cli = try ledger()
  try cli.ok(
    ["log", "2026-05-01", "v1", "dou_plus"] + metricFields.flatMap { ["--\($0)", "1"] })
  #expect(try stored(cli) == ["1|100|100|1|1|1|1|1"])
  for (index, field) in metricFields.enumerated() {
    var arguments = ["log", "2026-05-01", "v1", "dou_plus", "--\(field)", "\(index + 2)"]
    if field != "impressions" { arguments += ["--impressions", "2"] }
    let result = try cli.ok(arguments)
    #expect(result.stdout.contains("1 updated"), "\(field): \(result.stdout)")
  }
  #expect(try stored(cli) == ["2|300|400|5|6|7|8|9"])
  let money = ["cost": ("1.00", "3.00"), "gmv": ("1.00", "4.00")]
  #expect(
    try history(cli)
      == metricFields.enumerated().map { index, field in
        let (old, new) = money[field] ?? ("1", "\(index + 2)")
        return "2026-05-01 \(field) \(old) \(new)"
      })
}

@Test func everyMetricFieldImportedIsStoredUpdatedAndRevisedInBlocksAndAlone() throws {
  // 40 days: more than one 32-row block of the writer; then one day alone.
  let cli = try ledger()
  func file(_ name: String, days: Int, value: (Int) -> String) throws {
    var lines = ["date,video_id,source," + metricFields.joined(separator: ",")]
    for day in 1...days {
      let date = day <= 31 ? "2026-05-\(day < 10 ? "0" : "")\(day)" : "2026-06-0\(day - 31)"
      lines.append(
        "\(date),v1,qianchuan," + metricFields.indices.map(value).joined(separator: ","))
    }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(
      to: URL(fileURLWithPath: cli.path(name)))
  }
  try file("first.csv", days: 40) { _ in "1" }
  try cli.ok("import", "metrics", "first.csv")
  try file("second.csv", days: 40) { "\($0 + 2)" }
  let second = try cli.ok("import", "metrics", "second.csv")
  #expect(second.stdout.contains("40 updated"), "\(second.stdout)")
  #expect(Set(try stored(cli)) == ["2|300|400|5|6|7|8|9"])
  let revisions = try history(cli)
  #expect(revisions.count == 40 * 8)
  for field in metricFields {
    #expect(revisions.filter { $0.contains(" \(field) ") }.count == 40, "\(field)")
  }
  // A partial file of one day changes only its one column, with one revision.
  try Data("date,video_id,source,follows\n2026-05-01,v1,qianchuan,77\n".utf8).write(
    to: URL(fileURLWithPath: cli.path("third.csv")))
  try cli.ok("import", "metrics", "third.csv")
  #expect(try stored(cli).first == "2|300|400|5|6|7|8|77")
  #expect(try history(cli).last == "2026-05-01 follows 9 77")
  // Reimporting the same file changes nothing and adds no revision.
  try cli.ok("import", "metrics", "third.csv")
  #expect(try history(cli).count == 40 * 8 + 1)
  try cli.ok("check", "--deep")
}

@Test func milliFenAmountsRoundOnceHalfToEvenToTheFen() throws {
  let cli = try ledger()
  try Data(
    """
    {"name": "mine", "kind": "metrics", "source": "qianchuan", "money_unit": "milli_fen",
     "columns": {"date": "date", "video_id": "video_id", "cost": "cost", "gmv": "gmv",
                 "impressions": "impressions"}}
    """.utf8
  ).write(to: URL(fileURLWithPath: cli.path("p.json")))
  try Data(
    "date,video_id,cost,gmv,impressions\n2026-05-01,v1,1499,2500,1\n2026-05-02,v1,500,499,1\n"
      .utf8
  ).write(to: URL(fileURLWithPath: cli.path("m.csv")))
  try cli.ok("import", "metrics", "m.csv", "--profile", cli.path("p.json"))
  // 1.499 → 1, 2.5 → 2 (even), 0.5 → 0 (even), 0.499 → 0 (docs/decisions.md).
  #expect(try cli.sqlite3("aimt.db", "SELECT cost, gmv FROM metric ORDER BY day") == "1|2\n0|0\n")
}
