import GRDB
import Testing

@testable import LedgerStore

private typealias B = LedgerBuilder

/// One record of every kind, for the public `Ledger.record`.
private func everyKind() -> [LedgerRecord] {
  var kol = KOLInput(kolID: "dy2")
  kol.followers = 2_000_000
  kol.asOf = B.day("2026-04-01")
  var video = VideoInput(videoID: "v2")
  video.kolID = "dy2"
  video.brand = "B"
  var promotion = PromotionInput(name: "618")
  promotion.start = B.day("2026-06-01")
  promotion.end = B.day("2026-06-18")
  return [
    .kol(kol), .video(video),
    .placement(
      B.placement(
        "P2", tool: .douPlus, budget: 50_000, start: "2026-05-01 10:00", end: nil,
        video: "v2")),
    .metric(
      MetricInput(
        day: B.day("2026-05-01"), videoID: "v2", source: .natural,
        values: [.impressions: 250_000, .gmv: 2_000_000])),
    .audience(AudienceInput(brand: "B", day: B.day("2026-05-01"), values: [.a1: 10, .a2: 20])),
    .promotion(promotion),
  ]
}

@Test func recordWritesEveryKindThroughTheRulesAsOneBatchPerRunOfAKind() throws {
  let ledger = try B.ledgerWithVideo()
  let records = everyKind()
  #expect(records.map(\.kind) == RecordKind.allCases)
  let summary = try ledger.record(records, command: "example")
  for kind: WrittenKind in [.kols, .videos, .placements, .metrics, .audience, .promotions] {
    #expect(summary[kind].inserted == 1, "\(kind)")
  }
  let batches = try ledger.read { db in
    try String.fetchAll(
      db, sql: "SELECT kind FROM import_batch WHERE command = 'example' ORDER BY batch_id")
  }
  #expect(batches == RecordKind.allCases.map(\.rawValue))
  // The same records again change nothing.
  let again = try ledger.record(records, command: "example")
  #expect(again[.metrics] == WriteCounts(unchanged: 1))
}

@Test func recordRefusesABrokenRuleNamingTheRecordAndWritesNothing() throws {
  let ledger = try B.ledgerWithVideo()
  var records = everyKind()
  records[2] = .placement(
    B.placement("P2", tool: .douPlus, budget: 1, start: "2026-05-01 10:00", end: nil, video: "v2"))
  let problems = B.problems { try ledger.record(records) }
  #expect(problems.map(\.description).first?.hasPrefix("record:3: budget: ") == true)
  let videos = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM video") }
  #expect(videos == 1)
}

private func kol(
  _ id: String, xingtu: String? = nil, uid: String? = nil,
  quote: [KOLQuoteField: Int64] = [:], asOf: String? = "2026-05-01"
) -> LedgerRecord {
  var input = KOLInput(kolID: id)
  input.xingtuID = xingtu
  input.douyinUID = uid
  input.quote = KOLQuote(values: quote)
  input.asOf = asOf.map(B.day)
  return .kol(input)
}

@Test func aKOLWithoutItsDouyinIDIsFoundByItsXingtuIDOrUIDAndItsQuoteIsChecked() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.record([kol("dy2", xingtu: "X1", uid: "U1"), kol("dy3", uid: "U3")])
  // Found by its 星图ID, its quote kept as of its day.
  try ledger.record([kol("", xingtu: "X1", quote: [.price1To20s: 1_200_000])])
  let quote = try ledger.read { db in
    try Int64.fetchOne(db, sql: "SELECT price_1_20s FROM kol_quote WHERE kol_id = 'dy2'")
  }
  #expect(quote == 1_200_000)
  let refusals: [(LedgerRecord, String)] = [
    (kol("dy4", xingtu: "X1"), "xingtu_id: X1 already names KOL 'dy2', not 'dy4'"),
    (kol("", xingtu: "X1", uid: "U3"), "douyin_uid: xingtu_id X1 names KOL 'dy2' but douyin_uid"),
    (kol("", xingtu: "X9"), "xingtu_id: no KOL with 星图ID X9 in the ledger"),
    (kol("dy2", quote: [.medianPlays: 5], asOf: nil), "as_of: a 星图 quote needs the day"),
    (
      kol("dy2", quote: [.completionRate: 1_000_001]), "completion_rate: must be between 0 and 100%"
    ),
    (kol("dy2", quote: [.expectedCPM: LedgerRules.maxMoney + 1]), "expected_cpm: "),
  ]
  for (record, message) in refusals {
    let problems = B.problems { try ledger.record([record]) }
    #expect(problems.map(\.description).first?.contains(message) == true, "\(problems)")
  }
  // With --create-missing, a KOL known only by its 星图ID is created under it.
  try ledger.record([kol("", xingtu: "X9")], options: WriteOptions(createMissing: true))
  #expect(try ledger.kol("xingtu:X9").kolID == "xingtu:X9")
}

@Test func eachRunOfMetricRecordsCountsItsOwnRowsWithOtherKindsBetween() throws {
  let ledger = try B.ledgerWithVideo()
  func metric(_ day: String, _ impressions: Int64) -> LedgerRecord {
    .metric(
      MetricInput(
        day: B.day(day), videoID: "v1", source: .natural, values: [.impressions: impressions]))
  }
  var video = VideoInput(videoID: "v1")
  video.brand = "B"
  // Metrics, a video (unchanged), metrics again (one stored row restated, one new), then the
  // same again.
  try ledger.record([metric("2026-05-01", 10)], command: "first")
  let records = [
    metric("2026-05-02", 20), metric("2026-05-03", 30), .video(video),
    metric("2026-05-01", 11), metric("2026-05-04", 40),
  ]
  try ledger.record(records, command: "second")
  try ledger.record(records, command: "third")
  let batches = try ledger.read { db in
    try Row.fetchAll(
      db,
      sql: """
        SELECT command, kind, inserted, updated, unchanged FROM import_batch
        WHERE command IN ('second', 'third') ORDER BY batch_id
        """
    ).map { row -> [String] in
      [
        row["command"], row["kind"], "\(row["inserted"] as Int)", "\(row["updated"] as Int)",
        "\(row["unchanged"] as Int)",
      ]
    }
  }
  #expect(
    batches == [
      ["second", "metrics", "2", "0", "0"], ["second", "videos", "0", "0", "1"],
      ["second", "metrics", "1", "1", "0"], ["third", "metrics", "0", "0", "2"],
      ["third", "videos", "0", "0", "1"], ["third", "metrics", "0", "0", "2"],
    ])
  // Every metric row names the batch that last changed it.
  let named = try ledger.read { db in
    try String.fetchAll(
      db,
      sql: """
        SELECT b.command FROM metric AS m JOIN import_batch AS b USING (batch_id)
        ORDER BY m.day
        """)
  }
  #expect(named == ["second", "second", "second", "second"])
}
