import Foundation
import GRDB
import Testing

@testable import LedgerStore

/// The problems a write of `body` is refused with, as `column: message` lines.
private func refusal(
  _ ledger: Ledger, options: WriteOptions = WriteOptions(), _ body: (LedgerWriter) throws -> Void
) -> [String] {
  do {
    try ledger.write(options: options, body)
    return []
  } catch {
    guard case .invalidData(let problems) = error else { return ["not a data error: \(error)"] }
    return problems.map { "\($0.column): \($0.message)" }
  }
}

@Test func aNewRecordMissingWhatItNeedsIsRefusedNamingTheField() throws {
  let ledger = try Ledger.inMemory()
  let placement = refusal(ledger) { writer in
    try writer.upsert(PlacementInput(placementID: "P1"), at: .commandLine)
  }
  #expect(placement == ["video_id: a new placement needs the video it promotes"])
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var video = VideoInput(videoID: "v1")
    video.kolID = "k1"
    try writer.upsert(video, at: .commandLine)
  }
  let tool = refusal(ledger) { writer in
    var input = PlacementInput(placementID: "P1")
    input.videoID = "v1"
    try writer.upsert(input, at: .commandLine)
  }
  #expect(tool == ["tool: a new placement needs its tool"])
  let start = refusal(ledger) { writer in
    var input = PlacementInput(placementID: "P1")
    input.videoID = "v1"
    input.tool = .douPlus
    try writer.upsert(input, at: .commandLine)
  }
  #expect(start == ["start: a new placement needs its start"])
  let promotion = refusal(ledger) { writer in
    try writer.upsert(PromotionInput(name: "618"), at: .commandLine)
    var late = PromotionInput(name: "双11")
    late.start = Day(year: 2026, month: 10, day: 20)
    try writer.upsert(late, at: .commandLine)
  }
  #expect(
    promotion == [
      "start: a new promotion needs its start date", "end: a new promotion needs its end date",
    ])
  let empty = refusal(ledger) { writer in
    try writer.upsert(KOLInput(kolID: ""), at: .commandLine)
  }
  #expect(empty == ["kol_id: is empty; every row needs its kol_id"])
}

@Test func followersAndAudienceLayersBeyondTheLimitsAreRefused() throws {
  let ledger = try Ledger.inMemory()
  let followers = refusal(ledger) { writer in
    var kol = KOLInput(kolID: "k1")
    kol.followers = 10_000_000_000_000
    kol.asOf = Day(year: 2026, month: 5, day: 1)
    try writer.upsert(kol, at: .commandLine)
  }
  #expect(followers.first?.hasPrefix("followers: 10000000000000 is beyond") == true)
  let day = try #require(Day(year: 2026, month: 5, day: 1))
  // A snapshot of a new brand is written when missing parents may be created …
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    try writer.upsert(AudienceInput(brand: "B", day: day, values: [.a1: 5]), at: .commandLine)
  }
  // … and one beyond the limits is refused, layer by layer.
  let layers = refusal(ledger) { writer in
    try writer.upsert(
      AudienceInput(brand: "B", day: day, values: [.a1: -1, .a2: 10_000_000_000_000]),
      at: .commandLine)
  }
  #expect(layers.count == 2)
  #expect(layers.first == "a1: must not be negative (got -1)")
  #expect(try ledger.read { db in try Int64.fetchOne(db, sql: "SELECT a1 FROM audience") } == 5)
}

