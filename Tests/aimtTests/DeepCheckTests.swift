import Foundation
import Testing

/// A ledger where v1's 2026-05-01 natural row was written three times through aimt.
private func ledgerWithHistory() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1")
  for (impressions, gmv) in [("100", "10"), ("100", "12"), ("150", "13")] {
    try cli.ok(
      "log", "2026-05-01", "v1", "natural", "--impressions", impressions, "--gmv", gmv)
  }
  return cli
}

@Test func deepCheckPassesOnHistoryWrittenByAimt() throws {
  let cli = try ledgerWithHistory()
  let result = try cli.ok("check", "--deep")
  #expect(result.stdout.isEmpty && result.stderr.isEmpty)
}

@Test(.needsSQLite3) func deepCheckFindsAValueChangedOutsideAimtThatPlainCheckCannotSee() throws {
  let cli = try ledgerWithHistory()
  _ = try cli.sqlite3("aimt.db", "UPDATE metric SET gmv = 99")
  try cli.ok("check")
  let deep = try cli.run(["check", "--deep"])
  #expect(deep.status == 65)
  #expect(
    deep.stderr.contains(
      "metric v1 2026-05-01 natural gmv: stored 99, but its last recorded change wrote 1300"))
}

@Test(.needsSQLite3) func deepCheckFindsAnEditedHistory() throws {
  let cli = try ledgerWithHistory()
  _ = try cli.sqlite3(
    "aimt.db",
    "UPDATE revision SET old_value = 5 WHERE revision_id = "
      + "(SELECT max(revision_id) FROM revision WHERE field = 'gmv')")
  let deep = try cli.run(["check", "--deep"])
  #expect(deep.status == 65)
  #expect(deep.stderr.contains("starts from 5, but the one before it wrote 1200"))
}

@Test(.needsSQLite3) func deepCheckFindsAViewThatNoLongerCompiles() throws {
  let cli = try ledgerWithHistory()
  _ = try cli.sqlite3("aimt.db", "CREATE VIEW broken AS SELECT nope FROM metric")
  let deep = try cli.run(["check", "--deep"])
  #expect(deep.status == 65 && deep.stderr.contains("broken no longer compiles"))
}

@Test func deepCheckFindsAMissingOrAlteredViewIndexOrTableAndAForeignTrigger() throws {
  let cli = try ledgerWithHistory()
  _ = try cli.sqlite3(
    "aimt.db",
    """
    DROP VIEW video_daily; DROP INDEX placement_by_video;
    DROP VIEW kol_latest; CREATE VIEW kol_latest AS SELECT 1 AS kol_id;
    CREATE TRIGGER sneaky AFTER INSERT ON metric BEGIN UPDATE metric SET gmv = 0; END;
    """)
  try cli.ok("check")
  let deep = try cli.run(["check", "--deep"])
  #expect(deep.status == 65)
  for text in [
    "view video_daily is missing; run 'aimt init' to restore it",
    "index placement_by_video is missing", "view kol_latest differs from the one aimt made",
    "trigger sneaky is not aimt's",
  ] {
    #expect(deep.stderr.contains(text), "\(text): \(deep.stderr)")
  }
  // init puts back the views and the index; the foreign trigger is for the user to drop.
  let restored = try cli.ok("init").stdout
  #expect(restored.contains("restored view video_daily"))
  #expect(restored.contains("restored view kol_latest"))
  #expect(restored.contains("restored index placement_by_video"))
  let again = try cli.run(["check", "--deep"])
  #expect(again.status == 65)
  #expect(!again.stderr.contains("video_daily") && again.stderr.contains("trigger sneaky"))
  _ = try cli.sqlite3("aimt.db", "DROP TRIGGER sneaky")
  try cli.ok("check", "--deep")
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM video_daily") == "1\n")
}

