internal import GRDB
internal import GRDBSQLite
internal import LedgerSQLiteConfig

// A ledger's first load of metrics is written under a rollback journal when this process has
// the file alone (docs/internals.md, "A first load under a rollback journal").

extension Ledger {
  /// Leaves WAL mode for a write that loads metrics into a ledger without any, if it can.
  ///
  /// It can when no other connection has the file open. Returns nil when it did not, else
  /// whether the load's pages are written behind (the write then goes through a rollback
  /// journal and ``endFirstLoad(_:)`` returns the ledger to WAL). `failingPage` (tests): see
  /// ``WriteOptions/failingPageBehind``.
  ///
  /// Through the WAL, each page of a load is written twice: to the `-wal` file, then into the
  /// ledger by the checkpoint at its commit. Under a rollback journal a page new to the file
  /// is written once (the journal keeps only the pages the write changes, and a ledger without
  /// metrics has few). The price is that readers wait for the write to commit instead of
  /// reading the state before it: none is lost, for a ledger without metrics has no report
  /// to give yet. Another process with the file open keeps the WAL: SQLite leaves WAL mode
  /// only with the file alone, and refuses at once otherwise, without the busy timeout's wait
  /// (a test holds it to that).
  func beginFirstLoad(_ db: Database, failingPage: Int? = nil) throws -> Bool? {
    guard try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal",
      try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM metric)") == true
    else { return nil }
    // The ledger's own second connection would count as another process.
    closeReadPartner()
    guard (try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")) == "delete" else {
      return nil
    }
    // Pages written behind only where SQLite syncs the file before a commit removes the
    // journal (docs/internals.md, "Pages written behind"); elsewhere written as they come.
    guard let synchronous = try? Int.fetchOne(db, sql: "PRAGMA synchronous"), synchronous >= 1
    else { return false }
    let failing = Int32(clamping: failingPage ?? -1)
    return ledger_sqlite_write_behind(db.sqliteConnection, 1, failing, 0) == SQLITE_OK
  }

  /// Returns the ledger to WAL mode after a first load, whether it committed or not.
  ///
  /// The switch waits for readers that began when the write committed (up to the busy
  /// timeout); if one still reads then, the file stays in rollback mode: reads work in either,
  /// and the next write open switches it (``open(path:create:busyTimeout:)``).
  func endFirstLoad(_ db: Database) {
    // Every page queued was written by the commit's sync or the rollback's.
    _ = ledger_sqlite_write_behind(db.sqliteConnection, 0, -1, 0)
    _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
  }
}
