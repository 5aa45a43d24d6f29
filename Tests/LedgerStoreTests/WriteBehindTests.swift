import Foundation
import GRDB
import GRDBSQLite
import LedgerSQLiteConfig
import Testing

// aimt's VFS writes a connection's main database pages on a thread of their own once switched
// on (docs/internals.md, "Pages written behind"). Here on a plain SQLite file with a cache of
// four pages, so that nearly every page is let go, written behind and read back while the
// transaction runs.

/// A file database in a new temporary folder (removed by `clean`), under a rollback journal
/// with a tiny cache.
private func database() throws -> (queue: DatabaseQueue, path: String) {
  let folder = NSTemporaryDirectory() + "aimt-behind-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  let path = folder + "/behind.db"
  let queue = try DatabaseQueue(path: path)
  try queue.writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA journal_mode = DELETE")
    try db.execute(sql: "PRAGMA cache_size = 4")
    try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)")
  }
  return (queue, path)
}

/// Removes the folder of the database at `path`.
private func clean(_ path: String) {
  try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
}

/// Row `id`'s bytes in `round`.
private func bytes(_ id: Int, round: Int) -> Data {
  Data((0..<300).map { UInt8(truncatingIfNeeded: id &* 31 &+ $0 &* 7 &+ round) })
}

private func rows(_ db: Database) throws -> [Int: Data] {
  Dictionary(
    uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, v FROM t").map {
      (($0[0] as Int), ($0[1] as Data))
    })
}

private func expected(_ count: Int, round: Int) -> [Int: Data] {
  Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, bytes($0, round: round)) })
}

/// The rows of the file at `path` and its integrity check, read by a new connection.
private func committed(_ path: String) throws -> (rows: [Int: Data], integrity: String?) {
  try DatabaseQueue(path: path).read { db in
    (try rows(db), try String.fetchOne(db, sql: "PRAGMA integrity_check"))
  }
}

#if !os(Windows)
@Test(arguments: [false, true])
func pagesWrittenBehindAreReadBackAsWrittenWhileTheyWaitAndAfter(held: Bool) throws {
  let (queue, path) = try database()
  defer { clean(path) }
  try queue.writeWithoutTransaction { db in
    #expect(ledger_sqlite_write_behind(db.sqliteConnection, 1, -1, held ? 1 : 0) == SQLITE_OK)
    try db.inTransaction {
      for id in 0..<3_000 {
        try db.execute(
          sql: "INSERT INTO t VALUES (?, ?)", arguments: [id, bytes(id, round: 0)])
      }
      // Every row again, in the same transaction: most pages were let go and are read back.
      #expect(try rows(db) == expected(3_000, round: 0))
      for id in stride(from: 0, to: 3_000, by: 3) {
        try db.execute(
          sql: "UPDATE t SET v = ? WHERE id = ?", arguments: [bytes(id, round: 1), id])
      }
      return .commit
    }
    #expect(ledger_sqlite_write_behind(db.sqliteConnection, 0, -1, 0) == SQLITE_OK)
  }
  var want = expected(3_000, round: 0)
  for id in stride(from: 0, to: 3_000, by: 3) { want[id] = bytes(id, round: 1) }
  // A new connection reads the file as committed.
  let (stored, integrity) = try committed(path)
  #expect(stored == want)
  #expect(integrity == "ok")
}

/// A database holding rows 0..<`count` of round 0.
private func seeded(_ count: Int) throws -> (queue: DatabaseQueue, path: String) {
  let (queue, path) = try database()
  try queue.write { db in
    for id in 0..<count {
      try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [id, bytes(id, round: 0)])
    }
  }
  return (queue, path)
}

/// Runs `body` in one transaction with the pages written behind, failing from page
/// `failingPage` on (`holding`: the page writer waits until the connection does), after
/// `prepare` on the connection; the error the transaction ended with, if any.
private func writeBehindFailing(
  _ queue: DatabaseQueue, failingPage: Int, holding: Bool,
  prepare: (Database) throws -> Void = { _ in }, body: (Database) throws -> Void
) throws -> DatabaseError? {
  var failure: DatabaseError?
  try queue.writeWithoutTransaction { db in
    try prepare(db)
    #expect(
      ledger_sqlite_write_behind(db.sqliteConnection, 1, Int32(failingPage), holding ? 1 : 0)
        == SQLITE_OK)
    do {
      try db.inTransaction {
        try body(db)
        return .commit
      }
    } catch let error as DatabaseError {
      failure = error
    }
    _ = ledger_sqlite_write_behind(db.sqliteConnection, 0, -1, 0)
  }
  return failure
}

/// Expects the transaction refused as a full disk and the file at `path`, read by a new
/// connection, as it was: rows 0..<`count` of round 0, intact, no journal left.
private func expectRefusedAndUnchanged(_ failure: DatabaseError?, _ path: String, rows count: Int)
  throws
{
  #expect(failure?.resultCode == .SQLITE_FULL)
  let (stored, integrity) = try committed(path)
  #expect(stored == expected(count, round: 0))
  #expect(integrity == "ok")
  #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
}

@Test(arguments: [0, 3, 25])
func aPageThatCannotBeWrittenBehindFailsTheTransactionAndTheRollbackRestoresTheFile(
  failingPage: Int
) throws {
  let (queue, path) = try seeded(1_000)
  defer { clean(path) }
  let failure = try writeBehindFailing(queue, failingPage: failingPage, holding: false) { db in
    for id in 0..<1_000 {
      try db.execute(
        sql: "UPDATE t SET v = ? WHERE id = ?", arguments: [bytes(id, round: 1), id])
    }
    for id in 1_000..<3_000 {
      try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [id, bytes(id, round: 1)])
    }
  }
  // SQLite leaves the journal after a full disk; the next connection plays it back.
  try expectRefusedAndUnchanged(failure, path, rows: 1_000)
}

// With `synchronous` OFF SQLite makes no sync before the commit removes the journal: the
// removal itself waits for the queue, and a page that failed keeps the journal, so the commit
// fails and the next connection plays it back (held: every page is still queued then).
@Test
func aJournalIsNotRemovedWhileAPageOfItsCommitCouldNotBeWritten() throws {
  let (queue, path) = try seeded(100)
  defer { clean(path) }
  let failure = try writeBehindFailing(
    queue, failingPage: 0, holding: true,
    prepare: { db in
      try db.execute(sql: "PRAGMA cache_size = 2000")
      try db.execute(sql: "PRAGMA synchronous = OFF")
    },
    body: { db in
      for id in 0..<100 {
        try db.execute(
          sql: "UPDATE t SET v = ? WHERE id = ?", arguments: [bytes(id, round: 1), id])
      }
    })
  try expectRefusedAndUnchanged(failure, path, rows: 100)
}
#endif

@Test
func onlyAMainDatabaseFileCanBeWrittenBehind() throws {
  let memory = try DatabaseQueue()
  memory.writeWithoutTransaction { db in
    #expect(ledger_sqlite_write_behind(db.sqliteConnection, 1, -1, 0) == SQLITE_NOTFOUND)
  }
  #if !os(Windows)
  let (queue, path) = try database()
  defer { clean(path) }
  queue.writeWithoutTransaction { db in
    #expect(ledger_sqlite_write_behind(db.sqliteConnection, 1, -1, 0) == SQLITE_OK)
    #expect(ledger_sqlite_write_behind(db.sqliteConnection, 0, -1, 0) == SQLITE_OK)
  }
  #endif
}
