internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

/// Counts the rows a statement selects by the import batch that last wrote them, inside SQLite
/// (docs/internals.md, "The review page").
///
/// `GROUP BY batch_id` over a brand's metric rows sorted them all into a temporary B-tree (3.6M
/// rows at 16×, most of the page's time); handing each row's `batch_id` to an aggregate of
/// aimt's own, which counts runs of equal batches into a table of the few batches seen, walks
/// them once and sorts nothing.
enum BatchTally {
  /// The name of the aggregate while a tally runs; it takes one argument, the batch id.
  static let function = "aimt_batch_tally"

  /// The count of each batch id in the rows `sql` selects; `sql` selects
  /// `aimt_batch_tally(<batch id>)` and nothing else.
  static func count(_ db: Database, sql: String, arguments: StatementArguments) throws
    -> [Int64: Int64]
  {
    let state = UnsafeMutablePointer<State>.allocate(capacity: 1)
    state.initialize(to: State())
    defer {
      state.deinitialize(count: 1)
      state.deallocate()
    }
    let connection = db.sqliteConnection
    let code = sqlite3_create_function_v2(
      connection, function, 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, state, nil,
      { context, _, values in
        guard let state = sqlite3_user_data(context)?.assumingMemoryBound(to: State.self),
          let value = values?[0]
        else { return }
        state.pointee.add(sqlite3_value_int64(value))
      },
      { context in sqlite3_result_null(context) }, nil)
    guard code == SQLITE_OK else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }
    // The statement is finalized before the function goes: SQLite refuses to drop a function
    // an unfinished statement uses.
    defer {
      sqlite3_create_function_v2(connection, function, 1, SQLITE_UTF8, nil, nil, nil, nil, nil)
    }
    try run(db, sql: sql, arguments: arguments)
    state.pointee.flush()
    return state.pointee.counts
  }

  private static func run(_ db: Database, sql: String, arguments: StatementArguments) throws {
    let statement = try db.makeStatement(sql: sql)
    try statement.setArguments(arguments)
    try RunningSums.step(statement, db) { _ in }
  }

  /// The tally: the batch of the current run of equal batches, its length, and the counts of
  /// the runs before it.
  struct State {
    var batch: Int64 = 0
    var run: Int64 = 0
    var counts: [Int64: Int64] = [:]

    mutating func add(_ batch: Int64) {
      if run > 0, batch == self.batch {
        run += 1
      } else {
        flush()
        self.batch = batch
        run = 1
      }
    }

    mutating func flush() {
      if run > 0 { counts[batch, default: 0] += run }
      run = 0
    }
  }
}
