/// A KOL (达人) as given to a write: only the non-nil fields are written; the others keep
/// their stored values (or stay empty for a new KOL).
package struct KOLInput: Sendable, Equatable {
  /// The Douyin id, the KOL's key.
  package var kolID: String
  package var name: String?
  package var category: String?
  /// A follower count, kept per `asOf` day (today in Beijing when `asOf` is nil).
  package var followers: Int64?
  package var asOf: Day?

  /// A KOL input with only its key set.
  package init(kolID: String) { self.kolID = kolID }
}

/// A video as given to a write; nil fields keep their stored values.
package struct VideoInput: Sendable, Equatable {
  package var videoID: String
  package var kolID: String?
  package var brand: String?
  package var title: String?
  package var published: DateTime?
  package var chain: SalesChain?
  package var product: String?
  package var biddingAuthorized: Bool?
  package var adReview: AdReview?

  /// A video input with only its key set.
  package init(videoID: String) { self.videoID = videoID }
}

/// A placement (one order or booking of a paid tool on one video) as given to a write.
package struct PlacementInput: Sendable, Equatable {
  /// The tool's order id.
  package var placementID: String
  package var videoID: String?
  package var tool: Source?
  package var mode: DeliveryMode?
  package var targeting: Targeting?
  package var strategy: Strategy?
  /// Budget in fen.
  package var budget: Int64?
  package var start: DateTime?
  package var end: DateTime?

  /// A placement input with only its key set.
  package init(placementID: String) { self.placementID = placementID }
}

/// The numbers a metric row holds; money in fen.
package enum MetricField: String, CaseIterable, Sendable {
  case impressions, cost, gmv, orders, likes, comments, shares, follows

  /// True for the fields in fen.
  package var isMoney: Bool { self == .cost || self == .gmv }
}

/// One day's numbers for a video, source and (optionally) order, as given to a write.
///
/// Only the fields present in `values` are written.
package struct MetricInput: Sendable, Equatable {
  package var day: Day
  package var videoID: String
  package var source: Source
  /// The order id, or "" when the row is not tied to one order.
  package var placementID: String
  /// The given numbers (money in fen); absent fields keep their stored values.
  package var values: [MetricField: Int64]

  /// A metric input for the row (day, video, source, order).
  package init(
    day: Day, videoID: String, source: Source, placementID: String = "",
    values: [MetricField: Int64] = [:]
  ) {
    self.day = day
    self.videoID = videoID
    self.source = source
    self.placementID = placementID
    self.values = values
  }
}

/// The 5A layers of a brand's audience, as Yuntu counts them.
package enum AudienceField: String, CaseIterable, Sendable {
  case o, a1, a2, a3, a4, a5
  case categoryTotal = "category_total"
}

/// One 5A snapshot of a brand on one day, as given to a write.
package struct AudienceInput: Sendable, Equatable {
  package var brand: String
  package var day: Day
  package var values: [AudienceField: Int64]

  /// A snapshot input for (brand, day).
  package init(brand: String, day: Day, values: [AudienceField: Int64] = [:]) {
    self.brand = brand
    self.day = day
    self.values = values
  }
}

/// A sale (618, 双11, …) with its dates, as given to a write.
package struct PromotionInput: Sendable, Equatable {
  package var name: String
  package var start: Day?
  package var end: Day?
  /// The CPM price inside the sale, fen per thousand impressions; nil: not given.
  package var cpmPrice: Int64?

  /// A promotion input with only its name set.
  package init(name: String) { self.name = name }
}

/// How many rows a write inserted, updated or left unchanged, for one kind of entity.
package struct WriteCounts: Sendable, Equatable {
  package var inserted = 0
  package var updated = 0
  package var unchanged = 0

  /// Counts, zero unless given.
  package init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
    self.inserted = inserted
    self.updated = updated
    self.unchanged = unchanged
  }
}

/// What one write did, per kind of entity, in the order the kinds were first touched.
package struct WriteSummary: Sendable, Equatable {
  /// (kind, counts) pairs; kinds are `brands`, `kols`, `followers`, `videos`, `placements`,
  /// `metrics`, `audience`, `promotions`.
  package var kinds: [(kind: String, counts: WriteCounts)] = []
  /// The import batches written, in order.
  package var batchIDs: [Int64] = []

  /// An empty summary.
  package init() {}

  /// The counts of one kind (zero when untouched).
  package subscript(kind: String) -> WriteCounts {
    kinds.first(where: { $0.kind == kind })?.counts ?? WriteCounts()
  }

  mutating func record(_ outcome: WriteOutcome, kind: String) {
    let index = self.index(of: kind)
    switch outcome {
    case .inserted: kinds[index].counts.inserted += 1
    case .updated: kinds[index].counts.updated += 1
    case .unchanged: kinds[index].counts.unchanged += 1
    }
  }

  /// Adds the counts of many rows at once (a batch of an import); no rows, no change.
  mutating func record(_ counts: WriteCounts, kind: String) {
    guard counts != WriteCounts() else { return }
    let index = self.index(of: kind)
    kinds[index].counts.inserted += counts.inserted
    kinds[index].counts.updated += counts.updated
    kinds[index].counts.unchanged += counts.unchanged
  }

  private mutating func index(of kind: String) -> Int {
    if let found = kinds.firstIndex(where: { $0.kind == kind }) { return found }
    kinds.append((kind, WriteCounts()))
    return kinds.count - 1
  }

  package static func == (lhs: WriteSummary, rhs: WriteSummary) -> Bool {
    lhs.batchIDs == rhs.batchIDs
      && lhs.kinds.map(\.kind) == rhs.kinds.map(\.kind)
      && lhs.kinds.map(\.counts) == rhs.kinds.map(\.counts)
  }
}

/// What a write did to one row.
package enum WriteOutcome: Sendable, Equatable {
  case inserted, updated, unchanged
}
