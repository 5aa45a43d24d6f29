internal import GRDB
package import LedgerStore

/// The questions `shortlist` answers; every field has the default of docs/data-model.md,
/// "shortlist".
package struct ShortlistQuery: Sendable {
  /// The sale, by name (its start and end come from the ledger).
  package var promotion: String?
  /// Or the sale's first day (and, optionally, its last; else the sale is that one day).
  package var saleStart: Day?
  package var saleEnd: Day?
  /// Days from the lock date (when content service is booked) to the sale.
  package var lead: Int = 30
  /// Days looked back from the day before the lock date.
  package var lookback: Int = 90
  /// Minimum traffic ROI model; nil: the `roi_floor` setting.
  package var floor: Fraction?
  package var minImpressions: Int64 = 100_000
  package var minEngagement = Fraction(0)
  package var filter = VideoFilter()
  package var limit: Int?

  /// The documented defaults; name the sale with `promotion` or `saleStart`.
  package init() {}
}

/// The shortlist rules, in the order they are checked (the first failed one is reported).
package enum ShortlistRule: String, Sendable, CaseIterable {
  case floor = "roi_model"
  case impressions = "min_impressions"
  case engagement = "min_engagement"
  case adReview = "ad_review"
  case douPlusOverlap = "dou_plus_overlap"
}

/// A video on the shortlist, or one that failed a rule (with `failed` set).
package struct ShortlistEntry: Sendable, Equatable {
  /// 1 for the best; 0 for an excluded video.
  package var rank: Int
  package var video: VideoFacts
  package var kolTier: KOLTier?
  /// The model over the lookback (its trend against the lookback before it).
  package var model: TrafficModel
  /// roi_model × natural GMV (fen), the ranking score.
  package var score: Fraction?
  /// Suggested weekly content-service budget by KOL tier, fen; nil: pressure-test with Dou+.
  package var suggestedWeeklyBudget: Int64?
  /// The first rule failed and why, for an excluded video.
  package var failed: (rule: ShortlistRule, reason: String)?

  package static func == (a: ShortlistEntry, b: ShortlistEntry) -> Bool {
    a.rank == b.rank && a.video == b.video && a.kolTier == b.kolTier && a.model == b.model
      && a.suggestedWeeklyBudget == b.suggestedWeeklyBudget && a.failed?.rule == b.failed?.rule
      && a.failed?.reason == b.failed?.reason
  }
}

/// A `shortlist` answer.
package struct Shortlist: Sendable {
  package var saleStart: Day
  package var saleEnd: Day
  /// Sale start − lead: the day content service is booked.
  package var lockDate: Day
  /// The lookback: `lookbackStart...lookbackEnd` (the day before the lock date).
  package var lookbackStart: Day
  package var lookbackEnd: Day
  package var floor: Fraction
  /// Qualifying videos, best first.
  package var entries: [ShortlistEntry]
  /// Every other video of the filter, with the first rule it failed (best model first).
  package var excluded: [ShortlistEntry]
}

extension Ledger {
  /// The pre-sale content-service shortlist (docs/data-model.md, "shortlist"; docs/method.md,
  /// "Big sales").
  package func shortlist(_ query: ShortlistQuery) throws(LedgerError) -> Shortlist {
    let (saleStart, saleEnd) = try saleDays(query)
    let settings = try querySettings()
    return try read { db in
      let context = try DecisionContext(db, settings: settings)
      let lock = saleStart.adding(days: -query.lead)
      let lookback = max(query.lookback, 1)
      let end = lock.adding(days: -1)
      let floor = query.floor ?? settings.roiFloor
      let groups = Grouper(.video, context.directory)
      let (current, previous) = try WindowSums.compute(
        db, groups: groups, asOf: end, window: lookback, filter: query.filter, tool: nil)
      let saleFrom = DateTime(day: saleStart, secondOfDay: 0)
      let saleTo = DateTime(day: saleEnd.adding(days: 1), secondOfDay: 0)
      var entries: [ShortlistEntry] = []
      var excluded: [ShortlistEntry] = []
      for (slot, video) in context.directory.videos.enumerated() where query.filter.matches(video) {
        let model = TrafficModel(
          current: current[slot], previous: previous[slot],
          cpm: .price(fen: settings.cpmPrice), floor: floor, declineRatio: settings.declineRatio)
        let tier = context.tier(of: video.kolID, on: end)
        var entry = ShortlistEntry(
          rank: 0, video: video, kolTier: tier, model: model,
          score: model.roiModel?.times(Fraction(model.sums.naturalGMV)),
          suggestedWeeklyBudget: settings.weeklyBudget(for: tier), failed: nil)
        let overlap = context.placements(of: video).first {
          $0.tool == Source.douPlus.rawValue && $0.overlaps(from: saleFrom, to: saleTo)
        }
        entry.failed = ShortlistRules.firstFailure(
          model: model, video: video, floor: floor, query: query, douPlusOverlap: overlap)
        if entry.failed == nil { entries.append(entry) } else { excluded.append(entry) }
      }
      entries.sort { a, b in
        if a.score != b.score, let x = a.score, let y = b.score { return x > y }
        return a.video.videoID < b.video.videoID
      }
      for index in entries.indices { entries[index].rank = index + 1 }
      if let limit = query.limit, limit < entries.count {
        entries.removeLast(entries.count - limit)
      }
      excluded.sort { a, b in
        switch (a.model.roiModel, b.model.roiModel) {
        case (let x?, let y?) where x != y: return x > y
        case (nil, .some): return false
        case (.some, nil): return true
        default: return a.video.videoID < b.video.videoID
        }
      }
      return Shortlist(
        saleStart: saleStart, saleEnd: saleEnd, lockDate: lock,
        lookbackStart: end.adding(days: 1 - lookback), lookbackEnd: end, floor: floor,
        entries: entries, excluded: excluded)
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
            "--promotion", "promotion '\(name)' has unreadable dates; fix them with promotion add")
        ])
      }
      return (start, end)
    }
    guard let start = query.saleStart else {
      throw .invalidData([
        SourceLocation.commandLine.problem(
          "--promotion", "name the sale: --promotion NAME or --sale-start YYYY-MM-DD")
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

/// The shortlist's qualifying rules, checked in the order of docs/data-model.md, "shortlist".
enum ShortlistRules {
  static func firstFailure(
    model: TrafficModel, video: VideoFacts, floor: Fraction, query: ShortlistQuery,
    douPlusOverlap: PlacementSpan?
  ) -> (rule: ShortlistRule, reason: String)? {
    guard let roi = model.roiModel else {
      return (.floor, "no natural impressions in the lookback, so no traffic ROI model")
    }
    if roi < floor {
      return (.floor, "roi_model \(Format.ratio(roi)) is below the floor \(Format.ratio(floor))")
    }
    if model.sums.naturalImpressions < query.minImpressions {
      return (
        .impressions,
        "natural impressions \(Format.count(model.sums.naturalImpressions)) are below "
          + Format.count(query.minImpressions)
      )
    }
    if let rate = model.engagementRate, rate < query.minEngagement {
      return (
        .engagement,
        "engagement rate \(Format.percent(rate)) is below \(Format.percent(query.minEngagement))"
      )
    }
    if video.adReview != .passed {
      return (.adReview, "ad review is \(video.adReview.rawValue), not passed")
    }
    if let placement = douPlusOverlap {
      return (
        .douPlusOverlap,
        "Dou+ order \(placement.placementID) runs during the sale "
          + "(content service and Dou+ may not overlap)"
      )
    }
    return nil
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
