import Foundation
import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

/// The first day of the random ledgers' data.
private let base: Int32 = 20_500

/// A random ledger of ten to twenty videos of four KOLs.
///
/// Natural days (some without plays but with GMV, some with refunds, some split over two
/// orders) and Dou+ days, each video starting on its own day; publish times from before the
/// video's first row to after the data, some unknown. About a third of the videos repeat the numbers of the one before (ties in every
/// ranking).
private func randomLedger(_ random: inout SplitMix64) throws -> Ledger {
  let ledger = try Ledger.inMemory()
  let videos = Int(random.int(10...20))
  var seed = random.next()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for video in 0..<videos {
      if !random.chance(35) { seed = random.next() }
      var random = SplitMix64(state: seed)
      var input = VideoInput(videoID: "v\(video)")
      input.kolID = random.chance(90) ? "k\(video % 4)" : nil
      if random.chance(85) {
        input.published = DateTime(
          day: Day(daysSinceEpoch: base + Int32(random.int(-5...45))),
          secondOfDay: Int32(random.int(0...86_399)))
      }
      input.adReview = random.chance(60) ? .passed : .pending
      try writer.upsert(input, at: .commandLine)
      let first = random.int(0...30)
      for offset in first..<40 where random.chance(70) {
        let day = Day(daysSinceEpoch: base + Int32(offset))
        let orders = random.chance(15) ? ["N1", "N2"] : [""]
        for order in orders {
          let gmv = random.int(0...300_000)
          var values: [MetricField: Int64] = [
            .impressions: random.chance(25) ? 0 : random.int(1...50_000), .gmv: gmv,
            .likes: random.int(0...900), .comments: random.int(0...90),
          ]
          if random.chance(10) { values[.refund] = random.int(0...gmv) }
          try writer.upsert(
            MetricInput(
              day: day, videoID: "v\(video)", source: .natural, placementID: order,
              values: values), at: .commandLine)
        }
        if random.chance(30) {
          try writer.upsert(
            MetricInput(
              day: day, videoID: "v\(video)", source: .douPlus, placementID: "P\(video)-\(offset)",
              values: [
                .impressions: random.int(0...20_000), .cost: random.int(10_000...90_000),
                .gmv: random.int(0...150_000),
              ]), at: .commandLine)
        }
      }
    }
  }
  return ledger
}

@Test func launchModelFromRunningSumsEqualsTheScanOnRandomLedgers() throws {
  var random = SplitMix64(state: 16)
  var compared = 0
  var withRows = 0
  for _ in 0..<5 {
    let ledger = try randomLedger(&random)
    var settings = try ledger.querySettings()
    try ledger.read { db in
      let directory = try VideoDirectory(db)
      // Before the data, inside launches, at the end and past it.
      for asOf in [base - 2, base + 4, base + 20, base + 39, base + 60] {
        for launchDays in [0, 1, 3, 7, 90] {
          settings.launchDays = launchDays
          let day = Day(daysSinceEpoch: asOf)
          let launch = LaunchSums(settings: settings, asOf: day)
          for video in directory.videos {
            let fromSums = try launch.model(db, video: video)
            let scanned = try AdviceReader.scannedLaunchModel(
              db, video: video, asOf: day, settings: settings)
            #expect(fromSums == scanned, "\(video.videoID) as of \(day), \(launchDays) days")
            compared += 1
            if let model = scanned, model.sums.rows > 0 { withRows += 1 }
          }
        }
      }
    }
  }
  #expect(compared > 1_000)
  #expect(withRows > 200)
}

/// A ledger of one video, "v", published on `published` at `second` of the day, with a natural
/// row of `impressions` and `gmv` on each day `offset` from it.
private func ledgerOfOneVideo(
  published: Day, at second: Int32 = 0, rows: [(offset: Int, impressions: Int64, gmv: Int64)]
) throws -> Ledger {
  let ledger = try Ledger.inMemory()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var video = VideoInput(videoID: "v")
    video.published = DateTime(day: published, secondOfDay: second)
    try writer.upsert(video, at: .commandLine)
    for row in rows {
      try writer.upsert(
        MetricInput(
          day: published.adding(days: row.offset), videoID: "v", source: .natural,
          values: [.impressions: row.impressions, .gmv: row.gmv]), at: .commandLine)
    }
  }
  return ledger
}

