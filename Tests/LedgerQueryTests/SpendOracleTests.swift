import LedgerQuery
import LedgerStore
import TestSupport
import Testing

// Every number of the query module checked against an independent oracle: plain loops over the
// generated input rows, Int64 sums, ratios kept as (numerator, denominator) pairs and compared by
// cross-multiplication. The production `Fraction` type is used only as a value container for the
// final equality (both sides reduced by gcd, so equal ratios are equal values).

// MARK: - Oracle and tests: report spend

private struct SpendTotals: Equatable {
  var impressions: Int64 = 0
  var cost: Int64 = 0
  var gmv: Int64 = 0
  var paidGMV: Int64 = 0
  var orders: Int64 = 0
}

/// One `report spend` question: grouping, day indices, filters.
private struct SpendCase {
  var grouping: SpendGrouping
  var since: Int?
  var until: Int?
  var brand: String?
  var kol: String?
  var tool: Source?
}

/// The Monday of the week of `day`: 1970-01-01 was a Thursday.
private func mondayText(_ day: Day) -> String {
  let days = Int(day.daysSinceEpoch)
  let sinceMonday = ((days + 3) % 7 + 7) % 7
  return day.adding(days: -sinceMonday).description
}

@Test func spendReportByDayWeekMonthToolAndBrandEqualsTheOracle() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var tally = Tally()
  let cases = [
    SpendCase(grouping: .day), SpendCase(grouping: .day, since: 30, until: 60, brand: "Beta"),
    SpendCase(grouping: .day, tool: .douPlus),
    SpendCase(grouping: .day, since: 100, until: 140, tool: .natural),
    SpendCase(grouping: .tool), SpendCase(grouping: .tool, since: 10, until: 40, kol: kolName(3)),
    SpendCase(grouping: .tool, since: 0, until: 119, brand: "伽马"), SpendCase(grouping: .week),
    SpendCase(grouping: .month, since: 5, until: 80, brand: "Alpha"),
    SpendCase(grouping: .brand),
    SpendCase(grouping: .brand, since: 50, until: 70, tool: .qianchuan),
  ]
  let sourceOrder = Source.allCases.map(\.rawValue)
  for spend in cases {
    var query = SpendQuery()
    query.grouping = spend.grouping
    query.since = spend.since.map(data.day)
    query.until = spend.until.map(data.day)
    query.filter = VideoFilter(brand: spend.brand, kolID: spend.kol)
    query.tool = spend.tool
    let report = try ledger.spendReport(query)
    let first = spend.since ?? data.earliestIndex
    let last = spend.until ?? data.latestIndex
    var totals: [String?: SpendTotals] = [:]
    for dayIndex in first...last {
      for rowIndex in data.rowIndices(on: dayIndex) {
        let row = data.metrics[rowIndex]
        let video = data.videos[data.videoOfRow[rowIndex]]
        if let brand = spend.brand, video.brand != brand { continue }
        if let kol = spend.kol, video.kolID != kol { continue }
        if let tool = spend.tool, row.source != tool { continue }
        let day = data.day(dayIndex)
        let key: String? =
          switch spend.grouping {
          case .day: day.description
          case .week: mondayText(day)
          case .month: String(day.description.prefix(7))
          case .tool: row.source.rawValue
          default: video.brand
          }
        var sum = totals[key] ?? SpendTotals()
        sum.impressions += row.impressions
        sum.cost += row.cost
        sum.gmv += row.gmv
        if row.source != .natural { sum.paidGMV += row.gmv }
        sum.orders += row.orders
        totals[key] = sum
      }
    }
    let keys: [String?] =
      switch spend.grouping {
      case .tool:
        totals.keys.sorted {
          (sourceOrder.firstIndex(of: $0 ?? "") ?? 99)
            < (sourceOrder.firstIndex(of: $1 ?? "") ?? 99)
        }
      case .brand:
        totals.keys.sorted { a, b in
          let x = totals[a]?.cost ?? 0
          let y = totals[b]?.cost ?? 0
          return x != y ? x > y : keyLess(a, b)
        }
      default: totals.keys.sorted { keyLess($0, $1) }
      }
    let context =
      "spend by \(spend.grouping) \(spend.since.map { "\($0)" } ?? "-")..."
      + "\(spend.until.map { "\($0)" } ?? "-") brand \(spend.brand ?? "-") "
      + "kol \(spend.kol ?? "-") tool \(spend.tool?.rawValue ?? "-")"
    if report.since != data.day(first) || report.until != data.day(last) {
      tally.problems.append("\(context): range \(String(describing: report.since))")
    }
    if report.rows.map({ keyText($0.key) }) != keys.map(keyText) {
      tally.problems.append(
        "\(context): keys \(report.rows.map { keyText($0.key) }) vs \(keys.map(keyText))")
      continue
    }
    for row in report.rows {
      let wanted = totals[row.key] ?? SpendTotals()
      var found: [String] = []
      let got = SpendTotals(
        impressions: row.impressions, cost: row.cost, gmv: row.gmv, paidGMV: row.paidGMV,
        orders: row.orders)
      if got != wanted { found.append("totals \(got) vs \(wanted)") }
      if let problem = differ("roi", Ratio.of(wanted.gmv, wanted.cost), row.roi) {
        found.append(problem)
      }
      if let problem = differ("paid_roi", Ratio.of(wanted.paidGMV, wanted.cost), row.paidROI) {
        found.append(problem)
      }
      tally.note("\(context) \(keyText(row.key))", found)
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 200)
}
