import Foundation
import Testing

/// A ledger with KOL dy1 and video v1, entered by hand through the CLI.
private func seededCLI() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok(
    "kol", "add", "dy1", "--name", "美妆达人小美", "--followers", "1,200,000", "--as-of", "2026-04-30")
  try cli.ok(
    "video", "add", "v1", "--kol-id", "dy1", "--brand", "山茶花", "--published", "2026-05-01 20:00",
    "--ad-review", "passed", "--bidding-authorized", "true", "--chain", "tmall")
  return cli
}

@Test(.needsSQLite3) func seedExampleEnteredByHandIsFenExactInSqlite3() throws {
  let cli = try seededCLI()
  let logged = try cli.ok(
    "log", "2026-05-01", "v1", "natural", "--impressions", "250000", "--gmv", "20000")
  #expect(logged.stdout.contains("metrics: 1 inserted, 0 updated, 0 unchanged"))
  let stored = try cli.sqlite3(
    "aimt.db", "SELECT date, video_id, source, impressions, gmv_fen, cost_fen FROM daily_metrics")
  #expect(stored == "2026-05-01|v1|natural|250000|2000000|0\n")
}

@Test(.needsSQLite3) func initIsIdempotentAndCreatesAPrivateWALFile() throws {
  let cli = try CLI()
  let first = try cli.ok("init")
  #expect(first.stdout.contains("ready"))
  try cli.ok("init")
  let attributes = try FileManager.default.attributesOfItem(atPath: cli.path("aimt.db"))
  #expect((attributes[.posixPermissions] as? Int) == 0o600)
  #expect(try cli.sqlite3("aimt.db", "PRAGMA journal_mode") == "wal\n")
}

@Test(.needsSQLite3) func initNamesAnOlderLedgersSmallPagesAndRepackRewritesItKeepingEveryAnswer()
  throws
{
  let cli = try seededCLI()
  for day in 1...9 {
    try cli.ok(
      "log", "2026-05-0\(day)", "v1", "dou_plus", "--impressions", "\(1000 * day)", "--cost",
      "\(12 * day).5", "--gmv", "\(30 * day)")
  }
  #expect(try cli.ok("init").stdout.contains("note:") == false)
  // As an earlier aimt made it: 4 KiB pages.
  _ = try cli.sqlite3("aimt.db", "PRAGMA journal_mode = DELETE")
  _ = try cli.sqlite3("aimt.db", "PRAGMA page_size = 4096; VACUUM; PRAGMA journal_mode = WAL")
  #expect(try cli.sqlite3("aimt.db", "PRAGMA page_size") == "4096\n")
  let report = try cli.ok("report", "roi", "--format", "tsv").stdout
  let video = try cli.ok("video", "show", "v1", "--format", "json").stdout

  let upgraded = try cli.ok("init").stdout
  #expect(
    upgraded.contains(
      "note: its pages are 4 KiB (an earlier aimt's); reports over every video read 16 KiB pages "
        + "faster: 'aimt init --repack --db aimt.db' rewrites it\n"))
  let repacked = try cli.ok("init", "--repack").stdout
  #expect(repacked.hasPrefix("repacked: pages 4 KiB -> 16 KiB, file "))
  #expect(!repacked.contains("note:"))
  #expect(try cli.sqlite3("aimt.db", "PRAGMA page_size") == "16384\n")
  #expect(try cli.sqlite3("aimt.db", "PRAGMA journal_mode") == "wal\n")
  #expect(try cli.ok("report", "roi", "--format", "tsv").stdout == report)
  #expect(try cli.ok("video", "show", "v1", "--format", "json").stdout == video)
  try cli.ok("check", "--deep")
  // Again: nothing to change, and still right.
  #expect(try cli.ok("init", "--repack").stdout.hasPrefix("repacked: pages 16 KiB -> 16 KiB"))
}

@Test(.needsSQLite3) func aLedgerLeftMidWriteSaysSoOnReadAndInitPutsItBack() throws {
  let cli = try seededCLI()
  try cli.ok("log", "2026-05-01", "v1", "natural", "--impressions", "250000", "--gmv", "20000")
  let report = try cli.ok("report", "spend", "--by", "tool", "--format", "tsv").stdout
  // What a killed 'aimt init --repack' leaves: the file midway through a write outside WAL
  // mode and its rollback journal (copied while a write that spilled pages was open).
  _ = try cli.sqlite3(
    "aimt.db", "PRAGMA journal_mode = DELETE", "PRAGMA cache_size = 2", "BEGIN",
    "CREATE TABLE t (x)",
    "INSERT INTO t SELECT randomblob(1000) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
      + "SELECT x + 1 FROM c LIMIT 2000) SELECT x FROM c)",
    ".system cp aimt.db cut.db; cp aimt.db-journal cut.db-journal", "ROLLBACK")
  #expect(FileManager.default.fileExists(atPath: cli.path("cut.db-journal")))
  let read = try cli.run(["report", "spend", "--by", "tool", "--db", "cut.db"])
  #expect(read.status == 1)
  #expect(
    read.stderr
      == "aimt: error: the ledger cut.db was left mid-write by a program that was stopped (the "
      + "cut.db-journal beside it holds its pages as they were): run 'aimt init --db cut.db', "
      + "which puts it back as it was before that write\n")
  try cli.ok("init", "--db", "cut.db")
  #expect(!FileManager.default.fileExists(atPath: cli.path("cut.db-journal")))
  #expect(
    try cli.ok("report", "spend", "--by", "tool", "--format", "tsv", "--db", "cut.db").stdout
      == report)
  try cli.ok("check", "--deep", "--db", "cut.db")
}

