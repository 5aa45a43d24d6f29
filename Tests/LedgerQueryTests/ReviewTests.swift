import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

/// A day of May 2026.
private func may(_ day: Int) -> Day {
  Day(year: 2026, month: 5, day: day) ?? Day(daysSinceEpoch: 0)
}

/// A small ledger for the review of brand B, as of 2026-05-31.
///
/// Brand B has seven videos (v1…v7) with natural traffic on every day of May from
/// `metrics.csv`; v1 earns the most GMV, each next one less, and v7 has a model of 0. v1 also
/// has Dou+ spend from `douplus.csv`. Brand C's video c1 has traffic too and must never show.
/// B has three 5A snapshots from `yuntu.csv`; the promotion 618-2026 starts 2026-06-10, within
/// 45 days of 2026-05-31, and 双11-2026 is far away.
private struct ReviewLedger {
  let ledger: Ledger

  init() throws {
    ledger = try Ledger.inMemory()
    try ledger.write(options: WriteOptions(createMissing: true)) { writer in
      var kol = KOLInput(kolID: "dy1")
      kol.followers = 2_000_000
      kol.asOf = may(1).adding(days: -120)
      try writer.upsert(kol, at: .commandLine)
      for (id, brand) in [
        ("v1", "B"), ("v2", "B"), ("v3", "B"), ("v4", "B"), ("v5", "B"), ("v6", "B"), ("v7", "B"),
        ("c1", "C"),
      ] {
        var video = VideoInput(videoID: id)
        video.kolID = "dy1"
        video.brand = brand
        video.title = "title of \(id)"
        video.adReview = .passed
        video.published = DateTime(day: may(1).adding(days: -100), secondOfDay: 0)
        try writer.upsert(video, at: .commandLine)
      }
      try writer.beginBatch(
        BatchInfo(command: "import", kind: "metrics", file: "metrics.csv", sha256: "aa11"))
      // 100,000 natural plays a day from mid-January; GMV per play falls from v1 to v7.
      for day in 0..<(31 + 120) {
        let date = may(31).adding(days: -day)
        for (index, id) in ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "c1"].enumerated() {
          let fenPerPlay = Int64(index < 6 ? 12 - 2 * index : index == 6 ? 0 : 30)
          try writer.upsert(
            MetricInput(
              day: date, videoID: id, source: .natural,
              values: [
                .impressions: 100_000, .gmv: fenPerPlay * 100_000, .likes: 3_000, .comments: 200,
              ]), at: .commandLine)
        }
      }
      try writer.beginBatch(
        BatchInfo(command: "import", kind: "metrics", file: "douplus.csv", sha256: "bb22"))
      // Dou+ on v1 on two days of May only (quiet days cost nothing).
      for day in [may(3), may(20)] {
        try writer.upsert(
          MetricInput(
            day: day, videoID: "v1", source: .douPlus,
            values: [.impressions: 50_000, .cost: 200_000, .gmv: 500_000]), at: .commandLine)
      }
      try writer.beginBatch(
        BatchInfo(command: "import", kind: "audience", file: "yuntu.csv", sha256: "cc33"))
      for (offset, day) in [may(10), may(17), may(24)].enumerated() {
        let grow = Int64(offset) * 1_000
        try writer.upsert(
          AudienceInput(
            brand: "B", day: day,
            values: [
              .o: 50_000, .a1: 10_000 + grow, .a2: 5_000 + grow, .a3: 3_000, .a4: 800, .a5: 200,
            ]), at: .commandLine)
      }
      try writer.beginBatch(BatchInfo(command: "import", kind: "promotions", file: "sales.csv"))
      for (name, start, end) in [
        ("618-2026", may(31).adding(days: 10), may(31).adding(days: 18)),
        ("双11-2026", may(31).adding(days: 150), may(31).adding(days: 160)),
      ] {
        var promotion = PromotionInput(name: name)
        promotion.start = start
        promotion.end = end
        try writer.upsert(promotion, at: .commandLine)
      }
    }
  }

  func review(asOf: Day? = may(31)) throws -> ReviewData {
    try ledger.review(brand: "B", asOf: asOf)
  }
}

@Test func reviewHasEveryDayOfTheWindowWithQuietDaysAsZero() throws {
  let data = try ReviewLedger().review()
  #expect(data.asOf == may(31))
  #expect(data.since == may(2))
  #expect(data.daily.count == 30)
  #expect(data.daily.map(\.day) == (0..<30).map { may(2).adding(days: $0) })
  let costs = Dictionary(uniqueKeysWithValues: data.daily.map { ($0.day, $0.cost) })
  #expect(costs[may(3)] == 200_000)
  #expect(costs[may(20)] == 200_000)
  #expect(costs[may(4)] == 0)
  #expect(data.totalCost == 400_000)
}

