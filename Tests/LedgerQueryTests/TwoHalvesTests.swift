import Foundation
import GRDB
import LedgerQuery
import LedgerStore
import Testing

// The reports read in two halves on two connections (docs/internals.md, "Two cores, one
// snapshot") say exactly what they say read on one connection.

/// Every answer the split reads give, as text: `report roi` by every grouping, its series cut by
/// a limit, `advise`, the shortlist of the dataset's promotion and the review tables.
private func answers(_ ledger: Ledger) throws -> [String] {
  var texts: [String] = []
  for grouping in ROIGrouping.allCases {
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 30
    texts.append("\(try ledger.roiReport(query).rows)")
  }
  var series = ROIQuery()
  series.limit = 5
  if let rows = try ledger.roiSeries(series, since: nil, until: nil) {
    var printed: [ROIRow] = []
    try rows.forEachRow { printed.append($0) }
    texts.append("\(rows.keys) \(printed)")
  }
  texts.append("\(try ledger.advise(AdviseQuery()))")
  var shortlist = ShortlistQuery()
  shortlist.promotion = Fixture.data.promotion.name
  let list = try ledger.shortlist(shortlist)
  texts.append("\(list.entries) \(list.excluded)")
  return texts
}

@Test func reportsReadInTwoHalvesSayWhatTheySayReadInOne() throws {
  let split = try Fixture.ledger()
  let whole = try fileLedger(split, parallel: false)
  let cores = ProcessInfo.processInfo.activeProcessorCount
  #expect(try split.read { db in ParallelRead.parts(db) } == (cores > 1 ? 2 : 1))
  #expect(try whole.read { db in ParallelRead.parts(db) } == 1)
  let splitAnswers = try answers(split)
  #expect(splitAnswers == (try answers(whole)))
  #expect(splitAnswers.allSatisfy { $0.count > 100 })
}
