internal import GRDB
public import LedgerStore

/// The questions `shortlist` answers; every field has the default of docs/data-model.md,
/// "shortlist".
public struct ShortlistQuery: Sendable {
  /// The sale, by name (its start and end come from the ledger).
  public var promotion: String?
  /// Or the sale's first day (and, optionally, its last; else the sale is that one day).
  public var saleStart: Day?
  public var saleEnd: Day?
  /// Days from the lock date (when content service is booked) to the sale.
  public var lead: Int = 30
  /// Days looked back from the day before the lock date.
  public var lookback: Int = 90
  /// Minimum traffic ROI model; nil: the `roi_floor` setting.
  public var floor: Fraction?
  /// Minimum natural impressions; nil: the `min_evidence_impressions` setting.
  public var minImpressions: Int64?
  /// Minimum engagement rate; nil: the `engagement_floor` setting (content service's own).
  public var minEngagement: Fraction?
  public var filter = VideoFilter()
  public var limit: Int?
  /// The week's budget, fen: the list is trimmed to it in rank order; nil: no trimming.
  public var budget: Int64?
  /// Whether the answer lists the videos left out (`excluded`); false leaves it empty, so a
  /// shortlist of 224,000 videos holds only the ones that qualify.
  package var keepExcluded = true

  /// The documented defaults; name the sale with `promotion` or `saleStart`.
  public init() {}
}

/// The shortlist rules, in the order they are checked (the first failed one is reported).
public enum ShortlistRule: String, Sendable, CaseIterable {
  case paidROI = "paid_roi"
  case impressions = "min_impressions"
  case floor = "roi_model"
  case engagement = "min_engagement"
  case adReview = "ad_review"
  case tier = "kol_tier"
  case douPlusOverlap = "dou_plus_overlap"
  case kolCap = "kol_cap"
  case budget
}

/// What ranked a shortlisted video.
public enum RankedBy: String, Sendable, Equatable {
  /// The realised paid ROI over the lookback (the video was promoted).
  case paidROI = "paid_roi"
  /// The traffic ROI model (no paid traffic in the lookback).
  case roiModel = "roi_model"
}

/// A video on the shortlist, or one that failed a rule (with `failed` set).
public struct ShortlistEntry: Sendable, Equatable {
  /// 1 for the best; 0 for an excluded video.
  public var rank: Int
  public var video: VideoFacts
  public var kolTier: KOLTier?
  /// The model over the lookback (its trend against the lookback before it).
  public var model: TrafficModel
  /// The ranking score: paid ROI over the lookback where the video was promoted, else the
  /// model (``rankedBy`` says which).
  public var score: Fraction?
  public var rankedBy: RankedBy
  /// The week's content-service budget booked on this video, fen (the KOL's tier budget, or
  /// what `--budget` leaves); nil for an excluded video below head.
  public var suggestedWeeklyBudget: Int64?
  /// Natural impressions behind the model.
  public var evidenceImpressions: Int64
  /// The rule engine's decision at the lookback's end.
  public var decision: Decision
  /// The first rule failed and why, for an excluded video.
  public var failed: (rule: ShortlistRule, reason: String)?

  public static func == (a: ShortlistEntry, b: ShortlistEntry) -> Bool {
    a.rank == b.rank && a.video == b.video && a.kolTier == b.kolTier && a.model == b.model
      && a.rankedBy == b.rankedBy && a.decision == b.decision
      && a.suggestedWeeklyBudget == b.suggestedWeeklyBudget && a.failed?.rule == b.failed?.rule
      && a.failed?.reason == b.failed?.reason
  }
}

/// A `shortlist` answer.
public struct Shortlist: Sendable {
  public var saleStart: Day
  public var saleEnd: Day
  /// Sale start − lead: the day content service is booked.
  public var lockDate: Day
  /// The lookback: `lookbackStart...lookbackEnd` (the day before the lock date).
  public var lookbackStart: Day
  public var lookbackEnd: Day
  public var floor: Fraction
  /// Qualifying videos, best first.
  public var entries: [ShortlistEntry]
  /// Every other video of the filter, with the first rule it failed (best model first).
  public var excluded: [ShortlistEntry]
}

