import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

private let firstDay: Int32 = 20_500

/// 36 videos of two brands over 40 days, in pairs with the same numbers (ties on every value,
/// broken by key, which runs against the row ids); every third pair has no Dou+ (null paid ratios) and every fifth video has
/// no row after day 25 (no row in late windows).
private func pairedLedger() throws -> Ledger {
  let ledger = try Ledger.inMemory()
  var random = SplitMix64(state: 16)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for pair in 0..<18 {
      var days: [(day: Int, natural: [MetricField: Int64], paid: [MetricField: Int64]?)] = []
      for day in 0..<40 where random.int(0...3) != 0 {
        let natural: [MetricField: Int64] = [
          .impressions: random.int(0...40_000), .gmv: random.int(0...300_000),
          .likes: random.int(0...500), .comments: random.int(0...50),
        ]
        let paid: [MetricField: Int64]? =
          pair % 3 == 0
          ? nil
          : [
            .impressions: random.int(1...9_000), .cost: random.int(0...50_000),
            .gmv: random.int(0...90_000),
          ]
        days.append((day, natural, paid))
      }
      // Keys run against the row ids: a video read later can tie with a kept one and go first.
      for twin in [1, 0] {
        let index = pair * 2 + twin
        let videoID = "v\(String(35 - index, radix: 36))-\(twin)"
        var input = VideoInput(videoID: videoID)
        input.brand = index % 2 == 0 ? "A" : "B"
        try writer.upsert(input, at: .commandLine)
        for entry in days where index % 5 != 0 || entry.day <= 25 {
          let day = Day(daysSinceEpoch: firstDay + Int32(entry.day))
          try writer.upsert(
            MetricInput(day: day, videoID: videoID, source: .natural, values: entry.natural),
            at: .commandLine)
          if let paid = entry.paid {
            try writer.upsert(
              MetricInput(
                day: day, videoID: videoID, source: .douPlus, placementID: "P\(index)-\(entry.day)",
                values: paid), at: .commandLine)
          }
        }
      }
    }
  }
  return ledger
}

private func rows(_ series: ROISeries?) throws -> [ROIRow] {
  var rows: [ROIRow] = []
  try #require(series).forEachRow { rows.append($0) }
  return rows
}

@Test func aLimitedSeriesKeepsTheFirstVideosOfTheWholeSeriesOnEveryColumnAndTie() throws {
  let ledger = try pairedLedger()
  let since = Day(daysSinceEpoch: firstDay + 20)
  var checked = 0
  for until in [30, 39].map({ Day(daysSinceEpoch: firstDay + Int32($0)) }) {
    for field in ROISortField.allCases {
      for ascending in [false, true] {
        for (brand, tool) in [(nil, nil), ("B", nil), (nil, Source.douPlus)] as [(String?, Source?)]
        {
          var query = ROIQuery()
          query.sort = ROISort(field: field, ascending: ascending)
          query.filter.brand = brand
          query.tool = tool
          let whole = try #require(
            try ledger.roiSeries(query, since: since, until: until, memoryLimit: 1 << 30))
          let wholeRows = try rows(whole)
          for limit in [1, 2, 5, 9] {
            query.limit = limit
            let cut = try #require(try ledger.roiSeries(query, since: since, until: until))
            let label =
              "\(until) \(field) \(ascending) \(brand ?? "-") \(tool?.rawValue ?? "-") \(limit)"
            #expect(cut.keys == Array(whole.keys.prefix(limit)), "\(label)")
            let kept = Set(cut.keys)
            #expect(try rows(cut) == wholeRows.filter { kept.contains($0.key) }, "\(label)")
            checked += 1
          }
        }
      }
    }
  }
  #expect(checked == 2 * ROISortField.allCases.count * 2 * 3 * 4)
}

