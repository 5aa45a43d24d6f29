import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

// A report without a limit is sorted by values alone, the keys read only on ties
// (`ROISort.order(of:)`); with a limit, the best rows are kept by the row comparator. Both must
// give the same order for every column, both directions and both groupings, with the nulls
// last and ties broken by key.

@Test func theSortOfAWholeReportAgreesWithTheLimitedReportsComparatorOnEveryColumn() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var compared = 0
  var nullsSeen = false
  var tiesSeen = false
  for grouping in [ROIGrouping.video, .kol] {
    for field in ROISortField.allCases {
      for ascending in [true, false] {
        var query = ROIQuery()
        query.grouping = grouping
        query.window = 30
        query.asOf = data.day(104)
        query.sort = ROISort(field: field, ascending: ascending)
        let whole = try ledger.roiReport(query).rows
        try #require(whole.count > 3)
        // A limit below the number of keys keeps the best rows by the general comparator.
        query.limit = whole.count - 1
        let limited = try ledger.roiReport(query).rows
        #expect(
          limited.map(\.key) == whole.prefix(whole.count - 1).map(\.key),
          "by \(grouping), \(field.rawValue) \(ascending ? "asc" : "desc")")
        compared += limited.count
        if field == .paidCPM, whole.last?.model.paidCPM == nil { nullsSeen = true }
        if field == .paidCost {
          let costs = whole.map(\.model.sums.paidCost)
          tiesSeen = tiesSeen || Set(costs).count < costs.count
        }
      }
    }
  }
  #expect(compared > 1_000)
  // The data has rows without a value and rows with equal values.
  #expect(nullsSeen && tiesSeen)
}

@Test func aDoubleComparisonOrdersTwoFractionsOnlyWhereItAgreesWithTheExactOne() {
  // Fractions of report sums (up to 128 bits), many of them a hair apart: the Doubles either
  // say nothing (0) or give the exact order.
  var random = SplitMix64(state: 16)
  var decided = 0
  var undecided = 0
  for _ in 0..<200_000 {
    // Within 64 bits (report sums) and beyond (the Doubles are made another way there).
    let denominator =
      Int128(random.int(1...Int64.max)) * Int128(random.pick([1, 1, random.int(1...1_000_000)]))
    let numerator =
      Int128(random.int(-(1 << 61)...(1 << 61)))
      * Int128(random.pick([1, 1, random.int(1...1_000)]))
    let a = Fraction(numerator, over: denominator) ?? Fraction(0)
    let near: Fraction
    switch random.int(0...3) {
    case 0: near = Fraction(numerator + 1, over: denominator) ?? a
    case 1: near = Fraction(numerator * 3 - 1, over: denominator * 3) ?? a
    case 2: near = Fraction(numerator * 2, over: denominator * 2) ?? a
    default:
      near =
        Fraction(Int128(random.int(-(1 << 61)...(1 << 61))), over: denominator) ?? a
    }
    let approximate = Approximate.compare(Approximate.value(a), Approximate.value(near))
    let exact = Fraction.compare(a, near)
    if approximate == 0 {
      undecided += 1
    } else {
      decided += 1
      #expect(approximate == exact, "\(a) against \(near)")
    }
  }
  // Most pairs are decided by their Doubles; the ones a hair apart (and the equal ones) are not.
  #expect(decided > 40_000 && undecided > 100_000, "\(decided) decided, \(undecided) not")
  #expect(Approximate.compare(0, 0) == 0 && Approximate.compare(-1, 1) == -1)
}
