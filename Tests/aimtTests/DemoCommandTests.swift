import Foundation
import Testing

/// The commands the tour shows, each followed by the report it made.
private let tourCommands = [
  "$ aimt report roi --window 7 --sort natural_gmv --limit 10 --db aimt-demo.db",
  "$ aimt report roi --window 1 --as-of 2026-05-01 --kol dy_xiaomei --db aimt-demo.db",
  "$ aimt report spend --by tool --db aimt-demo.db",
  "$ aimt report 5a --brand 山茶花 --db aimt-demo.db",
  "$ aimt shortlist --promotion 618-2026 --brand 山茶花 --budget 2000000 --db aimt-demo.db",
  "$ aimt advise v",
  "$ aimt plan --budget 2000000 --brand 山茶花 --db aimt-demo.db",
  "$ aimt backtest shortlist --promotion 520-2026 --brand 山茶花 --db aimt-demo.db",
]

@Test(.needsSQLite3) func demoTourPrintsEachReportUnderItsCommandAndBuildsACheckedLedger() throws {
  let cli = try CLI()
  let tour = try cli.ok("demo").stdout
  var rest = Substring(tour)
  for command in tourCommands {
    guard let found = rest.range(of: command) else {
      Issue.record("the tour lacks \(command)")
      continue
    }
    // Each command is followed by its report's caption on the next line.
    let after = rest[found.upperBound...]
    #expect(after.split(separator: "\n").dropFirst().first?.isEmpty == false)
    rest = after
  }
  // 60 generated KOLs and the named cases' 11 (docs/decisions-guide.md).
  #expect(tour.contains("imported kols.csv 71, videos.csv 500"))
  #expect(tour.contains("promotions.csv 2,"))
  #expect(tour.contains("5A audience of 山茶花"))
  #expect(tour.contains("content-service shortlist for the sale 2026-06-01 to 2026-06-18"))
  try cli.ok("check", "--db", "aimt-demo.db")
  // The worked example, as the README shows it: exactly 2.00 for v1001.
  let example = try cli.ok(
    "report", "roi", "--window", "1", "--as-of", "2026-05-01", "--db", "aimt-demo.db",
    "--format", "csv"
  ).stdout
  let row = example.split(whereSeparator: \.isNewline).first { $0.hasPrefix("v1001,") }
  #expect(row?.hasPrefix("v1001,250000,20000.00,80.00,40.00,2.00,") == true, "\(row ?? "")")
  // The provenance: one demo import batch per generated file, with its SHA-256.
  let batches = try cli.sqlite3(
    "aimt-demo.db", "SELECT command, file, length(sha256) FROM import_batch ORDER BY batch_id")
  #expect(
    batches
      == """
      demo|kols.csv|64
      demo|videos.csv|64
      demo|placements.csv|64
      demo|promotions.csv|64
      demo|metrics.csv|64
      demo|audience.csv|64

      """)
}

@Test func demoRunsAgainOverItsOwnLedger() throws {
  let cli = try CLI()
  try cli.ok("demo", "--videos", "30", "--days", "20")
  let again = try cli.ok("demo", "--videos", "30", "--days", "20", "--seed", "2")
  #expect(again.stdout.contains("v1001"))
  try cli.ok("check", "--db", "aimt-demo.db")
}

@Test func demoOutWritesTheSixFilesWithTheirHeaders() throws {
  let cli = try CLI()
  let result = try cli.ok("demo", "--out", "data", "--videos", "20", "--days", "10")
  let headers = [
    "kols": "kol_id,name,category,followers,as_of",
    "videos": "video_id,kol_id,brand,title,published,chain,product,bidding_authorized,ad_review",
    "placements": "placement_id,video_id,tool,mode,targeting,strategy,budget,start,end",
    "promotions": "promotion,start,end,cpm_price",
    "metrics":
      "date,video_id,source,placement_id,impressions,cost,gmv,orders,likes,comments,shares,follows,refund",
    "audience": "date,brand,o,a1,a2,a3,a4,a5,category_total",
  ]
  for (kind, header) in headers {
    let text = try String(contentsOfFile: cli.path("data/\(kind).csv"), encoding: .utf8)
    #expect(text.hasPrefix(header + "\n"), "\(kind)")
    let rows = text.split(separator: "\n").count - 1
    #expect(result.stdout.contains("data/\(kind).csv\t\(kind)\t\(rows)\n"), "\(result.stdout)")
  }
  #expect(!FileManager.default.fileExists(atPath: cli.path("aimt-demo.db")))
}

@Test func demoSeedChangesTheDataAndTheSameSeedRepeatsIt() throws {
  let cli = try CLI()
  for (folder, seed) in [("a", "1"), ("b", "2"), ("c", "1")] {
    try cli.ok("demo", "--out", folder, "--videos", "25", "--days", "15", "--seed", seed)
  }
  let metrics = try ["a", "b", "c"].map { folder in
    try Data(contentsOf: URL(fileURLWithPath: cli.path("\(folder)/metrics.csv")))
  }
  #expect(metrics[0] != metrics[1])
  #expect(metrics[0] == metrics[2])
}

@Test(.needsSQLite3) func demoRefusesToReplaceAFileItDidNotBuild() throws {
  let cli = try CLI()
  try cli.ok("init", "--db", "mine.db")
  let refused = try cli.run(["demo", "--db", "mine.db", "--videos", "10", "--days", "10"])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("mine.db holds data the demo did not write"))
  #expect(try cli.sqlite3("mine.db", "SELECT count(*) FROM import_batch") == "0\n")
  try Data("my notes\n".utf8).write(to: URL(fileURLWithPath: cli.path("notes.db")))
  let notes = try cli.run(["demo", "--db", "notes.db", "--videos", "10", "--days", "10"])
  #expect(notes.status != 0)
  #expect(try String(contentsOfFile: cli.path("notes.db"), encoding: .utf8) == "my notes\n")
}

@Test func demoNeverReplacesADemoLedgerThatReceivedTheUsersOwnWork() throws {
  let cli = try CLI()
  let size = ["--videos", "10", "--days", "10"]
  try cli.ok(["demo", "--db", "d.db"] + size)
  // Run again on its own demo ledger: replaced, as before.
  try cli.ok(["demo", "--db", "d.db"] + size)
  // The user's own entry, then the demo again: refused, the entry kept.
  try cli.ok("log", "2026-05-01", "v1001", "natural", "--impressions", "7", "--db", "d.db")
  let before = try cli.sqlite3("d.db", "SELECT count(*), sum(impressions) FROM metric")
  let refused = try cli.run(["demo", "--db", "d.db"] + size)
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("d.db holds data the demo did not write"))
  #expect(try cli.sqlite3("d.db", "SELECT count(*), sum(impressions) FROM metric") == before)
  // A setting of the user's counts as their work too.
  try cli.ok(["demo", "--db", "e.db"] + size)
  try cli.ok("config", "set", "roi_floor", "0.8", "--db", "e.db")
  #expect(try cli.run(["demo", "--db", "e.db"] + size).status == 65)
  #expect(try cli.sqlite3("e.db", "SELECT value FROM setting WHERE key = 'roi_floor'") == "0.8\n")
}

@Test func demoRejectsSizesOutOfRange() throws {
  let cli = try CLI()
  #expect(try cli.run(["demo", "--videos", "0"]).status == 64)
  #expect(try cli.run(["demo", "--days", "0"]).status == 64)
}
