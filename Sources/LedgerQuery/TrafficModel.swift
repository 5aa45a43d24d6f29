public import LedgerStore

/// Exact sums of a group's daily numbers over a window, split natural / paid; money in fen.
public struct TrafficSums: Sendable, Equatable, BitwiseCopyable {
  public var naturalImpressions: Int64 = 0
  public var naturalGMV: Int64 = 0
  public var paidImpressions: Int64 = 0
  public var paidCost: Int64 = 0
  public var paidGMV: Int64 = 0
  /// Likes and comments over all sources (engagement is judged on all plays).
  public var likes: Int64 = 0
  public var comments: Int64 = 0
  /// Stored rows added in (a key with none in a window is not listed for it).
  public var rows: Int64 = 0
  /// Stored rows of paid sources added in.
  public var paidRows: Int64 = 0
  /// The part of `naturalGMV` booked on days with no natural plays: the decisions leave it out
  /// of their model (``excludingUnplayedGMV()``; docs/method.md, "GMV without plays"), `report
  /// roi` shows the stored sums, and `aimt check` warns about each such row.
  public var unplayedGMV: Int64 = 0
  /// Natural rows with GMV and no plays.
  public var unplayedRows: Int64 = 0

  /// Zero sums.
  public init() {}

  /// Adds one stored row.
  mutating func add(_ row: borrowing MetricRow) {
    if row.source == 0 {
      naturalImpressions &+= row.impressions
      naturalGMV &+= row.gmv
      if row.impressions == 0, row.gmv > 0 {
        unplayedGMV &+= row.gmv
        unplayedRows &+= 1
      }
    } else {
      paidImpressions &+= row.impressions
      paidCost &+= row.cost
      paidGMV &+= row.gmv
      paidRows &+= 1
    }
    likes &+= row.likes
    comments &+= row.comments
    rows &+= 1
  }

  /// Adds the totals of one source's rows (as ``add(_:)-(MetricRow)`` would add them one by one).
  mutating func add(_ totals: StreamTotals, source: Int) {
    if source == 0 {
      naturalImpressions &+= totals.impressions
      naturalGMV &+= totals.gmv
      unplayedGMV &+= totals.unplayedGMV
      unplayedRows &+= totals.unplayedRows
    } else {
      paidImpressions &+= totals.impressions
      paidCost &+= totals.cost
      paidGMV &+= totals.gmv
      paidRows &+= totals.rows
    }
    likes &+= totals.likes
    comments &+= totals.comments
    rows &+= totals.rows
  }

  /// Adds another group's sums.
  public mutating func add(_ other: TrafficSums) {
    naturalImpressions &+= other.naturalImpressions
    naturalGMV &+= other.naturalGMV
    paidImpressions &+= other.paidImpressions
    paidCost &+= other.paidCost
    paidGMV &+= other.paidGMV
    likes &+= other.likes
    comments &+= other.comments
    rows &+= other.rows
    paidRows &+= other.paidRows
    unplayedGMV &+= other.unplayedGMV
    unplayedRows &+= other.unplayedRows
  }

  /// `self − other`, the sums of a window from two prefix sums.
  func minus(_ other: TrafficSums) -> TrafficSums {
    var result = TrafficSums()
    result.naturalImpressions = naturalImpressions &- other.naturalImpressions
    result.naturalGMV = naturalGMV &- other.naturalGMV
    result.paidImpressions = paidImpressions &- other.paidImpressions
    result.paidCost = paidCost &- other.paidCost
    result.paidGMV = paidGMV &- other.paidGMV
    result.likes = likes &- other.likes
    result.comments = comments &- other.comments
    result.rows = rows &- other.rows
    result.paidRows = paidRows &- other.paidRows
    result.unplayedGMV = unplayedGMV &- other.unplayedGMV
    result.unplayedRows = unplayedRows &- other.unplayedRows
    return result
  }

  /// Impressions from every source.
  public var impressions: Int64 { naturalImpressions + paidImpressions }
  /// GMV from every source, fen.
  public var gmv: Int64 { naturalGMV + paidGMV }

  /// These sums with the natural GMV of days without natural plays taken out of `naturalGMV`
  /// (kept in `unplayedGMV` for the note): what the decisions judge.
  public func excludingUnplayedGMV() -> TrafficSums {
    var sums = self
    sums.naturalGMV -= unplayedGMV
    return sums
  }
}

