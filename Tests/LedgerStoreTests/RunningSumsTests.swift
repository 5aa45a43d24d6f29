import Foundation
import GRDB
import TestSupport
import Testing

@testable import LedgerStore

// The running sums (docs/internals.md, "Running sums") against a model kept here: after every
// kind of write, each stored row holds, per source, the sums of the rows up to its day.

private typealias B = LedgerBuilder

/// The metric rows a test wrote, by key, with the numbers stored (a missing field is 0).
private struct Model {
  struct Key: Hashable {
    var video: String
    var day: Int32
    var source: Source
    var order: String
  }
  var rows: [Key: [MetricField: Int64]] = [:]
  /// Each video's brand (a video not named has none): v1 is B, as LedgerBuilder makes it.
  var brands: [String: String] = ["v1": "B"]

  mutating func apply(_ input: MetricInput) {
    let key = Key(
      video: input.videoID, day: input.day.daysSinceEpoch, source: input.source,
      order: input.placementID)
    rows[key, default: [:]].merge(input.values) { _, new in new }
  }

  /// The totals the running row of `video` on `day` must hold for `source`.
  ///
  /// Rows, then the fields in RunningField order (unplayed GMV and rows last). With `video`
  /// nil: the totals of every video on `day` alone (the day totals).
  func expected(video: String?, through day: Int32, source: Source) -> [Int64] {
    sums(source: source) { key in
      video.map { key.video == $0 && key.day <= day } ?? (key.day == day)
    }
  }

  /// The totals of the rows of `brand`'s videos on `day` for `source` (the brand day totals).
  func expected(brand: String, day: Int32, source: Source) -> [Int64] {
    sums(source: source) { key in key.day == day && brands[key.video] == brand }
  }

  /// The brand days with rows, as `brand day`.
  var brandDays: Set<String> {
    Set(rows.keys.compactMap { key in brands[key.video].map { "\($0) \(key.day)" } })
  }

  private func sums(source: Source, of included: (Key) -> Bool) -> [Int64] {
    var sums = [Int64](repeating: 0, count: RunningField.count)
    for (key, values) in rows where included(key) && key.source == source {
      let fields: [MetricField] = [
        .impressions, .cost, .gmv, .refund, .orders, .likes, .comments, .shares, .follows,
      ]
      sums[0] += 1
      for (index, field) in fields.enumerated() { sums[index + 1] += values[field] ?? 0 }
      let net = (values[.gmv] ?? 0) - (values[.refund] ?? 0)
      if source == .natural, (values[.impressions] ?? 0) == 0, net > 0 {
        sums[10] += net
        sums[11] += 1
      }
    }
    return sums
  }
}

/// The totals of a stored `sums` blob; the test fails when the bytes do not decode.
private func decoded(_ bytes: Data) -> RunningTotals {
  let totals = RunningTotals()
  #expect(bytes.withUnsafeBytes { RunningCodec.accumulate($0, sign: 1, into: totals) })
  return totals
}

