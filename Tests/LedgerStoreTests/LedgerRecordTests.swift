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
