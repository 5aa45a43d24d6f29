internal import GRDB
package import LedgerStore

/// The AIMT next step for a video.
package enum AdviceAction: String, Sendable, Equatable, CaseIterable {
  case douPlus = "dou_plus"
  case contentService = "content_service"
  case kolBidding = "kol_bidding"
  case hold
  case stop
}

/// The questions `advise` answers.
package struct AdviseQuery: Sendable {
  /// One video; nil: every video the filter selects that has metrics in the window.
  package var videoID: String?
  /// The day advised on; nil: the latest day with any metric.
  package var asOf: Day?
  /// Days of the window judged (the model, the trend, the paid ROI).
  package var window: Int = 7
  package var floor: Fraction?
  package var filter = VideoFilter()

  /// Every video, 7-day window, as of the latest day.
  package init() {}
}

/// The advice for one video, with every reason that led to it.
package struct Advice: Sendable, Equatable {
  package var video: VideoFacts
  package var asOf: Day
  package var followers: Int64?
  package var kolTier: KOLTier?
  /// Days since publication on `asOf`; nil when the publish time is unknown.
  package var ageDays: Int?
  /// The model over the window ending `asOf`.
  package var model: TrafficModel
  /// Median natural plays of the KOL's videos over the last 90 days (the account's weight).
  package var accountWeight: Fraction?
  package var action: AdviceAction
  /// For `dou_plus`: smart or targeted.
  package var mode: DeliveryMode?
  /// For `dou_plus`: standard (after warm-up) or explosive (super-head in warm-up).
  package var strategy: Strategy?
  /// Why, one sentence each, in the order the rules were applied.
  package var reasons: [String]
}

extension Ledger {
  /// The next AIMT step per video (docs/data-model.md, "advise"); the rules and their order are
  /// in README.
  package func advise(_ query: AdviseQuery) throws(LedgerError) -> [Advice] {
    if let videoID = query.videoID { _ = try video(videoID) }
    let settings = try querySettings()
    return try read { db in
      let context = try DecisionContext(db, settings: settings)
      guard let asOf = try query.asOf ?? MetricScan.latestDay(db) else { return [] }
      var filter = query.filter
      filter.videoID = query.videoID ?? filter.videoID
      let window = max(query.window, 1)
      let groups = Grouper(.video, context.directory)
      let (current, previous) = try WindowSums.compute(
        db, groups: groups, asOf: asOf, window: window, filter: filter, tool: nil)
      // One video or one KOL needs the weight of one KOL: read only its videos.
      let kolOfVideo = context.directory.videos.first { $0.videoID == filter.videoID }?.kolID
      let weights = try AccountWeight.compute(
        db, context: context, asOf: asOf,
        filter: VideoFilter(kolID: filter.kolID ?? kolOfVideo))
      let floor = query.floor ?? settings.roiFloor
      var advice: [Advice] = []
      for (slot, video) in context.directory.videos.enumerated() where filter.matches(video) {
        guard current[slot].rows > 0 || query.videoID != nil else { continue }
        let model = TrafficModel(
          current: current[slot], previous: previous[slot], cpm: .price(fen: settings.cpmPrice),
          floor: floor, declineRatio: settings.declineRatio)
        advice.append(
          AdviceRules(settings: settings, floor: floor, window: window).advise(
            video: video, asOf: asOf, model: model, context: context,
            weight: video.kolID.flatMap { weights[$0] }))
      }
      return advice
    }
  }
}

/// A KOL's weight: the median of its videos' natural plays over the last 90 days.
enum AccountWeight {
  static let days = 90

  static func compute(
    _ db: Database, context: DecisionContext, asOf: Day, filter: VideoFilter
  ) throws -> [String: Fraction] {
    var plays = [Int64](repeating: 0, count: context.directory.videos.count)
    var seen = [Bool](repeating: false, count: plays.count)
    try MetricScan.scan(
      db, from: asOf.adding(days: 1 - days), through: asOf, filter: filter
    ) { row in
      guard row.source == 0, let slot = context.directory.slot(ofRef: row.videoRef) else {
        return
      }
      plays[slot] &+= row.impressions
      seen[slot] = true
    }
    var byKOL: [String: [Int64]] = [:]
    for (slot, video) in context.directory.videos.enumerated() where seen[slot] {
      if let kol = video.kolID { byKOL[kol, default: []].append(plays[slot]) }
    }
    return byKOL.mapValues(median)
  }

  /// The middle value, or the mean of the two middle values, exactly.
  static func median(_ values: [Int64]) -> Fraction {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    if sorted.count % 2 == 1 { return Fraction(sorted[middle]) }
    return Fraction(Int128(sorted[middle - 1]) + Int128(sorted[middle]), over: 2) ?? Fraction(0)
  }
}

/// The AIMT rules of docs/method.md ("The tools"), applied in order: stop, hold, content
/// service, KOL bidding, Dou+ (smart or targeted; standard after the warm-up, explosive for a
/// super-head in it).
struct AdviceRules {
  let settings: QuerySettings
  let floor: Fraction
  let window: Int

