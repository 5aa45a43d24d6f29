import GRDB
import LedgerStore
import Testing

@testable import LedgerQuery

// A promotion's own CPM price (migration 0006_promotion_cpm): stored in fen, refused when not
// positive or beyond the money limit, and used by the rules inside that sale instead of
// `cpm_price` × `sale_cpm_factor` (docs/method.md, "Decisions").

private let day = Day(year: 2026, month: 6, day: 5) ?? Day(daysSinceEpoch: 0)

/// One video inside a sale: 7 days of 100,000 natural plays at ¥120 GMV per thousand.
private func saleLedger(cpmPrice: Int64?) throws -> Ledger {
  let ledger = try Ledger.inMemory()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var kol = KOLInput(kolID: "k1")
    kol.followers = 300_000
    kol.asOf = day.adding(days: -60)
    try writer.upsert(kol, at: .commandLine)
    var video = VideoInput(videoID: "v1")
    video.kolID = "k1"
    video.brand = "B"
    video.published = DateTime(day: day.adding(days: -20), secondOfDay: 36_000)
    try writer.upsert(video, at: .commandLine)
    for offset in 0..<7 {
      try writer.upsert(
        MetricInput(
          day: day.adding(days: -offset), videoID: "v1", source: .natural,
          values: [.impressions: 100_000, .gmv: 1_200_000, .likes: 4_000]), at: .commandLine)
    }
    var sale = PromotionInput(name: "618-2026")
    sale.start = day.adding(days: -4)
    sale.end = day.adding(days: 13)
    sale.cpmPrice = cpmPrice
    try writer.upsert(sale, at: .commandLine)
  }
  return ledger
}

private func advice(_ ledger: Ledger) throws -> Advice {
  var query = AdviseQuery()
  query.asOf = day
  return try #require(try ledger.advise(query).first)
}

@Test func aSaleWithoutItsOwnCPMUsesTheSettingTimesTheFactor() throws {
  let ledger = try saleLedger(cpmPrice: nil)
  #expect(try ledger.promotions().first?.cpmPrice == nil)
  let item = try advice(ledger)
  // ¥120 per thousand plays at ¥40 × 2.5 = ¥100: 1.2.
  #expect(item.sale?.cpmPrice == 10_000)
  #expect(item.decision.roiModel == Fraction(6, over: 5))
  #expect(item.decision.reasons.contains { $0.text.contains("the sale CPM ¥100") })
}

@Test func aSalesOwnCPMReplacesTheDefaultInsideIt() throws {
  let ledger = try saleLedger(cpmPrice: 6_000)
  #expect(try ledger.promotions().first?.cpmPrice == 6_000)
  let item = try advice(ledger)
  #expect(item.sale?.cpmPrice == 6_000)
  #expect(item.decision.roiModel == Fraction(2))
  #expect(item.decision.reasons.contains { $0.text.contains("the sale CPM ¥60") })
  let settings = try ledger.querySettings()
  #expect(try ledger.saleWindow(named: "618-2026", settings: settings).cpmPrice == 6_000)
  // Outside the sale the ledger's CPM applies as before.
  var before = AdviseQuery()
  before.asOf = day.adding(days: -5)
  #expect(try ledger.advise(before).first?.sale == nil)
}

@Test func updatingASalesDatesKeepsItsCPMAndEmptyKeepsIt() throws {
  let ledger = try saleLedger(cpmPrice: 9_000)
  try ledger.write(options: WriteOptions()) { writer in
    var later = PromotionInput(name: "618-2026")
    later.end = day.adding(days: 14)
    try writer.upsert(later, at: .commandLine)
  }
  let stored = try #require(try ledger.promotions().first)
  #expect(stored.cpmPrice == 9_000)
  #expect(stored.end == day.adding(days: 14).description)
}

@Test(arguments: [Int64(0), -100, LedgerRules.maxMoney + 1])
func aSalesCPMMustBePositiveAndWithinTheMoneyLimit(fen: Int64) throws {
  let ledger = try saleLedger(cpmPrice: nil)
  do {
    try ledger.write(options: WriteOptions()) { writer in
      var sale = PromotionInput(name: "618-2026")
      sale.cpmPrice = fen
      try writer.upsert(sale, at: .commandLine)
    }
    Issue.record("a CPM price of \(fen) fen was accepted")
  } catch {
    guard case .invalidData(let problems) = error else {
      Issue.record("expected invalidData, got \(error)")
      return
    }
    #expect(problems.map(\.column) == ["cpm_price"])
    #expect(problems.first?.message.contains("must be above ¥0") == true)
  }
  #expect(try ledger.promotions().first?.cpmPrice == nil)
}

@Test func theStoredCPMIsAStrictWholeNumberOfFen() throws {
  let ledger = try saleLedger(cpmPrice: nil)
  for value in ["'abc'", "12.5", "0"] {
    #expect(throws: (any Error).self) {
      try ledger.write { db in
        try db.execute(sql: "UPDATE promotion SET cpm_price = \(value)")
      }
    }
  }
  #expect(try ledger.promotions().first?.cpmPrice == nil)
}