@Test func dbOptionAndEnvironmentChooseTheLedger() throws {
  let cli = try CLI()
  try cli.ok("init", "--db", "other.db")
  #expect(FileManager.default.fileExists(atPath: cli.path("other.db")))
  let viaEnv = try cli.run(
    ["kol", "list", "--format", "json"], environment: ["AIMT_DB": "other.db"])
  #expect(viaEnv.status == 0)
  #expect(viaEnv.stdout == "[]\n")
}

@Test func commandOnAMissingLedgerSaysHowToCreateIt() throws {
  let cli = try CLI()
  let result = try cli.run(["kol", "list"])
  #expect(result.status == 1)
  #expect(result.stderr.contains("aimt init"))
  #expect(!FileManager.default.fileExists(atPath: cli.path("aimt.db")))
}

@Test(.needsSQLite3) func douPlusBudgetOutOfRangeExits65AndWritesNothing() throws {
  let cli = try seededCLI()
  let result = try cli.run([
    "placement", "add", "P1", "--video-id", "v1", "--tool", "dou_plus", "--budget", "99.99",
    "--start", "2026-05-04 10:00",
  ])
  #expect(result.status == 65)
  #expect(result.stderr.contains("budget: a Dou+ budget must be between ¥100.00 and ¥5,000,000.00"))
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM placement") == "0\n")
}

@Test func contentServiceUnderMinimumExits65() throws {
  let cli = try seededCLI()
  let result = try cli.run([
    "placement", "add", "C1", "--video-id", "v1", "--tool", "content_service", "--budget",
    "¥49,999.99", "--start", "2026-06-01",
  ])
  #expect(result.status == 65)
  #expect(result.stderr.contains("at least ¥50,000.00"))
}

@Test(.needsSQLite3) func overlappingDouPlusAndContentServiceExits65() throws {
  let cli = try seededCLI()
  try cli.ok(
    "placement", "add", "C1", "--video-id", "v1", "--tool", "content_service", "--budget", "50000",
    "--start", "2026-06-01", "--end", "2026-06-07")
  let result = try cli.run([
    "placement", "add", "D1", "--video-id", "v1", "--tool", "dou_plus", "--budget", "500",
    "--start", "2026-06-03 10:00", "--end", "2026-06-04 10:00",
  ])
  #expect(result.status == 65)
  #expect(result.stderr.contains("mutually exclusive"))
  #expect(try cli.sqlite3("aimt.db", "SELECT placement_id FROM placement") == "C1\n")
}

@Test func unknownParentsAndEndBeforeStartExit65() throws {
  let cli = try seededCLI()
  let video = try cli.run(["video", "add", "v2", "--kol-id", "ghost"])
  #expect(video.status == 65)
  #expect(video.stderr.contains("no KOL 'ghost'"))
  let metric = try cli.run(["log", "2026-05-01", "v9", "natural", "--impressions", "1"])
  #expect(metric.status == 65)
  #expect(metric.stderr.contains("VIDEO_ID: no video 'v9'"))
  let sale = try cli.run([
    "promotion", "add", "618", "--start", "2026-06-18", "--end", "2026-05-20",
  ])
  #expect(sale.status == 65)
  #expect(sale.stderr.contains("end 2026-05-20 is before start 2026-06-18"))
}

@Test func badMoneyAndDatesAreAllReportedAtOnce() throws {
  let cli = try seededCLI()
  let result = try cli.run([
    "log", "2026-02-30", "v1", "dou_plus", "--impressions", "1.5", "--cost", "12.345",
  ])
  #expect(result.status == 65)
  #expect(result.stderr.contains("DATE: "))
  #expect(result.stderr.contains("impressions: "))
  #expect(result.stderr.contains("cost: "))
  #expect(result.stderr.contains("3 problems; nothing was written"))
}

@Test func correctionIsKeptInHistory() throws {
  let cli = try seededCLI()
  try cli.ok("log", "2026-05-01", "v1", "natural", "--impressions", "250000", "--gmv", "20000")
  let again = try cli.ok(
    "log", "2026-05-01", "v1", "natural", "--impressions", "250000", "--gmv", "20000")
  #expect(again.stdout.contains("metrics: 0 inserted, 0 updated, 1 unchanged"))
  try cli.ok("log", "2026-05-01", "v1", "natural", "--impressions", "250000", "--gmv", "21000.50")
  let history = try cli.ok("history", "v1", "--format", "json")
  #expect(history.stdout.contains("\"field\":\"gmv\""))
  #expect(history.stdout.contains("\"old\":20000"))
  #expect(history.stdout.contains("\"new\":21000.5"))
  #expect(history.stdout.contains("\"command\":\"log\""))
}

