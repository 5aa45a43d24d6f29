import Foundation
package import GRDB
import LedgerSQLiteConfig
import Synchronization

/// An open aimt ledger: one SQLite file holding a brand's or agency's spend and results.
///
/// Open it with ``open(path:create:busyTimeout:)`` (a file, WAL mode, foreign keys on, a busy timeout so
/// that several aimt processes can write one after another) or ``inMemory()`` (tests).
/// Every write goes through ``write(_:)`` in one IMMEDIATE transaction, so bad input changes
/// nothing.
///
/// ## Topics
/// - ``open(path:create:busyTimeout:)``, ``openReadOnly(path:)``, ``inMemory()``
/// - ``write(_:)``, ``read(_:)``
/// - ``setting(_:)``, ``setSetting(_:_:)``
/// - ``check()``, ``backup(to:)``, ``repack()``
public final class Ledger: Sendable {
  /// The path as the user gave it (`:memory:` for an in-memory ledger).
  public let path: String
  let writer: any DatabaseWriter
  /// How many ``snapshot(_:)`` calls are running: reads inside one join its transaction.
  private let snapshotDepth = Mutex(0)
  private let readTransactions = Mutex(0)
  /// The second connection reads split in two use (docs/internals.md, "Two cores, one
  /// snapshot"); nil in memory, on one core, or when turned off.
  private let partner: ReadPartner?

  /// How many read transactions this ledger began (tests check a command reads one state).
  package var readTransactionCount: Int { readTransactions.withLock { $0 } }

  private init(path: String, writer: any DatabaseWriter, partner: ReadPartner? = nil) {
    self.path = path
    self.writer = writer
    self.partner = partner
  }

  /// The threads the work aimt splits in two runs on: 2 with a second core, else 1.
  ///
  /// One rule for the split read, advice made on two threads and rows printed while they are
  /// made.
  package static var workThreads: Int {
    ProcessInfo.processInfo.activeProcessorCount > 1 ? 2 : 1
  }

  /// The partner of a ledger file when reads may be split (`parallel`, and more than one core).
  private static func partner(_ path: String, busyTimeout: Double, parallel: Bool)
    -> ReadPartner?
  {
    guard parallel, workThreads > 1 else { return nil }
    return ReadPartner(path: path, busyTimeout: busyTimeout)
  }

  /// Closes the connection of the read partner, if one is open: the ledger's own second
  /// connection would otherwise count as another process having the file open.
  func closeReadPartner() {
    partner?.close()
  }

  /// The page size of a new ledger file, in bytes.
  package static let pageSize = 16_384

  /// Whether SQLite keeps no statistics of its memory in this process: turned off when the
  /// program loads, before any connection (docs/internals.md, "SQLite's memory statistics").
  package static var sqliteKeepsNoMemoryStatistics: Bool {
    ledger_sqlite_memstatus_result() == 0
  }

  /// How long a writer waits for another process's write lock before giving up.
  public static let busyTimeout: Double = 10

  /// Opens the ledger at `path` for writing.
  ///
  /// Without `create`, the file must be an aimt ledger of this binary's schema: a missing file is
  /// ``LedgerError/missingLedger(path:)`` and an older ledger
  /// ``LedgerError/needsUpgrade(path:pending:)``. With `create` (what `aimt init` does), a missing
  /// or empty file becomes a new ledger (a new file gets mode 0600: spend data is confidential)
  /// and an older ledger is upgraded in place. A folder, device, FIFO, a file that is not SQLite
  /// and an SQLite database of another program are refused before SQLite touches them.
  public static func open(
    path: String, create: Bool = false, busyTimeout: Double = Ledger.busyTimeout
  ) throws(LedgerError) -> Ledger {
    try open(path: path, create: create, busyTimeout: busyTimeout, parallel: true)
  }