  func advise(
    video: VideoFacts, asOf: Day, model: TrafficModel, context: DecisionContext,
    weight: Fraction?
  ) -> Advice {
    let followers = context.followers(of: video.kolID, on: asOf)
    let tier = followers.map(settings.tiers.tier(followers:))
    let age = video.published.map { asOf - $0.day }
    var advice = Advice(
      video: video, asOf: asOf, followers: followers, kolTier: tier, ageDays: age, model: model,
      accountWeight: weight, action: .hold, mode: nil, strategy: nil, reasons: [])
    let days = "the last \(window) day" + (window == 1 ? "" : "s")
    let floorText = Format.ratio(floor)

    if let paid = model.paidROI, model.sums.paidCost > 0, paid < floor {
      advice.action = .stop
      advice.reasons.append(
        "paid ROI \(Format.ratio(paid)) is below the floor \(floorText) over \(days): "
          + "stop paid traffic on this video")
      return advice
    }
    guard let roi = model.roiModel else {
      advice.reasons.append(
        "no natural impressions over \(days), so no traffic ROI model: wait for data")
      return advice
    }
    if roi < floor {
      advice.reasons.append(
        "traffic ROI model \(Format.ratio(roi)) is below the floor \(floorText) over \(days)")
      return advice
    }
    advice.reasons.append("traffic ROI model \(Format.ratio(roi)) ≥ floor \(floorText)")

    let running = context.placements(of: video).filter {
      $0.overlaps(
        from: DateTime(day: asOf, secondOfDay: 0),
        to: DateTime(day: asOf.adding(days: 1), secondOfDay: 0))
    }
    let head = tier == .head || tier == .superHead
    if head, let rate = model.engagementRate, rate >= settings.engagementFloor,
      video.adReview == .passed
    {
      advice.action = .contentService
      advice.reasons.append(
        "engagement rate \(Format.percent(rate)) ≥ \(Format.percent(settings.engagementFloor))")
      advice.reasons.append("ad review passed")
      advice.reasons.append(
        "\(tier == .superHead ? "super-head" : "head") KOL (\(Format.count(followers ?? 0)) "
          + "followers): book content service, about "
          + Format.yuan(settings.weeklyBudget(for: tier) ?? 0) + " a week")
      if let douPlus = running.first(where: { $0.tool == Source.douPlus.rawValue }) {
        advice.reasons.append(
          "Dou+ order \(douPlus.placementID) is running: book content service after it ends "
            + "(the two may not overlap)")
      }
      return advice
    }
    if video.biddingAuthorized, video.adReview == .passed {
      advice.action = .kolBidding
      advice.reasons.append("the KOL authorised bidding and the ad review passed: run OCPM")
      return advice
    }
    if let service = running.first(where: { $0.tool == Source.contentService.rawValue }) {
      advice.reasons.append(
        "content service \(service.placementID) is running"
          + (service.end.map { " until \($0)" } ?? "")
          + ": no Dou+ on this video until it ends (the two may not overlap)")
      return advice
    }
    douPlus(&advice, age: age, followers: followers, weight: weight, tier: tier)
    return advice
  }

  private func douPlus(
    _ advice: inout Advice, age: Int?, followers: Int64?, weight: Fraction?, tier: KOLTier?
  ) {
    if let age, age < settings.warmupDays, tier != .superHead {
      advice.reasons.append(
        "natural warm-up: day \(age + 1) of \(settings.warmupDays); standard Dou+ starts after")
      return
    }
    advice.action = .douPlus
    var targetedBecause: [String] = []
    let minimum = settings.smartMinFollowers
    if let followers, followers >= minimum {
      advice.reasons.append(
        "\(Format.count(followers)) followers ≥ \(Format.count(minimum))")
    } else {
      targetedBecause.append(
        followers.map { "\(Format.count($0)) followers < \(Format.count(minimum))" }
          ?? "followers unknown")
    }
    let needed = Fraction(settings.weightMedianPlays)
    if let weight, weight >= needed {
      advice.reasons.append(
        "account weight: median natural plays \(Format.count(Int64(weight.value))) ≥ "
          + Format.count(settings.weightMedianPlays))
    } else {
      targetedBecause.append(
        weight.map {
          "low account weight: median natural plays \(Format.count(Int64($0.value))) < "
            + Format.count(settings.weightMedianPlays)
        } ?? "no account weight: the KOL has no natural plays in 90 days")
    }
    if let age, age <= settings.freshDays {
      advice.reasons.append("\(age) days old ≤ \(settings.freshDays)")
    } else {
      targetedBecause.append(
        age.map { "\($0) days old > \(settings.freshDays)" } ?? "publish time unknown")
    }
    if advice.model.trend == .down {
      targetedBecause.append("the model is declining against the previous \(window) days")
    }
    if targetedBecause.isEmpty {
      advice.mode = .smart
      advice.reasons.append("smart mode")
    } else {
      advice.mode = .targeted
      advice.reasons.append("targeted mode: " + targetedBecause.joined(separator: "; "))
    }
    if let age, age < settings.warmupDays {
      advice.strategy = .explosive
      advice.reasons.append(
        "super-head KOL in its first \(settings.warmupDays) days: explosive, compute the model "
          + "from the first 2 hours of sales and keep adding")
    } else {
      advice.strategy = .standard
      advice.reasons.append(
        "standard: 24-hour orders, review the daily ROI and adjust the next day")
    }
  }
}