/// Every stored day of running sums (each day of each chunk) against the model; also the
/// ledger's own recomputation.
private func expectRunningSumsMatch(_ ledger: Ledger, _ model: Model) throws {
  let stored = try ledger.read { db in
    try Row.fetchAll(
      db,
      sql: """
        SELECT v.video_id, r.chunk, r.sums FROM metric_running AS r
        JOIN video AS v ON v.id = r.video_ref ORDER BY r.video_ref, r.chunk
        """)
  }
  var storedDays = 0
  for row in stored {
    let video: String = row["video_id"]
    let chunk: Int64 = row["chunk"]
    let bytes: Data = row["sums"]
    // The running sums through each day of the chunk: its sums before it, then day by day.
    let totals = RunningTotals()
    let readable = bytes.withUnsafeBytes { raw in
      RunningChunk.forEachDay(raw, base: totals, scratch: RunningTotals()) { day, own in
        #expect(Int64(day >> 4) == chunk, "\(video) day \(day) in chunk \(chunk)")
        for index in 0..<RunningTotals.width { totals.values[index] += own.values[index] }
        storedDays += 1
        for source in Source.allCases {
          let expected = model.expected(video: video, through: day, source: source)
          let actual = RunningField.allCases.map { totals[source.code, $0] }
          #expect(actual == expected, "\(video) day \(day) \(source)")
        }
      }
    }
    #expect(readable)
  }
  let days = Set(model.rows.keys.map { "\($0.video) \($0.day)" })
  #expect(storedDays == days.count, "one stored day per video and day with rows")
  #expect(try ledger.read { db in try RunningSums.differences(db).count } == 0)
  // The day totals: one row per day with rows, each the sum of every video's rows that day.
  let dayRows = try ledger.read { db in
    try Row.fetchAll(db, sql: "SELECT day, sums FROM metric_day ORDER BY day")
  }
  #expect(dayRows.map { $0["day"] as Int32 } == Set(model.rows.keys.map(\.day)).sorted())
  for row in dayRows {
    let day: Int32 = row["day"]
    let totals = decoded(row["sums"])
    for source in Source.allCases {
      let actual = RunningField.allCases.map { totals[source.code, $0] }
      #expect(actual == model.expected(video: nil, through: day, source: source), "day \(day)")
    }
  }
  #expect(try ledger.read { db in try RunningSums.dayDifferences(db).count } == 0)
  // The brand day totals: one row per brand and day with rows of its videos.
  let brandRows = try ledger.read { db in
    try Row.fetchAll(db, sql: "SELECT brand, day, sums FROM metric_brand_day ORDER BY brand, day")
  }
  #expect(
    Set(brandRows.map { "\($0["brand"] as String) \($0["day"] as Int32)" }) == model.brandDays)
  for row in brandRows {
    let brand: String = row["brand"]
    let day: Int32 = row["day"]
    let totals = decoded(row["sums"])
    for source in Source.allCases {
      let actual = RunningField.allCases.map { totals[source.code, $0] }
      #expect(
        actual == model.expected(brand: brand, day: day, source: source), "\(brand) day \(day)")
    }
  }
  #expect(try ledger.read { db in try RunningSums.dayDifferences(db).brandCount } == 0)
}

private func ledgerWithVideos(_ count: Int) throws -> Ledger {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    for index in 2...count { try writer.upsert(VideoInput(videoID: "v\(index)"), at: .commandLine) }
  }
  return ledger
}

/// Writes `days` days from 2026-05-01 in one write, alternating v1 and v2, each day one row of
/// `source` with the values `values(offset)`.
private func writeAlternatingDays(
  _ ledger: Ledger, _ days: Int, source: Source, values: (Int) -> [MetricField: Int64]
) throws {
  try ledger.write { writer in
    for offset in 0..<days {
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-01").adding(days: offset), videoID: "v\(1 + offset % 2)",
          source: source, values: values(offset)),
        at: .commandLine)
    }
  }
}

@Test func runningSumsEqualTheirRowsAfterRandomWritesRestatementsAndPartialFiles() throws {
  var random = SplitMix64(state: 16)
  let ledger = try ledgerWithVideos(4)
  var model = Model()
  let sources: [Source] = [.natural, .douPlus, .qianchuan, .suixintui]
  let fields: [MetricField] = [
    .impressions, .cost, .gmv, .refund, .orders, .likes, .comments, .shares, .follows,
  ]
  for _ in 0..<12 {
    var inputs: [Model.Key: MetricInput] = [:]
    for _ in 0..<(1 + Int(random.next() % 40)) {
      // Days anywhere in 60: a later write restates earlier days and fills gaps. Now and then
      // a day long before them (the day totals keep days far from the first one apart).
      let far = [0, 0, 0, 0, 0, 0, -100, -9_000][Int(random.next() % 8)]
      let day = B.day("2026-03-01").adding(days: far + Int(random.next() % 60))
      let source = sources[Int(random.next() % UInt64(sources.count))]
      let order = source == .douPlus && random.next() % 2 == 0 ? "o\(random.next() % 3)" : ""
      var values: [MetricField: Int64] = [:]
      for field in fields where random.next() % 3 != 0 {
        if field == .cost, source == .natural { continue }
        values[field] = random.next() % 5 == 0 ? 0 : Int64(random.next() % 1_000_000)
      }
      // Sometimes a natural day without plays, with GMV.
      if source == .natural, random.next() % 6 == 0 { values[.impressions] = 0 }
      let input = MetricInput(
        day: day, videoID: "v\(1 + random.next() % 4)", source: source, placementID: order,
        values: values)
      inputs[
        Model.Key(video: input.videoID, day: day.daysSinceEpoch, source: source, order: order)] =
        input
    }
    try ledger.write { writer in
      try writer.beginBatch(BatchInfo(command: "log", kind: "metrics"))
      for input in inputs.values { try writer.upsert(input, at: .commandLine) }
    }
    for input in inputs.values { model.apply(input) }
    try expectRunningSumsMatch(ledger, model)
  }
}

