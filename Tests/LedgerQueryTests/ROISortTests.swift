import LedgerQuery
import LedgerStore
import Testing

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
