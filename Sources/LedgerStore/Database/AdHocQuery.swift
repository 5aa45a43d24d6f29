internal import Foundation
internal import GRDB
internal import GRDBSQLite
internal import Synchronization

/// A value of an ad-hoc query's result, as SQLite returned it.
package enum QueryValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob(Int)
}

extension Ledger {
  /// Prepares one read-only SQL statement (`aimt sql`) on a guarded connection of its own.
  ///
  /// The connection is opened read-only with `PRAGMA query_only` and `trusted_schema` off,
  /// and an authorizer that lets a statement read tables and views and call safe functions
  /// only: writes, `ATTACH`/`DETACH`, transactions, setting `PRAGMA`s, `fts3_tokenizer()` and
  /// `load_extension()` are refused with a sentence that says so. (`sqlite3_db_config`, which
  /// sets `SQLITE_DBCONFIG_DEFENSIVE`, is variadic and cannot be called from Swift; load
  /// extension stays off as SQLite's default, and the authorizer refuses it besides.) A
  /// statement SQLite itself does not call read-only (`VACUUM INTO`) is refused too.
  ///
  /// With `timeout` (seconds), a statement still running that long after this call is
  /// stopped with a message saying so. Only `sql`'s first statement is run: anything but blank
  /// space and comments after it is refused before a row is printed.
  package func prepareQuery(_ sql: String, timeout: Double? = nil) throws(LedgerError)
    -> AdHocQuery
  {
    try AdHocQuery(path: path, sql: sql, timeout: timeout)
  }
}

/// One statement of `aimt sql`, prepared and ready to stream its rows.
///
/// Its connection is its own, opened read-only and guarded (see ``Ledger/prepareQuery(_:timeout:)``);
/// it is closed when the query is released.
package final class AdHocQuery: Sendable {
  /// The result's column names, in order.
  package let columns: [String]
  private let connection: Mutex<GuardedConnection>

  fileprivate init(path: String, sql: String, timeout: Double?) throws(LedgerError) {
    let guarded = try GuardedConnection(path: path, timeout: timeout)
    try guarded.prepare(sql)
    columns = guarded.columnNames()
    connection = Mutex(guarded)
  }

  /// Runs the statement from its first row, calling `row` with each row as SQLite makes it:
  /// nothing is held but the row at hand.
  package func run(_ row: ([QueryValue]) -> Void) throws(LedgerError) {
    try connection.withLock { guarded throws(LedgerError) in try guarded.run(row) }
  }
}

/// The words for what `aimt sql` refuses.
private enum Refusal {
  static let write =
    "aimt sql only reads the ledger; to change data use the log, import or add commands"
  static let attach =
    "aimt sql reads this ledger only; it cannot attach or detach other databases"
  static let transaction =
    "aimt sql runs one statement on its own; leave out BEGIN, COMMIT, ROLLBACK and SAVEPOINT"
  static let multiple = "aimt sql runs one statement; remove everything after the first ';'"
  static let empty = "the query is empty; give one SELECT statement"
  static let nul = "the query contains a NUL character; remove it"

  static func unsafeFunction(_ name: String) -> String {
    "aimt sql cannot call \(name)(); it is unsafe"
  }

  static func timeout(_ seconds: Double) -> String {
    let shown = seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    return "the query ran longer than \(shown) s and was stopped; narrow it or raise --timeout"
  }
}

/// A raw read-only SQLite connection with the guards of `aimt sql`, and its one statement.
///
/// Raw rather than GRDB's: the guard is an authorizer, and GRDB keeps its own authorizer on
/// its connections (it registers it once per connection and relies on it), so the ad-hoc
/// statement gets a connection nobody else uses.
///
/// `@unchecked Sendable`: it is only ever reached through ``AdHocQuery``'s mutex, one call at
/// a time (the mutex's region checking cannot see that rows handed to a caller's closure
/// carry no part of it).
private final class GuardedConnection: @unchecked Sendable {
  let path: String
  let handle: OpaquePointer
  var statement: OpaquePointer?
  /// When a running statement is stopped; nil for no limit.
  let deadline: ContinuousClock.Instant?
  let timeout: Double?
  /// The first thing the authorizer refused, in words.
  var refusal: String?
  /// Refuse everything silently (while checking that nothing follows the first statement).
  var probing = false
  /// Whether the progress handler stopped the statement for taking too long.
  var timedOut = false

