import GRDB
import Testing

@testable import LedgerStore

// An import of metrics leaves the schema's CHECKs out of its statements and the metric writer
// holds every row to the ledger's limits itself (docs/internals.md, "Limits checked once").

private typealias B = LedgerBuilder

private func loadingMetrics() -> WriteOptions {
  var options = WriteOptions()
  options.loadsMetrics = true
  return options
}

private func checksIgnored(_ db: Database) throws -> Int {
  try Int.fetchOne(db, sql: "PRAGMA ignore_check_constraints") ?? -1
}

/// Writes one natural row of video v1 straight to the metric writer, past every check made
/// before it, through its block of rows or (`oneByOne`) its single-row upsert, the way of
/// `--sum-duplicates` and of rows with an order id; the error it throws, nil if none.
private func writeStraight(
  _ ledger: Ledger, _ values: MetricValues, source: Source = .natural, oneByOne: Bool = false
) -> LedgerError? {
  do {
    try ledger.write(options: loadingMetrics()) { writer in
      #expect(try checksIgnored(writer.db) == 1)
      try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "a.csv"))
      let ref = try #require(
        try Int64.fetchOne(writer.db, sql: "SELECT id FROM video WHERE video_id = 'v1'"))
      var counts = WriteCounts()
      let upserter = try writer.metricUpserter(values.present, counts: &counts)
      let day = B.day("2026-05-01").daysSinceEpoch
      let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
      if oneByOne {
        _ = try upserter.upsert(
          videoRef: ref, day: day, source: source, placementID: none, values: values, batch: 1)
      } else {
        try upserter.write(
          videoRef: ref, day: day, source: source, placementID: none, values: values, batch: 1,
          counts: &counts)
      }
      try upserter.flush(&counts)
    }
    return nil
  } catch {
    return error
  }
}

@Test func theMetricWriterRefusesARowBeyondTheLimitsThatTheSchemasChecksNoLongerStop() throws {
  var tooMany = MetricValues()
  tooMany.set(.impressions, LedgerRules.maxCount + 1)
  var negative = MetricValues()
  negative.set(.gmv, -1)
  var paidNatural = MetricValues()
  paidNatural.set(.cost, 100)
  for values in [tooMany, negative, paidNatural] {
    for oneByOne in [false, true] {
      let ledger = try B.ledgerWithVideo()
      let error = writeStraight(ledger, values, oneByOne: oneByOne)
      guard case .invalidData(let problems) = error else {
        Issue.record("expected the row refused, got \(String(describing: error))")
        continue
      }
      #expect(problems.count == 1)
      #expect(problems.first?.message.contains("2026-05-01") == true)
      let stored = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric")
      }
      #expect(stored == 0)
    }
  }
  // At the limits, the row goes in.
  var most = MetricValues()
  most.set(.impressions, LedgerRules.maxCount)
  most.set(.gmv, LedgerRules.maxMoney)
  let ledger = try B.ledgerWithVideo()
  #expect(writeStraight(ledger, most) == nil)
  let stored = try ledger.read { db in
    try Int64.fetchOne(db, sql: "SELECT impressions FROM metric")
  }
  #expect(stored == LedgerRules.maxCount)
}

@Test func theSchemasChecksAreBackForTheWritesAfterAnImportOfMetricsKeptOrRefused() throws {
  let ledger = try B.ledgerWithVideo()
  var good = MetricValues()
  good.set(.impressions, 10)
  var bad = MetricValues()
  bad.set(.impressions, -5)
  // One import refused, one kept; after each, a write that is not an import of metrics has
  // the CHECKs again: a row stored with SQL past the writer's rules is refused by SQLite.
  for values in [bad, good] {
    _ = writeStraight(ledger, values)
    #expect(throws: (any Error).self) {
      try ledger.write { writer in
        #expect(try checksIgnored(writer.db) == 0)
        try writer.db.execute(
          sql: """
            INSERT INTO metric (video_ref, day, source, impressions, batch_id)
            SELECT id, 20000, 1, -1, 1 FROM video WHERE video_id = 'v1'
            """)
      }
    }
  }
  // The same statement with a number within the limits goes in: the refusals were the CHECK's.
  try ledger.write { writer in
    try writer.db.execute(
      sql: """
        INSERT INTO metric (video_ref, day, source, impressions, batch_id)
        SELECT id, 20000, 1, 1, 1 FROM video WHERE video_id = 'v1'
        """)
  }
  let stored = try ledger.read { db in
    try Int.fetchOne(db, sql: "SELECT count(*) FROM metric WHERE impressions < 0")
  }
  #expect(stored == 0)
}

@Test func creatingMissingVideosInAnImportOfMetricsStillRefusesAnEmptyVideoId() throws {
  let ledger = try B.ledgerWithVideo()
  var options = loadingMetrics()
  options.createMissing = true
  #expect(throws: LedgerError.self) {
    try ledger.write(options: options) { writer in
      try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "a.csv"))
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-01"), videoID: "", source: .natural, values: [.impressions: 1]),
        at: .commandLine)
    }
  }
  let videos = try ledger.read { db in
    try String.fetchAll(db, sql: "SELECT video_id FROM video ORDER BY video_id")
  }
  #expect(videos == ["v1"])
}