@Test(.needsSQLite3) func checkIsSilentOnAGoodLedgerAndNamesAHandMadeViolation() throws {
  let cli = try seededCLI()
  try cli.ok(
    "placement", "add", "C1", "--video-id", "v1", "--tool", "content_service", "--budget", "50000",
    "--start", "2026-06-10")
  try cli.ok(
    "placement", "add", "D1", "--video-id", "v1", "--tool", "dou_plus", "--budget", "500",
    "--start", "2026-06-03 10:00", "--end", "2026-06-04 10:00")
  let good = try cli.ok("check")
  #expect(good.stdout.isEmpty && good.stderr.isEmpty)
  _ = try cli.sqlite3(
    "aimt.db", "UPDATE placement SET start = '2026-06-01 00:00:00' WHERE placement_id = 'C1'")
  let bad = try cli.run(["check"])
  #expect(bad.status == 65)
  #expect(bad.stderr.contains("D1"))
  #expect(bad.stderr.contains("C1"))
}

@Test func backupCopiesTheLedger() throws {
  let cli = try seededCLI()
  try cli.ok("backup", "copy.db")
  let copied = try cli.run(["video", "list", "--db", "copy.db", "--format", "csv"])
  #expect(copied.stdout.contains("v1,dy1,山茶花"))
  #expect(try cli.run(["backup", "copy.db"]).status == 65)
}

@Test func configSetAndGet() throws {
  let cli = try CLI()
  try cli.ok("init")
  #expect(try cli.ok("config", "get", "cpm_price").stdout == "40\n")
  try cli.ok("config", "set", "roi_floor", "0.8")
  #expect(try cli.ok("config", "get", "roi_floor").stdout == "0.8\n")
  let bad = try cli.run(["config", "set", "roi_floor", "abc"])
  #expect(bad.status == 65)
}

@Test func listsPrintEveryFormat() throws {
  let cli = try seededCLI()
  let json = try cli.ok("kol", "list", "--format", "json")
  #expect(json.stdout.contains("\"name\":\"美妆达人小美\""))
  #expect(json.stdout.contains("\"followers\":1200000"))
  let csv = try cli.ok("video", "list", "--format", "csv")
  #expect(csv.stdout.hasPrefix("video_id,kol_id,brand,"))
  for format in ["table", "tsv", "ndjson", "markdown"] {
    let result = try cli.ok("kol", "list", "--format", format)
    #expect(result.stdout.contains("dy1"), "format \(format)")
  }
  let tsvByDefault = try cli.ok("kol", "list")
  #expect(tsvByDefault.stdout.hasPrefix("kol_id\tname"))
}

@Test(.needsSQLite3) func sqlIsReadOnly() throws {
  let cli = try seededCLI()
  let read = try cli.ok("sql", "SELECT video_id, brand FROM video", "--format", "csv")
  #expect(read.stdout.contains("v1,山茶花"))
  let write = try cli.run(["sql", "DELETE FROM video"])
  #expect(write.status != 0)
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM video") == "1\n")
}

@Test func usageErrorUsesArgumentParserStatus() throws {
  let cli = try CLI()
  let result = try cli.run(["log", "2026-05-01"])
  #expect(result.status == 64)
}

@Test(.needsSQLite3) func importWritesAllFilesOrNoneAndNamesTheBadLine() throws {
  let cli = try seededCLI()
  let good = cli.path("good.csv")
  let bad = cli.path("bad.csv")
  try Data("date,video_id,source,impressions,gmv\n2026-05-01,v1,natural,250000,20000\n".utf8)
    .write(to: URL(fileURLWithPath: good))
  try Data("日期,视频ID,流量来源,消耗\n2026-05-02,v1,DOU+,500\n2026-05-03,v1,DOU+,12.345\n".utf8)
    .write(to: URL(fileURLWithPath: bad))
  let refused = try cli.run(["import", "metrics", good, bad])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("bad.csv:3: cost: more than two decimals"))
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM metric") == "0\n")
  let imported = try cli.ok("import", "metrics", good)
  #expect(imported.stdout.contains("1 row; profile generic-metrics"))
  #expect(imported.stdout.contains("metrics: 1 inserted, 0 updated, 0 unchanged"))
  let again = try cli.ok("import", "metrics", good)
  #expect(again.stdout.contains("metrics: 0 inserted, 0 updated, 1 unchanged"))
  #expect(try cli.sqlite3("aimt.db", "SELECT gmv_fen FROM daily_metrics") == "2000000\n")
}

@Test func importOfAnUnknownKindIsAUsageError() throws {
  let cli = try CLI()
  try cli.ok("init")
  let result = try cli.run(["import", "orders", "x.csv"])
  #expect(result.status == 64)
  #expect(result.stderr.contains("kols, videos, placements, metrics, audience, promotions"))
}
