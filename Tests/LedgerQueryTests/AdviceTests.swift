import LedgerStore
import Testing

@testable import LedgerQuery

/// A small ledger where each video is set up to meet exactly one AIMT rule, as of 2026-05-30.
private struct Scenario {
  let ledger: Ledger
  static let asOf = Day(year: 2026, month: 5, day: 30) ?? Day(daysSinceEpoch: 0)

  init() throws {
    ledger = try Ledger.inMemory()
    try ledger.write(options: WriteOptions(createMissing: true)) { writer in
      for (kol, followers) in [
        ("small", 300_000), ("mid", 600_000), ("head", 1_200_000), ("super", 6_000_000),
      ] {
        var input = KOLInput(kolID: kol)
        input.followers = Int64(followers)
        input.asOf = Scenario.asOf.adding(days: -60)
        try writer.upsert(input, at: .commandLine)
      }
      // video, KOL, days old, ad review, bidding authorised
      let videos: [(String, String, Int, AdReview, Bool)] = [
        ("stop", "mid", 10, .pending, false), ("below", "mid", 10, .pending, false),
        ("silent", "mid", 10, .pending, false), ("service", "head", 10, .passed, false),
        ("bidding", "mid", 10, .passed, true), ("smart", "mid", 10, .pending, false),
        ("follow", "small", 10, .pending, false), ("old", "mid", 20, .pending, false),
        ("warm", "mid", 1, .pending, false), ("burst", "super", 1, .pending, false),
        ("booked", "mid", 10, .pending, false), ("falling", "mid", 10, .pending, false),
      ]
      for (id, kol, age, review, authorised) in videos {
        var video = VideoInput(videoID: id)
        video.kolID = kol
        video.brand = "B"
        video.published = DateTime(day: Scenario.asOf.adding(days: -age), secondOfDay: 72_000)
        video.adReview = review
        video.biddingAuthorized = authorised
        try writer.upsert(video, at: .commandLine)
      }
      // Natural traffic over the last 14 days: 100,000 plays a day, GMV per play as given
      // (8 fen → model 2.0), 4% engagement.
      for (id, fenPerPlay) in [
        ("stop", 8), ("below", 2), ("service", 8), ("bidding", 8), ("smart", 8), ("follow", 8),
        ("old", 8), ("warm", 8), ("burst", 8), ("booked", 8),
      ] {
        for offset in 0..<14 {
          try writer.upsert(
            MetricInput(
              day: Scenario.asOf.adding(days: -offset), videoID: id, source: .natural,
              values: [
                .impressions: 100_000, .gmv: Int64(fenPerPlay) * 100_000, .likes: 3_600,
                .comments: 400,
              ]), at: .commandLine)
        }
      }
      // A model of 3.0 in the previous week and 1.6 in this one: declining, above the floor.
      for offset in 0..<14 {
        try writer.upsert(
          MetricInput(
            day: Scenario.asOf.adding(days: -offset), videoID: "falling", source: .natural,
            values: [.impressions: 100_000, .gmv: offset < 7 ? 640_000 : 1_200_000]),
          at: .commandLine)
      }
      // Paid traffic that returns half its cost.
      try writer.upsert(
        MetricInput(
          day: Scenario.asOf, videoID: "stop", source: .douPlus, placementID: "DP-S",
          values: [.impressions: 20_000, .cost: 100_000, .gmv: 50_000]), at: .commandLine)
      var booking = PlacementInput(placementID: "CS-1")
      booking.videoID = "booked"
      booking.tool = .contentService
      booking.budget = 5_000_000
      booking.start = DateTime(day: Scenario.asOf.adding(days: -2), secondOfDay: 0)
      booking.end = DateTime.endOfDay(Scenario.asOf.adding(days: 3))
      try writer.upsert(booking, at: .commandLine)
    }
  }

  func advice(_ videoID: String) throws -> Advice {
    var query = AdviseQuery()
    query.videoID = videoID
    query.asOf = Scenario.asOf
    return try #require(try ledger.advise(query).first)
  }
}

@Test func paidROIBelowTheFloorSaysStop() throws {
  let advice = try Scenario().advice("stop")
  #expect(advice.action == .stop)
  #expect(advice.reasons.first?.contains("paid ROI 0.50 is below the floor 1.20") == true)
}

@Test func modelBelowTheFloorSaysHold() throws {
  let advice = try Scenario().advice("below")
  #expect(advice.action == .hold)
  #expect(advice.reasons == ["traffic ROI model 0.50 is below the floor 1.20 over the last 7 days"])
}

@Test func noNaturalTrafficSaysHoldAndWait() throws {
  let advice = try Scenario().advice("silent")
  #expect(advice.action == .hold)
  #expect(advice.reasons.first?.hasPrefix("no natural impressions over the last 7 days") == true)
}