@Test func launchModelLeavesOutGMVOfDaysWithoutPlays() throws {
  let published = Day(daysSinceEpoch: base)
  // A day before publishing (left out), a played day, a day with GMV and no plays.
  let ledger = try ledgerOfOneVideo(
    published: published, at: 72_000,
    rows: [(-1, 9_000, 9_999), (0, 10_000, 8_000), (1, 0, 5_000)])
  let settings = try ledger.querySettings()
  let model = try ledger.read { db in
    let video = try #require(try VideoDirectory(db).videos.first)
    return try LaunchSums(settings: settings, asOf: published.adding(days: 5)).model(
      db, video: video)
  }
  let sums = try #require(model).sums
  #expect(sums.naturalImpressions == 10_000)
  #expect(sums.naturalGMV == 8_000)
  #expect(sums.unplayedGMV == 5_000)
  #expect(sums.rows == 2)
}

@Test func aDamagedRunningRowIsAnErrorForTheLaunchModel() throws {
  let published = Day(daysSinceEpoch: base)
  let ledger = try ledgerOfOneVideo(published: published, rows: [(0, 1, 0)])
  try ledger.write { db in try db.execute(sql: "UPDATE metric_running SET sums = x'02'") }
  let settings = try ledger.querySettings()
  try ledger.read { db in
    let video = try #require(try VideoDirectory(db).videos.first)
    #expect(throws: LedgerError.self) {
      try LaunchSums(settings: settings, asOf: published).model(db, video: video)
    }
  }
}

@Test(arguments: ["x''", "x'02'", "x'0200'"])
func anEmptyOrDamagedRunningRowIsAnErrorForEveryReportNeverNoRow(_ sums: String) throws {
  // An empty value comes back from SQLite as no pointer, as NULL does: the reports tell them
  // apart, so a damaged row is never read as a video without rows (zeros).
  let ledger = try ledgerOfOneVideo(
    published: Day(daysSinceEpoch: base), rows: (0..<3).map { ($0, 1_000, 500) })
  #expect(try ledger.advise(AdviseQuery()).count == 1)
  try ledger.write { db in try db.execute(sql: "UPDATE metric_running SET sums = \(sums)") }
  var roi = ROIQuery()
  roi.window = 2
  var series = ROIQuery()
  series.limit = 1
  let reads: [() throws -> Void] = [
    { _ = try ledger.advise(AdviseQuery()) },
    { _ = try ledger.roiReport(roi) },
    { try ledger.roiSeries(series, since: nil, until: nil)?.forEachRow { _ in } },
  ]
  for read in reads {
    #expect(throws: LedgerError.self) { try read() }
  }
}

@Test func theSplitReadsPartsFillEveryDirectorySlotOnce() throws {
  // The decision read's tables are filled by the parts, each its own slots: together they must
  // be every slot, each once, and each part's slots its own videos'.
  var random = SplitMix64(state: 11)
  let ledger = try fileLedger(try randomLedger(&random))
  try ledger.read { db in
    let directory = try VideoDirectory(db)
    let parts = try VideoParts(db, filter: VideoFilter())
    #expect(parts.count == (ProcessInfo.processInfo.activeProcessorCount > 1 ? 2 : 1))
    var next = 0
    for part in 0..<parts.count {
      let slots = parts.slots(of: part, in: directory)
      #expect(slots.lowerBound == next)
      next = slots.upperBound
      let bounds = parts.arguments(part)
      for slot in slots where bounds.count == 2 {
        #expect((bounds[0]...bounds[1]).contains(directory.videos[slot].ref))
      }
    }
    #expect(next == directory.videos.count)
    #expect(directory.videos.count >= 10)
  }
}

