public import LedgerStore

/// The rule a reason cites; the ids and their order are in docs/method.md, "Decisions".
public enum DecisionRule: String, Sendable, Equatable, CaseIterable {
  /// Natural GMV on a day without natural plays, left out of the model (a note).
  case unplayedGMV = "no_plays"
  /// A video in its launch is judged on its launch model.
  case launch
  /// Paid ROI below the floor: stop.
  case paidFloor = "paid_floor"
  /// No natural impressions, so no model.
  case noModel = "no_model"
  /// Fewer natural impressions than `min_evidence_impressions`.
  case evidence
  /// The model against the ROI floor.
  case floor
  /// Engagement against `engagement_floor` (content service).
  case engagement
  /// The ad review (content service, KOL bidding).
  case adReview = "ad_review"
  /// Content service is for head and super-head KOLs.
  case tier
  /// The KOL's weekly budget, per KOL not per video.
  case tierCap = "tier_cap"
  /// A content-service booking is running.
  case contentRunning = "content_running"
  /// KOL bidding: authorised, reviewed and with account weight.
  case bidding = "kol_bidding"
  /// The account's weight (median natural plays of the KOL's recent videos).
  case weight
  /// Inside a promotion: no Dou+.
  case sale
  /// The natural warm-up before standard Dou+.
  case warmup
  /// Closed-loop (抖店) videos use 随心推 instead of Dou+.
  case closedLoop = "closed_loop"
  /// Below head, Dou+ is the pressure test before any content service.
  case pressureTest = "pressure_test"
  /// Dou+ smart or targeted.
  case mode
  /// Standard, realtime or explosive.
  case strategy
}

/// One reason of a decision, with the rule it applies.
public struct DecisionReason: Sendable, Equatable {
  public var rule: DecisionRule
  public var text: String

  /// "rule: text", as the tables print it.
  public var cited: String { "\(rule.rawValue): \(text)" }
}

extension [DecisionReason] {
  /// Every reason ``DecisionReason/cited``, joined by "; ", as the tables print them: made in
  /// one string of the right size (advise prints it for each of 224,000 videos at 16×).
  package var cited: String {
    var size = 0
    for reason in self { size += reason.rule.rawValue.utf8.count + 4 + reason.text.utf8.count }
    // The bytes copied into one buffer: String's appends cost more than the copies.
    return String(unsafeUninitializedCapacity: size) { buffer in
      var end = 0
      func copy(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
          _ = UnsafeMutableBufferPointer(rebasing: buffer[end...]).initialize(from: bytes)
          end += bytes.count
        }
      }
      for (index, reason) in enumerated() {
        if index > 0 { copy("; ") }
        copy(reason.rule.rawValue)
        copy(": ")
        copy(reason.text)
      }
      return end
    }
  }
}

/// A promotion as the rules see it: its days and the CPM bought traffic costs inside it.
public struct SaleWindow: Sendable, Equatable {
  public var name: String
  public var start: Day
  public var end: Day
  /// Reference CPM inside the sale, fen per thousand (`cpm_price` × `sale_cpm_factor`).
  public var cpmPrice: Int64

  public func contains(_ day: Day) -> Bool { start <= day && day <= end }
}

/// The thresholds a decision uses: the settings, or a command's overrides.
package struct DecisionThresholds: Sendable, Equatable {
  package var floor: Fraction
  package var minEvidence: Int64
  package var engagementFloor: Fraction

  /// The ledger's settings.
  package init(_ settings: QuerySettings) {
    floor = settings.roiFloor
    minEvidence = settings.minEvidenceImpressions
    engagementFloor = settings.engagementFloor
  }
}

/// Everything the rules read about one video on one day.
package struct DecisionFacts: Sendable {
  package var video: VideoFacts
  package var asOf: Day
  /// Days of the rolling window.
  package var window: Int
  package var followers: Int64?
  package var tier: KOLTier?
  /// Days since publication on `asOf`; nil when unknown.
  package var ageDays: Int?
  /// The model over the window ending `asOf` (at the sale CPM inside a sale).
  package var model: TrafficModel
  /// The model over the first `launch_days` after publishing (natural traffic, up to `asOf`).
  package var launch: TrafficModel?
  /// Median natural plays of the KOL's videos over the last 90 days.
  package var weight: Fraction?
  /// The video's placements running on `asOf`.
  package var running: [PlacementSpan]
  /// Whether the video ever had a 随心推 placement (the untargeted test is done).
  package var hadSuixintui: Bool
  /// The promotion `asOf` falls in (or the one a plan is for).
  package var sale: SaleWindow?
}