@Test func summedDuplicatesLandInTheRunningSumsAsTheirTotal() throws {
  let ledger = try ledgerWithVideos(2)
  var model = Model()
  let day = B.day("2026-05-02")
  let rows = [
    MetricInput(day: day, videoID: "v1", source: .douPlus, values: [.cost: 100, .impressions: 5]),
    MetricInput(day: day, videoID: "v1", source: .douPlus, values: [.cost: 250, .impressions: 7]),
    MetricInput(day: day.adding(days: -1), videoID: "v2", source: .natural, values: [.gmv: 9]),
  ]
  try ledger.write(options: WriteOptions(sumDuplicates: true)) { writer in
    try writer.beginBatch(BatchInfo(command: "import", kind: "metrics"))
    for input in rows { try writer.upsert(input, at: .commandLine) }
  }
  model.apply(
    MetricInput(day: day, videoID: "v1", source: .douPlus, values: [.cost: 350, .impressions: 12]))
  model.apply(rows[2])
  try expectRunningSumsMatch(ledger, model)
}

/// A ledger of videos v1 and v2 with one metric row (v1, 2026-05-01), and its model.
private func ledgerWithOneRow() throws -> (Ledger, Model) {
  let ledger = try ledgerWithVideos(2)
  var model = Model()
  let first = MetricInput(
    day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: [.impressions: 10])
  try ledger.write { writer in try writer.upsert(first, at: .commandLine) }
  model.apply(first)
  return (ledger, model)
}

@Test func aRefusedWriteAndADryRunLeaveTheRunningSumsAsTheyWere() throws {
  let (ledger, model) = try ledgerWithOneRow()
  let refused = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        MetricInput(
          day: B.day("2026-04-01"), videoID: "v1", source: .natural, values: [.impressions: 5]),
        at: .commandLine)
      try writer.upsert(
        MetricInput(day: B.day("2026-04-02"), videoID: "v1", source: .natural, values: [.cost: 5]),
        at: .commandLine)
    }
  }
  #expect(!refused.isEmpty)
  try ledger.write(options: WriteOptions(dryRun: true)) { writer in
    try writer.upsert(
      MetricInput(
        day: B.day("2026-04-03"), videoID: "v2", source: .natural, values: [.impressions: 5]),
      at: .commandLine)
  }
  try expectRunningSumsMatch(ledger, model)
}

@Test func aMetricRowChangedOutsideAimtIsFoundByTheDeepCheckAndRebuilt() throws {
  let ledger = try ledgerWithVideos(2)
  try writeAlternatingDays(ledger, 5, source: .natural) { [.impressions: Int64(100 + $0)] }
  #expect(try ledger.check(deep: true).isEmpty)
  try ledger.write { db in
    try db.execute(
      sql: "UPDATE metric SET impressions = impressions + 1 WHERE day = ?",
      arguments: [B.day("2026-05-02").daysSinceEpoch])
  }
  let findings = try ledger.check(deep: true)
  #expect(findings.map(\.subject) == ["metric_day", "metric_running"])
  #expect(findings.first?.message.contains("the totals of 1 day differ") == true)
  #expect(findings.last?.message.contains("v2 from 2026-05-02") == true)
  #expect(try ledger.rebuildRunningSums() == (videos: 1, days: 1))
  #expect(try ledger.check(deep: true).isEmpty)
  #expect(try ledger.rebuildRunningSums() == (videos: 0, days: 0))
}

@Test func aDamagedRunningRowIsReportedNotMisread() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      MetricInput(
        day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: [.impressions: 3]),
      at: .commandLine)
  }
  try ledger.write { db in try db.execute(sql: "UPDATE metric_running SET sums = x'0200'") }
  #expect(try ledger.check(deep: true).map(\.subject) == ["metric_running"])
  try ledger.write { db in try db.execute(sql: "UPDATE metric_day SET sums = x'01'") }
  #expect(try ledger.check(deep: true).map(\.subject) == ["metric_day", "metric_running"])
  // A later write of the video cannot build on the damaged row: it says so and changes nothing.
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-02"), videoID: "v1", source: .natural, values: [.impressions: 4]),
        at: .commandLine)
    }
  }
  #expect(problems.first?.message.contains("running sums of video row") == true)
}

