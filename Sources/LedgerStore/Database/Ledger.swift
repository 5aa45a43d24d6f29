import Foundation
public import GRDB

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
/// - ``check()``, ``backup(to:)``
public final class Ledger: Sendable {
  /// The path as the user gave it (`:memory:` for an in-memory ledger).
  public let path: String
  let writer: any DatabaseWriter

  private init(path: String, writer: any DatabaseWriter) {
    self.path = path
    self.writer = writer
  }

  /// How long a writer waits for another process's write lock before giving up.
  public static let busyTimeout: Double = 10

  /// Opens the ledger at `path`, migrating it to this binary's schema.
  ///
  /// With `create`, a missing file is created with mode 0600 (spend data is confidential);
  /// without, a missing file is ``LedgerError/missingLedger(path:)``.
  public static func open(
    path: String, create: Bool = false, busyTimeout: Double = Ledger.busyTimeout
  ) throws(LedgerError) -> Ledger {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
      if isDirectory.boolValue {
        throw .cannotOpen(path: path, reason: "it is a folder; give the path of a ledger file")
      }
    } else if create {
      let fd = Foundation.open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
      if fd < 0 {
        let reason = String(cString: strerror(errno))
        throw .cannotOpen(
          path: path, reason: "\(reason.lowercased()); check that its folder exists and is writable"
        )
      }
      close(fd)
    } else {
      throw .missingLedger(path: path)
    }
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.journalMode = .wal
    config.busyMode = .timeout(busyTimeout)
    config.label = "aimt"
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      let ledger = Ledger(path: path, writer: queue)
      try ledger.migrate()
      return ledger
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(error, path: path, doing: "opening the ledger")
    }
  }

  /// Opens an existing ledger for reading only (used by `aimt sql`): no migration, no writes.
  public static func openReadOnly(path: String) throws(LedgerError) -> Ledger {
    guard FileManager.default.fileExists(atPath: path) else { throw .missingLedger(path: path) }
    var config = Configuration()
    config.readonly = true
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(busyTimeout)
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      let ledger = Ledger(path: path, writer: queue)
      // Touch the schema so that a file that is not SQLite is reported now.
      _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") }
      return ledger
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
      try ledger.migrate()
      return ledger
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(error, path: ":memory:", doing: "creating a ledger")
    }
  }

  /// Brings the schema up to this binary's migrations; refuses a ledger from a newer aimt.
  func migrate() throws {
    let migrator = Schema.migrator
    let known = Set(Schema.migrations.map(\.identifier))
    let unknown = try writer.read { db -> [String] in
      guard try db.tableExists("grdb_migrations") else { return [] }
      return try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
    }
    if !unknown.isEmpty { throw LedgerError.newerSchema(path: path, unknown: unknown) }
    try migrator.migrate(writer)
  }

  /// The identifiers of the migrations applied to this ledger, in order.
  public func appliedMigrations() throws(LedgerError) -> [String] {
    try read { db in try Schema.migrator.appliedMigrations(db) }
  }

  /// Runs `body` in one IMMEDIATE write transaction; any thrown error rolls everything back.
  public func write<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
    do {
      return try writer.write(body)
    } catch {
      throw LedgerError(error, path: path, doing: "writing to the ledger")
    }
  }

  /// Runs `body` on a consistent read snapshot.
  public func read<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
    do {
      return try writer.read(body)
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
    default:
      let message = dbError.message ?? "unknown error"
      self = .storage(message: "\(doing) \(path) failed: \(message)")
    }
  }
}
