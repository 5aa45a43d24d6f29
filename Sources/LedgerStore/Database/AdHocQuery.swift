internal import GRDB

/// A value of an ad-hoc query's result, as SQLite returned it.
public enum QueryValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob(Int)
}

extension Ledger {
  /// Runs one read-only SQL statement (`aimt sql`) and streams its rows to `row`.
  ///
  /// The ledger must be opened with ``openReadOnly(path:)``, so a statement that writes is
  /// refused by SQLite itself. Returns the column names (also passed to `header` before the
  /// first row, so output can start streaming).
  public func query(
    _ sql: String, header: ([String]) -> Void, row: ([QueryValue]) -> Void
  ) throws(LedgerError) {
    do {
      try writer.read { db in
        let statement = try db.makeStatement(sql: sql)
        header(statement.columnNames)
        let cursor = try Row.fetchCursor(statement)
        while let next = try cursor.next() {
          row(next.databaseValues.map(QueryValue.init))
        }
      }
    } catch let error as DatabaseError {
      switch error.resultCode {
      case .SQLITE_ERROR, .SQLITE_READONLY, .SQLITE_AUTH, .SQLITE_RANGE, .SQLITE_MISMATCH:
        throw .sql(message: error.message ?? "the statement was refused")
      default:
        throw LedgerError(error, path: path, doing: "running the query on")
      }
    } catch {
      throw LedgerError(error, path: path, doing: "running the query on")
    }
  }
}

extension QueryValue {
  init(_ value: DatabaseValue) {
    switch value.storage {
    case .null: self = .null
    case .int64(let int): self = .integer(int)
    case .double(let double): self = .real(double)
    case .string(let text): self = .text(text)
    case .blob(let data): self = .blob(data.count)
    }
  }
}
