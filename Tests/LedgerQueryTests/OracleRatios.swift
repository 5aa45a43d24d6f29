import LedgerQuery
import LedgerStore
import TestSupport
import Testing

// The oracle's exact ratios, and the comparison of a report's rows with the oracle's.

// MARK: - Exact ratios of the oracle

/// A non-negative ratio as the oracle keeps it: never reduced, compared by cross-multiplying.
struct Ratio: CustomStringConvertible {
  var num: Int128
  var den: Int128

  init(_ num: Int128, _ den: Int128) {
    self.num = num
    self.den = den
  }

  init(_ num: Int64, over den: Int64) { self.init(Int128(num), Int128(den)) }

  /// nil when the denominator is 0 (null in docs/data-model.md).
  static func of(_ num: Int64, _ den: Int64) -> Ratio? {
    den == 0 ? nil : Ratio(num, over: den)
  }

  var description: String { "\(num)/\(den)" }

  /// The same value in the production container, for equality only.
  var fraction: Fraction? { Fraction(num, over: den) }

  /// `a < b`, by 256-bit cross products.
  static func less(_ a: Ratio, _ b: Ratio) -> Bool {
    let left = a.num.multipliedFullWidth(by: b.den)
    let right = b.num.multipliedFullWidth(by: a.den)
    return (left.high, left.low) < (right.high, right.low)
  }

  static func same(_ a: Ratio, _ b: Ratio) -> Bool { !less(a, b) && !less(b, a) }
}

/// The oracle's settings: reference CPM in fen, floor, decline ratio.
struct OracleSettings {
  var cpmFen: Int64 = 4_000
  var floor = Ratio(6, 5)
  var decline = Ratio(4, 5)
  var budgetSuperHead: Int64? = 100_000_000
  var budgetHead: Int64? = 30_000_000
  var budgetMid: Int64? = 5_000_000
}

/// Plain sums of a key's rows over one window.
struct Sums {
  var naturalImpressions: Int64 = 0
  var naturalGMV: Int64 = 0
  var paidImpressions: Int64 = 0
  var paidCost: Int64 = 0
  var paidGMV: Int64 = 0
  var impressions: Int64 = 0
  var cost: Int64 = 0
  var gmv: Int64 = 0
  var likes: Int64 = 0
  var comments: Int64 = 0
  var rows: Int64 = 0
  var paidRows: Int64 = 0

  mutating func add(_ row: GenMetric) {
    if row.source == .natural {
      naturalImpressions += row.impressions
      naturalGMV += row.gmv
    } else {
      paidImpressions += row.impressions
      paidCost += row.cost
      paidGMV += row.gmv
      paidRows += 1
    }
    impressions += row.impressions
    cost += row.cost
    gmv += row.gmv
    likes += row.likes
    comments += row.comments
    rows += 1
  }
}

/// What one row of `report roi` must hold.
struct ExpectedRow {
  var key: String?
  var date: Day
  var sums: Sums
  var cpm: Ratio
  var naturalGPM: Ratio?
  var roiModel: Ratio?
  var paidCPM: Ratio?
  var paidGPM: Ratio?
  var paidROI: Ratio?
  var totalROI: Ratio?
  var engagementRate: Ratio?
  var commentLikeRatio: Ratio?
  var trend: Trend?
  var aboveFloor: Bool?
}

/// The reference CPM in yuan per thousand for one window's sums.
func oracleCPM(_ sums: Sums, _ option: CPMOption, _ settings: OracleSettings) -> Ratio {
  switch option {
  case .setting: Ratio(settings.cpmFen, over: 100)
  case .price(let fen): Ratio(fen, over: 100)
  case .observed:
    // fen·1000/impressions/100 yuan; no paid impressions or no paid cost: the setting.
    sums.paidImpressions > 0 && sums.paidCost > 0
      ? Ratio(sums.paidCost * 10, over: sums.paidImpressions) : Ratio(settings.cpmFen, over: 100)
  }
}

/// natural_gpm / cpm = (gmv/100 yuan ÷ impressions/1000) ÷ cpm.
func oracleModel(_ sums: Sums, cpm: Ratio) -> Ratio? {
  guard sums.naturalImpressions > 0, cpm.num != 0 else { return nil }
  return Ratio(
    Int128(sums.naturalGMV) * 10 * cpm.den, Int128(sums.naturalImpressions) * cpm.num)
}

func oracleTrend(_ current: Ratio?, _ previous: Ratio?, decline: Ratio) -> Trend? {
  guard let current, let previous, previous.num != 0 else { return nil }
  if Ratio.less(current, Ratio(previous.num * decline.num, previous.den * decline.den)) {
    return .down
  }
  if Ratio.less(Ratio(previous.num * decline.den, previous.den * decline.num), current) {
    return .up
  }
  return .flat
}

func expectedRow(
  key: String?, date: Day, current: Sums, previous: Sums, cpm option: CPMOption,
  floor: Ratio, settings: OracleSettings
) -> ExpectedRow {
  let cpm = oracleCPM(current, option, settings)
  let model = oracleModel(current, cpm: cpm)
  let previousModel = oracleModel(previous, cpm: oracleCPM(previous, option, settings))
  return ExpectedRow(
    key: key, date: date, sums: current, cpm: cpm,
    naturalGPM: Ratio.of(current.naturalGMV * 10, current.naturalImpressions),
    roiModel: model,
    paidCPM: Ratio.of(current.paidCost * 10, current.paidImpressions),
    paidGPM: Ratio.of(current.paidGMV * 10, current.paidImpressions),
    paidROI: Ratio.of(current.paidGMV, current.paidCost),
    totalROI: Ratio.of(current.gmv, current.cost),
    engagementRate: Ratio.of(current.likes + current.comments, current.impressions),
    commentLikeRatio: Ratio.of(current.comments, current.likes),
    trend: oracleTrend(model, previousModel, decline: settings.decline),
    aboveFloor: model.map { !Ratio.less($0, floor) })
}

