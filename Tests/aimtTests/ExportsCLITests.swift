import Foundation
import Testing

// The metric exports as a user meets them (docs/exports.md): refunds beside gross GMV and net
// GMV in the reports, the built-in profiles listed, the 千川 GMV choice, and material ids that
// must be mapped before they count.

/// A ledger with KOL dy1 and video v1.
private func ledgerWithVideo() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1", "--brand", "山茶花", "--create-missing")
  return cli
}

private func write(_ cli: CLI, _ name: String, _ text: String) throws {
  try Data(text.utf8).write(to: URL(fileURLWithPath: cli.path(name)))
}

/// The rows of a `--format json` report as dictionaries.
private func rows(_ cli: CLI, _ arguments: String...) throws -> [[String: Any]] {
  let result = try cli.ok(arguments + ["--format", "json"])
  let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
  return try #require(parsed as? [[String: Any]], "\(result.stdout)")
}

private func number(_ row: [String: Any]?, _ key: String) -> Double? {
  (row?[key] as? NSNumber)?.doubleValue
}

@Test func logRefundIsKeptBesideGMVAndTheReportsCountNetGMV() throws {
  let cli = try ledgerWithVideo()
  try cli.ok(
    "log", "2026-05-01", "v1", "natural", "--impressions", "100000", "--gmv", "8,000", "--refund",
    "1,000.50")
  try cli.ok("log", "2026-05-01", "v1", "dou_plus", "--impressions", "1000", "--cost", "100")

  let spend = try rows(cli, "report", "spend", "--by", "tool")
  let natural = spend.first { $0["key"] as? String == "natural" }
  #expect(number(natural, "gmv") == 6_999.5, "\(spend)")
  #expect(number(natural, "refunds") == 1_000.5, "\(spend)")
  let total = try rows(cli, "report", "spend", "--by", "day")
  #expect(number(total.first, "gmv") == 6_999.5, "\(total)")
  #expect(number(total.first, "refunds") == 1_000.5, "\(total)")

  let roi = try rows(cli, "report", "roi", "--window", "7")
  #expect(number(roi.first, "natural_gmv") == 6_999.5, "\(roi)")

  // The table shows the refunds column beside gmv.
  let table = try cli.ok("report", "spend", "--by", "tool")
  let header = table.stdout.split(separator: "\n").first { $0.contains("key") } ?? ""
  #expect(header.contains("gmv") && header.contains("refunds"), "\(table.stdout)")

  // A refund is money: a negative or malformed one is refused and changes nothing.
  let refused = try cli.run([
    "log", "2026-05-02", "v1", "natural", "--impressions", "1", "--refund", "-5",
  ])
  #expect(refused.status != 0)
  #expect(refused.stderr.contains("refund"), "\(refused.stderr)")
  let after = try rows(cli, "report", "spend", "--by", "day")
  #expect(after.count == 1, "\(after)")
}

@Test func listProfilesPrintsEveryBuiltInProfileWithItsHeaders() throws {
  let cli = try CLI()
  let result = try cli.ok("import", "--list-profiles")
  for name in [
    "ad", "content-service", "douplus-orders", "qianchuan", "qianchuan-uni", "shop-gmv",
    "suixintui", "generic-metrics",
  ] {
    #expect(
      result.stdout.contains("\n\(name)\n") || result.stdout.hasPrefix("\(name)\n"), "\(name)")
  }
  #expect(result.stdout.contains("statCost"), "\(result.stdout)")
  #expect(result.stdout.contains("stat_cost in milli_fen"), "\(result.stdout)")
  #expect(result.stdout.contains("退款金额"), "\(result.stdout)")
  // Without --list-profiles the kind and files are needed.
  let bare = try cli.run(["import"])
  #expect(bare.status == 64, "\(bare.stderr)")
  #expect(bare.stderr.contains("KIND"), "\(bare.stderr)")
}

@Test func gmvOptionChoosesTheDirectOrTheOverallGMVOfAQianchuanFile() throws {
  let text =
    "日期,视频ID,计划ID,消耗,展示次数,直接成交金额,整体成交金额,直接成交订单数,整体成交订单数\n"
    + "2026-05-01,v1,AD1,100.00,5000,300.00,450.00,3,5\n"
  let direct = try ledgerWithVideo()
  try write(direct, "q.csv", text)
  let imported = try direct.ok("import", "metrics", "q.csv")
  #expect(imported.stdout.contains("整体成交金额"), "\(imported.stdout)")
  #expect(imported.stdout.contains("--gmv"), "\(imported.stdout)")
  let directRows = try rows(direct, "report", "spend", "--by", "tool")
  #expect(number(directRows.first, "gmv") == 300, "\(directRows)")
  #expect(number(directRows.first, "orders") == 3, "\(directRows)")

  let overall = try ledgerWithVideo()
  try write(overall, "q.csv", text)
  try overall.ok("import", "metrics", "q.csv", "--gmv", "overall")
  let overallRows = try rows(overall, "report", "spend", "--by", "tool")
  #expect(number(overallRows.first, "gmv") == 450, "\(overallRows)")
  #expect(number(overallRows.first, "orders") == 5, "\(overallRows)")

  let wrong = try overall.run(["import", "metrics", "q.csv", "--gmv", "total"])
  #expect(wrong.status == 64, "\(wrong.stderr)")
  #expect(wrong.stderr.contains("direct, overall"), "\(wrong.stderr)")
}

@Test func anUnknownMaterialIdExits65NamingTheLineTheIdAndTheFix() throws {
  let cli = try ledgerWithVideo()
  try write(cli, "m.csv", "日期,素材ID,消耗,展示次数\n2026-05-01,M7,5.00,700\n")
  // 日期, 素材ID, 消耗, 展示次数 read alike as an AD and a 千川 report: the user chooses.
  let tie = try cli.run(["import", "metrics", "m.csv"])
  #expect(tie.status == 65, "\(tie.stderr)")
  #expect(tie.stderr.hasPrefix("m.csv:1: header: "), "\(tie.stderr)")
  #expect(tie.stderr.contains("--profile ad or --profile qianchuan"), "\(tie.stderr)")

  let refused = try cli.run(["import", "metrics", "m.csv", "--profile", "qianchuan"])
  #expect(refused.status == 65, "\(refused.stderr)")
  let first = refused.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("m.csv:2: material_id: 素材ID M7"), "\(refused.stderr)")
  #expect(first.contains("both columns"), "\(refused.stderr)")
  #expect(try rows(cli, "report", "spend", "--by", "day").isEmpty)

  // The mapping from a material report with both ids lets the same file in.
  try write(cli, "map.csv", "日期,素材ID,视频ID,消耗,直接成交金额\n2026-04-30,M7,v1,1.00,2.00\n")
  try cli.ok("import", "metrics", "map.csv")
  try cli.ok("import", "metrics", "m.csv", "--profile", "qianchuan")
  let days = try rows(cli, "report", "spend", "--by", "day")
  #expect(days.compactMap { number($0, "cost") } == [1, 5], "\(days)")
}