@Test func aTableFilledByPartsSaysWhetherEverySlotHoldsAValue() {
  let table = SlotTable<Int64>(unfilled: 10)
  #expect(!table.isFilled)
  table.fill(0..<4, with: 7)
  #expect(!table.isFilled)
  table.fill(4..<10, with: 0)
  #expect(table.isFilled)
  #expect(table.array == [7, 7, 7, 7, 0, 0, 0, 0, 0, 0])
}

@Test func aFilteredDirectoryHoldsTheSameFactsAsTheWholeOne() throws {
  var random = SplitMix64(state: 7)
  let ledger = try randomLedger(&random)
  try ledger.read { db in
    let all = try VideoDirectory(db)
    #expect(all.videos.count >= 10)
    for filter in [
      VideoFilter(kolID: "k1"), VideoFilter(videoID: "v3"), VideoFilter(brand: "none"),
      VideoFilter(kolID: "k2", videoID: "v2"), VideoFilter(kolID: "k2", videoID: "v3"),
    ] {
      let some = try VideoDirectory(db, filter: filter)
      #expect(some.videos == all.videos.filter(filter.matches), "\(filter)")
      for video in some.videos {
        #expect(some.slot(ofRef: video.ref).map { some.videos[$0] } == video)
      }
    }
  }
}

/// Every sort a report takes, each way.
private let allSorts = ROISortField.allCases.flatMap { field in
  [ROISort(field: field), ROISort(field: field, ascending: !ROISort(field: field).ascending)]
}

@Test func reportLimitKeepsTheFirstRowsOfTheFullSort() throws {
  var random = SplitMix64(state: 3)
  for _ in 0..<3 {
    let ledger = try randomLedger(&random)
    for grouping in ROIGrouping.allCases {
      for sort in allSorts {
        var query = ROIQuery()
        query.grouping = grouping
        query.window = Int(random.int(1...20))
        query.asOf = Day(daysSinceEpoch: base + Int32(random.int(10...45)))
        query.sort = sort
        query.tool = random.chance(30) ? .douPlus : nil
        let full = try ledger.roiReport(query).rows
        for limit in [0, 1, 2, 5, full.count - 1, full.count, full.count + 3] where limit >= 0 {
          query.limit = limit
          let cut = try ledger.roiReport(query).rows
          #expect(cut == Array(full.prefix(limit)), "\(grouping) \(sort) limit \(limit)")
        }
      }
    }
  }
}

@Test func seriesLimitKeepsTheFirstVideosOfTheFullSeries() throws {
  var random = SplitMix64(state: 5)
  var checked = 0
  for _ in 0..<3 {
    let ledger = try randomLedger(&random)
    for sort in allSorts {
      var query = ROIQuery()
      query.window = Int(random.int(1...10))
      query.sort = sort
      query.tool = random.chance(30) ? .douPlus : nil
      let since = Day(daysSinceEpoch: base + Int32(random.int(0...30)))
      let until = since.adding(days: Int(random.int(0...25)))
      var full: [ROIRow] = []
      let series = try #require(
        try ledger.roiSeries(query, since: since, until: until, memoryLimit: 1 << 30))
      try series.forEachRow { full.append($0) }
      for limit in [0, 1, 3, series.keys.count - 1, series.keys.count + 2] where limit >= 0 {
        query.limit = limit
        let cut = try #require(try ledger.roiSeries(query, since: since, until: until))
        let keys = Array(series.keys.prefix(limit))
        #expect(cut.keys == keys, "\(sort) limit \(limit)")
        var rows: [ROIRow] = []
        try cut.forEachRow { rows.append($0) }
        #expect(rows == full.filter { row in keys.contains(row.key) }, "\(sort) limit \(limit)")
        checked += rows.count
      }
    }
  }
  #expect(checked > 1_000)
}