  /// ``open(path:create:busyTimeout:)``; `parallel` false reads on one connection only (tests
  /// compare both).
  package static func open(
    path: String, create: Bool = false, busyTimeout: Double = Ledger.busyTimeout, parallel: Bool
  ) throws(LedgerError) -> Ledger {
    let state = try LedgerFile.inspect(path)
    switch state {
    case .missing:
      guard create else { throw .missingLedger(path: path) }
      let fd = Foundation.open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
      if fd < 0 {
        let reason = String(cString: strerror(errno))
        throw .cannotOpen(
          path: path, reason: "\(reason.lowercased()); check that its folder exists and is writable"
        )
      }
      close(fd)
    case .empty:
      guard create else { throw LedgerFile.emptyFile(path) }
    case .sqlite:
      break
    }
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(busyTimeout)
    config.label = "aimt"
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      let ledger = Ledger(
        path: path, writer: queue,
        partner: partner(path, busyTimeout: busyTimeout, parallel: parallel))
      let pending = try ledger.pendingMigrations()
      if !pending.isEmpty {
        guard create else { throw LedgerError.needsUpgrade(path: path, pending: pending) }
        if state != .sqlite {
          // A new ledger's pages are 16 KiB: a report seeks every video's running rows, and
          // a video's rows then lie in fewer pages (docs/internals.md, "Page size"). Set before
          // the first table; a ledger made earlier keeps its 4 KiB.
          try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = \(Ledger.pageSize)")
          }
        }
        try ledger.migrate(pending: pending)
        if state == .sqlite {
          // An upgrade may write whole tables again (0010 rebuilds the running sums: 1.3 GB at
          // 22M metric rows): its pages go into the ledger now, not left in a WAL as large as
          // they are for the next write to copy back.
          try queue.writeWithoutTransaction { db in
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
          }
        }
      }
      if try queue.read({ db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }) != "wal" {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
      }
      return ledger
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(error, path: path, doing: "opening the ledger")
    }
  }

  /// Opens an existing ledger for reading only: what every report, list and `check` uses.
  ///
  /// Nothing is written: no migration, no journal-mode change, no write lock, so the file's
  /// bytes and modification time stay as they were. A ledger of an older schema is
  /// ``LedgerError/needsUpgrade(path:pending:)`` (`aimt init` upgrades it).
  ///
  /// With `anySchema`, a ledger of an older or newer aimt opens too (for `aimt backup`: a copy
  /// before an upgrade is exactly what a careful user makes); it is still never written.
  public static func openReadOnly(path: String, anySchema: Bool = false) throws(LedgerError)
    -> Ledger
  {
    try openReadOnly(path: path, anySchema: anySchema, parallel: true)
  }

  /// ``openReadOnly(path:anySchema:)``; `parallel` false reads on one connection only.
  package static func openReadOnly(path: String, anySchema: Bool = false, parallel: Bool)
    throws(LedgerError) -> Ledger
  {
    switch try LedgerFile.inspect(path) {
    case .missing: throw .missingLedger(path: path)
    case .empty: throw LedgerFile.emptyFile(path)
    case .sqlite: break
    }
    var config = Configuration()
    config.readonly = true
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(busyTimeout)
    config.label = "aimt"
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      let ledger = Ledger(
        path: path, writer: queue,
        partner: partner(path, busyTimeout: busyTimeout, parallel: parallel))
      do {
        let pending = try ledger.pendingMigrations()
        if !pending.isEmpty && !anySchema {
          throw LedgerError.needsUpgrade(path: path, pending: pending)
        }
      } catch LedgerError.newerSchema(let path, let unknown) {
        if !anySchema { throw LedgerError.newerSchema(path: path, unknown: unknown) }
      }
      return ledger
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(error, path: path, doing: "opening the ledger")
    }
  }

  /// A new, migrated ledger in memory, for tests and dry runs.
  public static func inMemory() throws(LedgerError) -> Ledger {
    var config = Configuration()
    config.foreignKeysEnabled = true
    do {
      let queue = try DatabaseQueue(configuration: config)
      let ledger = Ledger(path: ":memory:", writer: queue)
      try ledger.migrate(pending: Schema.migrations.map(\.identifier))
      return ledger
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(error, path: ":memory:", doing: "creating a ledger")
    }
  }

  /// The migrations this binary has and the ledger lacks, in order.
  ///
  /// Throws ``LedgerError/otherDatabase(path:)`` for an SQLite file with tables but no record of
  /// aimt's migrations, and ``LedgerError/newerSchema(path:unknown:)`` for a ledger written by a
  /// newer aimt. Only reads.
  func pendingMigrations() throws -> [String] {
    let known = Schema.migrations.map(\.identifier)
    let applied = try writer.read { db -> [String]? in
      guard try db.tableExists("grdb_migrations") else {
        let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") ?? 0
        return objects == 0 ? [] : nil
      }
      return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
    }
    guard let applied else { throw LedgerError.otherDatabase(path: path) }
    let unknown = Set(applied).subtracting(known).sorted()
    if !unknown.isEmpty { throw LedgerError.newerSchema(path: path, unknown: unknown) }
    return known.filter { !applied.contains($0) }
  }

  /// Applies `pending` (this binary's migrations the ledger lacks) in one transaction.
  ///
  /// A migration that fails because its objects already exist means the ledger's record of
  /// applied migrations was edited by hand; the error says so and how to repair it.
  func migrate(pending: [String]) throws {
    do {
      try Schema.migrator.migrate(writer)
    } catch let error as DatabaseError {
      let message = error.message ?? "unknown error"
      if message.contains("cannot store") || message.contains("CHECK constraint failed") {
        throw LedgerError.implausibleData(
          message: "upgrading the ledger \(path) stopped, changing nothing: a stored value is "
            + "not a whole number or is beyond the ledger's limits (\(message)). Find the row "
            + "with sqlite3 (for example SELECT * FROM metric WHERE typeof(impressions) <> "
            + "'integer') and correct it", remedy: .upgradeAgain)
      }
      guard message.contains("already exists"), let first = pending.first else { throw error }
      throw LedgerError.storage(
        message: "upgrading the ledger \(path) to schema \(first) failed: \(message). The "
          + "ledger's record of applied schema changes (table grdb_migrations) does not match "
          + "its tables; it was probably edited by hand. Restore the ledger from a backup, or "
          + "put the row back: sqlite3 \(path) \"INSERT INTO grdb_migrations VALUES "
          + "('\(first)')\"")
    }
  }

  /// The identifiers of the migrations applied to this ledger, in order.
  package func appliedMigrations() throws(LedgerError) -> [String] {
    try read { db in try Schema.migrator.appliedMigrations(db) }
  }

  /// Runs `body` in one IMMEDIATE write transaction; any thrown error rolls everything back.
  package func write<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
    do {
      return try writer.write(body)
    } catch {
      throw LedgerError(error, path: path, doing: "writing to the ledger")
    }
  }

  /// Runs `body` on a consistent read snapshot: inside ``snapshot(_:)``, the snapshot's one
  /// transaction; otherwise a read transaction of its own.
  package func read<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
    do {
      if snapshotDepth.withLock({ $0 > 0 }) { return try writer.unsafeReentrantRead(body) }
      readTransactions.withLock { $0 += 1 }
      let mark = partner?.mark()
      return try writer.read { db in try ParallelRead.registering(db, mark) { try body(db) } }
    } catch {
      throw LedgerError(error, path: path, doing: "reading the ledger")
    }
  }

  /// Runs `body`, and every read of this ledger it makes, in one read transaction, so that a
  /// command that reads several times (a report page, a series printed while it is computed)
  /// shows one state of the ledger even while an import commits beside it.
  ///
  /// An error `body` throws comes out as it was thrown.
  package func snapshot<T>(_ body: () throws -> T) throws -> T {
    if snapshotDepth.withLock({ $0 > 0 }) { return try body() }
    var thrown: (any Error)?
    let result: T?
    do {
      readTransactions.withLock { $0 += 1 }
      let mark = partner?.mark()
      result = try writer.read { db -> T? in
        snapshotDepth.withLock { $0 += 1 }
        defer { snapshotDepth.withLock { $0 -= 1 } }
        do {
          return try ParallelRead.registering(db, mark, body)
        } catch {
          thrown = error
          return nil
        }
      }
    } catch {
      throw LedgerError(error, path: path, doing: "reading the ledger")
    }
    if let thrown { throw thrown }
    guard let result else { preconditionFailure("a snapshot without a result or an error") }
    return result
  }

  /// ``snapshot(_:)`` for a body that throws only ledger errors.
  package func snapshotReading<T>(_ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
    do {
      return try snapshot { () throws -> T in try body() }
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(error, path: path, doing: "reading the ledger")
    }
  }
}