@Test func reviewDailyMoneyEqualsTheSpendReportOfTheBrand() throws {
  let fixture = try ReviewLedger()
  let data = try fixture.review()
  var query = SpendQuery()
  query.since = may(2)
  query.until = may(31)
  query.filter = VideoFilter(brand: "B")
  let report = try fixture.ledger.spendReport(query)
  #expect(report.rows.count == 30)
  for (day, row) in zip(data.daily, report.rows) {
    #expect(row.key == day.day.description)
    #expect(row.cost == day.cost)
    #expect(row.gmv == day.gmv)
    #expect(row.paidGMV == day.paidGMV)
  }
  #expect(data.totalGMV == report.rows.reduce(0) { $0 + $1.gmv })
}

@Test func reviewVideosAreTheWeeksROIReportOfTheBrand() throws {
  let fixture = try ReviewLedger()
  let data = try fixture.review()
  var query = ROIQuery()
  query.asOf = may(31)
  query.filter = VideoFilter(brand: "B")
  let report = try fixture.ledger.roiReport(query)
  #expect(data.videos == report.rows)
  #expect(data.best.map(\.key) == ["v1", "v2", "v3", "v4", "v5"])
  // The worst list holds the videos not in the best list, worst first.
  #expect(data.worst.map(\.key) == ["v7", "v6"])
  #expect(data.best.first?.model.roiModel == Fraction(3))
  #expect(data.worst.first?.model.roiModel == Fraction(0))
}

@Test func reviewLeavesOtherBrandsOut() throws {
  let data = try ReviewLedger().review()
  #expect(!data.videos.contains { $0.key == "c1" })
  #expect(!data.lines.contains { $0.video.videoID == "c1" })
  #expect(data.facts["c1"] == nil)
  // c1's GMV is not in the daily totals: B earns 42 fen a play over 600,000 plays a day.
  #expect(data.daily[5].gmv == 4_200_000)
}

@Test func reviewLinesAreTheLargestSellersWithTheirRollingModel() throws {
  let fixture = try ReviewLedger()
  let data = try fixture.review()
  #expect(data.lines.map(\.video.videoID) == ["v1", "v2", "v3", "v4", "v5"])
  #expect(data.lines.allSatisfy { $0.points.count == 30 })
  var query = ROIQuery()
  query.filter = VideoFilter(videoID: "v1")
  let series = try #require(try fixture.ledger.roiSeries(query, since: may(2), until: may(31)))
  var expected: [Fraction?] = []
  try series.forEachRow { expected.append($0.model.roiModel) }
  #expect(data.lines[0].points == expected)
  // v2: 10 fen a play is ¥100 per thousand, ÷ ¥40 = 2.5 on every day.
  #expect(data.lines[1].points.allSatisfy { $0 == Fraction(5, over: 2) })
}

@Test func reviewFloorAndCPMAreTheLedgerSettings() throws {
  let fixture = try ReviewLedger()
  #expect(try fixture.review().floor == Fraction(6, over: 5))
  try fixture.ledger.setSetting("roi_floor", "0.8")
  try fixture.ledger.setSetting("cpm_price", "50")
  let data = try fixture.review()
  #expect(data.floor == Fraction(4, over: 5))
  #expect(data.cpmPrice == Fraction(50))
}

@Test func reviewAudienceIsTheFiveAReportUpToAsOf() throws {
  let fixture = try ReviewLedger()
  let data = try fixture.review(asOf: may(20))
  #expect(data.audience.map(\.date) == [may(10), may(17)])
  #expect(data.audience == (try fixture.ledger.audienceReport(brand: "B", until: may(20))))
  #expect(data.audience.last?.a2a3 == 9_000)
}

@Test func reviewBringsTheShortlistOfAPromotionStartingWithin45Days() throws {
  let fixture = try ReviewLedger()
  let data = try fixture.review()
  #expect(data.promotion?.name == "618-2026")
  let list = try #require(data.shortlist)
  var query = ShortlistQuery()
  query.promotion = "618-2026"
  query.filter = VideoFilter(brand: "B")
  query.limit = 10
  let expected = try fixture.ledger.shortlist(query)
  #expect(list.entries == expected.entries)
  // One KOL: one booking a week, on its best video; the others are left out by the KOL cap.
  #expect(list.entries.map(\.video.videoID) == ["v1"])
  #expect(list.excluded.filter { $0.failed?.rule == .kolCap }.count == 3)
}

@Test func reviewHasNoShortlistWhenNoPromotionIsNear() throws {
  let data = try ReviewLedger().review(asOf: may(1).adding(days: -60))
  #expect(data.promotion == nil)
  #expect(data.shortlist == nil)
}

@Test func reviewNamesTheImportBatchesItsNumbersComeFrom() throws {
  let data = try ReviewLedger().review()
  let byFile = Dictionary(uniqueKeysWithValues: data.batches.map { ($0.file ?? "", $0) })
  #expect(Set(byFile.keys) == ["metrics.csv", "douplus.csv", "yuntu.csv"])
  #expect(byFile["douplus.csv"]?.rowsUsed == 2)
  #expect(byFile["douplus.csv"]?.sha256 == "bb22")
  #expect(byFile["yuntu.csv"]?.rowsUsed == 3)
  #expect(byFile["yuntu.csv"]?.kind == "audience")
  // Seven videos of B, one row a day over the days the page reads (the shortlist's lookback
  // reaches furthest back); never brand C's rows.
  let metrics = try #require(byFile["metrics.csv"])
  #expect(metrics.rowsUsed % 7 == 0)
  #expect(metrics.rowsUsed > 7 * 30)
  #expect(metrics.inserted == 8 * 151)
}

