import Foundation
import TestSupport
import Testing

@testable import LedgerStore

// The chunks of `metric_running` (docs/internals.md, "Running sums in chunks"): what the
// builder writes reads back, through any day, as the running sums it was given, and bytes
// aimt did not write are refused.

/// A random run of days (ascending, some far apart, some negative) with the running sums
/// through each; every source's row count grows with each day.
private func randomDays(_ random: inout SplitMix64) -> [(day: Int32, sums: [Int64])] {
  var day = Int32(truncatingIfNeeded: Int64(random.next() % 40_000)) - 20_000
  var sums = [Int64](repeating: 0, count: RunningTotals.width)
  var days: [(day: Int32, sums: [Int64])] = []
  for _ in 0..<(1 + Int(random.next() % 60)) {
    day += [1, 1, 1, 2, 3, 15, 16, 17, 40][Int(random.next() % 9)]
    for source in 0..<RunningTotals.sources where random.next() % 3 == 0 {
      let base = source * RunningField.count
      sums[base] += 1
      for field in 1..<RunningField.count {
        sums[base + field] += Int64(random.next() >> (1 + random.next() % 63)) / 4096
      }
    }
    if sums.allSatisfy({ $0 == 0 }) { sums[0] = 1 }
    days.append((day, sums))
  }
  return days
}

/// The chunks the builder makes of `days`, by number, each encoded.
private func chunks(of days: [(day: Int32, sums: [Int64])]) -> [(number: Int64, bytes: [UInt8])] {
  let builder = RunningChunkBuilder()
  let running = RunningTotals()
  var made: [(number: Int64, bytes: [UInt8])] = []
  _ = builder.start(7, firstDay: days[0].day, stored: nil)
  for (day, sums) in days {
    running.values.update(from: sums, count: RunningTotals.width)
    builder.add(day, running) { number, bytes in made.append((number, Array(bytes))) }
  }
  builder.close { number, bytes in made.append((number, Array(bytes))) }
  return made
}

/// The running sums through `day` that `chunk` gives, nil when it refuses its bytes.
private func sums(_ chunk: [UInt8], through day: Int32?) -> [Int64]? {
  let totals = RunningTotals()
  let readable = chunk.withUnsafeBytes {
    RunningChunk.accumulate($0, through: day, sign: 1, into: totals)
  }
  return readable
    ? Array(UnsafeBufferPointer(start: totals.values, count: RunningTotals.width)) : nil
}

@Test func aChunkGivesTheRunningSumsThroughEveryDayOfIt() {
  var random = SplitMix64(state: 41)
  for _ in 0..<300 {
    let days = randomDays(&random)
    let made = chunks(of: days)
    // One chunk per 16-day stretch with days, in order.
    #expect(made.map(\.number) == Array(Set(days.map { Int64($0.day >> 4) })).sorted())
    for (number, bytes) in made {
      let first = Int32(number) << 4
      for day in first...(first + 15) {
        // The last given day at or before `day`, or the one before the chunk.
        let expected =
          days.last { $0.day <= day }?.sums ?? [Int64](repeating: 0, count: RunningTotals.width)
        #expect(sums(bytes, through: day) == expected, "day \(day) of chunk \(number)")
      }
      #expect(sums(bytes, through: nil) == days.last { $0.day <= first + 15 }?.sums)
    }
  }
}

/// The running sums through each of `days` (ascending) that one decode of `chunk` gives, nil
/// when it refuses its bytes.
private func sums(_ chunk: [UInt8], through days: [Int32]) -> [[Int64]]? {
  let totals = days.map { _ in RunningTotals() }
  // Set to something else first: each is overwritten whole.
  for target in totals { target.values.update(repeating: -7, count: RunningTotals.width) }
  let targets = totals.map(\.values)
  let readable = chunk.withUnsafeBytes { bytes in
    days.withUnsafeBufferPointer { days in
      targets.withUnsafeBufferPointer { targets in
        RunningChunk.load(bytes, through: days, into: targets, scratch: RunningTotals())
      }
    }
  }
  return readable
    ? totals.map { Array(UnsafeBufferPointer(start: $0.values, count: RunningTotals.width)) }
    : nil
}

