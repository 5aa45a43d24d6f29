import GRDB
import Testing

@testable import LedgerStore

private typealias B = LedgerBuilder

private func count(_ ledger: Ledger, _ table: String) throws -> Int {
  try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1 }
}

@Test func douPlusBudgetBelowMinimumIsRefusedAndNothingWritten() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        B.placement("P1", tool: .douPlus, budget: 9_999, start: "2026-05-01 10:00", end: nil),
        at: SourceLocation(file: "orders.csv", line: 7))
    }
  }
  #expect(problems.count == 1)
  #expect(problems.first?.description.hasPrefix("orders.csv:7: budget: a Dou+ budget") == true)
  #expect(try count(ledger, "placement") == 0)
  #expect(try count(ledger, "import_batch") == 1)  // only the builder's batch
}

/// Each tool's budget limits (fen), just inside and just outside: Dou+ ¥100 to ¥5,000,000,
/// content service at least ¥50,000, and the ledger's money limit for any tool.
@Test(arguments: [
  (Source.douPlus, Int64(9_999), false),
  (Source.douPlus, 10_000, true),
  (Source.douPlus, 500_000_000, true),
  (Source.douPlus, 500_000_001, false),
  (Source.contentService, 4_999_999, false),
  (Source.contentService, 5_000_000, true),
  (Source.qianchuan, 1, true),
  (Source.qianchuan, LedgerRules.maxMoney, true),
  (Source.qianchuan, LedgerRules.maxMoney + 1, false),
])
func aBudgetIsAcceptedExactlyWithinItsToolsLimits(tool: Source, budget: Int64, accepted: Bool)
  throws
{
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        B.placement("P1", tool: tool, budget: budget, start: "2026-06-01 10:00", end: nil),
        at: .commandLine)
    }
  }
  #expect(problems.map(\.column) == (accepted ? [] : ["budget"]))
  #expect(try count(ledger, "placement") == (accepted ? 1 : 0))
  if tool == .contentService, !accepted {
    #expect(problems.first?.message.contains("at least ¥50,000.00") == true)
  }
}

@Test func contentServiceOverlappingDouPlusIsRefused() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        B.placement(
          "D1", tool: .douPlus, budget: 50_000, start: "2026-06-03 10:00",
          end: "2026-06-04 10:00"), at: SourceLocation(file: "p.csv", line: 2))
      try writer.upsert(
        B.placement(
          "C1", tool: .contentService, budget: 5_000_000, start: "2026-06-01 00:00",
          end: "2026-06-07 23:59:59"), at: SourceLocation(file: "p.csv", line: 3))
    }
  }
  #expect(problems.count == 1)
  #expect(problems.first?.message.contains("D1") == true)
  #expect(problems.first?.message.contains("C1") == true)
  #expect(try count(ledger, "placement") == 0)
}

@Test func douPlusEndingWhenContentServiceStartsDoesNotOverlap() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      B.placement(
        "D1", tool: .douPlus, budget: 50_000, start: "2026-05-31 12:00", end: "2026-06-01 00:00"),
      at: .commandLine)
    try writer.upsert(
      B.placement(
        "C1", tool: .contentService, budget: 5_000_000, start: "2026-06-01 00:00",
        end: "2026-06-07 23:59:59"), at: .commandLine)
  }
  #expect(try count(ledger, "placement") == 2)
}

@Test func contentServiceEndingWhenDouPlusStartsDoesNotOverlap() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      B.placement(
        "C1", tool: .contentService, budget: 5_000_000, start: "2026-05-25 00:00",
        end: "2026-06-01 00:00"), at: .commandLine)
    try writer.upsert(
      B.placement(
        "D1", tool: .douPlus, budget: 50_000, start: "2026-06-01 00:00", end: "2026-06-02 00:00"),
      at: .commandLine)
  }
  #expect(try count(ledger, "placement") == 2)
  #expect(try ledger.check().isEmpty)
}

@Test func placementAndPromotionMayEndWhenTheyStartButNotBefore() {
  let moment = B.moment("2026-05-01 10:00")
  #expect(
    LedgerRules.placementViolations(tool: .qianchuan, budget: nil, start: moment, end: moment)
      .isEmpty)
  let day = B.day("2026-06-01")
  #expect(LedgerRules.promotionViolations(start: day, end: day).isEmpty)
  #expect(
    LedgerRules.promotionViolations(start: day, end: day.adding(days: -1)).map(\.column) == [
      "end"
    ])
}

@Test func overlapOnAnotherVideoIsAllowed() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    var video = VideoInput(videoID: "v2")
    video.kolID = "dy1"
    try writer.upsert(video, at: .commandLine)
    try writer.upsert(
      B.placement("D1", tool: .douPlus, budget: 50_000, start: "2026-06-03", end: "2026-06-04"),
      at: .commandLine)
    try writer.upsert(
      B.placement(
        "C1", tool: .contentService, budget: 5_000_000, start: "2026-06-01", end: "2026-06-07",
        video: "v2"), at: .commandLine)
  }
  #expect(try count(ledger, "placement") == 2)
}

