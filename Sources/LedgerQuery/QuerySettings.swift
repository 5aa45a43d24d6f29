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
    permute(to: keys.indices.sorted { areInOrder(keys[$0], keys[$1]) })
  }

  /// Reorders in place so that element i is the one at `order[i]` before (`order` is a
  /// permutation of the indices).
  ///
  /// Each cycle of the permutation is followed once: its first element is moved out, every
  /// other one moved into the slot that wants it, and the first moved into the last slot. A
  /// row moves once, as its bytes, where swapping moved it three times (with a retain and a
  /// release of its key each time): 0.4 GB of copies for `report roi` over 224,000 videos
  /// (docs/benchmarks.md). The rows are never copied into a second array, which would double
  /// a large report's peak memory.
  mutating func permute(to order: [Int]) {
    precondition(order.count == count, "a permutation of every element")
    var order = order
    withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      for start in order.indices where order[start] != start {
        let held = (base + start).move()
        var current = start
        while true {
          let next = order[current]
          order[current] = current
          if next == start {
            (base + current).initialize(to: held)
            break
          }
          (base + current).moveInitialize(from: base + next, count: 1)
          current = next
        }
      }
    }
  }
}

/// The first `limit` elements of a sequence in a strict total order, kept while they come.
///
/// A heap of at most `limit` elements whose top is the last of them (`report roi --limit N`
/// holds N rows, not one per video). Its result equals sorting everything and keeping the
/// first `limit`, as the order has no ties.
struct BestOf<Element> {
  let limit: Int
  private let areInOrder: (Element, Element) -> Bool
  /// A heap: no element goes before its parent.
  private var heap: [Element] = []

  init(limit: Int, by areInOrder: @escaping (Element, Element) -> Bool) {
    self.limit = Swift.max(limit, 0)
    self.areInOrder = areInOrder
  }

  /// Keeps `element` when it is among the first `limit` seen so far.
  mutating func insert(_ element: Element) {
    guard limit > 0 else { return }
    if heap.count < limit {
      heap.append(element)
      var child = heap.count - 1
      while child > 0 {
        let parent = (child - 1) / 2
        guard areInOrder(heap[parent], heap[child]) else { break }
        heap.swapAt(parent, child)
        child = parent
      }
      return
    }
    guard areInOrder(element, heap[0]) else { return }
    heap[0] = element
    var parent = 0
    while true {
      var last = parent
      for child in [2 * parent + 1, 2 * parent + 2]
      where child < heap.count && areInOrder(heap[last], heap[child]) {
        last = child
      }
      if last == parent { break }
      heap.swapAt(parent, last)
      parent = last
    }
  }

  /// The element kept that goes last, once `limit` are kept (an element must go before it to
  /// be kept); nil before.
  var lastKept: Element? { limit > 0 && heap.count == limit ? heap[0] : nil }

  /// The elements kept, in order.
  func sorted() -> [Element] { heap.sorted(by: areInOrder) }
}
