internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

/// The one statement ``DecisionSums`` reads: per video, the chunk of running sums at or before
/// each boundary day's, then the chunks at or before its launch's two ends (docs/internals.md,
/// "Decisions at scale").
///
/// The launch's ends differ per video, so the statement asks aimt for them: `aimt_launch_day(
/// v.id, 0)` is the day before the publish day, `aimt_launch_day(v.id, 1)` the launch's last
/// day, each NULL when no seek is needed (no launch read, a day before the ledger's first, or a
/// day whose chunk a boundary's column or the launch's other end holds: ``DecisionSums``).
/// SQLite skips the seek of a NULL bound. The seek costs what it cost in a statement of its own
/// per video; what is gone is that statement's binding, stepping and resetting per video.
enum DecisionStatement {
  /// The function's name while a read runs.
  static let function = "aimt_launch_day"

  /// The statement for `boundaries` boundary columns (placeholders ?4, ?5, …; one per chunk,
  /// ``BoundaryColumns``) and a filter's shape.
  ///
  /// Column 0 is the video's row id, 1…`boundaries` the boundary rows, then the rows of the
  /// launch's ends in `launchEnds` (0 its start, 1 its end), in that order: an end no video
  /// seeks has no column, nor a boundary no video has a row at, whose subquery SQLite would
  /// still begin per video. Only numbers of placeholders and the filter's shape vary, never
  /// input. With `split`, the statement reads one part of the videos: the range term's
  /// placeholders follow the boundaries'.
  static func sql(
    boundaries: Int, filter: VideoFilter, launchEnds: [Int], split: Bool = false
  ) -> String {
    let lookup = { (bound: String) in
      """
      (SELECT r.sums FROM metric_running AS r
        WHERE r.video_ref = v.id AND r.chunk <= (\(bound) >> 4) ORDER BY r.chunk DESC LIMIT 1)
      """
    }
    let lookups =
      (0..<boundaries).map { lookup("?\($0 + 4)") }
      + launchEnds.map { lookup("\(function)(v.id, \($0 == 0 ? 0 : 1))") }
    let range = VideoParts.sqlTerm(split: split, from: boundaries + 4)
    return """
      SELECT \((["v.id"] + lookups).joined(separator: ", "))
      FROM video AS v WHERE \(filter.sqlTerms(from: 1))\(range)
      """
  }

  /// The launch days the function answers, by video row id.
  ///
  /// Two per ref (the day before the publish day, the launch's last day), ``LaunchDays/none``
  /// where no seek is needed. The table's first value is the number of refs it covers, so the
  /// C function bounds its reads.
  struct LaunchDays: ~Copyable {
    static let none = Int64.min
    fileprivate let table: UnsafeMutablePointer<Int64>
    let count: Int

    init(refs: Int) {
      count = max(refs, 0)
      table = .allocate(capacity: 1 + 2 * count)
      table.initialize(repeating: LaunchDays.none, count: 1 + 2 * count)
      table[0] = Int64(count)
    }

    deinit { table.deallocate() }

    /// Sets the days of `ref` (ignored outside the table).
    func set(ref: Int64, start: Int64, end: Int64) {
      guard ref >= 0, ref < count else { return }
      table[1 + 2 * Int(ref)] = start
      table[2 + 2 * Int(ref)] = end
    }
  }

  /// Runs `body` with `aimt_launch_day` answering from `days` (unless `registering` is false);
  /// the statement `body` prepares must be finalized when it returns (SQLite refuses to drop a
  /// function a statement uses).
  static func with<T>(
    _ db: Database, days: borrowing LaunchDays, registering: Bool = true, _ body: () throws -> T
  ) throws -> T {
    guard registering else { return try body() }
    let connection = db.sqliteConnection
    // The table outlives the registration: the function is dropped before `days` can go.
    let code = sqlite3_create_function_v2(
      connection, function, 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, UnsafeMutableRawPointer(days.table),
      { context, _, values in
        guard let table = sqlite3_user_data(context)?.assumingMemoryBound(to: Int64.self),
          let values
        else { return sqlite3_result_null(context) }
        let ref = sqlite3_value_int64(values[0])
        let end = sqlite3_value_int64(values[1])
        guard ref >= 0, ref < table[0], end == 0 || end == 1 else {
          return sqlite3_result_null(context)
        }
        let day = table[1 + 2 * Int(ref) + Int(end)]
        if day == LaunchDays.none {
          sqlite3_result_null(context)
        } else {
          sqlite3_result_int64(context, day)
        }
      }, nil, nil, nil)
    guard code == SQLITE_OK else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(connection)))
    }
    defer {
      sqlite3_create_function_v2(connection, function, 2, SQLITE_UTF8, nil, nil, nil, nil, nil)
    }
    return try body()
  }
}
