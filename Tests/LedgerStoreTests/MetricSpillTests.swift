import Foundation
import TestSupport
import Testing

@testable import LedgerStore

/// Rows with keys from a small range (many equal keys), each numbered in `impressions` by the
/// order it was made, so a merge's order among equal keys shows.
private func numberedRows(_ count: Int, from first: Int, _ random: inout SplitMix64)
  -> [SortedMetric]
{
  (0..<count).map { index in
    var values = MetricValues()
    values.set(.impressions, Int64(first + index))
    return SortedMetric(key: UInt64(random.int(0...40)), values: values, batch: 0)
  }
}

@Test func mergedRunsComeOutInKeyOrderWithEqualKeysInTheOrderTheyWereMade() throws {
  var random = SplitMix64(state: 16)
  for blockRows in [1, 3, 64, nil] {
    let spill = try #require(MetricSpill())
    var made: [SortedMetric] = []
    for _ in 0..<9 {
      let run = numberedRows(Int(random.int(0...50)), from: made.count, &random)
      made += run
      #expect(spill.append(run.sorted { $0.key < $1.key }))
    }
    let last = numberedRows(20, from: made.count, &random)
    made += last
    var merged: [SortedMetric] = []
    let merge = try MetricMerge(
      spill, runs: 0..<spill.runs.count, last: last.sorted { $0.key < $1.key },
      blockRows: blockRows)
    while let row = try merge.next() { merged.append(row) }
    // A stable sort of every row in the order made is the only right answer.
    let expected = made.enumerated().sorted {
      ($0.element.key, $0.offset) < ($1.element.key, $1.offset)
    }.map(\.element)
    #expect(merged.map(\.key) == expected.map(\.key))
    #expect(merged.map { $0.values[.impressions] } == expected.map { $0.values[.impressions] })
  }
}

@Test func mergeWithoutSpilledRowsHandsOutTheLastRunAlone() throws {
  let spill = try #require(MetricSpill())
  #expect(spill.append([]))
  #expect(spill.runs.isEmpty)
  var random = SplitMix64(state: 3)
  let last = numberedRows(10, from: 0, &random).sorted { $0.key < $1.key }
  var merged: [UInt64] = []
  let merge = try MetricMerge(spill, runs: 0..<0, last: last)
  while let row = try merge.next() { merged.append(row.key) }
  #expect(merged == last.map(\.key))
  #expect(try merge.next() == nil)
  #expect(try MetricMerge(spill, runs: 0..<0).next() == nil)
}

@Test func groupsOfRunsMergeApartInTheOrderTheRunsWereMade() throws {
  var random = SplitMix64(state: 5)
  let spill = try #require(MetricSpill())
  var made: [[SortedMetric]] = []
  for index in 0..<6 {
    let run = numberedRows(30, from: index * 30, &random).sorted { $0.key < $1.key }
    made.append(run)
    #expect(spill.append(run))
  }
  #expect(spill.rows(from: 2) == 120)
  for (range, blockRows) in [(0..<2, 4), (2..<6, 7)] {
    var merged: [Int64] = []
    let merge = try MetricMerge(spill, runs: range, blockRows: blockRows)
    while let row = try merge.next() { merged.append(row.values[.impressions]) }
    let expected = made[range].joined().enumerated().sorted {
      ($0.element.key, $0.offset) < ($1.element.key, $1.offset)
    }.map { $0.element.values[.impressions] }
    #expect(merged == expected)
  }
}

@Test func noSpillFileIsMadeInAFolderThatDoesNotExist() {
  #expect(MetricSpill(directory: "/nonexistent-aimt-folder/sub") == nil)
}

@Test func spillerSortsAndAppendsEachRunOnItsOwnThreadAndGivesBackAnEmptyBuffer() throws {
  var random = SplitMix64(state: 8)
  let spill = try #require(MetricSpill())
  let spiller = RunSpiller(spill, capacity: 40)
  #expect(spiller.isIdle)
  #expect(spiller.settle { _ in Issue.record("no run was handed over") })
  var made: [SortedMetric] = []
  var buffer: [SortedMetric] = []
  for _ in 0..<4 {
    buffer = numberedRows(40, from: made.count, &random)
    made += buffer
    spiller.hand(&buffer)
    #expect(buffer.isEmpty)
    #expect(spiller.settle { _ in Issue.record("the run was appended") })
    #expect(spiller.isIdle)
  }
  #expect(spill.runs.map(\.rows) == [40, 40, 40, 40])
  var merged: [SortedMetric] = []
  let merge = try MetricMerge(spill, runs: 0..<4)
  while let row = try merge.next() { merged.append(row) }
  let expected = made.enumerated().sorted {
    ($0.element.key, $0.offset) < ($1.element.key, $1.offset)
  }.map(\.element)
  #expect(merged.map { $0.values[.impressions] } == expected.map { $0.values[.impressions] })
}

@Test func spillerHandsBackARunTheFileCouldNotTakeInKeyOrder() throws {
  var random = SplitMix64(state: 9)
  // Room for one run of 30 rows: the second is refused, as on a full disk.
  let spill = try #require(MetricSpill(rowLimit: 45))
  let spiller = RunSpiller(spill, capacity: 30)
  var buffer = numberedRows(30, from: 0, &random)
  spiller.hand(&buffer)
  #expect(spiller.settle { _ in Issue.record("the first run fits") })
  let second = numberedRows(30, from: 30, &random)
  buffer = second
  spiller.hand(&buffer)
  var returned: [SortedMetric] = []
  #expect(!spiller.settle { returned = $0 })
  #expect(spill.runs.count == 1)
  let expected = second.enumerated().sorted {
    ($0.element.key, $0.offset) < ($1.element.key, $1.offset)
  }.map { $0.element.values[.impressions] }
  #expect(returned.map { $0.values[.impressions] } == expected)
}
