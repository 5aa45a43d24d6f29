import LedgerQuery
import LedgerStore
import TestSupport
import Testing

// Every number of the query module checked against an independent oracle: plain loops over the
// generated input rows, Int64 sums, ratios kept as (numerator, denominator) pairs and compared by
// cross-multiplication. The production `Fraction` type is used only as a value container for the
// final equality (both sides reduced by gcd, so equal ratios are equal values).

// MARK: - Oracle and tests: report 5a

@Test func audienceReportEqualsTheOracleForEveryField() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var tally = Tally()
  let ranges: [(String, Int?, Int?)] = [
    ("Alpha", nil, nil), ("Alpha", 30, 90), ("Alpha", 31, 200), ("Alpha", nil, 1),
    ("Beta", nil, nil), ("Beta", 59, 59), ("伽马", 10, nil),
  ]
  for (brand, since, until) in ranges {
    let context = "5a \(brand) \(since.map { "\($0)" } ?? "-")...\(until.map { "\($0)" } ?? "-")"
    let rows = try ledger.audienceReport(
      brand: brand, since: since.map(data.day), until: until.map(data.day))
    let snapshots = data.snapshots.filter { $0.brand == brand }.sorted {
      $0.dayIndex < $1.dayIndex
    }
    var expected: [(GenSnapshot, GenSnapshot?)] = []
    for (index, snapshot) in snapshots.enumerated() {
      if let since, snapshot.dayIndex < since { continue }
      if let until, snapshot.dayIndex > until { continue }
      expected.append((snapshot, index > 0 ? snapshots[index - 1] : nil))
    }
    if rows.map(\.date) != expected.map({ data.day($0.0.dayIndex) }) {
      tally.problems.append(
        "\(context): dates \(rows.map(\.date)) vs \(expected.map { data.day($0.0.dayIndex) })")
      continue
    }
    for (row, (snapshot, previous)) in zip(rows, expected) {
      tally.note("\(context) \(row.date)", audienceMismatches(row, snapshot, previous, data))
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 40)
}

private func audienceMismatches(
  _ row: AudienceRow, _ snapshot: GenSnapshot, _ previous: GenSnapshot?, _ data: Dataset
) -> [String] {
  var found: [String] = []
  var total: Int64 = 0
  for layer in snapshot.layers { total += layer }
  let counts: [(String, Int64?, Int64?)] = [
    ("o", row.o, snapshot.o),
    ("total", row.total, total),
    ("a2_a3", row.a2a3, snapshot.layers[1] + snapshot.layers[2]),
    ("category_total", row.categoryTotal, snapshot.categoryTotal),
  ]
  for (name, got, wanted) in counts where got != wanted {
    found.append("\(name): expected \(String(describing: wanted)) got \(String(describing: got))")
  }
  if row.layers != snapshot.layers { found.append("layers: \(row.layers) vs \(snapshot.layers)") }
  for index in 0..<5 {
    let wanted = Ratio.of(snapshot.layers[index], total)
    if let problem = differ("share_a\(index + 1)", wanted, row.shares[index]) {
      found.append(problem)
    }
  }
  let penetration = snapshot.categoryTotal.flatMap { Ratio.of(total, $0) }
  if let problem = differ("penetration", penetration, row.penetration) { found.append(problem) }
  var delta: Int64?
  var spend: Int64?
  if let previous {
    var previousTotal: Int64 = 0
    for layer in previous.layers { previousTotal += layer }
    delta = total - previousTotal
    // The brand's spend on the days after the previous snapshot up to this one.
    var sum: Int64 = 0
    for dayIndex in (previous.dayIndex + 1)..<(snapshot.dayIndex + 1) {
      for row in data.rowIndices(on: dayIndex)
      where data.videos[data.videoOfRow[row]].brand == snapshot.brand {
        sum += data.metrics[row].cost
      }
    }
    spend = sum
  }
  if row.deltaTotal != delta {
    found.append(
      "delta_total: expected \(String(describing: delta)) got \(String(describing: row.deltaTotal))"
    )
  }
  if row.spend != spend {
    found.append(
      "spend: expected \(String(describing: spend)) got \(String(describing: row.spend))")
  }
  var costPerNewAsset: Ratio?
  if let spend, let delta, delta > 0 { costPerNewAsset = Ratio(spend, over: delta * 100) }
  if let problem = differ("cost_per_new_asset", costPerNewAsset, row.costPerNewAsset) {
    found.append(problem)
  }
  return found
}