extension Ledger {
  /// The pre-sale content-service shortlist (docs/data-model.md, "shortlist"; docs/method.md,
  /// "Big sales").
  public func shortlist(_ query: ShortlistQuery) throws(LedgerError) -> Shortlist {
    let (saleStart, saleEnd) = try saleDays(query)
    let settings = try querySettings()
    return try read { db in
      let context = try DecisionContext(
        db, settings: settings, filter: VideoFilter(kolID: query.filter.kolID))
      let lock = saleStart.adding(days: -query.lead)
      let lookback = max(query.lookback, 1)
      let end = lock.adding(days: -1)
      var thresholds = DecisionThresholds(settings)
      thresholds.floor = query.floor ?? settings.roiFloor
      thresholds.minEvidence = query.minImpressions ?? settings.minEvidenceImpressions
      thresholds.engagementFloor = query.minEngagement ?? settings.engagementFloor
      let saleFrom = DateTime(day: saleStart, secondOfDay: 0)
      let saleTo = DateTime(day: saleEnd.adding(days: 1), secondOfDay: 0)
      var entries: [ShortlistEntry] = []
      var excluded: [ShortlistEntry] = []
      try AdviceReader.advise(
        db, context: context, asOf: end, window: lookback, filter: query.filter,
        thresholds: thresholds, sale: context.sale(on: end), keepSilent: true,
        // Without the excluded videos no reason is printed: the rules alone rank and cap. No
        // entry shows a launch model: only the rules read it.
        explains: query.keepExcluded, everyLaunch: false
      ) { item in
        let promoted = item.model.sums.paidCost > 0
        var entry = ShortlistEntry(
          rank: 0, video: item.video, kolTier: item.kolTier, model: item.model,
          score: promoted ? item.model.paidROI : item.decision.roiModel,
          rankedBy: promoted ? .paidROI : .roiModel,
          suggestedWeeklyBudget: item.decision.weeklyBudget,
          evidenceImpressions: item.evidenceImpressions, decision: item.decision, failed: nil)
        let overlap = context.placements(of: item.video).first {
          $0.tool == Source.douPlus.rawValue && $0.overlaps(from: saleFrom, to: saleTo)
        }
        entry.failed = ShortlistRules.firstFailure(item.decision, douPlusOverlap: overlap)
        if entry.failed == nil {
          entries.append(entry)
        } else if query.keepExcluded {
          excluded.append(entry)
        }
      }
      entries.sortMovingIndices(key: { ($0.score, $0.video.videoID) }) { a, b in
        if a.0 != b.0, let x = a.0, let y = b.0 { return x > y }
        return a.1 < b.1
      }
      ShortlistRules.applyCaps(&entries, excluded: &excluded, budget: query.budget)
      if !query.keepExcluded { excluded = [] }
      for index in entries.indices { entries[index].rank = index + 1 }
      if let limit = query.limit, limit < entries.count {
        entries.removeLast(entries.count - limit)
      }
      excluded.sortMovingIndices(key: { ($0.model.roiModel, $0.video.videoID) }) { a, b in
        switch (a.0, b.0) {
        case (let x?, let y?) where x != y: return x > y
        case (nil, .some): return false
        case (.some, nil): return true
        default: return a.1 < b.1
        }
      }
      return Shortlist(
        saleStart: saleStart, saleEnd: saleEnd, lockDate: lock,
        lookbackStart: end.adding(days: 1 - lookback), lookbackEnd: end,
        floor: thresholds.floor, entries: entries, excluded: excluded)
    }
  }

