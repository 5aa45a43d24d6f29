import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

/// Facts for one video on 2026-05-30, every rule satisfied for Dou+ unless a test changes one:
/// a mid KOL (600k followers), 10 days old, 700,000 natural impressions at model 2.0, 4%
/// engagement, an account with weight.
private struct Case {
  static let asOf = Day(year: 2026, month: 5, day: 30) ?? Day(daysSinceEpoch: 0)
  static let settings: QuerySettings = {
    guard let settings = QuerySettings.defaults else { fatalError("the default settings parse") }
    return settings
  }()
  var facts: DecisionFacts
  var thresholds = DecisionThresholds(Case.settings)

  init(
    impressions: Int64 = 700_000, fenPerPlay: Int64 = 8, followers: Int64 = 600_000,
    age: Int = 10, review: AdReview = .pending, authorised: Bool = false,
    chain: String = "tmall", paidCost: Int64 = 0, paidGMV: Int64 = 0
  ) {
    var sums = TrafficSums()
    sums.naturalImpressions = impressions
    sums.naturalGMV = impressions * fenPerPlay
    sums.likes = impressions * 36 / 1000
    sums.comments = impressions * 4 / 1000
    sums.paidCost = paidCost
    sums.paidGMV = paidGMV
    sums.paidImpressions = paidCost > 0 ? 100_000 : 0
    sums.rows = 7
    let video = VideoFacts(
      ref: 1, videoID: "v1", kolID: "k1", brand: "B", title: nil, chain: chain,
      published: DateTime(day: Case.asOf.adding(days: -age), secondOfDay: 72_000),
      adReview: review, biddingAuthorized: authorised)
    facts = DecisionFacts(
      video: video, asOf: Case.asOf, window: 7, followers: followers,
      tier: Case.settings.tiers.tier(followers: followers), ageDays: age,
      model: Case.model(sums), launch: nil, weight: Fraction(60_000), running: [],
      hadSuixintui: false, sale: nil)
  }

  static func model(_ sums: TrafficSums, previous: TrafficSums? = nil, cpm: Int64 = 4_000)
    -> TrafficModel
  {
    TrafficModel(
      current: sums, previous: previous, cpm: .price(fen: cpm), floor: settings.roiFloor,
      declineRatio: settings.declineRatio)
  }

  func decide() -> Decision {
    RuleEngine(settings: Case.settings, thresholds: thresholds).decide(facts)
  }
}

private func rules(_ decision: Decision) -> [String] { decision.reasons.map(\.rule.rawValue) }

@Test(arguments: [(Int64(99_999), AdviceAction.hold), (100_000, .douPlus)])
func evidenceBelowTheMinimumHolds(impressions: Int64, action: AdviceAction) {
  let decision = Case(impressions: impressions).decide()
  #expect(decision.action == action)
  #expect(decision.evidenceImpressions == impressions)
  if action == .hold {
    #expect(decision.reasons.last?.rule == .evidence)
    #expect(
      decision.reasons.last?.text.hasPrefix("not enough data: 99,999 natural impressions") == true)
  }
}

@Test func evidenceIsASetting() {
  var test = Case(impressions: 50_000)
  test.thresholds.minEvidence = 50_000
  #expect(test.decide().action == .douPlus)
}

@Test func floorIsCheckedAfterEvidence() {
  let decision = Case(fenPerPlay: 4).decide()
  #expect(decision.action == .hold)
  #expect(
    decision.reasons.last?.cited
      == "floor: traffic ROI model 1.00 is below the floor 1.20 over the last 7 days")
}

@Test(arguments: [(Int64(999_999), false), (1_000_000, true)])
func contentServiceOnlyFromHead(followers: Int64, booked: Bool) {
  let decision = Case(followers: followers, review: .passed).decide()
  #expect((decision.action == .contentService) == booked)
  if booked {
    #expect(decision.weeklyBudget == 30_000_000)
    #expect(decision.reasons.last?.rule == .tierCap)
    #expect(decision.reasons.last?.text.contains("per KOL, not per video") == true)
  } else {
    #expect(decision.serviceBlock?.rule == .tier)
    #expect(decision.action == .douPlus)
    #expect(rules(decision).contains("pressure_test"))
  }
}

@Test func contentServiceNeedsEngagementAndReview() {
  var low = Case(followers: 6_000_000, review: .passed)
  low.thresholds.engagementFloor = (Fraction(5, over: 100) ?? Fraction(0))
  #expect(low.decide().serviceBlock?.rule == .engagement)
  #expect(
    low.decide().serviceBlock?.text == "engagement rate 4.0% is below 5.0%: no content service")
  let unreviewed = Case(followers: 6_000_000).decide()
  #expect(unreviewed.serviceBlock?.rule == .adReview)
  #expect(unreviewed.action == .douPlus)
}