@Test func theRankingOnTheLastWindowGivesWayWhenTheLimitDoesNotCutOrTooFewVideosHaveRows() throws {
  let ledger = try pairedLedger()
  let until = Day(daysSinceEpoch: firstDay + 39)
  let model = { (sums: TrafficSums) in
    TrafficModel(
      current: sums, previous: nil, cpm: .price(fen: 4_000), floor: Fraction(1),
      declineRatio: Fraction(4, over: 5)!)
  }
  try ledger.read { db in
    func read(limit: Int, until: Day = until, brand: String? = nil) throws -> [SeriesTopVideos
      .Kept]?
    {
      var filter = VideoFilter()
      filter.brand = brand
      return try SeriesTopVideos.read(
        db, filter: filter, until: until, window: 7, tool: nil, sort: .byModel, limit: limit,
        model: model)
    }
    // 36 videos, 28 of them with rows in the last 7 days (every fifth has none after day 25).
    #expect(try read(limit: 0) == [])
    var filter = VideoFilter()
    for brand in [nil, "A"] as [String?] {
      filter.brand = brand
      for limit in [18, 28, 36] {
        // Counted first or not, the same answer.
        let counted = try SeriesTopVideos.read(
          db, filter: filter, until: until, window: 7, tool: nil, sort: .byModel, limit: limit,
          countAbove: 0, model: model)
        #expect(counted == (try read(limit: limit, brand: brand)), "\(limit) \(brand ?? "-")")
      }
    }
    #expect(try read(limit: 28)?.count == 28)
    #expect(try read(limit: 29) == nil)
    #expect(try read(limit: 36) == nil)
    #expect(try read(limit: 18, brand: "A") == nil)
    #expect(try read(limit: 3, until: until.adding(days: 30)) == nil)
    let kept = try #require(try read(limit: 4))
    #expect(Set(kept.map(\.ref)).count == 4)
    #expect(kept.allSatisfy { !$0.key.isEmpty })
  }
}

@Test func theSeriesRankingIsTwoSeeksPerVideoInRowIdOrder() throws {
  let ledger = try Ledger.inMemory()
  for brand in [nil, "B"] as [String?] {
    var filter = VideoFilter()
    filter.brand = brand
    let steps = try ledger.read { db in
      try Row.fetchAll(
        db, sql: "EXPLAIN QUERY PLAN " + SeriesTopVideos.sql(filter),
        arguments: [brand, nil, nil, 20_000, 20_007]
      ).map { $0["detail"] as String }
    }
    #expect(steps.count { $0 == "SEARCH r USING PRIMARY KEY (video_ref=? AND chunk<?)" } == 2)
    #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "\(steps)")
    #expect(steps.contains { $0.hasPrefix(brand == nil ? "SCAN v" : "SEARCH v USING INDEX") })
  }
}

@Test(arguments: [32, 39])
func aDamagedRunningRowIsAnErrorForTheSeriesRanking(damagedDay: Int32) throws {
  // Day 39 is `until`, day 32 the day before the window: their chunks are read.
  let ledger = try pairedLedger()
  try ledger.write { db in
    try db.execute(
      sql: "UPDATE metric_running SET sums = x'02' WHERE chunk = ?",
      arguments: [Int(firstDay + damagedDay) >> 4])
  }
  var query = ROIQuery()
  query.limit = 3
  #expect(throws: LedgerError.self) {
    try ledger.roiSeries(
      query, since: Day(daysSinceEpoch: firstDay + 35),
      until: Day(daysSinceEpoch: firstDay + 39))
  }
}

// A row id set by hand below zero is a video like any other (docs/internals.md, "Video row
// ids"): the whole series and its ranking both count it.
@Test func aVideoWithANegativeRowIdCountsInTheSeriesLikeAnyOther() throws {
  let ledger = try Ledger.inMemory()
  try ledger.write { db in
    try db.execute(sql: "INSERT INTO video (id, video_id) VALUES (-4, 'minus'), (7, 'plus')")
  }
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for (index, videoID) in ["minus", "plus", "other"].enumerated() {
      for day in 0..<10 {
        try writer.upsert(
          MetricInput(
            day: Day(daysSinceEpoch: firstDay + Int32(day)), videoID: videoID, source: .natural,
            values: [.impressions: 1_000, .gmv: Int64(10_000 * (3 - index))]), at: .commandLine)
      }
    }
  }
  var query = ROIQuery()
  let until = Day(daysSinceEpoch: firstDay + 9)
  let whole = try #require(
    try ledger.roiSeries(query, since: until, until: until, memoryLimit: 1 << 30))
  #expect(whole.keys == ["minus", "plus", "other"])
  query.limit = 1
  #expect(try ledger.roiSeries(query, since: until, until: until)?.keys == ["minus"])
}
