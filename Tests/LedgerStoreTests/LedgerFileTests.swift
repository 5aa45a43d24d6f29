import Foundation
import GRDB
import GRDBSQLite
import Testing

@testable import LedgerStore

/// A fresh temporary folder for one test, which removes it with `removeTemporaryFolder`.
func temporaryFolder() throws -> String {
  let path = NSTemporaryDirectory() + "aimt-store-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Removes a temporary folder and all in it.
func removeTemporaryFolder(_ folder: String) {
  try? FileManager.default.removeItem(atPath: folder)
}

@Test func newLedgerFileIsPrivateToItsOwner() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  _ = try Ledger.open(path: path, create: true)
  let attributes = try FileManager.default.attributesOfItem(atPath: path)
  #expect((attributes[.posixPermissions] as? Int) == 0o600)
}

@Test func migrationsApplyToAnEmptyLedgerAndRerunIsANoOp() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  let first = try Ledger.open(path: path, create: true)
  #expect(try first.appliedMigrations() == Schema.migrations.map(\.identifier))
  let again = try Ledger.open(path: path, create: true)
  #expect(try again.appliedMigrations() == Schema.migrations.map(\.identifier))
  let journal = try again.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
  #expect(journal == "wal")
}

@Test func sqliteKeepsNoMemoryStatisticsInAProgramThatLinksTheLedger() throws {
  // Turned off when the program loaded, before any connection of any test.
  #expect(Ledger.sqliteKeepsNoMemoryStatistics)
  let ledger = try Ledger.inMemory()
  let videos = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM video") }
  #expect(videos == 0)
  // With statistics kept, the open connection's memory would be counted here.
  #expect(sqlite3_memory_used() == 0)
}

@Test func aNewLedgerHas16KiBPagesAndAnOlderOneKeepsItsOwn() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let pageSize = { (ledger: Ledger) in
    try ledger.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
  }
  let new = try Ledger.open(path: folder + "/new.db", create: true)
  #expect(try pageSize(new) == Ledger.pageSize)
  // A ledger made with 4 KiB pages (an earlier aimt) is upgraded and read as it is.
  let old = folder + "/old.db"
  let queue = try DatabaseQueue(path: old)
  try queue.writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA page_size = 4096; CREATE TABLE t (x); DROP TABLE t")
  }
  try queue.close()
  let upgraded = try Ledger.open(path: old, create: true)
  #expect(try pageSize(upgraded) == 4096)
  #expect(try upgraded.appliedMigrations() == Schema.migrations.map(\.identifier))
}

/// A ledger file with 4 KiB pages (as an earlier aimt made them), upgraded, with KOL dy1, videos
/// v1 and v2 and `days` days of metrics.
private func olderLedgerWithMetrics(_ path: String, days: Int) throws -> Ledger {
  let queue = try DatabaseQueue(path: path)
  try queue.writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA page_size = 4096; CREATE TABLE t (x); DROP TABLE t")
  }
  try queue.close()
  let ledger = try Ledger.open(path: path, create: true)
  try ledger.write { writer in
    try writer.beginBatch(BatchInfo(command: "log", kind: "metrics"))
    try writer.upsert(KOLInput(kolID: "dy1"), at: .commandLine)
    for id in ["v1", "v2"] {
      var video = VideoInput(videoID: id)
      video.kolID = "dy1"
      try writer.upsert(video, at: .commandLine)
    }
    for offset in 0..<days {
      try writer.upsert(
        MetricInput(
          day: LedgerBuilder.day("2026-01-01").adding(days: offset),
          videoID: "v\(1 + offset % 2)", source: .douPlus,
          values: [.impressions: Int64(1_000 + offset), .cost: Int64(offset * 37)]),
        at: .commandLine)
    }
  }
  return ledger
}

/// Every row of the ledger's tables as text, sorted (a table's order of rows is not kept).
private func everyRow(_ ledger: Ledger) throws -> [String] {
  try ledger.read { db in
    let tables = try String.fetchAll(
      db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    return try tables.flatMap { table in
      try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { "\(table): \($0)" }.sorted()
    }
  }
}

@Test func repackingAnOlderLedgerGives16KiBPagesInWALWithEveryRowKept() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let ledger = try olderLedgerWithMetrics(folder + "/old.db", days: 400)
  let before = try everyRow(ledger)
  #expect(before.count > 800)
  #expect(try ledger.filePageSize() == 4096)

  let done = try ledger.repack()
  #expect(done.pageSizeBefore == 4096 && done.pageSizeAfter == Ledger.pageSize)
  #expect(done.bytesBefore > 0 && done.bytesAfter > 0)
  #expect(try ledger.filePageSize() == Ledger.pageSize)
  #expect(try everyRow(ledger) == before)
  #expect(try ledger.check(deep: true).isEmpty)
  let journal = try ledger.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
  #expect(journal == "wal")
  // Again: the same pages, nothing lost; and a reopened ledger reads the same.
  let again = try ledger.repack()
  #expect(again.pageSizeBefore == Ledger.pageSize && again.bytesAfter == done.bytesAfter)
  let reopened = try Ledger.openReadOnly(path: folder + "/old.db")
  #expect(try everyRow(reopened) == before)
}