extension LedgerError {
  /// Translates a GRDB/SQLite error into words a user can act on.
  init(_ error: any Error, path: String, doing: String) {
    if let ledgerError = error as? LedgerError {
      self = ledgerError
      return
    }
    if let problem = error as? Problem {
      self = .invalidData([problem])
      return
    }
    guard let dbError = error as? DatabaseError else {
      self = .storage(message: "\(doing) \(path) failed: \(error)")
      return
    }
    if dbError.extendedResultCode == .SQLITE_READONLY_ROLLBACK {
      self = .interruptedWrite(path: path)
      return
    }
    switch dbError.resultCode {
    case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy(path: path)
    case .SQLITE_READONLY: self = .readOnly(path: path)
    case .SQLITE_NOTADB: self = .notALedger(path: path)
    case .SQLITE_CORRUPT: self = .corrupt(path: path)
    case .SQLITE_CANTOPEN:
      self = .cannotOpen(
        path: path, reason: "check that the file and its folder exist and are readable")
    case .SQLITE_FULL: self = .storage(message: "\(doing) \(path) failed: the disk is full")
    case .SQLITE_PERM, .SQLITE_AUTH: self = .readOnly(path: path)
    case .SQLITE_ERROR where dbError.message == "integer overflow":
      self = .implausibleData(
        message: "\(doing) \(path) failed: a sum exceeds what SQLite adds exactly; the ledger "
          + "holds implausibly large values", remedy: .checkLedger())
    default:
      let message = dbError.message ?? "unknown error"
      self = .storage(message: "\(doing) \(path) failed: \(message)")
    }
  }
}