@Test(arguments: [(Int64(49_999), AdviceAction.douPlus), (50_000, .kolBidding)])
func biddingNeedsAccountWeight(weight: Int64, action: AdviceAction) {
  var test = Case(review: .passed, authorised: true)
  test.facts.weight = Fraction(weight)
  let decision = test.decide()
  #expect(decision.action == action)
  if action == .douPlus {
    #expect(
      decision.reasons.contains {
        $0.rule == .weight
          && $0.text == "KOL bidding needs account weight: median natural plays 49,999 < 50,000"
      })
  }
}

@Test func koCWithoutWeightIsNotAdvisedBidding() {
  var test = Case(followers: 1_716, review: .passed, authorised: true)
  test.facts.weight = nil
  let decision = test.decide()
  #expect(decision.action == .douPlus)
  #expect(decision.mode == .targeted)
  #expect(decision.reasons.contains { $0.rule == .weight })
}

@Test func closedLoopVideosGetSuixintuiUntargetedFirst() {
  var test = Case(chain: "closed_loop")
  #expect(test.decide().action == .suixintui)
  #expect(test.decide().mode == .smart)
  #expect(test.decide().reasons.last?.rule == .closedLoop)
  test.facts.hadSuixintui = true
  #expect(test.decide().mode == .targeted)
}

@Test func noDouPlusInsideASaleButSuixintuiGoesOn() {
  var test = Case()
  let sale = SaleWindow(
    name: "618", start: Case.asOf.adding(days: -3), end: Case.asOf.adding(days: 3),
    cpmPrice: 10_000)
  test.facts.sale = sale
  let decision = test.decide()
  #expect(decision.action == .hold)
  #expect(decision.reasons.last?.rule == .sale)
  #expect(decision.reasons.last?.text.hasPrefix("no Dou+ inside the sale 618") == true)
  var closed = Case(chain: "closed_loop")
  closed.facts.sale = sale
  #expect(closed.decide().action == .suixintui)
}

@Test func saleCPMIsTwoAndAHalfTimesTheSetting() {
  #expect(Case.settings.saleCPMPrice == 10_000)
}

@Test func aVideoInItsLaunchIsJudgedOnTheLaunchModel() {
  var test = Case(followers: 6_000_000, age: 1)
  var launch = TrafficSums()
  launch.naturalImpressions = 200_000
  launch.naturalGMV = 200_000 * 12
  launch.rows = 2
  test.facts.launch = Case.model(launch)
  let decision = test.decide()
  #expect(decision.judgedOnLaunch)
  #expect(decision.evidenceImpressions == 200_000)
  #expect(decision.roiModel == Fraction(3))
  #expect(decision.reasons.first?.rule == .launch)
  #expect(decision.strategy == .explosive)
  // A launch with too few plays holds, even though the rolling window has plenty.
  launch.naturalImpressions = 20_000
  test.facts.launch = Case.model(launch)
  #expect(test.decide().action == .hold)
  #expect(test.decide().reasons.last?.rule == .evidence)
}

@Test(arguments: [(2, false), (3, true)])
func warmUpHoldsBelowSuperHead(age: Int, paid: Bool) {
  let decision = Case(age: age).decide()
  #expect((decision.action == .douPlus) == paid)
  if !paid { #expect(decision.reasons.last?.rule == .warmup) }
}

@Test func risingModelWithPaidROIAboveTheFloorGoesRealtime() {
  var test = Case(paidCost: 100_000, paidGMV: 200_000)
  var before = TrafficSums()
  before.naturalImpressions = 700_000
  before.naturalGMV = 700_000 * 5
  test.facts.model = Case.model(test.facts.model.sums, previous: before)
  let decision = test.decide()
  #expect(decision.strategy == .realtime)
  #expect(decision.reasons.last?.text.contains("2-hour and 6-hour add-ons") == true)
}

@Test func paidROIBelowTheFloorStopsBeforeEverythingElse() {
  let decision = Case(impressions: 10, paidCost: 100_000, paidGMV: 50_000).decide()
  #expect(decision.action == .stop)
  #expect(decision.reasons.last?.rule == .paidFloor)
}

@Test func gmvWithoutPlaysIsLeftOutWithANote() {
  var sums = TrafficSums()
  let row = MetricRow(
    videoRef: 1, day: 0, source: 0, impressions: 0, cost: 0, gmv: 123_400, orders: 1, likes: 0,
    comments: 0)
  sums.add(row)
  // report roi keeps the stored sums; the decisions take the unplayed GMV out.
  #expect(sums.naturalGMV == 123_400)
  #expect(sums.unplayedGMV == 123_400)
  #expect(sums.excludingUnplayedGMV().naturalGMV == 0)
  var test = Case()
  var model = test.facts.model.sums
  model.add(sums)
  test.facts.model = Case.model(model.excludingUnplayedGMV())
  let decision = test.decide()
  #expect(decision.roiModel == Fraction(2))
  #expect(
    decision.reasons.first?.cited.hasPrefix("no_plays: ¥1,234 of natural GMV on 1 day") == true)
}