@Test func everyLedgerErrorSaysWhatToDo() {
  let cases: [(LedgerError, String)] = [
    (.corrupt(path: "a.db"), "restore it from a backup"),
    (.newerSchema(path: "a.db", unknown: ["0099_future"]), "upgrade aimt to use it"),
    (.readOnly(path: "a.db"), "check their permissions"),
    (.otherDatabase(path: "a.db"), "aimt leaves it unchanged"),
    (
      .needsUpgrade(path: "a.db", pending: ["0003_strict_numbers"]),
      "open it for writing with create"
    ),
    (.emptyFile(path: "a.db"), "creating a ledger there makes it one"),
    (.notFound(entity: "brand", key: "X", known: ["A", "B"]), "the brands are: A, B"),
    (.busy(path: "a.db"), "try again in a moment"),
    (.inUse(path: "a.db"), "needs it alone; nothing was changed"),
    (.interruptedWrite(path: "a.db"), "open it for writing once"),
    (.storage(message: "reading a.db failed: the disk is full"), "the disk is full"),
  ]
  for (error, advice) in cases {
    #expect(error.description.contains(advice), "\(error)")
    #expect(!error.isDataError || advice.contains("brands"))
  }
}

@Test func sqliteFailuresAreTranslatedIntoSentences() throws {
  let ledger = try Ledger.inMemory()
  struct Odd: Error {}
  func message(_ body: (Database) throws -> Void) -> String {
    do {
      try ledger.read { db in try body(db) }
      return ""
    } catch {
      return error.description
    }
  }
  #expect(
    message { db in
      _ = try Int64.fetchOne(
        db, sql: "SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)")
    }.contains("a sum exceeds what SQLite adds exactly"))
  #expect(message { db in _ = try Row.fetchAll(db, sql: "SELEC 1") }.contains("failed: near"))
  #expect(message { _ in throw Odd() }.contains("reading the ledger :memory: failed"))
  do {
    try ledger.read { _ in throw SourceLocation.commandLine.problem("x", "is wrong") }
    Issue.record("a problem thrown inside a read was lost")
  } catch {
    guard case .invalidData(let problems) = error else {
      Issue.record("expected invalidData, got \(error)")
      return
    }
    #expect(problems.map(\.description) == ["x: is wrong"])
  }
}

@Test func aLedgerOfANewerAimtOpensForABackupOnly() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let path = folder + "/a.db"
  let ledger = try Ledger.open(path: path, create: true)
  try ledger.write { _ in }
  let queue = try DatabaseQueue(path: path)
  try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('0099_future')")
  }
  try queue.close()
  #expect(throws: LedgerError.self) { try Ledger.openReadOnly(path: path) }
  #expect(throws: LedgerError.self) { try Ledger.open(path: path) }
  let copy = try Ledger.openReadOnly(path: path, anySchema: true)
  try copy.backup(to: folder + "/b.db")
  #expect(FileManager.default.fileExists(atPath: folder + "/b.db"))
}

@Test func writeSummariesCompareByBatchesAndCounts() throws {
  let ledger = try Ledger.inMemory()
  let first = try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    try writer.upsert(KOLInput(kolID: "k1"), at: .commandLine)
  }
  let again = try ledger.write { writer in
    try writer.upsert(KOLInput(kolID: "k1"), at: .commandLine)
  }
  #expect(first == first)
  #expect(first != again)
}

@Test func checkNamesARowWhoseParentWasDeletedOutsideAimt() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let path = folder + "/a.db"
  let ledger = try Ledger.open(path: path, create: true)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    var video = VideoInput(videoID: "v1")
    video.kolID = "k1"
    try writer.upsert(video, at: .commandLine)
  }
  #expect(try ledger.check().isEmpty)
  var config = Configuration()
  config.foreignKeysEnabled = false
  let queue = try DatabaseQueue(path: path, configuration: config)
  try queue.write { db in try db.execute(sql: "DELETE FROM kol") }
  try queue.close()
  let findings = try Ledger.openReadOnly(path: path).check()
  #expect(
    findings.contains { $0.subject == "foreign_key" && $0.message.contains("names a missing kol") })
}

@Test func metricValuesAreEqualWhenTheSameFieldsHoldTheSameNumbers() {
  var a = MetricValues()
  a.set(.gmv, 100)
  var b = MetricValues()
  b.set(.gmv, 100)
  #expect(a == b)
  b.set(.likes, 0)
  #expect(a != b)
  a.set(.likes, 1)
  b.set(.likes, 2)
  #expect(a != b)
}