@Test func bestOfEqualsSortingThenCutting() {
  var random = SplitMix64(state: 11)
  for _ in 0..<200 {
    let values = (0..<Int(random.int(0...60))).map { index in (random.int(0...9), index) }
    let limit = Int(random.int(0...70))
    var best = BestOf<(Int64, Int)>(limit: limit) { a, b in a.0 != b.0 ? a.0 > b.0 : a.1 < b.1 }
    for value in values { best.insert(value) }
    let sorted = values.sorted { a, b in a.0 != b.0 ? a.0 > b.0 : a.1 < b.1 }
    #expect(best.sorted().map(\.1) == sorted.prefix(limit).map(\.1))
  }
}

@Test func sortingMovingIndicesPermutesInPlace() {
  var random = SplitMix64(state: 12)
  for _ in 0..<100 {
    var values = (0..<Int(random.int(0...50))).map { _ in random.int(0...20) }
    let expected = values.sorted()
    values.sortMovingIndices(key: { $0 }, by: <)
    #expect(values == expected)
  }
}

@Test func permutingMovesEveryElementToItsPlaceOnce() {
  var random = SplitMix64(state: 13)
  for _ in 0..<200 {
    // Strings long enough to live on the heap: a move that lost or doubled one would show
    // as a wrong value or a crash.
    let values = (0..<Int(random.int(0...40))).map {
      "row \($0) " + String(repeating: "x", count: 20)
    }
    var order = Array(values.indices)
    for index in order.indices.reversed() where index > 0 {
      order.swapAt(index, Int(random.int(0...Int64(index))))
    }
    var permuted = values
    permuted.permute(to: order)
    #expect(permuted == order.map { values[$0] })
  }
}

@Test func adviceOnOneVideoOrKOLEqualsTheAdviceOnEveryVideo() throws {
  var random = SplitMix64(state: 21)
  var compared = 0
  for _ in 0..<3 {
    let ledger = try randomLedger(&random)
    // Followers for some KOLs, placements on some videos.
    try ledger.write(options: WriteOptions(createMissing: true)) { writer in
      for kol in 0..<3 {
        var input = KOLInput(kolID: "k\(kol)")
        input.followers = random.int(1_000...8_000_000)
        input.asOf = Day(daysSinceEpoch: base + Int32(random.int(0...30)))
        try writer.upsert(input, at: .commandLine)
      }
      for video in 0..<4 {
        var placement = PlacementInput(placementID: "D\(video)")
        placement.videoID = "v\(video)"
        placement.tool = .douPlus
        placement.budget = 50_000
        placement.start = DateTime(day: Day(daysSinceEpoch: base + 30), secondOfDay: 0)
        placement.end = DateTime(day: Day(daysSinceEpoch: base + 36), secondOfDay: 0)
        try writer.upsert(placement, at: .commandLine)
      }
    }
    for asOf in [base + 5, base + 33, base + 39] {
      var query = AdviseQuery()
      query.asOf = Day(daysSinceEpoch: asOf)
      let all = try ledger.advise(query)
      #expect(!all.isEmpty)
      for item in all {
        var one = query
        one.videoID = item.video.videoID
        #expect(try ledger.advise(one) == [item], "\(item.video.videoID) as of \(asOf)")
        compared += 1
      }
      for kol in ["k0", "k3"] {
        var byKOL = query
        byKOL.filter = VideoFilter(kolID: kol)
        #expect(try ledger.advise(byKOL) == all.filter { $0.video.kolID == kol }, "\(kol)")
      }
    }
  }
  #expect(compared > 30)
}

