import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

@Test func reasonTextWritesCountsRatiosAndNumbersAsFormatDoes() throws {
  var counts: [Int64] = [0, 7, 999, 1_000, 100_000, 1_234_567, -1, -1_000, .max, .min]
  var ratios = try [(2, 3), (-5, 2), (1, 200), (-1, 200), (1, 300), (0, 1), (99_999, 100_000)]
    .map { try #require(Fraction(Int128($0.0), over: Int128($0.1))) }
  ratios += [Fraction(Int64.max), Fraction(Int64.min)]
  ratios.append(try #require(Fraction(Int128(Int64.max) * 1_000 + 7, over: 3)))
  var random = SplitMix64(state: 7)
  for _ in 0..<300 {
    counts.append(Int64(bitPattern: random.next()) >> random.int(0...62))
    let denominator = random.int(1...1_000_000)
    ratios.append(
      try #require(
        Fraction(Int128(random.int(-10_000_000...10_000_000)), over: Int128(denominator))))
  }
  for value in counts {
    #expect(ReasonText.make { $0.add(count: value) } == Format.count(value))
  }
  for value in ratios {
    #expect(ReasonText.make { $0.add(ratio: value) } == Format.ratio(value), "\(value)")
  }
  for value in [0, 9, 10, 15, 90, 3_660, -3, Int.max, Int.min] {
    #expect(ReasonText.make { $0.add(value) } == "\(value)")
  }
  let text = ReasonText.make {
    $0.add("traffic ROI model ")
    $0.add(ratio: Fraction(2))
    $0.add(" ≥ floor ")
    $0.add("品牌")
  }
  #expect(text == "traffic ROI model 2.00 ≥ floor 品牌")
}

@Test func reasonTextStopsAtItsCapacity() {
  let long = String(repeating: "x", count: ReasonText.capacity + 40)
  let text = ReasonText.make {
    $0.add(long)
    $0.add(count: 12_345)
  }
  #expect(text == String(repeating: "x", count: ReasonText.capacity))
}

@Test func citedReasonsJoinAsTheTablesPrintedThem() {
  let lists: [[DecisionReason]] = [
    [],
    [DecisionReason(rule: .evidence, text: "not enough data")],
    [
      DecisionReason(rule: .floor, text: "traffic ROI model 2.00 ≥ floor 1.20"),
      DecisionReason(rule: .mode, text: ""),
      DecisionReason(rule: .sale, text: "inside the sale 双11 (2026-10-20 to 2026-11-11)"),
    ],
  ]
  for reasons in lists {
    #expect(reasons.cited == reasons.map(\.cited).joined(separator: "; "))
  }
}

@Test func theLaunchDayFunctionIsDroppedAfterTheRead() throws {
  let ledger = try Ledger.inMemory()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var video = VideoInput(videoID: "v")
    video.kolID = "k"
    video.published = DateTime(day: Day(daysSinceEpoch: 20_500), secondOfDay: 0)
    try writer.upsert(video, at: .commandLine)
    try writer.upsert(
      MetricInput(
        day: Day(daysSinceEpoch: 20_501), videoID: "v", source: .natural,
        values: [.impressions: 5]), at: .commandLine)
  }
  let settings = try ledger.querySettings()
  try ledger.read { db in
    let context = try DecisionContext(db, settings: settings)
    let sums = try DecisionSums(
      db, context: context, asOf: Day(daysSinceEpoch: 20_510), window: 7, filter: VideoFilter())
    #expect(sums.launch(ofSlot: 0)?.impressions == 5)
    #expect(throws: DatabaseError.self) {
      try Int64.fetchOne(db, sql: "SELECT \(DecisionStatement.function)(1, 0)")
    }
  }
}

@Test func theLaunchDayFunctionAnswersNullOutsideItsTable() throws {
  let ledger = try Ledger.inMemory()
  let asked = [(1, 0), (1, 1), (2, 0), (2, 1), (0, 0), (7, 0), (3, 0), (-1, 0), (1, 2), (1, -1)]
  let answers: [Int64?] = try ledger.read { db in
    let days = DecisionStatement.LaunchDays(refs: 3)
    days.set(ref: 1, start: 10, end: 12)
    days.set(ref: 2, start: DecisionStatement.LaunchDays.none, end: 30)
    days.set(ref: 7, start: 1, end: 1)
    return try DecisionStatement.with(db, days: days) {
      var answers: [Int64?] = []
      for (ref, end) in asked {
        answers.append(
          try Int64.fetchOne(
            db, sql: "SELECT \(DecisionStatement.function)(?, ?)", arguments: [ref, end]))
      }
      return answers
    }
  }
  #expect(answers == [10, 12, nil, 30, nil, nil, nil, nil, nil, nil])
}
