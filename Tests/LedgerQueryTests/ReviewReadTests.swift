import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

/// A day of May 2026.
private func may(_ day: Int) -> Day {
  Day(year: 2026, month: 5, day: day) ?? Day(daysSinceEpoch: 0)
}

/// Random rows of brands B and C over 70 days in four metric batches: the first writes most
/// days, the next ones restate random earlier days of random videos (so one video's days come
/// from several batches, in no order) and add days; B also has 5A snapshots of two batches.
private func batchedLedger(seed: UInt64) throws -> Ledger {
  var random = SplitMix64(state: seed)
  let ledger = try Ledger.inMemory()
  let videos = (0..<9).map { "v\($0)" } + ["c1", "c2"]
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for id in videos {
      var video = VideoInput(videoID: id)
      video.brand = id.hasPrefix("c") ? "C" : "B"
      try writer.upsert(video, at: .commandLine)
    }
  }
  // A write that gives one key twice refuses it: each batch is its own write.
  for batch in 0..<4 {
    try ledger.write { writer in
      try writer.beginBatch(
        BatchInfo(command: "import", kind: "metrics", file: "m\(batch).csv", sha256: nil))
      for day in 0..<70 where batch == 0 ? day < 60 : random.next() % 3 == 0 {
        for id in videos where random.next() % 4 != 0 {
          let source: Source = [.natural, .douPlus, .qianchuan][Int(random.next() % 3)]
          var values: [MetricField: Int64] = [
            .impressions: Int64(random.next() % 50_000), .gmv: Int64(random.next() % 900_000),
            .likes: Int64(random.next() % 900), .comments: Int64(random.next() % 90),
          ]
          if source != .natural { values[.cost] = Int64(random.next() % 300_000) }
          try writer.upsert(
            MetricInput(
              day: may(31).adding(days: day - 69), videoID: id, source: source, values: values),
            at: .commandLine)
        }
      }
    }
  }
  try ledger.write { writer in
    for batch in 0..<2 {
      try writer.beginBatch(
        BatchInfo(command: "import", kind: "audience", file: "a\(batch).csv", sha256: nil))
      for day in [may(3 + batch), may(12 + batch), may(25 + batch)] {
        try writer.upsert(
          AudienceInput(
            brand: "B", day: day,
            values: [.o: 1_000, .a1: 100 + Int64(batch), .a2: 50, .a3: 30, .a4: 8, .a5: 2]),
          at: .commandLine)
      }
    }
  }
  return ledger
}

/// The provenance as one `GROUP BY` over the brand's rows: what the page counted before.
private func expectedBatches(_ ledger: Ledger, brand: String, from: Day?, through: Day?) throws
  -> [(batch: Int64, rows: Int64)]
{
  try ledger.read { db in
    try Row.fetchAll(
      db,
      sql: """
        SELECT b.batch_id, used.n
        FROM (
          SELECT batch_id, sum(n) AS n FROM (
            SELECT m.batch_id, count(*) AS n
            FROM video AS v JOIN metric AS m ON m.video_ref = v.id AND m.day BETWEEN ?2 AND ?3
            WHERE v.brand = ?1 GROUP BY m.batch_id
            UNION ALL
            SELECT batch_id, count(*) FROM audience WHERE brand = ?1 AND date <= ?4
            GROUP BY batch_id
          ) GROUP BY batch_id
        ) AS used
        JOIN import_batch AS b ON b.batch_id = used.batch_id
        ORDER BY b.created_at, b.batch_id
        """,
      arguments: [
        brand, Int64(from?.daysSinceEpoch ?? Int32.min),
        Int64(through?.daysSinceEpoch ?? Int32.max), through?.description ?? "9999-12-31",
      ]
    ).map { ($0[0], $0[1]) }
  }
}

@Test func reviewBatchesCountEachRowByTheBatchThatLastWroteIt() throws {
  for seed: UInt64 in [5, 6, 7] {
    let ledger = try batchedLedger(seed: seed)
    // On a file, a brand's videos are read in two halves on two connections.
    let onFile = try fileLedger(ledger)
    let ranges: [(from: Day?, through: Day?)] = [
      (may(1), may(31)), (may(20), may(26)), (nil, nil), (may(31).adding(days: -90), may(31)),
    ]
    for (from, through) in ranges {
      for brand in ["B", "C"] {
        let batches = try ledger.reviewBatches(brand: brand, from: from, through: through)
        let expected = try expectedBatches(ledger, brand: brand, from: from, through: through)
        #expect(batches.map(\.batchID) == expected.map(\.batch), "seed \(seed) \(brand)")
        #expect(batches.map(\.rowsUsed) == expected.map(\.rows), "seed \(seed) \(brand)")
        let split = try onFile.reviewBatches(brand: brand, from: from, through: through)
        #expect(split.map(\.batchID) == expected.map(\.batch), "on a file, seed \(seed)")
        #expect(split.map(\.rowsUsed) == expected.map(\.rows), "on a file, seed \(seed)")
      }
    }
    // Restated days leave several metric batches in one brand's month, and the page says so.
    let page = try ledger.review(brand: "B", asOf: may(31))
    #expect(page.batches.filter { $0.kind == "metrics" }.count > 1)
    let expected = try expectedBatches(
      ledger, brand: "B", from: may(31).adding(days: -29 - 13), through: may(31))
    #expect(page.batches.map(\.rowsUsed) == expected.map(\.rows))
    #expect(page.batches.map(\.batchID) == expected.map(\.batch))
  }
}

@Test func reviewBatchesOfABrandWithoutRowsInTheDaysAreOnlyItsSnapshots() throws {
  let ledger = try batchedLedger(seed: 9)
  let batches = try ledger.reviewBatches(
    brand: "B", from: may(31).adding(days: 400), through: may(31).adding(days: 500))
  #expect(batches.map(\.kind) == ["audience", "audience"])
  #expect(batches.map(\.rowsUsed) == [3, 3])
  #expect(try ledger.reviewBatches(brand: "nobody", from: nil, through: nil).isEmpty)
}

@Test func reviewTablesEqualTheWeeksAndTheDaysROIReports() throws {
  let ledger = try batchedLedger(seed: 11)
  for (days, window) in [(30, 7), (10, 7), (5, 3), (3, 14), (1, 1), (60, 30)] {
    for asOf in [may(31), may(20), may(31).adding(days: 20)] {
      var query = ReviewQuery(brand: "B", asOf: asOf)
      query.days = days
      query.window = window
      query.lines = 4
      let page = try ledger.review(query)
      var roi = ROIQuery()
      roi.asOf = asOf
      roi.window = window
      roi.filter = VideoFilter(brand: "B")
      let label = "days \(days) window \(window) as of \(asOf)"
      #expect(page.videos == (try ledger.roiReport(roi).rows), "\(label)")
      roi.window = days
      let largest = try ledger.roiReport(roi).rows.filter { $0.model.sums.gmv > 0 }
        .sorted { a, b in
          a.model.sums.gmv != b.model.sums.gmv
            ? a.model.sums.gmv > b.model.sums.gmv : (a.key ?? "") < (b.key ?? "")
        }
        .prefix(4)
      #expect(page.lines.map(\.video.videoID) == largest.map(\.key), "\(label)")
      #expect(page.lines.map(\.gmv) == largest.map(\.model.sums.gmv), "\(label)")
    }
  }
}