@Test func aShortlistWithoutItsExcludedVideosRanksTheSame() throws {
  var random = SplitMix64(state: 31)
  let ledger = try randomLedger(&random)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for kol in 0..<4 {
      var input = KOLInput(kolID: "k\(kol)")
      input.followers = 2_000_000
      input.asOf = Day(daysSinceEpoch: base)
      try writer.upsert(input, at: .commandLine)
    }
  }
  var query = ShortlistQuery()
  query.saleStart = Day(daysSinceEpoch: base + 60)
  query.lead = 20
  query.lookback = 30
  query.floor = Fraction(0)
  query.minImpressions = 0
  query.minEngagement = Fraction(0)
  let full = try ledger.shortlist(query)
  query.keepExcluded = false
  let lean = try ledger.shortlist(query)
  #expect(!full.entries.isEmpty && !full.excluded.isEmpty)
  // The lean list keeps its reasons' rules, not their text (none is printed).
  #expect(lean.entries.count == full.entries.count)
  for (a, b) in zip(lean.entries, full.entries) {
    var explained = a
    explained.decision.reasons = b.decision.reasons
    explained.decision.serviceBlock = b.decision.serviceBlock
    explained.decision.quiet = false
    #expect(explained == b, "\(b.video.videoID)")
    #expect(a.decision.reasons.map(\.rule) == b.decision.reasons.map(\.rule))
    #expect(a.decision.reasons.allSatisfy { $0.text.isEmpty })
  }
  #expect(lean.excluded.isEmpty)
}

