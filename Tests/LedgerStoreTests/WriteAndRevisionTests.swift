import GRDB
import Testing

@testable import LedgerStore

private typealias B = LedgerBuilder

private func seedMetric(values: [MetricField: Int64]) -> MetricInput {
  MetricInput(day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: values)
}

@Test func workedExampleIsStoredInExactFen() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.beginBatch(BatchInfo(command: "log", kind: "metrics"))
    try writer.upsert(
      seedMetric(values: [.impressions: 250_000, .gmv: 2_000_000]), at: .commandLine)
  }
  let row = try ledger.read { db in
    try Row.fetchOne(db, sql: "SELECT * FROM daily_metrics")
  }
  #expect(row?["date"] == "2026-05-01")
  #expect(row?["impressions"] == 250_000)
  #expect(row?["gmv_fen"] == 2_000_000)
  #expect(row?["source"] == "natural")
}

@Test func identicalRewriteChangesNothingAndAddsNoRevision() throws {
  let ledger = try B.ledgerWithVideo()
  let metric = seedMetric(values: [.impressions: 250_000, .gmv: 2_000_000])
  let first = try ledger.write { writer in try writer.upsert(metric, at: .commandLine) }
  let second = try ledger.write { writer in try writer.upsert(metric, at: .commandLine) }
  #expect(first[.metrics].inserted == 1)
  #expect(second[.metrics].unchanged == 1)
  #expect(try ledger.history(videoID: "v1").isEmpty)
}

@Test func changedValueUpdatesTheRowAndKeepsTheOldValueAsARevision() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      seedMetric(values: [.impressions: 250_000, .gmv: 2_000_000]), at: .commandLine)
  }
  let summary = try ledger.write { writer in
    try writer.beginBatch(BatchInfo(command: "log", kind: "metrics"))
    try writer.upsert(seedMetric(values: [.gmv: 2_100_000]), at: .commandLine)
  }
  #expect(summary[.metrics].updated == 1)
  let history = try ledger.history(videoID: "v1")
  #expect(history.count == 1)
  #expect(history.first?.field == "gmv")
  #expect(history.first?.old == .integer(2_000_000))
  #expect(history.first?.new == .integer(2_100_000))
  #expect(history.first?.command == "log")
  #expect(history.first?.date == "2026-05-01")
}

@Test func partialWriteKeepsTheColumnsItDoesNotCarry() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      MetricInput(
        day: B.day("2026-05-01"), videoID: "v1", source: .douPlus,
        values: [.impressions: 10_000, .cost: 50_000]), at: .commandLine)
  }
  try ledger.write { writer in
    try writer.upsert(
      MetricInput(
        day: B.day("2026-05-01"), videoID: "v1", source: .douPlus, values: [.gmv: 61_000]),
      at: .commandLine)
  }
  let row = try ledger.read { db in try Row.fetchOne(db, sql: "SELECT * FROM metric") }
  #expect(row?["cost"] == 50_000)
  #expect(row?["impressions"] == 10_000)
  #expect(row?["gmv"] == 61_000)
}

@Test func rewriteStoresEveryChangedColumnAndKeepsEachOldValue() throws {
  let ledger = try B.ledgerWithVideo()
  func metric(_ base: Int64) -> MetricInput {
    var values: [MetricField: Int64] = [:]
    for field in MetricField.allCases { values[field] = base + Int64(field.index) }
    return MetricInput(day: B.day("2026-05-01"), videoID: "v1", source: .douPlus, values: values)
  }
  try ledger.write { writer in try writer.upsert(metric(100), at: .commandLine) }
  let summary = try ledger.write { writer in try writer.upsert(metric(200), at: .commandLine) }
  #expect(summary[.metrics].updated == 1)
  let row = try ledger.read { db in try Row.fetchOne(db, sql: "SELECT * FROM metric") }
  for field in MetricField.allCases {
    let stored: Int64? = row?[field.rawValue]
    #expect(stored == 200 + Int64(field.index), "\(field)")
  }
  let history = try ledger.history(videoID: "v1")
  #expect(Set(history.map(\.field)) == Set(MetricField.allCases.map(\.rawValue)))
}

@Test func fillingAColumnLeftOutIsNoRevisionButChangingOneGivenBeforeIs() throws {
  let ledger = try B.ledgerWithVideo()
  func write(_ values: [MetricField: Int64]) throws {
    try ledger.write { writer in
      try writer.upsert(
        MetricInput(day: B.day("2026-05-01"), videoID: "v1", source: .douPlus, values: values),
        at: .commandLine)
    }
  }
  try write([.impressions: 1_000])
  try write([.gmv: 5_000])  // fills a column the first write left out
  #expect(try ledger.history(videoID: "v1").isEmpty)
  try write([.impressions: 1_001])  // changes a number given before the fill
  let history = try ledger.history(videoID: "v1")
  #expect(history.map(\.field) == ["impressions"])
  #expect(history.first?.old == .integer(1_000))
  #expect(history.first?.new == .integer(1_001))
}

