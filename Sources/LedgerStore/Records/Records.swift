/// A KOL (达人) as given to a write: only the non-nil fields are written; the others keep
/// their stored values (or stay empty for a new KOL).
public struct KOLInput: Sendable, Equatable {
  /// The Douyin id, the KOL's key.
  public var kolID: String
  public var name: String?
  public var category: String?
  /// A follower count, kept per `asOf` day (today in Beijing when `asOf` is nil).
  public var followers: Int64?
  public var asOf: Day?
  /// Its 星图ID and Douyin user id (达人UID): a KOL of an export without 抖音号 is found by them
  /// (docs/decisions.md, "KOLs without a 抖音号").
  public var xingtuID: String?
  public var douyinUID: String?
  /// Its 星图 quote as of `asOf` (which a quote needs).
  public var quote = KOLQuote()

  /// A KOL input with only its key set.
  public init(kolID: String) { self.kolID = kolID }
}

/// A video as given to a write; nil fields keep their stored values.
public struct VideoInput: Sendable, Equatable {
  public var videoID: String
  public var kolID: String?
  public var brand: String?
  public var title: String?
  public var published: DateTime?
  public var chain: SalesChain?
  public var product: String?
  public var biddingAuthorized: Bool?
  public var adReview: AdReview?

  /// A video input with only its key set.
  public init(videoID: String) { self.videoID = videoID }
}

/// A placement (one order or booking of a paid tool on one video) as given to a write.
public struct PlacementInput: Sendable, Equatable {
  /// The tool's order id.
  public var placementID: String
  public var videoID: String?
  public var tool: Source?
  public var mode: DeliveryMode?
  public var targeting: Targeting?
  public var strategy: Strategy?
  /// Budget in fen.
  public var budget: Int64?
  public var start: DateTime?
  public var end: DateTime?

  /// A placement input with only its key set.
  public init(placementID: String) { self.placementID = placementID }
}

/// The numbers a metric row holds; money in fen.
public enum MetricField: String, CaseIterable, Sendable {
  case impressions, cost, gmv, orders, likes, comments, shares, follows
  /// Refunds on the row's GMV (fen), kept beside the gross `gmv`; reports use gmv − refund
  /// (docs/decisions.md, "Refunds and net GMV").
  case refund

  /// True for the fields in fen.
  public var isMoney: Bool { self == .cost || self == .gmv || self == .refund }
}

/// One day's numbers for a video, source and (optionally) order, as given to a write.
///
/// Only the fields present in `values` are written.
public struct MetricInput: Sendable, Equatable {
  public var day: Day
  public var videoID: String
  public var source: Source
  /// The order id, or "" when the row is not tied to one order.
  public var placementID: String
  /// The given numbers (money in fen); absent fields keep their stored values.
  public var values: [MetricField: Int64]