  private func saleDays(_ query: ShortlistQuery) throws(LedgerError) -> (Day, Day) {
    if let name = query.promotion {
      let promotion = try promotion(name)
      guard let start = try? DateTime.parse(promotion.start).day,
        let end = try? DateTime.parse(promotion.end).day
      else {
        throw .invalidData([
          SourceLocation.commandLine.problem(
            "--promotion", "promotion '\(name)' has unreadable dates; correct its start and end")
        ])
      }
      return (start, end)
    }
    guard let start = query.saleStart else {
      throw .invalidData([
        SourceLocation.commandLine.problem("--promotion", "no sale named", remedy: .nameSale)
      ])
    }
    return (start, max(query.saleEnd ?? start, start))
  }
}

extension VideoFilter {
  func matches(_ video: VideoFacts) -> Bool {
    (brand == nil || video.brand == brand) && (kolID == nil || video.kolID == kolID)
      && (videoID == nil || video.videoID == videoID)
  }
}

/// The shortlist's rules: the rule engine's content-service decision, then the sale's own
/// (docs/method.md, "Decisions").
enum ShortlistRules {
  /// The first rule a video fails, or nil when it is booked.
  static func firstFailure(_ decision: Decision, douPlusOverlap: PlacementSpan?) -> (
    rule: ShortlistRule, reason: String
  )? {
    if decision.action == .contentService {
      guard let placement = douPlusOverlap else { return nil }
      return (
        .douPlusOverlap,
        "Dou+ order \(placement.placementID) runs during the sale "
          + "(content service and Dou+ may not overlap)"
      )
    }
    let reason =
      decision.serviceBlock ?? decision.reasons.last
      ?? DecisionReason(rule: .noModel, text: "no traffic ROI model")
    let rule: ShortlistRule =
      switch reason.rule {
      case .paidFloor: .paidROI
      case .evidence: .impressions
      case .engagement: .engagement
      case .adReview: .adReview
      case .tier, .tierCap, .pressureTest: .tier
      default: .floor
      }
    return (rule, reason.text)
  }

  /// One booking per KOL a week: a KOL's best video takes its weekly budget and its others are
  /// left out (`kol_cap`); with a budget, each booking takes what is left, if at least the
  /// ¥50,000 content-service minimum (else `budget`).
  static func applyCaps(
    _ entries: inout [ShortlistEntry], excluded: inout [ShortlistEntry], budget: Int64?
  ) {
    var booked: [String: String] = [:]
    var left = budget
    var kept: [ShortlistEntry] = []
    for var entry in entries {
      let kol = entry.video.kolID ?? ""
      if let better = booked[kol] {
        entry.failed = (
          .kolCap,
          "one booking per KOL a week: its budget goes to \(better)"
        )
        excluded.append(entry)
        continue
      }
      if let remaining = left {
        let amount = min(entry.suggestedWeeklyBudget ?? 0, remaining)
        guard amount >= LedgerRules.contentServiceMinimum else {
          entry.failed = (
            .budget,
            "the budget has \(Format.yuan(remaining)) left, below the content-service minimum "
              + Format.yuan(LedgerRules.contentServiceMinimum)
          )
          excluded.append(entry)
          continue
        }
        entry.suggestedWeeklyBudget = amount
        left = remaining - amount
      }
      booked[kol] = entry.video.videoID
      kept.append(entry)
    }
    entries = kept
  }
}

/// Numbers as the reasons print them.
enum Format {
  /// Two decimals: "1.20".
  static func ratio(_ value: Fraction) -> String { value.decimal(digits: 2) }

  /// A percentage with one decimal: "3.5%".
  static func percent(_ value: Fraction) -> String {
    value.times(Fraction(100)).decimal(digits: 1) + "%"
  }

  /// Digits in groups of three: "100,000".
  static func count(_ value: Int64) -> String { Count.grouped(value) }

  /// Yuan from fen, without decimals when whole: "¥1,000,000", "¥1,234.50".
  static func yuan(_ fen: Int64) -> String {
    "¥" + (fen % 100 == 0 ? Count.grouped(fen / 100) : Money.yuanGrouped(fen))
  }
}