@Test func identicalKOLVideoAndPlacementRewritesAreUnchangedAndAddNoRevision() throws {
  let ledger = try B.ledgerWithVideo()
  let placement = B.placement(
    "P1", tool: .douPlus, budget: 50_000, start: "2026-05-01 10:00", end: nil)
  try ledger.write { writer in try writer.upsert(placement, at: .commandLine) }
  let again = try ledger.write { writer in
    var kol = KOLInput(kolID: "dy1")
    kol.followers = 600_000
    kol.asOf = Day(year: 2026, month: 4, day: 1)
    try writer.upsert(kol, at: .commandLine)
    var video = VideoInput(videoID: "v1")
    video.kolID = "dy1"
    video.brand = "B"
    try writer.upsert(video, at: .commandLine)
    try writer.upsert(placement, at: .commandLine)
  }
  for kind: WrittenKind in [.kols, .followers, .videos, .placements] {
    #expect(again[kind].unchanged == 1, "\(kind)")
    #expect(again[kind].updated == 0 && again[kind].inserted == 0, "\(kind)")
  }
  #expect(try ledger.history(videoID: "v1").isEmpty)
}

@Test func problemsPastTheLimitAreCountedNotKept() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      for row in 0..<250 {
        try writer.upsert(
          B.placement("P\(row)", tool: .douPlus, budget: 1, start: "2026-05-01", end: nil),
          at: SourceLocation(file: "orders.csv", line: row + 2))
      }
    }
  }
  // The first 200 as found, then one line for the other 50.
  #expect(problems.count == 201)
  #expect(problems.dropLast().allSatisfy { $0.column == "budget" })
  #expect(problems.dropFirst(199).first?.description.hasPrefix("orders.csv:201: budget: ") == true)
  #expect(problems.last?.description.contains("50 more problems not shown") == true)
}

@Test func ordersOfOneDayKeepOneRowEach() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    for order in ["O1", "O2"] {
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-01"), videoID: "v1", source: .douPlus, placementID: order,
          values: [.cost: 10_000]), at: .commandLine)
    }
  }
  let rows = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric") }
  #expect(rows == 2)
}

@Test func videoFieldChangesAreRevisionsToo() throws {
  let ledger = try B.ledgerWithVideo()
  var review = VideoInput(videoID: "v1")
  review.adReview = .passed
  try ledger.write { writer in try writer.upsert(review, at: .commandLine) }
  let history = try ledger.history(videoID: "v1")
  #expect(history.map(\.field) == ["ad_review"])
  #expect(history.first?.old == .text("pending"))
  #expect(try ledger.video("v1").adReview == "passed")
}

@Test func followerCountsAreKeptPerDay() throws {
  let ledger = try B.ledgerWithVideo()
  var later = KOLInput(kolID: "dy1")
  later.followers = 700_000
  later.asOf = B.day("2026-05-01")
  try ledger.write { writer in try writer.upsert(later, at: .commandLine) }
  #expect(try ledger.followerHistory(kolID: "dy1").map(\.followers) == [600_000, 700_000])
  #expect(try ledger.kol("dy1").followers == 700_000)
}

@Test func brandIsCreatedWithItsFirstVideo() throws {
  let ledger = try B.ledgerWithVideo()
  let brands = try ledger.read { db in try String.fetchAll(db, sql: "SELECT name FROM brand") }
  #expect(brands == ["B"])
}

@Test func dryRunCountsButWritesNothing() throws {
  let ledger = try B.ledgerWithVideo()
  let summary = try ledger.write(options: WriteOptions(dryRun: true)) { writer in
    try writer.upsert(seedMetric(values: [.impressions: 1]), at: .commandLine)
  }
  #expect(summary[.metrics].inserted == 1)
  let rows = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric") }
  #expect(rows == 0)
}

@Test func batchRecordsItsCounts() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "m.csv"))
    try writer.upsert(seedMetric(values: [.impressions: 1]), at: .commandLine)
  }
  let row = try ledger.read { db in
    try Row.fetchOne(db, sql: "SELECT * FROM import_batch WHERE file = 'm.csv'")
  }
  #expect(row?["inserted"] == 1)
  #expect(row?["kind"] == "metrics")
}