@Test func theCodecReadsBackWhatItWritesAndRefusesOtherBytes() {
  let totals = RunningTotals()
  #expect(
    totals.add(
      source: 0, impressions: 0, cost: 0, gmv: 1 << 40, refund: 5, orders: 1, likes: 127,
      comments: 128, shares: Int64.max - 1, follows: 0))
  #expect(
    totals.add(
      source: 8, impressions: 9, cost: 1, gmv: 0, refund: 0, orders: 0, likes: 0, comments: 0,
      shares: 0, follows: 0))
  var bytes: [UInt8] = []
  RunningCodec.encode(totals, into: &bytes)
  let back = RunningTotals()
  #expect(bytes.withUnsafeBytes { RunningCodec.accumulate($0, sign: 1, into: back) })
  for index in 0..<RunningTotals.width { #expect(back.values[index] == totals.values[index]) }
  #expect(back[0, .unplayedGMV] == (1 << 40) - 5)
  #expect(back[0, .unplayedRows] == 1)
  // Subtracting the same bytes gives zero.
  #expect(bytes.withUnsafeBytes { RunningCodec.accumulate($0, sign: -1, into: back) })
  #expect((0..<RunningTotals.width).allSatisfy { back.values[$0] == 0 })
  // Another version, a source beyond the nine, a cut or overlong encoding, a value of more
  // than ten bytes, nothing: refused.
  let endless: [UInt8] = [1, 1, 0] + Array(repeating: 0x80, count: 10) + [1]
  for bad in [[2, 1, 0], [1, 0, 4], Array(bytes.dropLast()), bytes + [0], [1, 1], endless, []]
    as [[UInt8]]
  {
    #expect(!bad.withUnsafeBytes { RunningCodec.accumulate($0, sign: 1, into: back) }, "\(bad)")
  }
  // A total that would pass Int64 is refused.
  #expect(
    !totals.add(
      source: 0, impressions: 0, cost: 0, gmv: 0, refund: 0, orders: 0, likes: 0, comments: 0,
      shares: 2, follows: 0))
}

/// The codec's decoding as its format says, a byte at a time, on an array: what it must equal.
private func referenceAccumulate(_ bytes: [UInt8], into totals: RunningTotals) -> Bool {
  guard bytes.count >= 3, bytes[0] == 1 else { return false }
  let mask = UInt16(bytes[1]) | UInt16(bytes[2]) << 8
  guard mask >> RunningTotals.sources == 0 else { return false }
  var next = 3
  for source in 0..<RunningTotals.sources where mask & (1 << UInt16(source)) != 0 {
    for field in 0..<RunningField.count {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard next < bytes.count, shift < 64 else { return false }
        let byte = bytes[next]
        next += 1
        value |= UInt64(byte & 0x7F) << shift
        shift += 7
        if byte < 0x80 { break }
      }
      let index = source * RunningField.count + field
      totals.values[index] = totals.values[index] &+ Int64(bitPattern: value)
    }
  }
  return next == bytes.count
}

@Test func theCodecReadsEveryLengthOfValueAndEveryDamagedRowAsItsFormatSays() {
  var random = SplitMix64(state: 29)
  // Values of every encoded length (1…10 bytes) and at each length's edges.
  let edges: [UInt64] = (0...9).flatMap { bytes -> [UInt64] in
    let low: UInt64 = bytes == 0 ? 0 : 1 << (7 * UInt64(bytes))
    return [low, low + 1, bytes == 9 ? UInt64.max : (1 << (7 * UInt64(bytes + 1))) - 1]
  }
  for round in 0..<2_000 {
    var bytes: [UInt8] = [1]
    let mask = UInt16(1 + random.next() % 511)
    bytes += [UInt8(mask & 0xFF), UInt8(mask >> 8)]
    for _ in 0..<(mask.nonzeroBitCount * RunningField.count) {
      var value =
        random.next() % 2 == 0
        ? edges[Int(random.next() % UInt64(edges.count))] : random.next() >> (random.next() % 64)
      while value >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
        value >>= 7
      }
      bytes.append(UInt8(value))
    }
    // Whole, cut short, run on, or with a byte changed anywhere.
    var cases = [bytes, Array(bytes.dropLast(1 + Int(random.next() % 8))), bytes + [0, 0]]
    var changed = bytes
    changed[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
    cases.append(changed)
    for bytes in cases {
      let (expected, actual) = (RunningTotals(), RunningTotals())
      let readable = referenceAccumulate(bytes, into: expected)
      let read = bytes.withUnsafeBytes { RunningCodec.accumulate($0, sign: 1, into: actual) }
      #expect(read == readable, "round \(round): \(bytes)")
      guard readable else { continue }
      #expect(
        (0..<RunningTotals.width).allSatisfy { actual.values[$0] == expected.values[$0] },
        "round \(round): \(bytes)")
    }
  }
}