@Test func checkFindsUnreadableDatesAndTextCountsWrittenOutsideAimt() throws {
  let cli = try ledgerWithHistory()
  try cli.ok(
    "placement", "add", "P1", "--video-id", "v1", "--tool", "dou_plus", "--budget", "500",
    "--start", "2026-05-01 10:00", "--end", "2026-05-02 10:00")
  try cli.ok("promotion", "add", "618", "--start", "2026-06-01", "--end", "2026-06-18")
  try cli.ok("check")
  _ = try cli.sqlite3(
    "aimt.db",
    """
    UPDATE placement SET start = 'later', "end" = 'soon';
    UPDATE promotion SET start = 'july', "end" = 'june';
    UPDATE import_batch SET inserted = 'many';
    """)
  let result = try cli.run(["check"])
  #expect(result.status == 65)
  for text in [
    "placement: P1: unreadable tool or start 'later'", "promotion: 618: unreadable dates",
    "import_batch: 7 rows hold a value in inserted that is not a whole number",
  ] {
    #expect(result.stderr.contains(text), "\(text): \(result.stderr)")
  }
}

@Test(.needsSQLite3) func runningSumsLeftStaleByAnEditOutsideAimtAreNamedAndRebuiltByInit() throws {
  let cli = try ledgerWithHistory()
  _ = try cli.sqlite3("aimt.db", "UPDATE metric SET gmv = 9900")
  let deep = try cli.run(["check", "--deep"])
  #expect(deep.status == 65)
  #expect(deep.stderr.contains("metric_running: the running sums of 1 video differ"))
  #expect(deep.stderr.contains("v1 from 2026-05-01"))
  #expect(deep.stderr.contains("aimt init --rebuild-sums"))
  let rebuilt = try cli.ok("init", "--rebuild-sums")
  #expect(rebuilt.stdout.contains("running sums: recomputed; 1 video and 1 day had differed"))
  let again = try cli.run(["check", "--deep"])
  #expect(!again.stderr.contains("metric_running") && !again.stderr.contains("metric_day"))
  // The reports now read the edited row (99 yuan of natural GMV).
  let roi = try cli.ok("report", "roi", "--window", "1", "--format", "csv")
  #expect(roi.stdout.contains(",99.00,"), "\(roi.stdout)")
  let clean = try cli.ok("init", "--rebuild-sums")
  #expect(clean.stdout.contains("running sums: all agree with the metric rows"))
}

@Test(.needsSQLite3) func brandDayTotalsLeftStaleByAnEditOutsideAimtAreNamedAndRebuiltByInit()
  throws
{
  let cli = try ledgerWithHistory()
  try cli.ok("video", "add", "v2", "--kol-id", "dy1", "--brand", "山茶花")
  try cli.ok("log", "2026-05-02", "v2", "dou_plus", "--impressions", "1000", "--cost", "100")
  try cli.ok("check", "--deep")
  // v1 moved to the brand by hand: the brand's totals of v1's day are now short.
  _ = try cli.sqlite3("aimt.db", "UPDATE video SET brand = '山茶花' WHERE video_id = 'v1'")
  let deep = try cli.run(["check", "--deep"])
  #expect(deep.status == 65)
  #expect(
    deep.stderr.contains("metric_brand_day: the totals of 1 brand day differ"), "\(deep.stderr)")
  #expect(deep.stderr.contains("山茶花 2026-05-01"))
  #expect(deep.stderr.contains("aimt init --rebuild-sums"))
  let rebuilt = try cli.ok("init", "--rebuild-sums")
  #expect(rebuilt.stdout.contains("running sums: recomputed; 0 videos and 1 day had differed"))
  try cli.ok("check", "--deep")
  // A brand's rows deleted by hand: found and rebuilt the same way.
  _ = try cli.sqlite3("aimt.db", "DELETE FROM metric_brand_day")
  let again = try cli.run(["check", "--deep"])
  #expect(again.status == 65 && again.stderr.contains("the totals of 2 brand days differ"))
  try cli.ok("init", "--rebuild-sums")
  try cli.ok("check", "--deep")
  let spend = try cli.ok("report", "spend", "--brand", "山茶花", "--format", "csv")
  #expect(spend.stdout.contains("2026-05-02"), "\(spend.stdout)")
}
