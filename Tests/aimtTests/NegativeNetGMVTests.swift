import Foundation
import Testing

// A day whose refunds exceed its sales has a negative net GMV, shown as it is
// (docs/decisions.md, "Refunds and net GMV"): every report and decision prints its negative
// ratios instead of stopping on them.

/// v1 (KOL dy1, brand B): natural GMV ¥10 with ¥50 refunded on 1,000 plays, and Dou+ ¥100 of
/// cost on 2,000 plays with GMV ¥20 and ¥30 refunded; a promotion after the data.
private func refundedLedger() throws -> CLI {
  let cli = try CLI()
  try cli.ok(["init"])
  try cli.ok(["kol", "add", "dy1", "--followers", "200000", "--as-of", "2026-04-01"])
  try cli.ok([
    "video", "add", "v1", "--kol-id", "dy1", "--brand", "B", "--published", "2026-04-30 20:00",
    "--ad-review", "passed", "--chain", "tmall",
  ])
  try cli.ok([
    "log", "2026-05-01", "v1", "natural", "--impressions", "1000", "--gmv", "10", "--refund", "50",
  ])
  try cli.ok([
    "log", "2026-05-01", "v1", "dou_plus", "--impressions", "2000", "--cost", "100", "--gmv", "20",
    "--refund", "30",
  ])
  try cli.ok(["promotion", "add", "618", "--start", "2026-06-01", "--end", "2026-06-18"])
  return cli
}

@Test func aWindowWithRefundsAboveItsGMVPrintsNegativeRatiosInEveryReport() throws {
  let cli = try refundedLedger()
  // natural GPM = -40 yuan per 1,000 plays; model -40 / 40 = -1; paid ROI (20 - 30) / 100.
  let json = try cli.ok("report", "roi", "--format", "json").stdout
  let rows = try #require(
    JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
  let row = try #require(rows.first)
  #expect((row["natural_gpm"] as? NSNumber)?.doubleValue == -40)
  #expect((row["roi_model"] as? NSNumber)?.doubleValue == -1)
  #expect((row["paid_roi"] as? NSNumber)?.doubleValue == -0.1)
  #expect((row["above_floor"] as? Bool) == false)
  let table = try cli.ok("report", "roi", "--format", "csv").stdout
  #expect(table.contains(",-40.00,") && table.contains(",-1.00,") && table.contains(",-0.10,"))
  // Every other reader of the same window runs to the end.
  for arguments in [
    [
      "report", "roi", "--series", "--window", "1", "--since", "2026-05-01", "--until",
      "2026-05-01",
    ],
    ["report", "roi", "--by", "kol"], ["report", "spend", "--by", "tool"], ["advise"],
    ["video", "show", "v1"], ["shortlist", "--sale-start", "2026-06-01"],
    ["plan", "--budget", "10000"], ["report", "html", "--brand", "B", "-o", "review.html"],
  ] {
    let result = try cli.run(arguments)
    #expect(result.status == 0, "\(arguments): \(result.stderr)")
    #expect(!result.stderr.contains("Fatal") && !result.stderr.contains("Backtrace"))
  }
}
