public import LedgerStore

/// The ledger settings the reports use, parsed once (`aimt config` stores them).
public struct QuerySettings: Sendable, Equatable {
  /// Reference CPM, fen per thousand impressions.
  public var cpmPrice: Int64
  public var roiFloor: Fraction
  public var declineRatio: Fraction
  /// Follower thresholds: super-head, head, mid, tail (descending).
  public var tiers: KOLTiers
  public var smartMinFollowers: Int64
  public var weightMedianPlays: Int64
  public var freshDays: Int
  public var warmupDays: Int
  public var engagementFloor: Fraction
  /// Suggested weekly content-service budgets, fen; 0 means none.
  public var budgetSuperHead: Int64
  public var budgetHead: Int64
  public var budgetMid: Int64
  /// Weekly Dou+ test budget per tail KOL or KOC, fen.
  public var budgetTail: Int64
  /// Natural impressions a model needs before a spending line rests on it.
  public var minEvidenceImpressions: Int64
  /// Days after publishing that make the launch model.
  public var launchDays: Int
  /// Inside a promotion the reference CPM is `cpmPrice` × this.
  public var saleCPMFactor: Fraction

  /// The defaults of a new ledger.
  public static var defaults: QuerySettings? {
    QuerySettings(Dictionary(uniqueKeysWithValues: Setting.all.map { ($0.key, $0.defaultValue) }))
  }

  init?(_ values: [String: String]) {
    func count(_ key: String) -> Int64? { values[key].flatMap { try? Count.parse($0) } }
    func fen(_ key: String) -> Int64? { values[key].flatMap { try? Money.parseYuan($0) } }
    func decimal(_ key: String) -> Fraction? { values[key].flatMap(Fraction.parseDecimal) }
    guard let cpm = fen("cpm_price"), let floor = decimal("roi_floor"),
      let decline = decimal("decline_ratio"), let superHead = count("tier_super_head"),
      let head = count("tier_head"), let mid = count("tier_mid"), let tail = count("tier_tail"),
      let smart = count("smart_min_followers"), let weight = count("weight_median_plays"),
      let fresh = count("fresh_days"), let warmup = count("warmup_days"),
      let engagement = decimal("engagement_floor"), let budgetSuperHead = fen("budget_super_head"),
      let budgetHead = fen("budget_head"), let budgetMid = fen("budget_mid"),
      let budgetTail = fen("budget_tail"), let evidence = count("min_evidence_impressions"),
      let launch = count("launch_days"), let saleFactor = decimal("sale_cpm_factor")
    else { return nil }
    self.budgetTail = budgetTail
    minEvidenceImpressions = evidence
    launchDays = Int(clamping: launch)
    saleCPMFactor = saleFactor
    cpmPrice = cpm
    roiFloor = floor
    declineRatio = decline
    tiers = KOLTiers(superHead: superHead, head: head, mid: mid, tail: tail)
    smartMinFollowers = smart
    weightMedianPlays = weight
    freshDays = Int(clamping: fresh)
    warmupDays = Int(clamping: warmup)
    engagementFloor = engagement
    self.budgetSuperHead = budgetSuperHead
    self.budgetHead = budgetHead
    self.budgetMid = budgetMid
  }

  /// The weekly content-service budget of a KOL of `tier` (per KOL, not per video), in fen.
  ///
  /// nil below head, where the method pressure-tests with Dou+ first (docs/method.md, "Content
  /// service": about ¥1M a week for super-head, a few hundred thousand for head).
  public func weeklyBudget(for tier: KOLTier?) -> Int64? {
    let fen: Int64 =
      switch tier {
      case .superHead: budgetSuperHead
      case .head: budgetHead
      case .mid, .tail, .koc, nil: 0
      }
    return fen > 0 ? fen : nil
  }

  /// The most a plan puts on one KOL's videos in a week, every tool together, fen
  /// (docs/method.md, "Decisions": the tier budgets).
  public func kolCap(for tier: KOLTier?) -> Int64 {
    switch tier {
    case .superHead: budgetSuperHead
    case .head: budgetHead
    case .mid: budgetMid
    case .tail, .koc, nil: budgetTail
    }
  }

  /// The reference CPM inside a promotion, fen per thousand (rounded down to the fen).
  public var saleCPMPrice: Int64 {
    let product = Fraction(cpmPrice).times(saleCPMFactor)
    return Int64(clamping: product.numerator / product.denominator)
  }
}

/// A KOL's size class by followers (docs/method.md, "KOL tiers"; thresholds are ledger
/// settings).
public enum KOLTier: String, Sendable, Equatable, CaseIterable {
  case superHead = "super_head"
  case head
  case mid
  case tail
  case koc
}

/// The follower thresholds of the tiers.
public struct KOLTiers: Sendable, Equatable {
  public var superHead: Int64
  public var head: Int64
  public var mid: Int64
  public var tail: Int64

  /// The tier of a KOL with `followers` (a threshold itself belongs to the higher tier).
  public func tier(followers: Int64) -> KOLTier {
    if followers >= superHead { return .superHead }
    if followers >= head { return .head }
    if followers >= mid { return .mid }
    if followers >= tail { return .tail }
    return .koc
  }
}

extension Ledger {
  /// The report settings of this ledger (stored values, else defaults).
  package func querySettings() throws(LedgerError) -> QuerySettings {
    let values = Dictionary(uniqueKeysWithValues: try settings().map { ($0.setting.key, $0.value) })
    guard let settings = QuerySettings(values) else {
      throw .invalidData([
        SourceLocation.commandLine.problem(
          "config", "a stored setting is not readable; run `aimt config get` and set it again")
      ])
    }
    return settings
  }
}

extension Array {
  /// Sorts (stably) by a small key computed once per element, moving only indices, then each
  /// element once: a report row holds its model's fractions, and sorting 224,000 such rows
  /// directly spent more time copying them (each move, each comparison) than comparing
  /// (13 % of a `report roi` at 22.4M metric rows).
  mutating func sortMovingIndices<Key>(
    key: (Element) -> Key, by areInOrder: (Key, Key) -> Bool
  ) {
    guard count > 1 else { return }
    let keys = map(key)
    let order = keys.indices.sorted { areInOrder(keys[$0], keys[$1]) }
    self = order.map { self[$0] }
  }
}