/// What the rules decided for one video, with every reason in the order applied.
public struct Decision: Sendable, Equatable {
  public var action: AdviceAction = .hold
  /// Dou+ and 随心推: smart (untargeted) or targeted.
  public var mode: DeliveryMode?
  public var strategy: Strategy?
  /// Content service: the KOL's weekly budget, fen (per KOL, not per video).
  public var weeklyBudget: Int64?
  /// Natural impressions behind the model the decision rests on.
  public var evidenceImpressions: Int64 = 0
  /// Whether the launch model was judged (the video is in its launch).
  public var judgedOnLaunch = false
  /// The model judged: the launch model in the launch, else the rolling one.
  public var roiModel: Fraction?
  public var reasons: [DecisionReason] = []
  /// The first content-service condition that failed, when the model passed the floor.
  public var serviceBlock: DecisionReason?
  /// Whether the reasons are kept without their text (a caller that prints none of them).
  var quiet = false

  /// Whether the action spends money.
  public var spends: Bool {
    switch action {
    case .contentService, .kolBidding, .douPlus, .suixintui: true
    case .hold, .stop: false
    }
  }

  /// The rule that decided a hold or stop (its last reason).
  public var decidingRule: DecisionRule? { reasons.last?.rule }

  mutating func say(_ rule: DecisionRule, _ text: @autoclosure () -> String) {
    reasons.append(reason(rule, text()))
  }

  /// A reason, with its text unless the decision is ``quiet``.
  func reason(_ rule: DecisionRule, _ text: @autoclosure () -> String) -> DecisionReason {
    DecisionReason(rule: rule, text: quiet ? "" : text())
  }
}