@Test func oneDecodeOfAChunkGivesEachOfSeveralDaysItsRunningSums() {
  var random = SplitMix64(state: 42)
  var compared = 0
  for _ in 0..<300 {
    let days = randomDays(&random)
    for (number, bytes) in chunks(of: days) {
      let first = Int32(number) << 4
      // Any ascending days of the chunk, and some past it (the days after a video's last).
      let wanted = (first...(first + 40)).filter { _ in random.next() % 4 == 0 }
      let expected = wanted.map { sums(bytes, through: $0) }
      #expect(!expected.contains(nil))
      #expect(sums(bytes, through: wanted) == expected.compactMap { $0 }, "chunk \(number)")
      compared += wanted.count
    }
  }
  #expect(compared > 5_000)
}

@Test func aStoredChunkReopenedOnADayKeepsItsEarlierDaysAndGivesTheSameBytes() {
  var random = SplitMix64(state: 43)
  for _ in 0..<200 {
    let days = randomDays(&random)
    let whole = chunks(of: days)
    // Written up to a day, then reopened from the chunk stored at or before the next day,
    // with the days from there on (an append, or a refresh from that day): the same chunks.
    let split = Int(random.next() % UInt64(days.count))
    var made = split == 0 ? [] : chunks(of: Array(days[..<split]))
    if split < days.count {
      let next = days[split].day
      let stored = made.last { $0.number <= Int64(next >> 4) }
      let builder = RunningChunkBuilder()
      let opened = stored.map { stored in
        stored.bytes.withUnsafeBytes { builder.start(7, firstDay: next, stored: $0) }
      }
      if stored == nil { _ = builder.start(7, firstDay: next, stored: nil) }
      #expect(opened ?? true)
      // The chunk reopened is written again whole.
      if let stored, stored.number == Int64(next >> 4) { made.removeLast() }
      let running = RunningTotals()
      for (day, sums) in days[split...] {
        running.values.update(from: sums, count: RunningTotals.width)
        builder.add(day, running) { number, bytes in made.append((number, Array(bytes))) }
      }
      builder.close { number, bytes in made.append((number, Array(bytes))) }
    }
    #expect(made.map(\.number) == whole.map(\.number))
    #expect(made.map(\.bytes) == whole.map(\.bytes))
  }
}

@Test func bytesThatAreNoChunkAimtWroteAreRefused() {
  var random = SplitMix64(state: 47)
  let days = randomDays(&random)
  let bytes = chunks(of: days)[0].bytes
  #expect(sums(bytes, through: nil) != nil)
  let tooFar: [UInt8] = [2] + [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] + [0, 0, 0, 0]
  let cases: [[UInt8]] = [
    [],  // nothing
    [1] + bytes.dropFirst(),  // the version of a row per day
    Array(bytes.dropLast()),  // cut short
    bytes + [0],  // a day offset with no body after the last day
    [2, 0, 0, 0],  // a chunk without days
    [2, 0, 0, 0, 16, 0, 0],  // a day offset past the chunk
    [2, 0, 0, 0, 3, 0, 0, 3, 0, 0],  // the same day twice
    [2, 0, 0, 0, 5, 0, 0, 4, 0, 0],  // days out of order
    tooFar,  // a chunk number no Int32 day has
    [2] + Array(repeating: 0x80, count: 10) + [1, 0, 0],  // a number of more than 64 bits
  ]
  for bad in cases {
    #expect(sums(bad, through: nil) == nil, "\(bad)")
    #expect(sums(bad, through: [Int32.max]) == nil, "\(bad)")
    // Nor does a write build on them.
    let builder = RunningChunkBuilder()
    #expect(!bad.withUnsafeBytes { builder.start(1, firstDay: 100, stored: $0) }, "\(bad)")
  }
}
