import Foundation
import Testing

/// The demo ledger, built once per test (small: 80 videos over 60 days).
private func demo() throws -> CLI {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "80", "--days", "60")
  return cli
}

private func objects(_ text: String) throws -> [[String: Any]] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
}

@Test func planPrintsTheSpecKeysAndStaysWithinTheBudget() throws {
  let cli = try demo()
  // The demo's 7-day windows hold too few natural impressions for money; 30 days do not.
  let json = try cli.ok(
    "plan", "--budget", "3,000,000", "--window", "30", "--db", "d.db", "--format", "json")
  let rows = try objects(json.stdout)
  #expect(!rows.isEmpty)
  let keys = [
    "video_id", "kol_id", "kol_tier", "tool", "mode", "strategy", "budget", "roi_model",
    "paid_roi", "evidence_impressions", "expected_gmv", "expected_roi", "reason",
  ]
  #expect(json.stdout.hasPrefix("[\n{\"video_id\""))
  for row in rows {
    #expect(Set(row.keys) == Set(keys))
    #expect((row["evidence_impressions"] as? Double ?? 0) >= 100_000)
  }
  let total = rows.reduce(0.0) { $0 + ($1["budget"] as? Double ?? 0) }
  #expect(total <= 3_000_000)
  let table = try cli.ok("plan", "--budget", "3000000", "--db", "d.db", "--format", "table")
  #expect(table.stdout.hasPrefix("plan for a week of 3,000,000.00 yuan"))
}

@Test func planRefusesABadBudgetAndExplainsItsHelp() throws {
  let cli = try CLI()
  let bad = try cli.run(["plan", "--budget", "abc"])
  #expect(bad.status == 64)
  let help = try cli.ok("plan", "--help")
  #expect(help.stdout.contains("Example: aimt plan --budget 3000000"))
  #expect(try cli.ok("backtest", "shortlist", "--help").stdout.contains("Example: aimt backtest"))
  #expect(try cli.ok("backtest", "advice", "--help").stdout.contains("Example: aimt backtest"))
}

@Test func backtestShortlistPrintsTheSpecKeysAndATableSummaryPerGroup() throws {
  let cli = try demo()
  let json = try cli.ok(
    "backtest", "shortlist", "--promotion", "618-2026", "--db", "d.db", "--format", "json")
  let rows = try objects(json.stdout)
  for key in [
    "group", "rank", "video_id", "kol_id", "lookback_roi_model", "lookback_paid_roi",
    "sale_natural_impressions", "sale_natural_gmv", "sale_roi_model", "sale_paid_cost",
    "sale_paid_gmv", "sale_paid_roi",
  ] {
    #expect(rows.allSatisfy { $0.keys.contains(key) }, "\(key)")
  }
  let table = try cli.ok(
    "backtest", "shortlist", "--promotion", "618-2026", "--db", "d.db", "--format", "table")
  #expect(table.stdout.contains("left_out ("))
  let bad = try cli.run(["backtest", "shortlist", "--promotion", "nope", "--db", "d.db"])
  #expect(bad.status == 65)
}

@Test func backtestAdvicePairsEachDayWithTheNextWeek() throws {
  let cli = try demo()
  let csv = try cli.ok(
    "backtest", "advice", "--since", "2026-05-01", "--until", "2026-05-02", "--db", "d.db",
    "--format", "csv")
  #expect(csv.stdout.hasPrefix("date,video_id,kol_id,action,mode,strategy,roi_model"))
  let reversed = try cli.run([
    "backtest", "advice", "--since", "2026-05-02", "--until", "2026-05-01", "--db", "d.db",
  ])
  #expect(reversed.status == 64)
}

@Test func checkWarnsAboutGMVWithoutPlaysAndStillExitsZero() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "k1", "--followers", "100")
  try cli.ok("video", "add", "v1", "--kol-id", "k1")
  try cli.ok("log", "2026-05-01", "v1", "natural", "--impressions", "0", "--gmv", "1234")
  let result = try cli.ok("check")
  #expect(result.stderr.contains("warning: gmv_without_plays: video v1 on 2026-05-01, natural"))
  #expect(result.stderr.contains("left out of the traffic ROI model"))
  let advice = try cli.ok("advise", "v1", "--format", "csv")
  #expect(advice.stdout.contains("no_plays: ¥1,234 of natural GMV on 1 day without natural plays"))
}