@Test(arguments: [
  "0006_promotion_cpm", "0007_running_sums", "0008_day_totals", "0009_brand_day_totals",
])
func upgradingALedgerMadeBeforeRunningSumsOrDayTotalsBuildsThemFromItsRows(
  _ madeAt: String
) throws {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("aimt-running-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let path = folder.appendingPathComponent("old.db").path
  do {
    let queue = try DatabaseQueue(path: path)
    try Schema.migrator.migrate(queue, upTo: "0006_promotion_cpm")
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO import_batch (batch_id, command, kind, created_at)
            VALUES (1, 'import', 'metrics', '2026-05-01 00:00:00');
          INSERT INTO brand (name) VALUES ('B');
          INSERT INTO video (id, video_id, brand) VALUES (1, 'v1', 'B'), (2, 'v2', NULL);
          INSERT INTO metric (video_ref, day, source, impressions, gmv, batch_id) VALUES
            (1, 100, 0, 10, 5, 1), (1, 101, 0, 0, 7, 1), (1, 101, 1, 3, 0, 1), (2, 100, 0, 4, 0, 1);
          """)
    }
    // A ledger of 0007 has its running sums (built from these rows) but no day totals yet; one
    // of 0008 its day totals but no brand day totals.
    try Schema.migrator.migrate(queue, upTo: madeAt)
  }
  let ledger = try Ledger.open(path: path, create: true)
  var model = Model()
  for (video, day, source, impressions, gmv) in [
    ("v1", 100, Source.natural, 10, 5), ("v1", 101, .natural, 0, 7), ("v1", 101, .douPlus, 3, 0),
    ("v2", 100, .natural, 4, 0),
  ] as [(String, Int32, Source, Int64, Int64)] {
    model.apply(
      MetricInput(
        day: Day(daysSinceEpoch: day), videoID: video, source: source,
        values: [.impressions: impressions, .gmv: gmv]))
  }
  try expectRunningSumsMatch(ledger, model)
}

/// 9,300 rows of the largest cost the ledger takes: their sum passes Int64.
private func largestCosts(sameVideo: Bool) -> [MetricInput] {
  (0..<9_300).map { index in
    MetricInput(
      day: B.day("2000-01-01").adding(days: sameVideo ? index : 0),
      videoID: sameVideo ? "v1" : "w\(index)", source: .douPlus,
      values: [.cost: LedgerRules.maxMoney])
  }
}

@Test(arguments: [true, false])
func totalsBeyondInt64AreRefusedAndChangeNothing(sameVideo: Bool) throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write(options: WriteOptions(createMissing: true)) { writer in
      try writer.beginBatch(BatchInfo(command: "import", kind: "metrics"))
      for input in largestCosts(sameVideo: sameVideo) {
        try writer.upsert(input, at: .commandLine)
      }
    }
  }
  // One video over 9,300 days passes Int64 in its running sums; 9,300 videos on one day in
  // the day's totals.
  #expect(problems.first?.message.contains("9,223,372,036,854,775,807") == true, "\(problems)")
  #expect(problems.first?.message.contains(sameVideo ? "video v1" : "2000-01-01") == true)
  #expect(try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric") } == 0)
  #expect(try ledger.check(deep: true).isEmpty)
}

@Test func aDamagedDayTotalIsAnErrorForTheNextWriteOfThatDay() throws {
  let ledger = try B.ledgerWithVideo()
  let row = MetricInput(
    day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: [.impressions: 3])
  try ledger.write { writer in try writer.upsert(row, at: .commandLine) }
  try ledger.write { db in try db.execute(sql: "UPDATE metric_day SET sums = x'01'") }
  let problems = B.problems {
    try ledger.write { writer in
      var again = row
      again.values = [.impressions: 4]
      try writer.upsert(again, at: .commandLine)
    }
  }
  #expect(problems.first?.message.contains("the day totals of 2026-05-01 are unreadable") == true)
  #expect(try ledger.rebuildRunningSums() == (videos: 0, days: 1))
  #expect(try ledger.check(deep: true).isEmpty)
}

@Test func brandDayTotalsEqualTheirVideosRowsAfterRandomWritesAndBrandChanges() throws {
  var random = SplitMix64(state: 5)
  let ledger = try ledgerWithVideos(6)
  var model = Model()
  let brands = ["B", "C", "D"]
  let sources: [Source] = [.natural, .douPlus, .qianchuan]
  for round in 0..<24 {
    // 0, 1: a plain write; 2: duplicates summed; 3: a dry run; 4: a refused write.
    let kind = Int(random.next() % 5)
    var inputs: [Model.Key: MetricInput] = [:]
    for _ in 0..<Int(random.next() % 12) {
      let day = B.day("2026-03-01").adding(days: Int(random.next() % 20))
      let source = kind == 2 ? .douPlus : sources[Int(random.next() % UInt64(sources.count))]
      var values: [MetricField: Int64] = [.impressions: Int64(random.next() % 10_000)]
      if source != .natural { values[.cost] = Int64(random.next() % 50_000) }
      // Summed duplicates write every field any of them gave (0 where a row had none): all
      // give the same ones.
      if kind == 2 || random.next() % 2 == 0 { values[.gmv] = Int64(random.next() % 90_000) }
      let input = MetricInput(
        day: day, videoID: "v\(1 + random.next() % 6)", source: source, values: values)
      inputs[Model.Key(video: input.videoID, day: day.daysSinceEpoch, source: source, order: "")] =
        input
    }
    // Brand changes, before or after the rows: a video may change twice (and back).
    var changes: [(video: String, brand: String, first: Bool)] = []
    for _ in 0..<Int(random.next() % 4) {
      changes.append(
        (
          "v\(1 + random.next() % 6)", brands[Int(random.next() % 3)], random.next() % 2 == 0
        ))
    }
    let options = WriteOptions(dryRun: kind == 3, sumDuplicates: kind == 2)
    let problems = B.problems {
      try ledger.write(options: options) { writer in
        try writer.beginBatch(BatchInfo(command: "import", kind: "metrics"))
        for change in changes where change.first {
          var video = VideoInput(videoID: change.video)
          video.brand = change.brand
          try writer.upsert(video, at: .commandLine)
        }
        for input in inputs.values {
          try writer.upsert(input, at: .commandLine)
          if kind == 2 { try writer.upsert(input, at: .commandLine) }
        }
        for change in changes where !change.first {
          var video = VideoInput(videoID: change.video)
          video.brand = change.brand
          try writer.upsert(video, at: .commandLine)
        }
        if kind == 4 {
          try writer.upsert(
            MetricInput(
              day: B.day("2026-03-02"), videoID: "v1", source: .natural, values: [.cost: 5]),
            at: .commandLine)
        }
      }
    }
    #expect(problems.isEmpty == (kind != 4), "round \(round): \(problems)")
    if kind <= 2 {
      for change in changes.filter(\.first) + changes.filter({ !$0.first }) {
        model.brands[change.video] = change.brand
      }
      for var input in inputs.values {
        if kind == 2 { input.values = input.values.mapValues { 2 * $0 } }
        model.apply(input)
      }
    }
    try expectRunningSumsMatch(ledger, model)
  }
}

@Test func aRenamedBrandTakesItsDayTotalsAlong() throws {
  let ledger = try ledgerWithVideos(2)
  var model = Model()
  try ledger.write { writer in
    for (offset, video) in ["v1", "v2", "v1"].enumerated() {
      let input = MetricInput(
        day: B.day("2026-05-01").adding(days: offset), videoID: video, source: .douPlus,
        values: [.cost: Int64(100 + offset), .impressions: 9])
      try writer.upsert(input, at: .commandLine)
      model.apply(input)
    }
  }
  try ledger.write { db in try db.execute(sql: "UPDATE brand SET name = 'B2' WHERE name = 'B'") }
  model.brands["v1"] = "B2"
  try expectRunningSumsMatch(ledger, model)
  #expect(try ledger.check(deep: true).isEmpty)
}

@Test func aBrandDayOrAVideoBrandChangedOutsideAimtIsFoundByTheDeepCheckAndRebuilt() throws {
  let ledger = try ledgerWithVideos(2)
  try writeAlternatingDays(ledger, 4, source: .qianchuan) { [.cost: Int64(100 + $0)] }
  #expect(try ledger.check(deep: true).isEmpty)
  // v2 (no brand, two days) given brand B by hand: B's rows of those days no longer agree.
  try ledger.write { db in try db.execute(sql: "UPDATE video SET brand = 'B' WHERE id = 2") }
  var findings = try ledger.check(deep: true)
  #expect(findings.map(\.subject) == ["metric_brand_day"])
  #expect(findings.first?.message.contains("the totals of 2 brand days differ") == true)
  #expect(findings.first?.message.contains("B 2026-05-02, B 2026-05-04") == true)
  #expect(findings.first?.remedy == .rebuildRunningSums())
  #expect(try ledger.rebuildRunningSums() == (videos: 0, days: 2))
  #expect(try ledger.check(deep: true).isEmpty)
  // A brand row edited by hand: found, and a later write of that brand and day says so.
  try ledger.write { db in
    try db.execute(
      sql: "UPDATE metric_brand_day SET sums = x'01' WHERE day = ?",
      arguments: [
        B.day("2026-05-01").daysSinceEpoch
      ])
  }
  findings = try ledger.check(deep: true)
  #expect(findings.map(\.subject) == ["metric_brand_day"])
  #expect(findings.first?.message.contains("the totals of 1 brand day differ") == true)
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-01"), videoID: "v1", source: .qianchuan, values: [.cost: 7]),
        at: .commandLine)
    }
  }
  #expect(
    problems.first?.message.contains("the day totals of 2026-05-01 of brand B are unreadable")
      == true, "\(problems)")
  #expect(try ledger.rebuildRunningSums() == (videos: 0, days: 1))
  #expect(try ledger.check(deep: true).isEmpty)
}

@Test func aBlockOfRunningRowsThatFailsHalfwayLeavesNothingOfItsWrite() throws {
  // The block inserts are OR FAIL, so SQLite keeps no statement journal (docs/internals.md,
  // "No statement journal"): a block failing on its last row leaves its earlier rows in place
  // until the write's rollback removes them with everything else.
  let (ledger, model) = try ledgerWithOneRow()
  let refs = try ledger.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM video") }
  let before = try ledger.read { db in
    try Int.fetchOne(db, sql: "SELECT count(*) FROM metric_running")
  }
  #expect(throws: (any Error).self) {
    try ledger.write { writer in
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-02"), videoID: "v2", source: .natural, values: [.impressions: 7]),
        at: .commandLine)
      var emitter = try RunningEmitter(writer.db)
      let totals = RunningTotals()
      // A whole block of chunks far from the ledger's days (a day each, in chunks 1875, 1876,
      // …), the last one's key taken by a row written past the emitter.
      let blockRows = RunningEmitter.blockRows
      for index in 0..<blockRows {
        if index == blockRows - 1 {
          try writer.db.execute(
            sql: "INSERT INTO metric_running (video_ref, chunk, sums) VALUES (?, ?, x'02')",
            arguments: [refs[0], 1875 + index])
        }
        try emitter.emit(refs[0], Int32(30_000 + 16 * index), totals)
      }
      try emitter.finish()
    }
  }
  let after = try ledger.read { db in
    try Int.fetchOne(db, sql: "SELECT count(*) FROM metric_running")
  }
  #expect(after == before)
  #expect(try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric") } == 1)
  try expectRunningSumsMatch(ledger, model)
}

@Test func aRunningBlockHasAPlaceForEverySourceAndField() {
  #expect(RunningTotals.sources == Source.allCases.count)
  #expect(RunningField.count == RunningField.allCases.count)
  #expect(RunningTotals.width == RunningTotals.sources * RunningField.count)
  #expect(Source.allCases.map(\.code) == Array(0..<RunningTotals.sources))
}