  /// A metric input for the row (day, video, source, order).
  public init(
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

/// The 5A layers of a brand's audience, as Yuntu counts them, and each layer's additions and
/// losses of the day when the export gives them.
public enum AudienceField: String, CaseIterable, Sendable {
  case o, a1, a2, a3, a4, a5
  case categoryTotal = "category_total"
  case newO = "new_o"
  case newA1 = "new_a1"
  case newA2 = "new_a2"
  case newA3 = "new_a3"
  case newA4 = "new_a4"
  case newA5 = "new_a5"
  case lostO = "lost_o"
  case lostA1 = "lost_a1"
  case lostA2 = "lost_a2"
  case lostA3 = "lost_a3"
  case lostA4 = "lost_a4"
  case lostA5 = "lost_a5"

  /// The six layers, O to A5.
  package static let layers: [AudienceField] = [.o, .a1, .a2, .a3, .a4, .a5]
  /// Each layer's additions (新增), O to A5.
  package static let additions: [AudienceField] = [.newO, .newA1, .newA2, .newA3, .newA4, .newA5]
  /// Each layer's losses (流失), O to A5.
  package static let losses: [AudienceField] = [
    .lostO, .lostA1, .lostA2, .lostA3, .lostA4, .lostA5,
  ]
}

/// The numbers of a 星图 quote of a KOL (kol_quote): money in fen, rates in parts per million.
public enum KOLQuoteField: String, CaseIterable, Sendable {
  case price1To20s = "price_1_20s"
  case price21To60s = "price_21_60s"
  case price60sPlus = "price_60s_plus"
  case expectedCPM = "expected_cpm"
  case expectedCPE = "expected_cpe"
  case medianPlays = "median_plays"
  case interactionRate = "interaction_rate"
  case completionRate = "completion_rate"

  /// True for the fields in fen.
  public var isMoney: Bool {
    switch self {
    case .price1To20s, .price21To60s, .price60sPlus, .expectedCPM, .expectedCPE: true
    default: false
    }
  }

  /// True for the rates, kept in parts per million.
  public var isRate: Bool { self == .interactionRate || self == .completionRate }
}

/// A KOL's 星图 quote as given to a write; only the fields present are written.
public struct KOLQuote: Sendable, Equatable {
  public var values: [KOLQuoteField: Int64] = [:]

  /// An empty quote (nothing to write).
  public init(values: [KOLQuoteField: Int64] = [:]) { self.values = values }
}

/// One 5A snapshot of a brand on one day, as given to a write.
public struct AudienceInput: Sendable, Equatable {
  public var brand: String
  public var day: Day
  public var values: [AudienceField: Int64]
  /// For one row of a long-form file (one row per layer): the layer it gives (O … A5), whose
  /// rows the importer joins into one snapshot; nil for a row giving the whole snapshot.
  public var layer: AudienceField?

  /// A snapshot input for (brand, day).
  public init(brand: String, day: Day, values: [AudienceField: Int64] = [:]) {
    self.brand = brand
    self.day = day
    self.values = values
  }
}

/// A sale (618, 双11, …) with its dates, as given to a write.
public struct PromotionInput: Sendable, Equatable {
  public var name: String
  public var start: Day?
  public var end: Day?
  /// The CPM price inside the sale, fen per thousand impressions; nil: not given.
  package var cpmPrice: Int64?

  /// A promotion input with only its name set.
  public init(name: String) { self.name = name }
}

/// How many rows a write inserted, updated or left unchanged, for one kind of entity.
public struct WriteCounts: Sendable, Equatable {
  public var inserted = 0
  public var updated = 0
  public var unchanged = 0

  /// Counts, zero unless given.
  public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
    self.inserted = inserted
    self.updated = updated
    self.unchanged = unchanged
  }
}

/// What a write counts its rows by: each kind of entity, and the rows a record brings with it
/// (a KOL's follower count and 星图 quote, a video's brand, a 千川 material's video).
public enum WrittenKind: String, CaseIterable, Sendable {
  case brands, kols, followers, quotes, videos, placements, materials, metrics, audience
  case promotions
}

/// What one write did, per kind of entity, in the order the kinds were first touched.
public struct WriteSummary: Sendable, Equatable {
  /// (kind, counts) pairs, in the order the kinds were first touched.
  public var kinds: [(kind: WrittenKind, counts: WriteCounts)] = []
  /// The import batches written, in order.
  public var batchIDs: [Int64] = []
  /// The metric rows written with a smaller key than the row written before them.
  ///
  /// Each goes back to an earlier page of the metric table; 0 when each file was written in
  /// key order, counted from each file's first row (docs/internals.md, "Writing a file in key
  /// order"). Not compared by `==`.
  package var metricKeyDescents = 0
  /// Whether the write was a first load of metrics under a rollback journal.
  ///
  /// See ``WriteOptions/loadsMetrics``. Not compared by `==`.
  package var firstLoad = false
  /// Whether that first load's pages were written to the file on a thread of their own.
  ///
  /// docs/internals.md, "Pages written behind". Not compared by `==`.
  package var pagesWrittenBehind = false
  /// The running rows inserted once, in key order, at the end of the write.
  ///
  /// Those built while metric rows were written in merged groups (docs/internals.md, "Running
  /// rows of merged groups written once"). Not compared by `==`.
  package var deferredRunningRows = 0

  /// An empty summary.
  public init() {}

  /// The counts of one kind (zero when untouched).
  public subscript(kind: WrittenKind) -> WriteCounts {
    kinds.first(where: { $0.kind == kind })?.counts ?? WriteCounts()
  }

  mutating func record(_ outcome: WriteOutcome, kind: WrittenKind) {
    let index = self.index(of: kind)
    switch outcome {
    case .inserted: kinds[index].counts.inserted += 1
    case .updated: kinds[index].counts.updated += 1
    case .unchanged: kinds[index].counts.unchanged += 1
    }
  }

  /// Adds the counts of many rows at once (a batch of an import); no rows, no change.
  mutating func record(_ counts: WriteCounts, kind: WrittenKind) {
    guard counts != WriteCounts() else { return }
    let index = self.index(of: kind)
    kinds[index].counts.inserted += counts.inserted
    kinds[index].counts.updated += counts.updated
    kinds[index].counts.unchanged += counts.unchanged
  }

  private mutating func index(of kind: WrittenKind) -> Int {
    if let found = kinds.firstIndex(where: { $0.kind == kind }) { return found }
    kinds.append((kind, WriteCounts()))
    return kinds.count - 1
  }

  public static func == (lhs: WriteSummary, rhs: WriteSummary) -> Bool {
    lhs.batchIDs == rhs.batchIDs
      && lhs.kinds.map(\.kind) == rhs.kinds.map(\.kind)
      && lhs.kinds.map(\.counts) == rhs.kinds.map(\.counts)
  }
}

/// What a write did to one row.
public enum WriteOutcome: Sendable, Equatable {
  case inserted, updated, unchanged
}
