import LedgerStore
import Testing

@testable import LedgerQuery

private let floor12 = Fraction(12, over: 10) ?? Fraction(0)
private let decline08 = Fraction(8, over: 10) ?? Fraction(0)

private func model(
  _ sums: TrafficSums, previous: TrafficSums? = nil, cpm: CPMChoice = .price(fen: 4_000)
) -> TrafficModel {
  TrafficModel(
    current: sums, previous: previous, cpm: cpm, floor: floor12, declineRatio: decline08)
}

private func natural(_ impressions: Int64, gmv: Int64) -> TrafficSums {
  var sums = TrafficSums()
  sums.naturalImpressions = impressions
  sums.naturalGMV = gmv
  sums.rows = 1
  return sums
}

@Test func workedExampleGivesExactlyTwo() {
  // docs/method.md, the worked example: 250,000 natural plays, ¥20,000 GMV, ¥40 CPM → GPM 80, model 2.0 ("1:2").
  let result = model(natural(250_000, gmv: 2_000_000))
  #expect(result.naturalGPM == Fraction(80))
  #expect(result.cpmPrice == Fraction(40))
  #expect(result.roiModel == Fraction(2))
  #expect(result.roiModel?.value == 2.0)
  #expect(result.aboveFloor == true)
}

@Test func zeroDenominatorsGiveNilNeverNaN() {
  let empty = model(TrafficSums())
  #expect(empty.naturalGPM == nil)
  #expect(empty.roiModel == nil)
  #expect(empty.paidCPM == nil)
  #expect(empty.paidGPM == nil)
  #expect(empty.paidROI == nil)
  #expect(empty.totalROI == nil)
  #expect(empty.engagementRate == nil)
  #expect(empty.commentLikeRatio == nil)
  #expect(empty.aboveFloor == nil)
  #expect(empty.trend == nil)
  // Natural GMV with no spend: total ROI is undefined, not infinite.
  let unpaid = model(natural(1_000, gmv: 500))
  #expect(unpaid.totalROI == nil)
  #expect(unpaid.roiModel != nil)
}

@Test func paidRatiosComeFromPaidSumsAndEngagementFromAllSources() {
  var sums = natural(100_000, gmv: 400_000)
  sums.paidImpressions = 50_000
  sums.paidCost = 200_000
  sums.paidGMV = 300_000
  sums.likes = 4_000
  sums.comments = 500
  let result = model(sums)
  #expect(result.paidCPM == Fraction(40))  // ¥2,000 for 50 thousand impressions
  #expect(result.paidGPM == Fraction(60))
  #expect(result.paidROI == Fraction(3, over: 2))
  #expect(result.totalROI == Fraction(7, over: 2))
  #expect(result.engagementRate == Fraction(4_500, over: 150_000))
  #expect(result.commentLikeRatio == Fraction(1, over: 8))
}

@Test func observedCPMUsesTheRowsPaidCPMElseTheSetting() {
  var sums = natural(250_000, gmv: 2_000_000)
  sums.paidImpressions = 80_000
  sums.paidCost = 400_000  // ¥50 per thousand
  #expect(model(sums, cpm: .observed(fallbackFen: 4_000)).cpmPrice == Fraction(50))
  #expect(
    model(sums, cpm: .observed(fallbackFen: 4_000)).roiModel == Fraction(8, over: 5))
  let unpaid = natural(250_000, gmv: 2_000_000)
  #expect(model(unpaid, cpm: .observed(fallbackFen: 4_000)).roiModel == Fraction(2))
  // Paid impressions that cost nothing (a free test) fall back too, rather than dividing by 0.
  var free = unpaid
  free.paidImpressions = 1_000
  #expect(model(free, cpm: .observed(fallbackFen: 4_000)).cpmPrice == Fraction(40))
}

