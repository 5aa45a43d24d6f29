import LedgerStore
import Testing

@testable import LedgerQuery

@Test func videoTotalsSumEachSourceExactly() throws {
  let ledger = try Ledger.inMemory()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for (offset, gmv) in [(0, Int64(2_000_000)), (1, 1_000_001)] {
      let day = Day(daysSinceEpoch: 20_574 + Int32(offset))
      try writer.upsert(
        MetricInput(
          day: day, videoID: "v1", source: .natural, values: [.impressions: 100_000, .gmv: gmv]),
        at: .commandLine)
      try writer.upsert(
        MetricInput(
          day: day, videoID: "v1", source: .douPlus, placementID: "O\(offset)",
          values: [.impressions: 5_000, .cost: 10_001]), at: .commandLine)
    }
  }
  let totals = try ledger.videoTotals(videoID: "v1")
  #expect(totals.map(\.source) == ["natural", "dou_plus"])
  #expect(totals[0].gmv == 3_000_001)
  #expect(totals[0].impressions == 200_000)
  #expect(totals[0].days == 2)
  #expect(totals[1].cost == 20_002)
  #expect(totals[1].firstDate == Day(daysSinceEpoch: 20_574).description)
}
