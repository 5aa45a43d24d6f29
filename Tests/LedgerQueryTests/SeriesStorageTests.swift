import LedgerStore
import Testing

@testable import LedgerQuery

/// Twelve videos of three KOLs with natural and Dou+ days scattered over two months.
private func scatteredLedger() throws -> Ledger {
  let ledger = try Ledger.inMemory()
  var seed: UInt64 = 42
  func next(_ bound: Int64) -> Int64 {
    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int64((seed >> 33) % UInt64(bound))
  }
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for video in 0..<12 {
      var input = VideoInput(videoID: "v\(video)")
      input.kolID = "k\(video % 3)"
      input.brand = video % 2 == 0 ? "A" : "B"
      try writer.upsert(input, at: .commandLine)
      for day in 0..<60 where next(4) != 0 {
        let date = Day(daysSinceEpoch: 20_500 + Int32(day))
        try writer.upsert(
          MetricInput(
            day: date, videoID: "v\(video)", source: .natural,
            values: [
              .impressions: 1_000 + next(50_000), .gmv: next(400_000), .likes: next(900),
              .comments: next(90),
            ]), at: .commandLine)
        if next(3) == 0 {
          try writer.upsert(
            MetricInput(
              day: date, videoID: "v\(video)", source: .douPlus, placementID: "P\(video)-\(day)",
              values: [
                .impressions: next(20_000), .cost: 10_000 + next(90_000), .gmv: next(150_000),
              ]
            ), at: .commandLine)
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

@Test func seriesReadAgainPerVideoEqualsTheSeriesHeldInMemory() throws {
  let ledger = try scatteredLedger()
  for window in [1, 7, 30] {
    var query = ROIQuery()
    query.window = window
    let since = Day(daysSinceEpoch: 20_520)
    let until = Day(daysSinceEpoch: 20_565)  // past the data: trailing windows run dry
    let held = try rows(ledger.roiSeries(query, since: since, until: until, memoryLimit: 1 << 30))
    let reread = try rows(ledger.roiSeries(query, since: since, until: until, memoryLimit: 0))
    #expect(held.count > 12 * 30)
    #expect(held == reread, "window \(window)")
    query.tool = .douPlus
    query.limit = 5
    query.sort = ROISort(field: .paidROI, ascending: true)
    let heldTool = try rows(
      ledger.roiSeries(query, since: since, until: until, memoryLimit: 1 << 30))
    let rereadTool = try rows(ledger.roiSeries(query, since: since, until: until, memoryLimit: 0))
    #expect(heldTool == rereadTool, "window \(window), dou_plus")
    #expect(Set(heldTool.map(\.key)).count <= 5)
  }
}

@Test func seriesCutToALimitKeepsTheFirstKeysOfTheWholeSeries() throws {
  let ledger = try scatteredLedger()
  let since = Day(daysSinceEpoch: 20_530)
  // The data ends on day 20_559: later ends leave fewer videos, then none, with rows in the
  // last window, so the ranking also needs the rows elsewhere in the range.
  for until in [20_545, 20_559, 20_561, 20_575].map({ Day(daysSinceEpoch: Int32($0)) }) {
    for window in [1, 7] {
      for tool in [nil, Source.douPlus] {
        for sort in [ROISort.byModel, ROISort(field: .paidROI, ascending: true)] {
          var query = ROIQuery()
          query.window = window
          query.tool = tool
          query.sort = sort
          let whole = try #require(
            try ledger.roiSeries(query, since: since, until: until, memoryLimit: 1 << 30))
          let wholeRows = try rows(whole)
          for limit in [0, 1, 3, 8, 11] {
            query.limit = limit
            let cut = try #require(try ledger.roiSeries(query, since: since, until: until))
            let label = "until \(until) window \(window) \(String(describing: tool)) limit \(limit)"
            #expect(cut.keys == Array(whole.keys.prefix(limit)), "\(label)")
            let kept = Set(cut.keys)
            #expect(try rows(cut) == wholeRows.filter { kept.contains($0.key) }, "\(label)")
          }
        }
      }
    }
  }
}

@Test func seriesRowsEqualTheSingleWindowReportOfEachDay() throws {
  let ledger = try scatteredLedger()
  for grouping in ROIGrouping.allCases {
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 7
    let since = Day(daysSinceEpoch: 20_540)
    let until = Day(daysSinceEpoch: 20_562)
    let series = try rows(ledger.roiSeries(query, since: since, until: until))
    var expected: [ROIRow] = []
    for offset in 0...(until - since) {
      query.asOf = since.adding(days: offset)
      expected += try ledger.roiReport(query).rows
    }
    let order: (ROIRow, ROIRow) -> Bool = { ROISort.keyOrder($0.key, $1.key, $0.date, $1.date) }
    #expect(series.sorted(by: order) == expected.sorted(by: order), "\(grouping)")
  }
}
