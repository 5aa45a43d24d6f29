internal import GRDB

// A ledger's first load of metrics is written under a rollback journal when this process has
// the file alone (docs/internals.md, "A first load under a rollback journal").

extension Ledger {
  /// Leaves WAL mode for a write that loads metrics into a ledger that has none yet, when no
  /// other connection has the file open; true when it did (the write then goes through a
  /// rollback journal and ``endFirstLoad(_:)`` returns the ledger to WAL).
  ///
  /// Through the WAL, each page of a load is written twice: to the `-wal` file, then into the
  /// ledger by the checkpoint at its commit. Under a rollback journal a page new to the file
  /// is written once (the journal keeps only the pages the write changes, and a ledger without
  /// metrics has few). The price is that readers wait for the write to commit instead of
  /// reading the state before it: none is lost, for a ledger without metrics has no report
  /// to give yet. Another process with the file open keeps the WAL: SQLite leaves WAL mode
  /// only with the file alone, and refuses at once otherwise, without the busy timeout's wait
  /// (a test holds it to that).
  func beginFirstLoad(_ db: Database) throws -> Bool {
    guard try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal",
      try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM metric)") == true
    else { return false }
    // The ledger's own second connection would count as another process.
    closeReadPartner()
    return (try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")) == "delete"
  }

  /// Returns the ledger to WAL mode after a first load, whether it committed or not.
  ///
  /// The switch waits for readers that began when the write committed (up to the busy
  /// timeout); if one still reads then, the file stays in rollback mode: reads work in either,
  /// and the next write open switches it (``open(path:create:busyTimeout:)``).
  func endFirstLoad(_ db: Database) {
    _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
  }
}
