import Foundation
import GRDB
import LedgerQuery
import LedgerStore
import Testing

// The reports read in two halves on two connections (docs/internals.md, "Two cores, one
// snapshot") say exactly what they say read on one connection.

/// Every answer the split reads give, as text: `report roi` by every grouping, its series cut by
/// a limit, `advise`, the shortlist of the dataset's promotion and the review tables.
private func answers(_ ledger: Ledger) throws -> [String] {
  var texts: [String] = []
  for grouping in ROIGrouping.allCases {
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 30
    texts.append("\(try ledger.roiReport(query).rows)")
  }
  var series = ROIQuery()
  series.limit = 5
  if let rows = try ledger.roiSeries(series, since: nil, until: nil) {
    var printed: [ROIRow] = []
    try rows.forEachRow { printed.append($0) }
    texts.append("\(rows.keys) \(printed)")
  }
  texts.append("\(try ledger.advise(AdviseQuery()))")
  var shortlist = ShortlistQuery()
  shortlist.promotion = Fixture.data.promotion.name
  let list = try ledger.shortlist(shortlist)
  texts.append("\(list.entries) \(list.excluded)")
  return texts
}

@Test func reportsReadInTwoHalvesSayWhatTheySayReadInOne() throws {
  let split = try Fixture.ledger()
  let whole = try fileLedger(split, parallel: false)
  let cores = ProcessInfo.processInfo.activeProcessorCount
  #expect(try split.read { db in ParallelRead.parts(db) } == (cores > 1 ? 2 : 1))
  #expect(try whole.read { db in ParallelRead.parts(db) } == 1)
  let splitAnswers = try answers(split)
  #expect(splitAnswers == (try answers(whole)))
  #expect(splitAnswers.allSatisfy { $0.count > 100 })
}

/// A copy of the fixture whose videos' row ids were set by hand (as `sqlite3` could): `id`
/// gives each old id its new one, in the same order.
private func renumbered(_ id: (Int64) -> Int64) throws -> Ledger {
  let ledger = try fileLedger(try Fixture.ledger())
  try ledger.write { db in
    try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
    func move(_ from: Int64, to: Int64) throws {
      for (table, column) in [
        ("video", "id"), ("metric", "video_ref"), ("metric_running", "video_ref"),
        ("placement", "video_ref"), ("material", "video_ref"),
      ] {
        try db.execute(
          sql: "UPDATE \(table) SET \(column) = ? WHERE \(column) = ?", arguments: [to, from])
      }
    }
    // Through ids far below any new one, so that no two videos meet.
    let ids = try Int64.fetchAll(db, sql: "SELECT id FROM video")
    for old in ids { try move(old, to: -(1 << 61) - old) }
    for old in ids { try move(-(1 << 61) - old, to: id(old)) }
  }
  return ledger
}

@Test func videoRowIdsSetByHandFarApartOrBelowZeroChangeNoAnswer() throws {
  // The answers name each video's row id (`ref`): equal apart from it.
  let withoutRefs = { (texts: [String]) in
    texts.map { $0.replacing(/ref: -?\d+/, with: "ref") }
  }
  let fixture = try Fixture.ledger()
  let expected = withoutRefs(try answers(fixture))
  let findings = withoutRefs(try fixture.check(deep: true).map { "\($0)" })
  let last = try fixture.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM video") }
  let count = try #require(last)
  let maps: [(Int64) -> Int64] = [
    // Below zero, zero and above: a table by id left the first ones out.
    { $0 - count / 2 },
    // Far apart: a table by id up to the largest would take terabytes.
    { $0 < count / 2 ? $0 : $0 + (1 << 50) },
    // The last one at the largest id SQLite holds: a table's size would overflow.
    { $0 == count ? .max : $0 },
  ]
  for id in maps {
    let ledger = try renumbered(id)
    #expect(withoutRefs(try answers(ledger)) == expected)
    #expect(withoutRefs(try ledger.check(deep: true).map { "\($0)" }) == findings)
  }
}

@Test func adviceMadeOnTwoThreadsInSmallChunksIsWhatOneThreadMakes() throws {
  let ledger = try Fixture.ledger()
  var query = AdviseQuery()
  query.window = 14
  let one = try ledger.advise(query, plan: ChunkPlan(threads: 1))
  #expect(one.count > 20)
  for plan in [ChunkPlan(threads: 2, chunk: 1, ahead: 1), ChunkPlan(threads: 2, chunk: 7)] {
    #expect(try ledger.advise(query, plan: plan) == one)
  }
  // A brand's videos: the windows are read apart and each launch per video, which only this
  // thread may read; the advice is the same.
  var byBrand = query
  byBrand.filter.brand = brandNames[0]
  let brand = try ledger.advise(byBrand, plan: ChunkPlan(threads: 1))
  #expect(brand.count > 5)
  #expect(try ledger.advise(byBrand, plan: ChunkPlan(threads: 2, chunk: 1)) == brand)
  // Videos with launches, which a brand's advice reads on this thread.
  let launched = try launchedLedger()
  byBrand.filter.brand = "A"
  let withLaunches = try launched.advise(byBrand, plan: ChunkPlan(threads: 1))
  #expect(withLaunches.count == 10 && withLaunches.allSatisfy { $0.launchModel != nil })
  for plan in [ChunkPlan(threads: 2, chunk: 1, ahead: 1), ChunkPlan(threads: 2, chunk: 3)] {
    #expect(try launched.advise(byBrand, plan: plan) == withLaunches)
  }
}

