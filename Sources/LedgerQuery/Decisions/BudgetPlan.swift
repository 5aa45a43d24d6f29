public import LedgerStore

/// The questions `plan` answers.
public struct PlanQuery: Sendable {
  /// The week's budget, fen.
  public var budget: Int64
  /// The day planned from; nil: the latest day with any metric.
  public var asOf: Day?
  /// Days of the rolling window judged.
  public var window: Int = 7
  public var filter = VideoFilter()
  /// Plan for this promotion's week (sale CPM, no Dou+); nil: the promotion `asOf` falls in.
  public var promotion: String?

  /// A plan of `budget` fen with the defaults.
  public init(budget: Int64) { self.budget = budget }
}

/// One funded video and tool of a plan.
public struct PlanLine: Sendable, Equatable {
  public var advice: Advice
  /// The tool funded (the advice's action).
  public var tool: Source
  /// The week's money, fen.
  public var budget: Int64
  /// The ranking score: paid ROI where the video was promoted, else the judged model.
  public var score: Fraction?
  /// `budget` × the judged model, fen (rounded down).
  public var expectedGMV: Int64
  /// `expectedGMV` ÷ `budget`.
  public var expectedROI: Fraction?
  /// The rules behind the line and how its money was set.
  public var reasons: [DecisionReason]

  public var video: VideoFacts { advice.video }
}

/// A week's budget split across videos and tools (docs/method.md, "The budget plan").
public struct BudgetPlan: Sendable {
  public var asOf: Day?
  public var window: Int
  public var budget: Int64
  public var sale: SaleWindow?
  /// Content service first (best first), then the Dou+, 随心推 and bidding lines by model.
  public var lines: [PlanLine]
  /// Every video considered, with its advice (the lines' videos among them).
  public var advice: [Advice]

  /// Money planned, fen.
  public var planned: Int64 { lines.reduce(0) { $0 + $1.budget } }
}

/// The smallest Dou+ order and the unit plans share money in, fen (¥100).
let planUnit: Int64 = 10_000

extension Ledger {
  /// Splits a week's budget as the method does (docs/method.md, "The budget plan"): nothing
  /// without a spending decision; content service for the best head and super-head videos, one
  /// booking per KOL at most its weekly budget and at least ¥50,000; the rest shared by model
  /// among the Dou+, 随心推 and bidding lines in whole ¥100 orders; never above the budget in
  /// total or per KOL.
  public func plan(_ query: PlanQuery) throws(LedgerError) -> BudgetPlan {
    var advise = AdviseQuery()
    advise.asOf = query.asOf
    advise.window = max(query.window, 1)
    advise.filter = query.filter
    advise.promotion = query.promotion
    let settings = try querySettings()
    let advice = try self.advise(advise)
    var plan = BudgetPlan(
      asOf: advice.first?.asOf, window: advise.window, budget: max(query.budget, 0),
      sale: advice.first?.sale, lines: [], advice: advice)
    var left = plan.budget
    var spentByKOL: [String: Int64] = [:]
    func kol(_ item: Advice) -> String { item.video.kolID ?? "" }
    func cap(_ item: Advice) -> Int64 { settings.kolCap(for: item.kolTier) }

    for item in PlanRules.ranked(advice.filter { $0.action == .contentService }) {
      guard spentByKOL[kol(item)] == nil else { continue }
      let amount = min(item.decision.weeklyBudget ?? 0, cap(item), left)
      guard amount >= LedgerRules.contentServiceMinimum else { continue }
      left -= amount
      spentByKOL[kol(item)] = amount
      plan.lines.append(
        PlanRules.line(
          item, tool: .contentService, budget: amount,
          note: "one booking for the KOL this week: \(Format.yuan(amount))"))
    }

    // The rest, by model: a unit count per line proportional to the model (in millionths),
    // rounded down, then the leftover units one each in model order; each KOL at most its cap.
    let pool = PlanRules.ranked(
      advice.filter { [.douPlus, .suixintui, .kolBidding].contains($0.action) },
      byModel: true)
    let weights = pool.map { PlanRules.weight($0.decision.roiModel) }
    let total = weights.reduce(Int128(0), +)
    let units = Int128(left / planUnit)
    var shares = weights.map { total > 0 ? units * $0 / total : 0 }
    var leftover = units - shares.reduce(0, +)
    var capped = [Bool](repeating: false, count: pool.count)
    var roomOfKOL: [String: Int128] = [:]
    for (index, item) in pool.enumerated() {
      let available =
        roomOfKOL[kol(item)] ?? Int128(max(cap(item) - (spentByKOL[kol(item)] ?? 0), 0) / planUnit)
      if shares[index] > available {
        leftover += shares[index] - available
        shares[index] = available
        capped[index] = true
      }
      roomOfKOL[kol(item)] = available - shares[index]
    }
    for index in pool.indices where leftover > 0 && !capped[index] && shares[index] > 0 {
      let key = kol(pool[index])
      guard (roomOfKOL[key] ?? 0) > 0 else { continue }
      shares[index] += 1
      roomOfKOL[key, default: 0] -= 1
      leftover -= 1
    }
    for (index, item) in pool.enumerated() where shares[index] > 0 {
      guard let tool = Source(rawValue: item.action.rawValue) else { continue }
      let amount = Int64(shares[index]) * planUnit
      plan.lines.append(
        PlanRules.line(
          item, tool: tool, budget: amount,
          note: "\(Format.yuan(amount)) of the shared money by model"
            + (capped[index] ? ", held to the KOL's weekly cap \(Format.yuan(cap(item)))" : "")
            + " (\(shares[index]) order\(shares[index] == 1 ? "" : "s") of ¥100)"))
    }
    return plan
  }
}

/// The plan's ordering, weights and lines.
enum PlanRules {
  /// Best first: paid ROI where the video was promoted, else the judged model (or, with
  /// `byModel`, the judged model alone); ties by video id.
  static func ranked(_ advice: [Advice], byModel: Bool = false) -> [Advice] {
    func score(_ item: Advice) -> Fraction? {
      !byModel && item.model.sums.paidCost > 0 ? item.model.paidROI : item.decision.roiModel
    }
    return advice.sorted { a, b in
      let (x, y) = (score(a), score(b))
      if x != y, let x, let y { return x > y }
      if x != nil, y == nil { return true }
      if x == nil, y != nil { return false }
      return a.video.videoID < b.video.videoID
    }
  }

  /// The model in millionths, rounded down: the integer weight of a share.
  static func weight(_ model: Fraction?) -> Int128 {
    guard let model, model.denominator > 0 else { return 0 }
    return model.numerator * 1_000_000 / model.denominator
  }

  static func line(_ item: Advice, tool: Source, budget: Int64, note: String) -> PlanLine {
    let model = item.decision.roiModel ?? Fraction(0)
    let gmv = Int128(budget) * model.numerator / max(model.denominator, 1)
    let expected = Int64(clamping: gmv)
    var reasons = item.decision.reasons
    reasons.append(DecisionReason(rule: .tierCap, text: note))
    return PlanLine(
      advice: item, tool: tool, budget: budget,
      score: item.model.sums.paidCost > 0 ? item.model.paidROI : item.decision.roiModel,
      expectedGMV: expected,
      expectedROI: Fraction(Int128(expected), over: Int128(budget)), reasons: reasons)
  }
}