@Test func endBeforeStartIsRefused() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        B.placement(
          "Q1", tool: .qianchuan, budget: nil, start: "2026-05-02 00:00", end: "2026-05-01 00:00"),
        at: .commandLine)
      var sale = PromotionInput(name: "618")
      sale.start = B.day("2026-06-18")
      sale.end = B.day("2026-05-20")
      try writer.upsert(sale, at: .commandLine)
    }
  }
  #expect(problems.map(\.column) == ["end", "end"])
}

@Test func placementForUnknownVideoIsRefusedUnlessCreateMissing() throws {
  let ledger = try B.ledgerWithVideo()
  let input = B.placement(
    "Q1", tool: .qianchuan, budget: nil, start: "2026-05-02", end: nil, video: "v9")
  let problems = B.problems {
    try ledger.write { writer in try writer.upsert(input, at: .commandLine) }
  }
  #expect(problems.map(\.column) == ["video_id"])
  #expect(problems.first?.remedy == .createMissing(.video, key: "v9"))
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    try writer.upsert(input, at: .commandLine)
  }
  #expect(try ledger.video("v9").videoID == "v9")
}

@Test func videoForUnknownKOLIsRefused() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      var video = VideoInput(videoID: "v2")
      video.kolID = "nobody"
      try writer.upsert(video, at: .commandLine)
    }
  }
  #expect(problems.map(\.column) == ["kol_id"])
}

@Test func naturalTrafficWithCostIsRefused() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      try writer.upsert(
        MetricInput(
          day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: [.cost: 100]),
        at: .commandLine)
    }
  }
  #expect(problems.map(\.column) == ["cost"])
}

@Test func partialUpdateChecksRulesOnTheMergedPlacement() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      B.placement("D1", tool: .douPlus, budget: 50_000, start: "2026-05-01", end: nil),
      at: .commandLine)
  }
  var lower = PlacementInput(placementID: "D1")
  lower.budget = 100
  let problems = B.problems {
    try ledger.write { writer in try writer.upsert(lower, at: .commandLine) }
  }
  #expect(problems.map(\.column) == ["budget"])
  #expect(try ledger.placement("D1").budget == 50_000)
}

@Test func everyProblemIsReportedNotOnlyTheFirst() throws {
  let ledger = try B.ledgerWithVideo()
  let problems = B.problems {
    try ledger.write { writer in
      for line in 2...4 {
        try writer.upsert(
          MetricInput(day: B.day("2026-05-01"), videoID: "missing\(line)", source: .natural),
          at: SourceLocation(file: "m.csv", line: line))
      }
    }
  }
  #expect(problems.map(\.location.line) == [2, 3, 4])
}

@Test func checkPassesOnAGoodLedgerAndNamesABrokenRule() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      B.placement("D1", tool: .douPlus, budget: 50_000, start: "2026-06-03", end: "2026-06-04"),
      at: .commandLine)
    try writer.upsert(
      B.placement("C1", tool: .contentService, budget: 5_000_000, start: "2026-06-10", end: nil),
      at: .commandLine)
  }
  #expect(try ledger.check().isEmpty)
  try ledger.write { db in
    try db.execute(
      sql: "UPDATE placement SET start = '2026-06-01 00:00:00' WHERE placement_id = 'C1'")
  }
  let findings = try ledger.check()
  #expect(findings.count == 1)
  #expect(findings.first?.message.contains("D1") == true)
}

@Test func checkFindsABudgetEditedPastItsConstraint() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      B.placement("D1", tool: .douPlus, budget: 50_000, start: "2026-06-03", end: nil),
      at: .commandLine)
  }
  try ledger.write { db in
    try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
    try db.execute(sql: "UPDATE placement SET budget = 500 WHERE placement_id = 'D1'")
    try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
  }
  let findings = try ledger.check()
  #expect(
    findings.contains { $0.subject == "placement" && $0.message.hasPrefix("D1: a Dou+ budget") })
}

@Test func checkFindsMetricRowsOfAMissingVideo() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      MetricInput(day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: [.gmv: 1]),
      at: .commandLine)
  }
  #expect(try ledger.check().isEmpty)
  try ledger.write { db in try db.execute(sql: "UPDATE metric SET video_ref = 999") }
  let findings = try ledger.check()
  #expect(findings.map(\.description) == ["foreign_key: 1 metric rows name a missing video"])
}

@Test func checkFindsNaturalTrafficGivenACostOutsideAimt() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(
      MetricInput(day: B.day("2026-05-01"), videoID: "v1", source: .natural, values: [.gmv: 1]),
      at: .commandLine)
  }
  #expect(try ledger.check().isEmpty)
  // The schema's CHECK refuses this too; a tool that ignores CHECK constraints does not.
  try ledger.write { db in
    try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
    try db.execute(sql: "UPDATE metric SET cost = 150")
    try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
  }
  // SQLite's integrity check names the broken CHECK; the rule names the row and what to do.
  let findings = try ledger.check()
  #expect(findings.map(\.subject) == ["integrity", "metric"])
  #expect(findings.last?.message.contains("natural traffic carries no cost") == true)
}