/// Twenty videos of two brands, each published on one of the twenty days of its natural rows:
/// every video has a launch model, which a brand filter reads per video.
private func launchedLedger() throws -> Ledger {
  let ledger = try Ledger.inMemory()
  let first = Day(daysSinceEpoch: 20_500)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for video in 0..<20 {
      var input = VideoInput(videoID: "v\(video)")
      input.brand = video % 2 == 0 ? "A" : "B"
      input.published = DateTime(day: first.adding(days: video), secondOfDay: 3_600)
      try writer.upsert(input, at: .commandLine)
      for offset in video..<20 {
        try writer.upsert(
          MetricInput(
            day: first.adding(days: offset), videoID: "v\(video)", source: .natural,
            values: [.impressions: Int64(1_000 * (video + offset)), .gmv: Int64(7_000 * offset)]),
          at: .commandLine)
      }
    }
  }
  return ledger
}

@Test func adviceTurnedIntoTextWhereItIsMadeComesInOrderWithItsPosition() throws {
  // The CLI's path: each advice becomes its line on whichever thread made it, and the lines
  // reach the body in the order of the advice, each with its position (json needs it).
  var query = AdviseQuery()
  query.window = 14
  var byBrand = query
  byBrand.filter.brand = "A"
  // The brand's launches are read per video, on this thread only: its advice is made here.
  for (ledger, query) in [(try Fixture.ledger(), query), (try launchedLedger(), byBrand)] {
    let advice = try ledger.advise(query, plan: ChunkPlan(threads: 1))
    #expect(advice.count > 5)
    let expected = advice.enumerated().map { "\($0) \($1.video.videoID) \($1.action)" }
    for plan in [
      ChunkPlan(threads: 1), ChunkPlan(threads: 2, chunk: 1, ahead: 1),
      ChunkPlan(threads: 2, chunk: 7),
    ] {
      var lines: [String] = []
      var runs = 0
      let text = { (advice: Advice, index: Int, text: inout [UInt8]) in
        text += Array("\(index) \(advice.video.videoID) \(advice.action)\n".utf8)
      }
      try ledger.forEachAdvice(query, plan: plan, text: text) { bytes, rows in
        let run = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(run.count == rows && rows > 0)
        lines += run
        runs += 1
      }
      #expect(lines == expected, "\(plan)")
      // A chunk's lines pass as one run, but for a video advised on this thread, which is a
      // run of its own: every one of the brand's (each has a launch, read per video).
      let chunks = (advice.count + plan.chunk - 1) / plan.chunk
      #expect(query.filter.brand == nil ? runs == chunks : runs == advice.count, "\(plan)")
    }
  }
}

@Test func roiRowsMadeInTwoHalvesAreTheRowsOneThreadMakes() throws {
  let ledger = try Fixture.ledger()
  for grouping in ROIGrouping.allCases {
    for tool: Source? in [nil, .douPlus] {
      for sort in [ROISort.byModel, ROISort(field: .key), ROISort(field: .paidCost)] {
        var query = ROIQuery()
        (query.grouping, query.tool, query.sort, query.window) = (grouping, tool, sort, 30)
        let one = try ledger.roiReport(query, splittingFrom: .max).rows
        if grouping == .video && tool == nil { #expect(one.count > 20) }
        #expect(try ledger.roiReport(query, splittingFrom: 1).rows == one, "\(grouping) \(sort)")
      }
    }
  }
}

@Test func twoHalvesRunEachHalfOnceTheSecondOnAnotherThread() {
  for count in [0, 1, 2, 7, 10_000] {
    let halves = TwoHalves.ranges(count: count, threads: 2, least: 1)
    #expect(halves.count == 2 && halves[0].lowerBound == 0 && halves[1].upperBound == count)
    #expect(halves[0].upperBound == halves[1].lowerBound)
    let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
    seen.initialize(repeating: 0)
    defer { seen.deallocate() }
    let threads = UnsafeMutableBufferPointer<ObjectIdentifier?>.allocate(capacity: 2)
    threads.initialize(repeating: nil)
    defer { threads.deallocate() }
    TwoHalves.run(halves) { half in
      threads[half] = ObjectIdentifier(Thread.current)
      for index in halves[half] { seen[index] += 1 }
    }
    // The second half runs, on a thread of its own, unless it is empty.
    #expect(threads[0] == ObjectIdentifier(Thread.current))
    if halves[1].isEmpty {
      #expect(threads[1] == nil)
    } else {
      #expect(threads[1] != nil && threads[1] != threads[0])
    }
    #expect((0..<count).allSatisfy { seen[$0] == 1 }, "count \(count)")
  }
  // One thread, or fewer indices than the least: one half holds them all.
  #expect(TwoHalves.ranges(count: 10_000, threads: 1)[1].isEmpty)
  #expect(TwoHalves.ranges(count: 100, threads: 2, least: 101)[1].isEmpty)
}