@Test func everySpendingDecisionRestsOnEnoughEvidence() {
  var rng = SplitMix64(state: 14)
  for _ in 0..<500 {
    var test = Case(
      impressions: Int64(rng.next() % 300_000), fenPerPlay: Int64(rng.next() % 12),
      followers: Int64(rng.next() % 8_000_000), age: Int(rng.next() % 30),
      review: rng.next() % 2 == 0 ? .passed : .pending, authorised: rng.next() % 2 == 0,
      chain: rng.next() % 3 == 0 ? "closed_loop" : "tmall")
    test.facts.weight = Fraction(Int64(rng.next() % 100_000))
    let decision = test.decide()
    if decision.spends {
      #expect(decision.evidenceImpressions >= 100_000)
      #expect(decision.roiModel.map { $0 >= Case.settings.roiFloor } == true)
    }
    #expect(!decision.reasons.isEmpty)
  }
}

@Test func aDecisionWithoutTextHasTheSameRulesAndOutcome() {
  var random = SplitMix64(state: 5)
  var spent = 0
  for _ in 0..<300 {
    var one = Case(
      impressions: random.int(0...2_000_000), fenPerPlay: random.int(1...12),
      followers: random.int(0...20_000_000), age: Int(random.int(0...40)),
      review: random.chance(50) ? .passed : .pending, authorised: random.chance(40),
      chain: random.chance(20) ? SalesChain.closedLoop.rawValue : "tmall",
      paidCost: random.chance(30) ? random.int(1...90_000) : 0, paidGMV: random.int(0...200_000))
    one.thresholds.engagementFloor = Fraction(Int128(random.int(0...6)), over: 100) ?? Fraction(0)
    let explained = one.decide()
    var engine = RuleEngine(settings: Case.settings, thresholds: one.thresholds)
    engine.explains = false
    var quiet = engine.decide(one.facts)
    #expect(quiet.reasons.allSatisfy { $0.text.isEmpty })
    #expect(rules(quiet) == rules(explained))
    #expect(quiet.serviceBlock?.rule == explained.serviceBlock?.rule)
    quiet.reasons = explained.reasons
    quiet.serviceBlock = explained.serviceBlock
    quiet.quiet = false
    #expect(quiet == explained)
    if explained.spends { spent += 1 }
  }
  #expect(spent > 30)
}

@Test func everyReasonForTargetedModeIsNamedWithItsNumbersInOneSentence() {
  var test = Case(followers: 300_000, age: 40)
  test.facts.weight = Fraction(1_234_567, over: 100)
  var previous = TrafficSums()
  previous.naturalImpressions = 700_000
  previous.naturalGMV = 700_000 * 20
  test.facts.model = Case.model(test.facts.model.sums, previous: previous)
  let decision = test.decide()
  #expect(decision.action == .douPlus && decision.mode == .targeted)
  let texts = decision.reasons.map(\.cited)
  #expect(
    texts.contains(
      "pressure_test: pressure-test with Dou+ (mid KOL: no content service below head)"))
  #expect(
    texts.contains(
      "mode: targeted mode: 300,000 followers < 500,000; low account weight: median natural "
        + "plays 12,345 < 50,000; 40 days old > 15; the model is declining against the previous "
        + "7 days"))
  test.facts.followers = nil
  test.facts.tier = nil
  test.facts.weight = nil
  test.facts.ageDays = nil
  test.facts.model = Case.model(test.facts.model.sums)
  let unknown = test.decide().reasons.map(\.cited)
  #expect(
    unknown.contains(
      "pressure_test: pressure-test with Dou+ (unknown-tier KOL: no content service below head)"))
  #expect(
    unknown.contains(
      "mode: targeted mode: followers unknown; no account weight: the KOL has no natural plays "
        + "in 90 days; publish time unknown"))
}
