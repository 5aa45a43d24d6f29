import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// What a user sees when a header cell maps to nothing, when keys carry invisible spaces, and
// when an import fails on a terminal.

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

@Test func aMisspeltColumnExits65NamingTheCellTheClosestNameAndTheFix() throws {
  let cli = try ledgerWithVideo()
  try write(cli, "m.csv", "日期,视频ID,流量来源,展示数,成交定单数\n2026-05-01,v1,自然,100,3\n")
  let refused = try cli.run(["import", "metrics", "m.csv"])
  #expect(refused.status == 65)
  let first = refused.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("m.csv:1: 成交定单数: "), "\(refused.stderr)")
  #expect(first.contains("did you mean 成交订单数?"), "\(refused.stderr)")
  #expect(first.contains("--ignore 成交定单数"), "\(refused.stderr)")
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM metric") == "0\n")

  let imported = try cli.ok("import", "metrics", "m.csv", "--ignore", "成交定单数")
  #expect(try cli.sqlite3("aimt.db", "SELECT impressions, orders FROM metric") == "100|0\n")
  #expect(imported.stdout.contains("成交定单数 (--ignore)"), "\(imported.stdout)")
}

@Test func ignoreOfACellInNoHeaderExits65() throws {
  let cli = try ledgerWithVideo()
  try write(cli, "m.csv", "日期,视频ID,流量来源,展示数\n2026-05-01,v1,自然,100\n")
  let refused = try cli.run(["import", "metrics", "m.csv", "--ignore", "成交定单数"])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("--ignore: "), "\(refused.stderr)")
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM metric") == "0\n")
}

@Test func theSummaryListsIgnoredColumnsOnceForAllFiles() throws {
  let cli = try ledgerWithVideo()
  try write(cli, "a.csv", "date,video_id,source,impressions,ctr,备注\n2026-05-01,v1,natural,1,1%,x\n")
  try write(cli, "b.csv", "date,video_id,source,impressions,ctr,备注\n2026-05-02,v1,natural,1,1%,x\n")
  let result = try cli.ok("import", "metrics", "a.csv", "b.csv")
  #expect(result.stdout.components(separatedBy: "ctr").count == 2, "\(result.stdout)")
  #expect(result.stdout.components(separatedBy: "备注").count == 2, "\(result.stdout)")
  #expect(result.stdout.contains("ignored columns: "), "\(result.stdout)")
}

@Test func theWrongKindExits65AndCreatesNothing() throws {
  let cli = try ledgerWithVideo()
  try write(
    cli, "douplus-orders.csv", "订单ID,视频ID,下单时间,消耗,播放量\nO1,v9,2026-05-01 10:00,100,5000\n")
  let refused = try cli.run(["import", "videos", "douplus-orders.csv", "--create-missing"])
  #expect(refused.status == 65)
  #expect(refused.stderr.hasPrefix("douplus-orders.csv:1: header: "), "\(refused.stderr)")
  #expect(try cli.sqlite3("aimt.db", "SELECT video_id FROM video") == "v1\n")
}

// MARK: - One normaliser for every key

@Test func keysWithIdeographicSpacesMeanTheSameVideoOnEveryPath() throws {
  let cli = try CLI()
  try cli.ok("init")
  try write(cli, "videos.csv", "video_id,kol_id,brand\nv1\u{3000},dy1\u{00A0},山茶花\n")
  try cli.ok("import", "videos", "videos.csv", "--create-missing")
  // The metric hot path, with the same invisible characters and a BOM-like zero-width one.
  try write(
    cli, "m.csv",
    "date,video_id,source,impressions\n2026-05-01,v1\u{3000},natural,5\n"
      + "2026-05-02,\u{200B}v1\u{00A0},natural,6\n")
  try cli.ok("import", "metrics", "m.csv")
  try cli.ok("log", "2026-05-03", "v1\u{3000}", "natural", "--impressions", "7")
  try cli.ok(
    "placement", "add", "P1\u{3000}", "--video-id", "\u{00A0}v1", "--tool", "dou_plus",
    "--budget", "500", "--start", "2026-05-04 10:00")
  try cli.ok("kol", "add", "dy1\u{3000}", "--name", "小美\u{3000}")
  try cli.ok("promotion", "add", "618\u{3000}", "--start", "2026-06-01", "--end", "2026-06-18")
  #expect(try cli.sqlite3("aimt.db", "SELECT video_id, kol_id FROM video") == "v1|dy1\n")
  #expect(try cli.sqlite3("aimt.db", "SELECT kol_id, name FROM kol") == "dy1|小美\n")
  #expect(try cli.sqlite3("aimt.db", "SELECT placement_id FROM placement") == "P1\n")
  #expect(try cli.sqlite3("aimt.db", "SELECT name FROM promotion") == "618\n")
  #expect(
    try cli.sqlite3("aimt.db", "SELECT date, video_id, impressions FROM daily_metrics ORDER BY 1")
      == "2026-05-01|v1|5\n2026-05-02|v1|6\n2026-05-03|v1|7\n")
}