@Test func repackingALedgerAnotherConnectionHasOpenIsRefusedChangingNothing() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/old.db"
  let ledger = try olderLedgerWithMetrics(path, days: 20)
  let before = try everyRow(ledger)
  // Another process's report: a connection that has read the ledger and is still open.
  let other = try DatabaseQueue(path: path)
  _ = try other.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric") }
  #expect {
    _ = try ledger.repack()
  } throws: { error in
    guard case LedgerError.inUse(path) = error else { return false }
    return "\(error)".contains("needs it alone")
  }
  #expect(try ledger.filePageSize() == 4096)
  #expect(try everyRow(ledger) == before)
  let journal = try ledger.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
  #expect(journal == "wal")
  try other.close()
  #expect(try ledger.repack().pageSizeAfter == Ledger.pageSize)
}

@Test func everyMigrationFileIsRegisteredInOrder() throws {
  let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("migrations")
  let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    .filter { $0.hasSuffix(".sql") }.sorted().map { String($0.dropLast(4)) }
  #expect(files == Schema.migrations.map(\.identifier))
  for migration in Schema.migrations {
    let text = try String(
      contentsOf: folder.appendingPathComponent(migration.identifier + ".sql"), encoding: .utf8)
    #expect(text == migration.sql, "the compiled-in \(migration.identifier) is stale: rebuild")
  }
}

@Test func missingLedgerIsNotCreatedByAccident() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/none.db"
  #expect(throws: LedgerError.self) { try Ledger.open(path: path) }
  #expect(!FileManager.default.fileExists(atPath: path))
}

@Test func fileThatIsNotSQLiteIsReportedAsNotALedger() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/notes.db"
  try Data(String(repeating: "not a database\n", count: 200).utf8).write(
    to: URL(fileURLWithPath: path))
  do {
    _ = try Ledger.open(path: path)
    Issue.record("opened a text file as a ledger")
  } catch {
    guard case .notALedger = error else {
      Issue.record("expected notALedger, got \(error)")
      return
    }
  }
}

@Test func ledgerFromANewerAimtIsRefused() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  _ = try Ledger.open(path: path, create: true)
  let queue = try DatabaseQueue(path: path)
  try queue.write { db in
    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_future')")
  }
  try queue.close()
  do {
    _ = try Ledger.open(path: path)
    Issue.record("opened a ledger from the future")
  } catch {
    guard case .newerSchema(_, let unknown) = error else {
      Issue.record("expected newerSchema, got \(error)")
      return
    }
    #expect(unknown == ["9999_future"])
  }
}

@Test func writerBlockedPastTheTimeoutReportsABusyLedger() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  let ledger = try Ledger.open(path: path, create: true, busyTimeout: 0.2)
  let holder = try DatabaseQueue(path: path)
  let locked = DispatchSemaphore(value: 0)
  let release = DispatchSemaphore(value: 0)
  let finished = DispatchSemaphore(value: 0)
  // Another process's long write: it holds the write lock until released.
  DispatchQueue.global().async {
    try? holder.write { db in
      try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('cpm_price', '41')")
      locked.signal()
      release.wait()
    }
    finished.signal()
  }
  locked.wait()
  do {
    try ledger.setSetting("roi_floor", "0.8")
    Issue.record("wrote while another connection held the write lock")
  } catch {
    guard case .busy = error else {
      Issue.record("expected a busy ledger, got \(error)")
      release.signal()
      finished.wait()
      return
    }
    #expect(error.description.contains("try again"))
  }
  release.signal()
  finished.wait()
  try ledger.setSetting("roi_floor", "0.8")
  #expect(try ledger.setting("roi_floor") == "0.8")
  #expect(try ledger.setting("cpm_price") == "41")
}

@Test func backupIsAConsistentPrivateCopy() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let ledger = try Ledger.open(path: folder + "/a.db", create: true)
  try ledger.setSetting("roi_floor", "0.8")
  try ledger.backup(to: folder + "/copy.db")
  let copy = try Ledger.open(path: folder + "/copy.db")
  #expect(try copy.setting("roi_floor") == "0.8")
  #expect(try copy.check().isEmpty)
  let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/copy.db")
  #expect((attributes[.posixPermissions] as? Int) == 0o600)
  #expect(throws: LedgerError.self) { try ledger.backup(to: folder + "/copy.db") }
}

@Test func settingsHaveDefaultsAndRefuseBadValues() throws {
  let ledger = try Ledger.inMemory()
  #expect(try ledger.setting("cpm_price") == "40")
  #expect(try ledger.setting("roi_floor") == "1.2")
  try ledger.setSetting("cpm_price", "38.50")
  #expect(try ledger.setting("cpm_price") == "38.50")
  #expect(throws: LedgerError.self) { try ledger.setSetting("cpm_price", "-1") }
  #expect(throws: LedgerError.self) { try ledger.setSetting("decline_ratio", "1.5") }
  #expect(throws: LedgerError.self) { try ledger.setSetting("tier_head", "20000000") }
  #expect(throws: LedgerError.self) { try ledger.setSetting("no_such_key", "1") }
}

@Test func hostileTextIsStoredAsDataNeverRunAsSQL() throws {
  let ledger = try LedgerBuilder.ledgerWithVideo()
  let hostile = "x'); DROP TABLE metric; --"
  try ledger.write { writer in
    var kol = KOLInput(kolID: hostile)
    kol.name = hostile
    try writer.upsert(kol, at: .commandLine)
  }
  #expect(try ledger.kol(hostile).name == hostile)
  #expect(try ledger.check().isEmpty)
}