// MARK: - Comparison

func differ(_ name: String, _ expected: Ratio?, _ got: Fraction?) -> String? {
  let wanted = expected?.fraction
  guard wanted != got else { return nil }
  let gotText = got.map { "\($0.numerator)/\($0.denominator)" } ?? "nil"
  return "\(name): expected \(expected?.description ?? "nil") got \(gotText)"
}

/// Every field of a production model against the oracle's row; empty when all agree.
func modelMismatches(_ model: TrafficModel, _ expected: ExpectedRow) -> [String] {
  var found: [String] = []
  let sums = model.sums
  let pairs: [(String, Int64, Int64)] = [
    ("natural_impressions", sums.naturalImpressions, expected.sums.naturalImpressions),
    ("natural_gmv", sums.naturalGMV, expected.sums.naturalGMV),
    ("paid_impressions", sums.paidImpressions, expected.sums.paidImpressions),
    ("paid_cost", sums.paidCost, expected.sums.paidCost),
    ("paid_gmv", sums.paidGMV, expected.sums.paidGMV),
    ("likes", sums.likes, expected.sums.likes),
    ("comments", sums.comments, expected.sums.comments),
    ("rows", sums.rows, expected.sums.rows),
    ("paid_rows", sums.paidRows, expected.sums.paidRows),
    ("impressions", sums.impressions, expected.sums.impressions),
    ("gmv", sums.gmv, expected.sums.gmv),
  ]
  for (name, got, wanted) in pairs where got != wanted {
    found.append("\(name): expected \(wanted) got \(got)")
  }
  let ratios: [(String, Ratio?, Fraction?)] = [
    ("cpm_price", expected.cpm, model.cpmPrice),
    ("natural_gpm", expected.naturalGPM, model.naturalGPM),
    ("roi_model", expected.roiModel, model.roiModel),
    ("paid_cpm", expected.paidCPM, model.paidCPM),
    ("paid_gpm", expected.paidGPM, model.paidGPM),
    ("paid_roi", expected.paidROI, model.paidROI),
    ("total_roi", expected.totalROI, model.totalROI),
    ("engagement_rate", expected.engagementRate, model.engagementRate),
    ("comment_like_ratio", expected.commentLikeRatio, model.commentLikeRatio),
  ]
  for (name, wanted, got) in ratios {
    if let problem = differ(name, wanted, got) { found.append(problem) }
  }
  if model.trend != expected.trend {
    found.append(
      "trend: expected \(String(describing: expected.trend)) got \(String(describing: model.trend))"
    )
  }
  if model.aboveFloor != expected.aboveFloor {
    found.append(
      "above_floor: expected \(String(describing: expected.aboveFloor)) "
        + "got \(String(describing: model.aboveFloor))")
  }
  return found
}

func rowMismatches(_ row: ROIRow, _ expected: ExpectedRow) -> [String] {
  var found = modelMismatches(row.model, expected)
  if row.key != expected.key {
    found.append("key: expected \(expected.key ?? "nil") got \(row.key ?? "nil")")
  }
  if row.date != expected.date { found.append("date: expected \(expected.date) got \(row.date)") }
  return found
}

/// Collects problems and counts what was compared, so one summary expectation reports them.
struct Tally {
  var compared = 0
  var problems: [String] = []

  mutating func note(_ context: String, _ found: [String]) {
    compared += 1
    guard !found.isEmpty else { return }
    problems.append(context + ": " + found.joined(separator: "; "))
  }

  /// The first few problems, for the failure message.
  var summary: String {
    "\(problems.count) mismatches of \(compared) rows compared; first: "
      + problems.prefix(8).joined(separator: "\n")
  }
}

func keyText(_ key: String?) -> String { key ?? "<nil>" }

/// Compares a whole report (asOf, keys in order, every row) with the oracle's rows.
func compareReport(
  _ report: ROIReport, _ expected: [ExpectedRow], asOf: Day, window: Int,
  context: String, tally: inout Tally
) {
  if report.asOf != asOf {
    tally.problems.append(
      "\(context): asOf expected \(asOf) got \(String(describing: report.asOf))")
  }
  if report.window != window {
    tally.problems.append("\(context): window expected \(window) got \(report.window)")
  }
  let gotKeys = report.rows.map { keyText($0.key) }
  let wantedKeys = expected.map { keyText($0.key) }
  if gotKeys != wantedKeys {
    tally.problems.append(
      "\(context): keys expected \(wantedKeys.joined(separator: ",")) "
        + "got \(gotKeys.joined(separator: ","))")
    return
  }
  for (row, wanted) in zip(report.rows, expected) {
    tally.note("\(context) key \(keyText(wanted.key))", rowMismatches(row, wanted))
  }
}

func cpmText(_ option: CPMOption) -> String {
  switch option {
  case .setting: "setting"
  case .price(let fen): "price \(fen)"
  case .observed: "observed"
  }
}