/// The reference CPM a model divides by.
public enum CPMChoice: Sendable, Equatable {
  /// A fixed price in fen per thousand impressions (the `cpm_price` setting or `--cpm-price`).
  case price(fen: Int64)
  /// The group's own paid CPM over the window, or `fallbackFen` when it had no paid traffic.
  case observed(fallbackFen: Int64)
}

/// Where this window's model stands against the previous window's.
public enum Trend: String, Sendable, Equatable {
  case up, flat, down
}

/// The traffic ROI model of one group over one window, every ratio exact (docs/method.md,
/// "The traffic ROI model"; docs/data-model.md, "report roi").
///
/// Money ratios are in yuan: `naturalGPM` is yuan of GMV per thousand natural impressions,
/// `cpmPrice` yuan per thousand. A ratio whose denominator is 0 is nil.
public struct TrafficModel: Sendable, Equatable {
  public var sums: TrafficSums
  public var cpmPrice: Fraction
  /// The model: yuan of natural GMV per thousand natural impressions, over the CPM price.
  public var roiModel: Fraction?
  public var trend: Trend?
  /// The floor `aboveFloor` compares the model with.
  private var floor: Fraction

  // The other ratios are computed when read, from the exact sums: a model is made for every
  // video a decision reads (twice, with its launch), and most of its ratios are never read
  // there; made at once, they were most of the model's size and of its making.
  public var naturalGPM: Fraction? {
    TrafficModel.perThousand(sums.naturalGMV, sums.naturalImpressions)
  }
  public var paidCPM: Fraction? { TrafficModel.perThousand(sums.paidCost, sums.paidImpressions) }
  public var paidGPM: Fraction? { TrafficModel.perThousand(sums.paidGMV, sums.paidImpressions) }
  public var paidROI: Fraction? { Fraction(Int128(sums.paidGMV), over: Int128(sums.paidCost)) }
  public var totalROI: Fraction? { Fraction(Int128(sums.gmv), over: Int128(sums.paidCost)) }
  public var engagementRate: Fraction? {
    Fraction(Int128(sums.likes) + Int128(sums.comments), over: Int128(sums.impressions))
  }
  public var commentLikeRatio: Fraction? {
    Fraction(Int128(sums.comments), over: Int128(sums.likes))
  }
  /// roi_model ≥ floor; nil when the model is undefined.
  public var aboveFloor: Bool? { roiModel.map { $0 >= floor } }

  /// The model of `current`, with the trend against `previous` (the window of the same length
  /// just before; nil when not asked for).
  public init(
    current: TrafficSums, previous: TrafficSums?, cpm: CPMChoice, floor: Fraction,
    declineRatio: Fraction
  ) {
    sums = current
    self.floor = floor
    cpmPrice = TrafficModel.cpm(current, cpm)
    roiModel = TrafficModel.perThousand(current.naturalGMV, current.naturalImpressions)?
      .dividedBy(cpmPrice)
    if let previous {
      let before = TrafficModel.perThousand(previous.naturalGMV, previous.naturalImpressions)?
        .dividedBy(TrafficModel.cpm(previous, cpm))
      trend = TrafficModel.trend(roiModel, against: before, declineRatio: declineRatio)
    }
  }

  /// `down` below `declineRatio` × previous, `up` above previous ÷ `declineRatio`, else
  /// `flat`; nil when either model is undefined or the previous one is not above 0 (a window
  /// whose refunds exceed its GMV has a negative model, and a change against it means nothing).
  public static func trend(
    _ current: Fraction?, against previous: Fraction?, declineRatio: Fraction
  ) -> Trend? {
    guard let current, let previous, previous.numerator > 0 else { return nil }
    if current < previous.times(declineRatio) { return .down }
    if let upper = previous.dividedBy(declineRatio), current > upper { return .up }
    return .flat
  }

  /// Yuan per thousand impressions from fen: fen × 1000 / impressions / 100.
  static func perThousand(_ fen: Int64, _ impressions: Int64) -> Fraction? {
    Fraction(Int128(fen) * 10, over: Int128(impressions))
  }

  static func cpm(_ sums: TrafficSums, _ choice: CPMChoice) -> Fraction {
    switch choice {
    case .price(let fen):
      return Fraction(Int128(fen), over: 100) ?? Fraction(0)
    case .observed(let fallback):
      return perThousand(sums.paidCost, sums.paidImpressions).flatMap {
        $0.numerator == 0 ? nil : $0
      } ?? Fraction(Int128(fallback), over: 100) ?? Fraction(0)
    }
  }
}