@Test func reviewOfAnUnknownBrandIsNotFound() throws {
  let fixture = try ReviewLedger()
  #expect {
    try fixture.ledger.review(brand: "nobody")
  } throws: { error in
    guard case LedgerError.notFound(let entity, let key, _) = error else { return false }
    return entity == "brand" && key == "nobody"
  }
}

@Test func reviewOfABrandWithoutMetricsIsEmptyNotAnError() throws {
  let ledger = try Ledger.inMemory()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var video = VideoInput(videoID: "v1")
    video.kolID = "dy1"
    video.brand = "B"
    try writer.upsert(video, at: .commandLine)
  }
  let data = try ledger.review(brand: "B")
  #expect(data.asOf == nil)
  #expect(data.daily.isEmpty)
  #expect(data.videos.isEmpty)
  #expect(data.lines.isEmpty)
  #expect(data.batches.isEmpty)
}

@Test func theReviewPageReadsOneSnapshotOfTheLedger() throws {
  let fixture = try ReviewLedger()
  let before = fixture.ledger.readTransactionCount
  _ = try fixture.review()
  // About sixteen reads, in one read transaction.
  #expect(fixture.ledger.readTransactionCount == before + 1)
  // Outside a snapshot each read is its own transaction.
  _ = try fixture.ledger.latestMetricDay()
  _ = try fixture.ledger.latestMetricDay()
  #expect(fixture.ledger.readTransactionCount == before + 3)
  // Inside one, reads join it, and an error the body throws comes out as it was.
  struct Stop: Error {}
  #expect(throws: Stop.self) {
    try fixture.ledger.snapshot {
      _ = try fixture.ledger.latestMetricDay()
      _ = try fixture.ledger.review(ReviewQuery(brand: "B"))
      throw Stop()
    }
  }
  #expect(fixture.ledger.readTransactionCount == before + 4)
}

/// Random rows with gaps and several tools over 60 days, for brand B (v1…v6, one moved to B
/// after its rows were written) and brand C.
@Test func reviewLinesBrandModelAnd5ASpendEqualTheReportsOnRandomRows() throws {
  var random = SplitMix64(state: 23)
  let ledger = try Ledger.inMemory()
  let videos = ["v1", "v2", "v3", "v4", "v5", "v6", "c1"]
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for id in videos {
      var video = VideoInput(videoID: id)
      video.brand = id == "c1" || id == "v6" ? "C" : "B"
      try writer.upsert(video, at: .commandLine)
    }
    for day in 0..<60 {
      for id in videos where random.next() % 4 != 0 {
        let source: Source = [.natural, .douPlus, .qianchuan][Int(random.next() % 3)]
        var values: [MetricField: Int64] = [
          .impressions: Int64(random.next() % 50_000), .gmv: Int64(random.next() % 900_000),
        ]
        if source != .natural { values[.cost] = Int64(random.next() % 300_000) }
        try writer.upsert(
          MetricInput(
            day: may(1).adding(days: day - 29), videoID: id, source: source,
            values: values), at: .commandLine)
      }
    }
    for (offset, day) in [may(3), may(12), may(25)].enumerated() {
      try writer.upsert(
        AudienceInput(
          brand: "B", day: day,
          values: [.o: 1_000, .a1: 100 + Int64(offset), .a2: 50, .a3: 30, .a4: 8, .a5: 2]),
        at: .commandLine)
    }
  }
  // v6 joins B after its rows: its days move to B's day totals.
  try ledger.write { writer in
    var video = VideoInput(videoID: "v6")
    video.brand = "B"
    try writer.upsert(video, at: .commandLine)
  }
  let data = try ledger.review(brand: "B", asOf: may(30))
  #expect(!data.lines.isEmpty)
  for line in data.lines {
    var query = ROIQuery()
    query.filter = VideoFilter(videoID: line.video.videoID)
    let series = try #require(try ledger.roiSeries(query, since: may(1), until: may(30)))
    var expected = [Fraction?](repeating: nil, count: 30)
    try series.forEachRow { expected[$0.date - may(1)] = $0.model.roiModel }
    #expect(line.points == expected, "\(line.video.videoID)")
  }
  var byBrand = ROIQuery()
  byBrand.asOf = may(30)
  byBrand.grouping = .brand
  #expect(data.brandModel == (try ledger.roiReport(byBrand).rows.first { $0.key == "B" }?.model))
  // The spend before each 5A snapshot: B's videos' cost on the days after the one before.
  for row in try ledger.audienceReport(brand: "B").dropFirst() {
    var spend = SpendQuery()
    spend.since = (row.date == may(12) ? may(3) : may(12)).adding(days: 1)
    spend.until = row.date
    spend.filter = VideoFilter(brand: "B", kolID: nil)
    spend.grouping = .brand
    #expect(row.spend == (try ledger.spendReport(spend).rows.first?.cost ?? 0))
  }
}