/// The one set of AIMT rules that `advise`, `shortlist`, `plan`, `video show` and the review
/// page apply (docs/method.md, "Decisions"), so they cannot contradict each other.
package struct RuleEngine: Sendable {
  package let settings: QuerySettings
  package let thresholds: DecisionThresholds
  /// Whether the reasons have their text; false keeps only their rules, for a caller that
  /// prints no reason (the shortlist without its excluded videos).
  package var explains = true
  /// The floor as the reasons print it.
  private let floorText: String
  /// The thresholds' other numbers as the reasons print them, made once, not per video.
  private let minEvidenceText: String
  private let engagementFloorText: String
  private let smartMinFollowersText: String
  private let weightMedianPlaysText: String

  package init(settings: QuerySettings, thresholds: DecisionThresholds) {
    self.settings = settings
    self.thresholds = thresholds
    floorText = Format.ratio(thresholds.floor)
    minEvidenceText = Format.count(thresholds.minEvidence)
    engagementFloorText = Format.percent(thresholds.engagementFloor)
    smartMinFollowersText = Format.count(settings.smartMinFollowers)
    weightMedianPlaysText = Format.count(settings.weightMedianPlays)
  }

  /// The decision for one video.
  package func decide(_ facts: DecisionFacts) -> Decision {
    var decision = Decision()
    decision.quiet = !explains
    // Most decisions give one to six reasons: one allocation, not a doubling per reason.
    decision.reasons.reserveCapacity(6)
    let floor = thresholds.floor
    let window = facts.window
    var days: String { "the last \(window) day" + (window == 1 ? "" : "s") }
    let inLaunch = facts.ageDays.map { $0 >= 0 && $0 < settings.launchDays } ?? false
    let judged = inLaunch ? (facts.launch ?? facts.model) : facts.model
    var over: String { inLaunch ? "its launch" : days }
    decision.judgedOnLaunch = inLaunch && facts.launch != nil
    decision.evidenceImpressions = judged.sums.naturalImpressions
    decision.roiModel = judged.roiModel
    if judged.sums.unplayedGMV > 0 {
      decision.say(
        .unplayedGMV,
        "\(Format.yuan(judged.sums.unplayedGMV)) of natural GMV on \(judged.sums.unplayedRows) "
          + "day\(judged.sums.unplayedRows == 1 ? "" : "s") without natural plays is left out "
          + "of the model (the ledger check lists the rows)")
    }
    if decision.judgedOnLaunch, let age = facts.ageDays {
      decision.say(
        .launch,
        "day \(age + 1) of its \(settings.launchDays)-day launch: judged on the launch model")
    }
    if let sale = facts.sale {
      decision.say(
        .sale,
        "inside the sale \(sale.name) (\(sale.start) to \(sale.end)): the model uses the sale "
          + "CPM \(Format.yuan(sale.cpmPrice))")
    }
    if let paid = facts.model.paidROI, facts.model.sums.paidCost > 0, paid < floor {
      decision.action = .stop
      decision.say(
        .paidFloor,
        "paid ROI \(Format.ratio(paid)) is below the floor \(floorText) over \(days): stop")
      return decision
    }
    guard let roi = judged.roiModel else {
      decision.say(
        .noModel, "no natural impressions over \(over): no model yet, wait for data")
      return decision
    }
    if judged.sums.naturalImpressions < thresholds.minEvidence {
      decision.say(
        .evidence,
        ReasonText.make {
          $0.add("not enough data: ")
          $0.add(count: judged.sums.naturalImpressions)
          $0.add(" natural impressions (min ")
          $0.add(minEvidenceText)
          $0.add(")")
        })
      return decision
    }
    if roi < floor {
      decision.say(
        .floor,
        ReasonText.make {
          $0.add("traffic ROI model ")
          $0.add(ratio: roi)
          $0.add(" is below the floor ")
          $0.add(floorText)
          $0.add(" over ")
          if inLaunch {
            $0.add("its launch")
          } else {
            $0.add("the last ")
            $0.add(window)
            $0.add(window == 1 ? " day" : " days")
          }
        })
      return decision
    }
    decision.say(
      .floor,
      ReasonText.make {
        $0.add("traffic ROI model ")
        $0.add(ratio: roi)
        $0.add(" ≥ floor ")
        $0.add(floorText)
      })
    if contentService(facts, judged: judged, &decision) { return decision }
    if bidding(facts, &decision) { return decision }
    if let service = facts.running.first(where: { $0.tool == Source.contentService.rawValue }) {
      decision.say(
        .contentRunning,
        "content service \(service.placementID) is running"
          + (service.end.map { " until \($0)" } ?? "")
          + ": no Dou+ on this video until it ends (the two may not overlap)")
      return decision
    }
    let closedLoop = facts.video.chain == SalesChain.closedLoop.rawValue
    if let sale = facts.sale, !closedLoop {
      decision.say(
        .sale,
        "no Dou+ inside the sale \(sale.name): Dou+ is leftover traffic and barely spends "
          + "during a big sale")
      return decision
    }
    if let age = facts.ageDays, age < settings.warmupDays, facts.tier != .superHead {
      decision.say(
        .warmup,
        "natural warm-up: day \(age + 1) of \(settings.warmupDays); paid orders start after")
      return decision
    }
    if closedLoop {
      decision.action = .suixintui
      decision.mode = facts.hadSuixintui ? .targeted : .smart
      decision.strategy = .standard
      decision.say(
        .closedLoop,
        "closed-loop (抖店) video: 随心推 instead of Dou+, many small orders, "
          + (facts.hadSuixintui
            ? "targeted now that the untargeted test ran; scale and copy the winners"
            : "untargeted test first"))
      return decision
    }
    douPlus(facts, &decision)
    return decision
  }

  /// Content service (head or super-head, engagement, ad review); true when it is the action.
  private func contentService(
    _ facts: DecisionFacts, judged: TrafficModel, _ decision: inout Decision
  ) -> Bool {
    let block: DecisionReason?
    let rate = judged.engagementRate ?? Fraction(0)
    if rate < thresholds.engagementFloor {
      block = decision.reason(
        .engagement,
        "engagement rate \(Format.percent(rate)) is below \(engagementFloorText): no content service"
      )
    } else if facts.video.adReview != .passed {
      block = decision.reason(
        .adReview,
        "ad review is \(facts.video.adReview.rawValue), not passed: no content service")
    } else if facts.tier != .head, facts.tier != .superHead {
      block = decision.reason(
        .tier,
        (facts.tier.map { "\($0.rawValue) KOL" } ?? "KOL of unknown followers")
          + ": content service is for head and super-head KOLs")
    } else {
      block = nil
    }
    decision.serviceBlock = block
    guard block == nil, let budget = settings.weeklyBudget(for: facts.tier) else { return false }
    decision.action = .contentService
    decision.weeklyBudget = budget
    decision.say(
      .engagement,
      "engagement rate \(Format.percent(rate)) ≥ \(engagementFloorText)")
    decision.say(.adReview, "ad review passed")
    decision.say(
      .tierCap,
      "\(facts.tier == .superHead ? "super-head" : "head") KOL "
        + "(\(Format.count(facts.followers ?? 0)) followers): book content service, about "
        + Format.yuan(budget) + " a week for this KOL (per KOL, not per video)")
    if let douPlus = facts.running.first(where: { $0.tool == Source.douPlus.rawValue }) {
      decision.say(
        .contentRunning,
        "Dou+ order \(douPlus.placementID) is running: book content service after it ends "
          + "(the two may not overlap)")
    }
    return true
  }

  /// KOL bidding (authorised, review passed, account weight); true when it is the action.
  private func bidding(_ facts: DecisionFacts, _ decision: inout Decision) -> Bool {
    guard facts.video.biddingAuthorized, facts.video.adReview == .passed else { return false }
    let needed = Fraction(settings.weightMedianPlays)
    guard let weight = facts.weight, weight >= needed else {
      decision.say(
        .weight,
        "KOL bidding needs account weight: "
          + (facts.weight.map { "median natural plays \(plays($0))" } ?? "no natural plays")
          + " < \(weightMedianPlaysText)")
      return false
    }
    decision.action = .kolBidding
    decision.say(
      .bidding,
      "the KOL authorised bidding, the ad review passed and the account has weight (median "
        + "natural plays \(plays(weight)) ≥ \(weightMedianPlaysText)): run OCPM")
    return true
  }

  private func douPlus(_ facts: DecisionFacts, _ decision: inout Decision) {
    decision.action = .douPlus
    if facts.tier != .head, facts.tier != .superHead {
      decision.say(
        .pressureTest,
        ReasonText.make {
          $0.add("pressure-test with Dou+ (")
          $0.add(facts.tier?.rawValue ?? "unknown-tier")
          $0.add(" KOL: no content service below head)")
        })
    }
    var targetedBecause: [String] = []
    let quiet = decision.quiet
    func targeted(_ because: @autoclosure () -> String) {
      targetedBecause.append(quiet ? "" : because())
    }
    let minimum = settings.smartMinFollowers
    if let followers = facts.followers, followers >= minimum {
      decision.say(
        .mode,
        ReasonText.make {
          $0.add(count: followers)
          $0.add(" followers ≥ ")
          $0.add(smartMinFollowersText)
        })
    } else {
      targeted(
        facts.followers.map { followers in
          ReasonText.make {
            $0.add(count: followers)
            $0.add(" followers < ")
            $0.add(smartMinFollowersText)
          }
        } ?? "followers unknown")
    }
    let needed = Fraction(settings.weightMedianPlays)
    if let weight = facts.weight, weight >= needed {
      decision.say(
        .mode,
        ReasonText.make {
          $0.add("account weight: median natural plays ")
          $0.add(count: playsCount(weight))
          $0.add(" ≥ ")
          $0.add(weightMedianPlaysText)
        })
    } else {
      targeted(
        facts.weight.map { weight in
          ReasonText.make {
            $0.add("low account weight: median natural plays ")
            $0.add(count: playsCount(weight))
            $0.add(" < ")
            $0.add(weightMedianPlaysText)
          }
        } ?? "no account weight: the KOL has no natural plays in 90 days")
    }
    if let age = facts.ageDays, age <= settings.freshDays {
      decision.say(
        .mode,
        ReasonText.make {
          $0.add(age)
          $0.add(" days old ≤ ")
          $0.add(settings.freshDays)
        })
    } else {
      targeted(
        facts.ageDays.map { age in
          ReasonText.make {
            $0.add(age)
            $0.add(" days old > ")
            $0.add(settings.freshDays)
          }
        } ?? "publish time unknown")
    }
    if facts.model.trend == .down, !decision.judgedOnLaunch {
      targeted(
        ReasonText.make {
          $0.add("the model is declining against the previous ")
          $0.add(facts.window)
          $0.add(" days")
        })
    }
    if targetedBecause.isEmpty {
      decision.mode = .smart
      decision.say(.mode, "smart mode")
    } else {
      decision.mode = .targeted
      decision.say(.mode, "targeted mode: " + targetedBecause.joined(separator: "; "))
    }
    strategy(facts, &decision)
  }

  /// Explosive for a super-head in its warm-up; realtime when paid traffic already returns
  /// above the floor and the model is rising; else standard (docs/method.md, "Decisions").
  private func strategy(_ facts: DecisionFacts, _ decision: inout Decision) {
    if let age = facts.ageDays, age < settings.warmupDays {
      decision.strategy = .explosive
      decision.say(
        .strategy,
        "super-head KOL in its first \(settings.warmupDays) days: explosive, compute the model "
          + "from the first 2 hours of sales and keep adding (day target ¥100,000 and more)")
    } else if let paid = facts.model.paidROI, facts.model.sums.paidCost > 0,
      paid >= thresholds.floor, facts.model.trend == .up
    {
      decision.strategy = .realtime
      decision.say(
        .strategy,
        "realtime: paid ROI \(Format.ratio(paid)) ≥ floor and the model is rising; a 24-hour "
          + "base order plus 2-hour and 6-hour add-ons at the peak hours")
    } else {
      decision.strategy = .standard
      decision.say(
        .strategy, "standard: 24-hour orders, review the daily ROI and adjust the next day")
    }
  }

  private func plays(_ weight: Fraction) -> String {
    Format.count(playsCount(weight))
  }

  /// The weight's whole plays.
  private func playsCount(_ weight: Fraction) -> Int64 {
    Int64(clamping: weight.numerator / weight.denominator)
  }
}