@Test func floorIsInclusiveAndExact() {
  // 1.2 exactly: 300,000 plays and ¥14,400 GMV at ¥40 → GPM 48 → 1.2.
  #expect(model(natural(300_000, gmv: 1_440_000)).aboveFloor == true)
  #expect(model(natural(300_000, gmv: 1_439_999)).aboveFloor == false)
}

@Test func trendAtItsEdges() {
  let previous = Fraction(2)
  func trend(_ current: Fraction?, _ before: Fraction? = previous) -> Trend? {
    TrafficModel.trend(current, against: before, declineRatio: decline08)
  }
  #expect(trend(Fraction(16, over: 10)) == .flat)  // exactly 80%: not a decline
  #expect(trend(Fraction(1_599_999, over: 1_000_000)) == .down)
  #expect(trend(Fraction(25, over: 10)) == .flat)  // exactly previous ÷ 0.8
  #expect(trend(Fraction(2_500_001, over: 1_000_000)) == .up)
  #expect(trend(Fraction(2)) == .flat)
  #expect(trend(Fraction(1), Fraction(0)) == nil)  // previous model 0
  #expect(trend(nil) == nil)
  #expect(trend(Fraction(1), nil) == nil)
}

@Test func trendComparesTheWindowWithThePreviousOne() {
  let before = natural(100_000, gmv: 400_000)  // model 1.0
  #expect(model(natural(100_000, gmv: 320_000), previous: before).trend == .flat)  // 0.8
  #expect(model(natural(100_000, gmv: 319_999), previous: before).trend == .down)
  #expect(model(natural(100_000, gmv: 500_001), previous: before).trend == .up)
  #expect(model(natural(100_000, gmv: 400_000), previous: TrafficSums()).trend == nil)
}

@Test func tiersAtTheirThresholds() throws {
  let tiers = try #require(QuerySettings.defaults).tiers
  #expect(tiers.tier(followers: 5_000_000) == .superHead)
  #expect(tiers.tier(followers: 4_999_999) == .head)
  #expect(tiers.tier(followers: 1_000_000) == .head)
  #expect(tiers.tier(followers: 999_999) == .mid)
  #expect(tiers.tier(followers: 100_000) == .mid)
  #expect(tiers.tier(followers: 99_999) == .tail)
  #expect(tiers.tier(followers: 10_000) == .tail)
  #expect(tiers.tier(followers: 9_999) == .koc)
  #expect(tiers.tier(followers: 0) == .koc)
}

@Test func suggestedWeeklyBudgetFollowsTheTier() throws {
  let settings = try #require(QuerySettings.defaults)
  #expect(settings.weeklyBudget(for: .superHead) == 100_000_000)
  #expect(settings.weeklyBudget(for: .head) == 30_000_000)
  // No content service below head: mid KOLs pressure-test with Dou+ (their cap is a plan's).
  #expect(settings.weeklyBudget(for: .mid) == nil)
  #expect(settings.kolCap(for: .mid) == 5_000_000)
  #expect(settings.kolCap(for: .koc) == 1_000_000)
  #expect(settings.weeklyBudget(for: .tail) == nil)
  #expect(settings.weeklyBudget(for: .koc) == nil)
  #expect(settings.weeklyBudget(for: nil) == nil)
}

@Test func settingsChangeTheReports() throws {
  let ledger = try Ledger.inMemory()
  try ledger.setSetting("cpm_price", "50")
  try ledger.setSetting("roi_floor", "1.6")
  try ledger.setSetting("tier_head", "1200000")
  let settings = try ledger.querySettings()
  #expect(settings.cpmPrice == 5_000)
  #expect(settings.roiFloor == Fraction(16, over: 10))
  #expect(settings.tiers.tier(followers: 1_000_000) == .mid)
  #expect(throws: LedgerError.self) { try ledger.setSetting("engagement_floor", "3%") }
  #expect(throws: LedgerError.self) { try ledger.setSetting("decline_ratio", "1.5") }
  #expect(throws: LedgerError.self) { try ledger.setSetting("budget_head", "-1") }
}
