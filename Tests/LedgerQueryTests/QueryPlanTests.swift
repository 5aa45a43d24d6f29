import GRDB
import LedgerStore
import Testing

@testable import LedgerQuery

/// The query plan SQLite chooses for `sql`, one detail line per step.
private func plan(_ ledger: Ledger, _ sql: String, _ arguments: StatementArguments = []) throws
  -> [String]
{
  try ledger.read { db in
    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map {
      $0["detail"] as String
    }
  }
}

@Test func aWindowIsAKeyRangePerVideoWithNoSort() throws {
  let ledger = try Ledger.inMemory()
  let steps = try plan(ledger, MetricScan.sql, [20_000, 20_030, nil, nil, nil])
  #expect(steps.contains("SCAN v"))
  #expect(
    steps.contains("SEARCH m USING PRIMARY KEY (video_ref=? AND day>? AND day<?)"), "\(steps)")
  #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "\(steps)")
}

@Test func theLatestDayIsOneSeekPerVideo() throws {
  let ledger = try Ledger.inMemory()
  let steps = try plan(
    ledger,
    "SELECT max((SELECT max(m.day) FROM metric AS m WHERE m.video_ref = v.id)) FROM video AS v")
  #expect(steps.contains { $0.hasPrefix("SEARCH m USING PRIMARY KEY (video_ref=?)") }, "\(steps)")
}

@Test func theSplitReadsRowIdRangeIsTwoSeeksNotAScan() throws {
  let ledger = try Ledger.inMemory()
  let steps = try plan(ledger, VideoParts.idRange)
  #expect(steps.filter { $0.hasPrefix("SEARCH video") }.count == 2, "\(steps)")
  #expect(!steps.contains { $0.hasPrefix("SCAN video") }, "\(steps)")
}

@Test func analystViewsUseTheKeysForOneVideo() throws {
  let ledger = try Ledger.inMemory()
  let daily = try plan(ledger, "SELECT * FROM video_daily WHERE video_id = ?", ["v1"])
  #expect(daily.contains { $0.hasPrefix("SEARCH v USING INDEX") }, "\(daily)")
  #expect(daily.contains { $0.hasPrefix("SEARCH m USING PRIMARY KEY (video_ref=?)") }, "\(daily)")
  let rows = try plan(ledger, "SELECT * FROM daily_metrics WHERE video_id = ?", ["v1"])
  #expect(rows.contains { $0.hasPrefix("SEARCH m USING PRIMARY KEY (video_ref=?)") }, "\(rows)")
  let audience = try plan(ledger, "SELECT * FROM audience_5a WHERE brand = ?", ["B"])
  #expect(audience.contains { $0.hasPrefix("SEARCH audience USING PRIMARY KEY (brand=?)") })
}

@Test func videoDailyAddsUpEachVideosDayExactly() throws {
  let ledger = try Ledger.inMemory()
  let day = Day(daysSinceEpoch: 20_574)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    try writer.upsert(
      MetricInput(
        day: day, videoID: "v1", source: .natural, values: [.impressions: 1_000, .gmv: 12_345]),
      at: .commandLine)
    for order in ["A", "B"] {
      try writer.upsert(
        MetricInput(
          day: day, videoID: "v1", source: .douPlus, placementID: order,
          values: [.impressions: 500, .cost: 10_001, .gmv: 7]), at: .commandLine)
    }
  }
  let row = try #require(
    try ledger.read { db in try Row.fetchOne(db, sql: "SELECT * FROM video_daily") })
  #expect(row["natural_impressions"] as Int64 == 1_000)
  #expect(row["natural_gmv_fen"] as Int64 == 12_345)
  #expect(row["paid_impressions"] as Int64 == 1_000)
  #expect(row["paid_cost_fen"] as Int64 == 20_002)
  #expect(row["paid_gmv_fen"] as Int64 == 14)
  #expect(row["date"] as String == day.description)
}