@Test func boundariesInOneChunkShareAColumnAndDaysBeforeTheLedgerHaveNone() throws {
  var random = SplitMix64(state: 5)
  let ledger = try randomLedger(&random)
  try ledger.read { db in
    let first = try #require(try MetricScan.earliestDay(db))
    // No video has a running row at or before a day before the first: no column, no seek.
    let before = try Int.fetchOne(
      db, sql: "SELECT count(*) FROM metric_running WHERE chunk < ?",
      arguments: [first.daysSinceEpoch >> 4])
    #expect(before == 0)
    // Two days before the first, the first, the last of its chunk (maybe the same day), and
    // two days of the chunk three after.
    let chunkStart = Day(daysSinceEpoch: (first.daysSinceEpoch >> 4) << 4)
    let later = [chunkStart.adding(days: 50), chunkStart.adding(days: 57)]
    let ends = Set(
      [first.adding(days: -90), first.adding(days: -1), first, chunkStart.adding(days: 15)]
        + later
    ).sorted()
    let columns = BoundaryColumns(ends: ends, earliest: first)
    #expect(columns.count == 2)
    #expect(columns.bound == [Int64(first.daysSinceEpoch), Int64(later[0].daysSinceEpoch)])
    for day in [first, chunkStart.adding(days: 15)] {
      #expect(columns.column(ofChunkOf: day.daysSinceEpoch) == 0)
    }
    for day in later { #expect(columns.column(ofChunkOf: day.daysSinceEpoch) == 1) }
    #expect(columns.column(ofChunkOf: later[0].daysSinceEpoch + 16) == nil)
    #expect(columns.column(ofChunkOf: first.daysSinceEpoch - 16) == nil)
  }
  // Without metric rows no day has a column.
  let none = BoundaryColumns(ends: [Day(daysSinceEpoch: base)], earliest: nil)
  #expect(none.count == 0)
}

@Test func windowsReadFromTheRunningSumsEqualAScanOfTheirDays() throws {
  var random = SplitMix64(state: 17)
  var compared = 0
  var shared = 0
  for _ in 0..<4 {
    let ledger = try randomLedger(&random)
    try ledger.read { db in
      let directory = try VideoDirectory(db)
      for _ in 0..<12 {
        // Two to six ends a day to three weeks apart, from before the data to past it: some
        // in one chunk, some not.
        var day = base - 20 + Int32(random.int(0...30))
        var ends: [Day] = []
        for _ in 0..<random.int(2...6) {
          ends.append(Day(daysSinceEpoch: day))
          day += Int32(random.int(1...21))
        }
        if Set(ends.map { $0.daysSinceEpoch >> 4 }).count < ends.count { shared += 1 }
        var read: [Int64: [TrafficSums]] = [:]
        try RunningWindows.read(db, ends: ends, filter: VideoFilter()) { ref, windows in
          read[ref] = (0..<(ends.count - 1)).map { window in
            var sums = TrafficSums()
            for source in 0..<RunningTotals.sources {
              if let stream = windows.stream(window, source: source) {
                sums.add(stream, source: source)
              }
            }
            return sums
          }
        }
        for video in directory.videos {
          let scanned = try (0..<(ends.count - 1)).map { window in
            var sums = TrafficSums()
            try MetricScan.scan(
              db, videoRef: video.ref, from: ends[window].adding(days: 1),
              through: ends[window + 1]
            ) { sums.add($0) }
            return sums
          }
          // A video with no row in any window is not read.
          let expected = scanned.allSatisfy { $0 == TrafficSums() } ? nil : scanned
          #expect(read[video.ref] == expected, "\(video.videoID) \(ends)")
          compared += 1
        }
      }
    }
  }
  #expect(compared > 500)
  #expect(shared > 20)
}

@Test func oneReadOfTheDecisionSumsEqualsTheSeparateReads() throws {
  var random = SplitMix64(state: 41)
  var compared = 0
  var launches = 0
  for _ in 0..<4 {
    let ledger = try randomLedger(&random)
    var settings = try ledger.querySettings()
    try ledger.read { db in
      for launchDays in [0, 1, 3, 7, 90] {
        settings.launchDays = launchDays
        for filter in [VideoFilter(), VideoFilter(kolID: "k1")] {
          let context = try DecisionContext(db, settings: settings, filter: filter)
          // Windows shorter and longer than the weight's 90 days; days before, inside and
          // past the data.
          for (asOf, window) in [
            (base - 2, 7), (base + 4, 3), (base + 20, 7), (base + 39, 1),
            (base + 39, 60), (base + 45, 100),
          ] {
            let day = Day(daysSinceEpoch: asOf)
            let sums = try DecisionSums(
              db, context: context, asOf: day, window: window, filter: filter)
            let (current, previous) = try WindowSums.compute(
              db, groups: Grouper(.video, context.directory), asOf: day, window: window,
              filter: filter, tool: nil)
            #expect(sums.current.array == current)
            #expect(sums.previous.array == previous)
            #expect(
              try sums.weights
                == AccountWeight.compute(db, context: context, asOf: day, of: filter))
            let lean = try DecisionSums(
              db, context: context, asOf: day, window: window, filter: filter, launches: false)
            #expect(lean.current.array == current)
            #expect(lean.previous.array == previous)
            let launch = LaunchSums(settings: settings, asOf: day)
            for (slot, video) in context.directory.videos.enumerated() {
              let read = try launch.model(db, video: video, natural: sums.launch(ofSlot: slot))
              #expect(read == (try launch.model(db, video: video)), "\(video.videoID) \(day)")
              #expect(lean.launch(ofSlot: slot) == nil)
              if sums.launch(ofSlot: slot) != nil { launches += 1 }
              compared += 1
            }
          }
        }
      }
    }
  }
  #expect(compared > 1_500)
  #expect(launches > 500)
}

@Test(arguments: [2, 25, 39, 60])
func aDamagedRunningRowIsAnErrorForTheDecisionSums(damagedOffset: Int) throws {
  // Day 2 is the launch's last day, between two boundaries (a seek of its own), in the chunk
  // of days -4…11; day 25 is the first boundary, in that of days 12…27; day 39 the last
  // boundary, in that of 28…43; day 60's chunk (60…75), after the last boundary, is read by
  // nothing.
  let ledger = try Ledger.inMemory()
  let published = Day(daysSinceEpoch: base)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var video = VideoInput(videoID: "v")
    video.kolID = "k"
    video.published = DateTime(day: published, secondOfDay: 0)
    try writer.upsert(video, at: .commandLine)
    for offset in Array(0..<40) + [60] {
      try writer.upsert(
        MetricInput(
          day: published.adding(days: offset), videoID: "v", source: .natural,
          values: [.impressions: 1]), at: .commandLine)
    }
  }
  try ledger.write { db in
    try db.execute(
      sql: "UPDATE metric_running SET sums = x'02' WHERE chunk = ?",
      arguments: [(Int(base) + damagedOffset) >> 4])
  }
  var settings = try ledger.querySettings()
  settings.launchDays = 3
  try ledger.read { db in
    let context = try DecisionContext(db, settings: settings)
    let asOf = published.adding(days: 39)
    if damagedOffset == 60 {
      let sums = try DecisionSums(
        db, context: context, asOf: asOf, window: 7, filter: VideoFilter())
      #expect(sums.current[0].rows == 7)
    } else {
      #expect(throws: LedgerError.self) {
        try DecisionSums(db, context: context, asOf: asOf, window: 7, filter: VideoFilter())
      }
    }
  }
}

