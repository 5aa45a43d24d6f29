import Foundation
import Testing

@testable import aimt

/// Every report's default `table` on the demo ledger, with what it is.
private let reports: [[String]] = [
  ["report", "roi"], ["report", "roi", "--by", "kol"], ["report", "roi", "--by", "brand"],
  ["report", "roi", "--series", "--limit", "3"], ["report", "spend", "--by", "tool"],
  ["report", "spend", "--by", "kol"], ["report", "5a", "--brand", "山茶花"],
  ["shortlist", "--promotion", "618-2026"], ["shortlist", "--promotion", "618-2026", "--explain"],
  ["advise"], ["video", "show", "v1001"], ["video", "list"], ["kol", "list"],
  ["placement", "list"], ["promotion", "list"], ["history", "v1001"],
  ["plan", "--budget", "2000000"], ["backtest", "shortlist", "--promotion", "520-2026"],
  ["backtest", "advice", "--since", "2026-05-20", "--until", "2026-05-22"],
]

@Test func everyReportsDefaultTableFitsOneHundredColumnsOnTheDemoLedger() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "80", "--days", "60")
  for command in reports {
    let result = try cli.ok(command + ["--db", "d.db", "--format", "table"])
    let widest =
      result.stdout.split(whereSeparator: \.isNewline).map {
        displayWidth(String($0))
      }.max() ?? 0
    #expect(widest <= 100, "\(command.joined(separator: " ")) is \(widest) wide")
  }
}

@Test func wideAndTheMachineFormatsKeepEveryColumnAndColumnsChooses() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "20", "--days", "20")
  let compact = try cli.ok("report", "roi", "--db", "d.db", "--format", "table").stdout
  #expect(compact.contains("--wide shows all"))
  #expect(!compact.contains("comment_like_ratio"))
  let wide = try cli.ok("report", "roi", "--db", "d.db", "--format", "table", "--wide").stdout
  #expect(wide.contains("comment_like_ratio") && wide.contains("paid_cpm"))
  let csv = try cli.ok("report", "roi", "--db", "d.db", "--format", "csv").stdout
  #expect(csv.hasPrefix("key,natural_impressions,natural_gmv,natural_gpm,cpm_price,roi_model"))
  let chosen = try cli.ok(
    "report", "roi", "--db", "d.db", "--format", "csv", "--columns", "key,paid_cpm,roi_model")
  #expect(
    chosen.stdout.hasPrefix("key,paid_cpm,roi_model\r\n")
      || chosen.stdout.hasPrefix("key,paid_cpm,roi_model\n"))
  let series = try cli.ok(
    "report", "roi", "--series", "--limit", "2", "--db", "d.db", "--format", "csv", "--columns",
    "date,key,roi_model")
  #expect(
    series.stdout.split(whereSeparator: \.isNewline).dropFirst().allSatisfy {
      $0.split(separator: ",", omittingEmptySubsequences: false).count == 3
    })
  let unknown = try cli.run(["report", "roi", "--db", "d.db", "--columns", "key,nosuch"])
  #expect(unknown.status == 64)
  #expect(unknown.stderr.contains("no column 'nosuch' here; the columns are key,"))
}

@Test func aDashInANumberColumnLinesUpWithTheNumbers() {
  var table = OutputTable(columns: [Column("key"), Column("paid_cpm"), Column("roi")])
  table.append([.text("v1"), .null, .int(12345)])
  table.append([.text("v2"), .null, .null])
  var text = ""
  render(table, as: .table, options: RenderOptions()) {
    text += String(decoding: $0, as: UTF8.self)
  }
  let lines = text.split(separator: "\n").map(String.init)
  // The header "paid_cpm" is 8 wide: its dash sits under its last letter, and so does roi's.
  #expect(lines[2] == "v1          —  12345")
  #expect(lines[3] == "v2          —      —")
}

@Test func emptyResultsSayWhyAndWhatToDo() throws {
  let cli = try CLI()
  try cli.ok("init")
  for command in [["report", "roi"], ["report", "spend"], ["advise"]] {
    let result = try cli.ok(command)
    #expect(result.stderr.contains("the ledger has no daily numbers yet: import an export"))
  }
  try cli.ok("kol", "add", "k1")
  try cli.ok("video", "add", "v1", "--kol-id", "k1", "--brand", "山茶花")
  try cli.ok("log", "2026-05-01", "v1", "natural", "--impressions", "5")
  let shortlist = try cli.ok("shortlist", "--sale-start", "2020-06-01")
  #expect(
    shortlist.stderr.contains(
      "no numbers from 2020-02-02 to 2020-05-01; the ledger's daily numbers run from "
        + "2026-05-01 to 2026-05-01"))
  let brand = try cli.run(["report", "5a", "--brand", "山茶"])
  #expect(brand.status == 65)
  #expect(brand.stderr.contains("no brand '山茶' in the ledger; the brands are: 山茶花"))
  let brands = try cli.ok("brand", "list", "--format", "csv").stdout
  #expect(brands.contains("brand,videos,kols,audience_snapshots"))
  #expect(brands.contains("山茶花,1,1,0"))
  try Data("date,video_id,source,impressions\n2026-05-02,v1,natural,7\n".utf8).write(
    to: URL(fileURLWithPath: cli.path("one.csv")))
  #expect(try cli.ok("import", "metrics", "one.csv").stdout.contains("one.csv: 1 row;"))
}