  /// Functions never allowed: `fts3_tokenizer` hands out a pointer (and takes one),
  /// `load_extension` loads native code.
  static let unsafeFunctions: Set<String> = ["fts3_tokenizer", "load_extension"]

  /// `PRAGMA`s that only report: with an argument (a table, an index or a schema) or without.
  static let reportingPragmas: Set<String> = [
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
  ]
  /// `PRAGMA`s whose value may be read (without an argument) but never set.
  static let readablePragmas: Set<String> = [
    "application_id", "user_version", "schema_version", "data_version", "page_size",
    "page_count", "freelist_count", "encoding", "foreign_keys", "auto_vacuum",
    "collation_list", "function_list", "module_list", "pragma_list", "compile_options",
    "database_list",
  ]

  init(path: String, timeout: Double?) throws(LedgerError) {
    self.path = path
    self.timeout = timeout
    // A limit beyond 30 years is no limit (and keeps the arithmetic far from overflowing).
    deadline = timeout.flatMap { $0 < 1e9 ? .now + .seconds($0) : nil }
    var opened: OpaquePointer?
    let code = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READONLY, nil)
    guard let opened else { throw .storage(message: "opening \(path) failed: out of memory") }
    handle = opened
    if code != SQLITE_OK {
      throw failure(code, doing: "opening the ledger")
    }
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, Int32(Ledger.busyTimeout * 1000))
    // Settings first: once the authorizer is in place, no PRAGMA may set anything.
    let settings = "PRAGMA query_only = ON; PRAGMA trusted_schema = OFF"
    let set = sqlite3_exec(handle, settings, nil, nil, nil)
    if set != SQLITE_OK { throw failure(set, doing: "opening the ledger") }
    let context = Unmanaged.passUnretained(self).toOpaque()
    sqlite3_set_authorizer(
      handle,
      { context, action, first, second, _, _ in
        guard let context else { return SQLITE_DENY }
        return Unmanaged<GuardedConnection>.fromOpaque(context).takeUnretainedValue()
          .authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) })
      }, context)
    if deadline != nil {
      sqlite3_progress_handler(
        handle, 1000,
        { context in
          guard let context else { return 1 }
          return Unmanaged<GuardedConnection>.fromOpaque(context).takeUnretainedValue().isOverdue()
        }, context)
    }
  }

  deinit {
    sqlite3_finalize(statement)
    sqlite3_close_v2(handle)
  }

  /// 1 (stop) once the deadline has passed.
  func isOverdue() -> Int32 {
    guard let deadline, ContinuousClock.now >= deadline else { return 0 }
    timedOut = true
    return 1
  }

  /// SQLITE_OK for what a read may do; SQLITE_DENY, with the reason kept, for the rest.
  func authorize(_ action: Int32, _ first: String?, _ second: String?) -> Int32 {
    if probing { return SQLITE_DENY }
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
      return SQLITE_OK
    case SQLITE_UPDATE where first == "sqlite_master":
      // SQLite asks this of every query that uses a table-valued function (json_each,
      // pragma_table_info). A real UPDATE of the schema table never gets here: SQLite refuses
      // it first ("table sqlite_master may not be modified"), and besides the connection is
      // read-only and query_only, writable_schema cannot be set, and the statement would not
      // be read-only.
      return SQLITE_OK
    case SQLITE_FUNCTION:
      let name = (second ?? "").lowercased()
      return Self.unsafeFunctions.contains(name) ? refuse(Refusal.unsafeFunction(name)) : SQLITE_OK
    case SQLITE_PRAGMA:
      let name = (first ?? "").lowercased()
      if Self.reportingPragmas.contains(name) { return SQLITE_OK }
      if Self.readablePragmas.contains(name), second == nil { return SQLITE_OK }
      return refuse(Refusal.write)
    case SQLITE_ATTACH, SQLITE_DETACH:
      return refuse(Refusal.attach)
    case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
      return refuse(Refusal.transaction)
    default:
      return refuse(Refusal.write)
    }
  }

  private func refuse(_ reason: String) -> Int32 {
    if refusal == nil { refusal = reason }
    return SQLITE_DENY
  }

  /// Prepares the first statement of `sql` and makes sure nothing but blank space and
  /// comments follows it.
  func prepare(_ sql: String) throws(LedgerError) {
    // SQLite stops reading at a NUL: whatever follows it would be silently left out.
    if sql.utf8.contains(0) { throw .sql(message: Refusal.nul) }
    let utf8 = Array(sql.utf8) + [0]
    try utf8.withUnsafeBufferPointer { buffer throws(LedgerError) in
      guard let address = buffer.baseAddress else { throw .sql(message: Refusal.empty) }
      let base = UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self)
      var tail: UnsafePointer<CChar>?
      let code = sqlite3_prepare_v2(handle, base, Int32(buffer.count), &statement, &tail)
      if code != SQLITE_OK { throw failure(code, doing: "preparing the query on") }
      guard let statement else { throw .sql(message: Refusal.empty) }
      if var rest = tail, rest.pointee != 0 {
        probing = true
        defer { probing = false }
        while rest.pointee != 0 {
          var next: OpaquePointer?
          var after: UnsafePointer<CChar>?
          let probed = sqlite3_prepare_v2(handle, rest, -1, &next, &after)
          sqlite3_finalize(next)
          guard probed == SQLITE_OK, next == nil, let after, after > rest else {
            throw .sql(message: Refusal.multiple)
          }
          rest = after
        }
      }
      // A statement that changes the file although the authorizer saw nothing to refuse at
      // preparing time (VACUUM INTO writes a copy elsewhere, even from a read-only connection).
      if sqlite3_stmt_readonly(statement) == 0 { throw .sql(message: Refusal.write) }
    }
  }

  /// The prepared statement's column names.
  func columnNames() -> [String] {
    guard let statement else { return [] }
    return (0..<sqlite3_column_count(statement)).map { index in
      sqlite3_column_name(statement, index).map { String(cString: $0) } ?? "column\(index + 1)"
    }
  }

  /// Steps the statement from the start, handing each row to `row`.
  func run(_ row: ([QueryValue]) -> Void) throws(LedgerError) {
    guard let statement else { return }
    sqlite3_reset(statement)
    let count = sqlite3_column_count(statement)
    var values: [QueryValue] = []
    values.reserveCapacity(Int(count))
    while true {
      let code = sqlite3_step(statement)
      if code == SQLITE_DONE { return }
      guard code == SQLITE_ROW else {
        sqlite3_reset(statement)
        throw failure(code, doing: "running the query on")
      }
      values.removeAll(keepingCapacity: true)
      for index in 0..<count { values.append(value(statement, index)) }
      row(values)
    }
  }

  private func value(_ statement: OpaquePointer, _ index: Int32) -> QueryValue {
    switch sqlite3_column_type(statement, index) {
    case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
    case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
    case SQLITE_TEXT:
      guard let text = sqlite3_column_text(statement, index) else { return .text("") }
      let bytes = UnsafeBufferPointer(
        start: text, count: Int(sqlite3_column_bytes(statement, index)))
      return .text(String(decoding: bytes, as: UTF8.self))
    case SQLITE_BLOB: return .blob(Int(sqlite3_column_bytes(statement, index)))
    default: return .null
    }
  }

  /// The error for a failed SQLite call, in words: what the guard refused, the time limit,
  /// the user's own SQL mistakes behind `sql:`, and the ledger's troubles as for every command.
  private func failure(_ code: Int32, doing: String) -> LedgerError {
    let message = String(cString: sqlite3_errmsg(handle))
    let primary = code & 0xff
    // A refusal fails the statement whatever code SQLite reports for it (a refused CREATE
    // TABLE comes back as SQLITE_SCHEMA).
    if let refusal { return .sql(message: refusal) }
    if primary == SQLITE_AUTH { return .sql(message: Refusal.write) }
    if primary == SQLITE_INTERRUPT, timedOut, let timeout {
      return .sql(message: Refusal.timeout(timeout))
    }
    switch primary {
    case SQLITE_READONLY:
      return .sql(message: Refusal.write)
    case SQLITE_ERROR, SQLITE_RANGE, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_CONSTRAINT:
      return .sql(message: message)
    default:
      let error = DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
      return LedgerError(error, path: path, doing: doing)
    }
  }
}