@Test func headKOLAboveFloorWithEngagementAndReviewGetsContentService() throws {
  let advice = try Scenario().advice("service")
  #expect(advice.action == .contentService)
  #expect(advice.kolTier == .head)
  #expect(advice.reasons.contains("engagement rate 4.0% ≥ 3.0%"))
  #expect(advice.reasons.contains("ad review passed"))
  #expect(advice.reasons.last?.contains("head KOL (1,200,000 followers)") == true)
  #expect(advice.reasons.last?.contains("¥300,000 a week") == true)
}

@Test func authorisedAndReviewedVideoGetsKOLBidding() throws {
  let advice = try Scenario().advice("bidding")
  #expect(advice.action == .kolBidding)
  #expect(
    advice.reasons.last?.contains(
      "the KOL authorised bidding, the ad review passed and the account has weight") == true)
}

@Test func bigFreshWeightyVideoGetsSmartStandardDouPlus() throws {
  let advice = try Scenario().advice("smart")
  #expect(advice.action == .douPlus)
  #expect(advice.mode == .smart)
  #expect(advice.strategy == .standard)
  #expect(advice.reasons.contains("600,000 followers ≥ 500,000"))
  #expect(advice.reasons.contains("10 days old ≤ 15"))
  #expect(advice.reasons.contains { $0.hasPrefix("account weight: median natural plays") })
}

@Test func fewFollowersMeansTargeted() throws {
  let advice = try Scenario().advice("follow")
  #expect(advice.mode == .targeted)
  #expect(advice.reasons.contains { $0.contains("300,000 followers < 500,000") })
}

@Test func videoOlderThanFifteenDaysMeansTargeted() throws {
  let advice = try Scenario().advice("old")
  #expect(advice.mode == .targeted)
  #expect(advice.reasons.contains { $0.contains("20 days old > 15") })
}

@Test func decliningModelMeansTargeted() throws {
  let advice = try Scenario().advice("falling")
  #expect(advice.model.trend == .down)
  #expect(advice.action == .douPlus)
  #expect(advice.mode == .targeted)
  #expect(advice.reasons.contains { $0.contains("declining") })
}

@Test func videoInItsWarmUpWaits() throws {
  let advice = try Scenario().advice("warm")
  #expect(advice.action == .hold)
  #expect(advice.reasons.last == "natural warm-up: day 2 of 3; paid orders start after")
}

@Test func superHeadInItsWarmUpGoesExplosive() throws {
  let advice = try Scenario().advice("burst")
  #expect(advice.action == .douPlus)
  #expect(advice.strategy == .explosive)
  #expect(advice.kolTier == .superHead)
}

@Test func runningContentServiceBlocksDouPlus() throws {
  let advice = try Scenario().advice("booked")
  #expect(advice.action == .hold)
  #expect(advice.reasons.last?.contains("content service CS-1 is running") == true)
}

@Test func thresholdsAreLedgerSettings() throws {
  let scenario = try Scenario()
  try scenario.ledger.setSetting("smart_min_followers", "700000")
  #expect(try scenario.advice("smart").mode == .targeted)
  try scenario.ledger.setSetting("roi_floor", "2.5")
  #expect(try scenario.advice("smart").action == .hold)
}

@Test func adviseListsOnlyVideosWithMetricsInTheWindow() throws {
  let scenario = try Scenario()
  var query = AdviseQuery()
  query.asOf = Scenario.asOf
  let ids = try scenario.ledger.advise(query).map(\.video.videoID)
  #expect(!ids.contains("silent"))
  #expect(ids.contains("stop") && ids.contains("falling"))
}

@Test func accountWeightIsTheMedianOfTheKOLsVideos() {
  #expect(AccountWeight.median([5, 1, 3]) == Fraction(3))
  #expect(AccountWeight.median([4, 1, 3, 10]) == Fraction(7, over: 2))
}

@Test(arguments: [("9", false), ("10", true), ("11", true)])
func aVideoAsOldAsTheFreshnessLimitIsStillFresh(freshDays: String, fresh: Bool) throws {
  // The "smart" video is 10 days old: fresh while fresh_days ≥ 10.
  let scenario = try Scenario()
  try scenario.ledger.setSetting("fresh_days", freshDays)
  let advice = try scenario.advice("smart")
  #expect(advice.mode == (fresh ? .smart : .targeted))
  #expect(advice.reasons.contains(fresh ? "10 days old ≤ \(freshDays)" : "smart mode") == fresh)
}

@Test(arguments: [("10", false), ("11", true)])
func theWarmUpLastsExactlyItsDays(warmupDays: String, warming: Bool) throws {
  // The "smart" video is 10 days old (its 11th day): in warm-up only while warmup_days > 10.
  let scenario = try Scenario()
  try scenario.ledger.setSetting("warmup_days", warmupDays)
  let advice = try scenario.advice("smart")
  #expect((advice.action == .douPlus) == !warming)
  #expect(advice.reasons.contains { $0.hasPrefix("natural warm-up: day 11 of") } == warming)
}