@Test func decomposedAndComposedSpellingsAreOneKey() throws {
  let cli = try CLI()
  try cli.ok("init")
  // Swift's String compares canonically, SQLite compares bytes: the ledger stores NFC.
  try cli.ok("video", "add", "cafe\u{301}", "--kol-id", "dy1", "--create-missing")
  try write(cli, "v.csv", "video_id,title\nte\u{301}\u{3000},cafe\u{301}\n")
  try cli.ok("import", "videos", "v.csv", "--create-missing")
  try write(cli, "m.csv", "date,video_id,source,impressions\n2026-05-01,cafe\u{301},natural,5\n")
  try cli.ok("import", "metrics", "m.csv")
  #expect(
    try cli.sqlite3(
      "aimt.db", "SELECT video_id FROM video WHERE video_id IN ('caf\u{E9}', 't\u{E9}') ORDER BY 1")
      == "caf\u{E9}\nt\u{E9}\n")
  #expect(
    try cli.sqlite3("aimt.db", "SELECT title FROM video WHERE title = 'caf\u{E9}'") == "caf\u{E9}\n"
  )
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM metric") == "1\n")
}

// MARK: - The progress line

@Test func aFailedImportClearsTheProgressLineBeforeTheFirstProblem() throws {
  let cli = try ledgerWithVideo()
  try write(cli, "badv.csv", "date,video_id,source,impressions\n2026-05-01,v1,natural,x\n")
  let (stderr, status) = try runWithStderrOnTerminal(cli, ["import", "metrics", "badv.csv"])
  #expect(status == 65)
  // The terminal turns \n into \r\n.
  let range = try #require(stderr.range(of: "badv.csv:2:"), "\(stderr)")
  #expect(stderr[..<range.lowerBound].hasSuffix("\r\u{1B}[K"), "\(stderr.debugDescription)")
}

/// A metrics file `aimt import metrics` refuses, and the option its fix names.
struct RefusedImport: Sendable, CustomStringConvertible {
  var text: String
  var fix: String
  var description: String { fix }
}

@Test(arguments: [
  RefusedImport(
    text: "date,video_id,source,cost\n2026-05-01,v9,natural,1\n", fix: "--create-missing"),
  RefusedImport(
    text: "date,video_id,source,cost\n2026-05-01,v1,dou_plus,1\n2026-05-01,v1,dou_plus,2\n",
    fix: "or pass --sum-duplicates to add them up"),
  RefusedImport(
    text: "日期,视频ID,流量来源,展示数,成交定单数\n2026-05-01,v1,自然,100,3\n",
    fix: "--ignore 成交定单数 to import without it"),
  RefusedImport(
    text: "日期,视频ID,消耗,展示次数,成交金额\n2026-05-01,v1,1,2,3\n",
    fix: "choose one with --profile ad or --profile content-service"),
  RefusedImport(text: "date,video_id,cost\n2026-05-01,v1,1\n", fix: "pass --source SOURCE"),
])
func aRefusedImportNamesTheOptionThatFixesIt(_ refused: RefusedImport) throws {
  let cli = try ledgerWithVideo()
  try write(cli, "m.csv", refused.text)
  let result = try cli.run(["import", "metrics", "m.csv"])
  #expect(result.status == 65)
  #expect(result.stderr.hasPrefix("m.csv:"), "\(result.stderr)")
  #expect(result.stderr.contains(refused.fix), "\(result.stderr)")
}

@Test func aMissingKOLOfALoggedVideoNamesCreateMissing() throws {
  let cli = try CLI()
  try cli.ok("init")
  let refused = try cli.run(["video", "add", "v1", "--kol-id", "dy9", "--brand", "山茶花"])
  #expect(refused.status == 65)
  #expect(
    refused.stderr.contains(
      "no KOL 'dy9' in the ledger; add it first ('aimt kol add dy9' or 'aimt import kols'), "
        + "or pass --create-missing"), "\(refused.stderr)")
}
