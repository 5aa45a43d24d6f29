import Foundation
import GRDB
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