@Test func theSecondHalfsKOLsKeepTheFirstHalfsNumbersAndNewOnesTakeTheNext() {
  var first = KOLNumbers()
  for kol in ["a", nil, "b", "a"] { first.append(kol) }
  var second = KOLNumbers()
  for kol in ["c", "b", nil, "c", "a"] { second.append(kol) }
  first.append(contentsOf: second)
  #expect(first.ids == ["a", "b", "c"])
  #expect(first.slots == 9)
  #expect((0..<9).map(first.number(ofSlot:)) == [0, nil, 1, 0, 2, 1, nil, 2, 0])
}

@Test func eachKOLsWeightIsTheMedianOfItsVideosWithPlaysWhereverTheyLie() {
  var random = SplitMix64(state: 7)
  for _ in 0..<50 {
    let names = (0..<Int(random.int(1...6))).map { "k\($0)" }
    var kols = KOLNumbers()
    var kolOfSlot: [String?] = []
    var plays: [Int64?] = []
    for _ in 0..<Int(random.int(0...40)) {
      let kol = random.chance(15) ? nil : random.pick(names)
      kols.append(kol)
      kolOfSlot.append(kol)
      plays.append(random.chance(25) ? nil : random.int(0...1_000))
    }
    // The reference: each KOL's plays gathered by its id.
    var byID: [String: [Int64]] = [:]
    for (slot, kol) in kolOfSlot.enumerated() {
      if let kol, let value = plays[slot] { byID[kol, default: []].append(value) }
    }
    let weights = AccountWeight.medians(of: kols) { plays[$0] }
    #expect(weights.count == kols.ids.count)
    for (number, id) in kols.ids.enumerated() {
      #expect(weights[number] == byID[id].map(AccountWeight.median), "\(id)")
    }
  }
}

@Test func aDirectoryReadInTwoHalvesNumbersEveryVideosKOL() throws {
  var random = SplitMix64(state: 43)
  for _ in 0..<3 {
    let split = try fileLedger(try randomLedger(&random))
    for ledger in [split, try fileLedger(split, parallel: false)] {
      try ledger.read { db in
        let directory = try VideoDirectory(db, numberingKOLs: true)
        #expect(directory.kols.slots == directory.videos.count)
        #expect(Set(directory.kols.ids).count == directory.kols.ids.count)
        for (slot, video) in directory.videos.enumerated() {
          #expect(directory.kols.number(ofSlot: slot).map { directory.kols.ids[$0] } == video.kolID)
        }
        #expect(try VideoDirectory(db).kols.slots == 0)
      }
    }
  }
}

@Test func aDirectoryTellsAnEmptyTextFromNone() throws {
  let ledger = try ledgerOfOneVideo(published: Day(daysSinceEpoch: base), rows: [])
  try ledger.write { db in
    try db.execute(sql: "UPDATE video SET title = '', chain = NULL, brand = NULL")
  }
  let video = try #require(try ledger.read { db in try VideoDirectory(db).videos.first })
  #expect(video.videoID == "v")
  #expect(video.title == "")
  #expect(video.chain == nil && video.brand == nil && video.kolID == nil)
  #expect(video.published?.day == Day(daysSinceEpoch: base))
}
