package import GRDB
internal import GRDBSQLite

/// The videos a write changed, each with the first day it changed.
///
/// The metric writer marks every row it changes that ``RunningAppender`` did not count; the
/// write brings those videos' running sums up to date before it commits
/// (``RunningSums/refresh(_:_:appender:)``).
package final class RunningSumsDirty {
  // Marked a row by the writing thread alone: unchecked for exclusivity (a dynamic check at
  // every access of a class's property otherwise).
  @exclusivity(unchecked) private var firstDay: [Int64: Int32] = [:]
  /// The video marked last and its first day so far, kept out of the dictionary: rows come a
  /// video at a time.
  @exclusivity(unchecked) private var lastRef: Int64 = 0
  /// Whether `lastRef` holds a video (any row id, negative ones set by hand included).
  @exclusivity(unchecked) private var hasLast = false
  @exclusivity(unchecked) private var lastDay: Int32 = .max
  /// The videos whose brand the write changed, each with its brand before the write: the
  /// brand its stored running sums count for in `metric_brand_day`.
  private(set) var brandsBefore: [Int64: String?] = [:]

  package init() {}

  /// Notes that the write changed the brand of video `ref`, which was `brand` (nil: none); the
  /// first change of a video in a write is the one kept.
  package func brandChanged(_ ref: Int64, from brand: String?) {
    if brandsBefore[ref] == nil { brandsBefore[ref] = .some(brand) }
  }

  /// Notes that video `ref` changed on `day`.
  @inline(__always)
  package func mark(_ ref: Int64, _ day: Int32) {
    if hasLast && ref == lastRef {
      if day < lastDay { lastDay = day }
      return
    }
    keepLast()
    lastRef = ref
    lastDay = day
    hasLast = true
  }

  /// True when nothing was marked.
  package var isEmpty: Bool { !hasLast && firstDay.isEmpty && brandsBefore.isEmpty }

  /// The videos marked, by row id, with their first day; then forgets them (the brand changes
  /// too).
  package func drain() -> [(ref: Int64, from: Int32)] {
    keepLast()
    brandsBefore = [:]
    hasLast = false
    let videos = firstDay.sorted { $0.key < $1.key }.map { (ref: $0.key, from: $0.value) }
    firstDay = [:]
    return videos
  }

  private func keepLast() {
    guard hasLast else { return }
    if let known = firstDay[lastRef], known <= lastDay { return }
    firstDay[lastRef] = lastDay
  }
}

/// Keeps `metric_running`, the running sums of every video by day (docs/internals.md, "Running
/// sums"), equal to what `metric` holds.
package enum RunningSums {
  /// A video's metric rows from a day on, in key order.
  static let videoRowsSQL = """
    SELECT day, source, impressions, cost, gmv, refund, orders, likes, comments, shares, follows
    FROM metric WHERE video_ref = ?1 AND day >= ?2 ORDER BY day
    """

  /// Every metric row, in key order, with its video.
  static let allRowsSQL = """
    SELECT day, source, impressions, cost, gmv, refund, orders, likes, comments, shares, follows,
           video_ref
    FROM metric ORDER BY video_ref, day
    """

  /// Brings the running sums, the day totals and the brand day totals up to date with what
  /// a write changed: moves the days of each video whose brand changed to its new brand, then
  /// refreshes the videos whose rows changed.
  ///
  /// The rows `appender` built as they were written are already in `metric_running`; their
  /// days' totals are in its deltas, which the refresh adds to and writes.
  package static func refresh(
    _ db: Database, _ dirty: RunningSumsDirty, appender: RunningAppender
  ) throws {
    try appender.finish()
    try moveBrands(db, dirty.brandsBefore, appender.brands)
    try refresh(db, dirty.drain(), brands: appender.brands, days: appender.days)
  }

  /// Rewrites the running rows of each video from the first day a write changed: the stored
  /// row before that day, then the video's metric rows from it on; the day totals and those
  /// of the video's brand get the differences.
  static func refresh(
    _ db: Database, _ videos: [(ref: Int64, from: Int32)], brands: BrandDayDeltas = .init(),
    days delta: DayTotalsDelta = .init()
  ) throws {
    guard !videos.isEmpty else {
      try delta.apply(db)
      try brands.apply(db)
      return
    }
    let previous = try db.cachedStatement(
      sql: """
        SELECT sums FROM metric_running WHERE video_ref = ?1 AND day < ?2
        ORDER BY day DESC LIMIT 1
        """)
    let delete = try db.cachedStatement(
      sql: "DELETE FROM metric_running WHERE video_ref = ?1 AND day >= ?2")
    let replaced = try db.cachedStatement(
      sql: "SELECT day, sums FROM metric_running WHERE video_ref = ?1 AND day >= ?2 ORDER BY day")
    let rows = try db.cachedStatement(sql: videoRowsSQL)
    var emitter = try RunningEmitter(db)
    let totals = RunningTotals()
    let before = RunningTotals()
    let stored = RunningTotals()
    let day = RunningTotals()
    for (ref, from) in videos {
      let brandDelta = try brands.of(videoRef: ref, db)
      totals.clear()
      try bind(previous, ref, from)
      try step(previous, db) { handle in
        guard RunningCodec.accumulate(column: 0, of: handle, sign: 1, into: totals) else {
          throw damaged(ref)
        }
      }
      // The day totals lose what the rows about to be replaced gave each day: the difference
      // of consecutive stored running rows.
      before.values.update(from: totals.values, count: RunningTotals.width)
      try bind(replaced, ref, from)
      try step(replaced, db) { handle in
        stored.clear()
        guard RunningCodec.accumulate(column: 1, of: handle, sign: 1, into: stored) else {
          throw damaged(ref)
        }
        let storedDay = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
        delta.add(storedDay, stored, sign: -1)
        delta.add(storedDay, before, sign: 1)
        brandDelta?.add(storedDay, stored, sign: -1)
        brandDelta?.add(storedDay, before, sign: 1)
        before.values.update(from: stored.values, count: RunningTotals.width)
      }
      try bind(delete, ref, from)
      try step(delete, db) { _ in }
      // Then the running rows and the day totals are written again from the metric rows.
      try bind(rows, ref, from)
      var current: Int32 = -1
      day.clear()
      func close() throws {
        try emitter.emit(ref, current, totals)
        delta.add(current, day, sign: 1)
        brandDelta?.add(current, day, sign: 1)
        day.clear()
      }
      try step(rows, db) { handle in
        let rowDay = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
        if rowDay != current, current >= 0 { try close() }
        current = rowDay
        try add(handle, to: totals, ref: ref, db)
        try add(handle, to: day, ref: ref, db)
      }
      if current >= 0 { try close() }
    }
    try emitter.finish()
    try delta.apply(db)
    try brands.apply(db)
  }

  /// Builds every running row from `metric`: for a ledger made before the table existed.
  ///
  /// With `days` (every ledger since `0009_brand_day_totals`), the day totals and the brand
  /// day totals too.
  static func rebuildAll(_ db: Database, days: Bool = true) throws {
    try db.execute(sql: "DELETE FROM metric_running")
    if days {
      try db.execute(sql: "DELETE FROM metric_day")
      try db.execute(sql: "DELETE FROM metric_brand_day")
    }
    let brands = try VideoBrands(db)
    let delta = DayTotalsDelta()
    let rows = try db.makeStatement(sql: allRowsSQL)
    var emitter = try RunningEmitter(db)
    let totals = RunningTotals()
    var ref: Int64 = 0
    var day: Int32 = -1
    // Whether a row was read (a row id can be any integer, negative ones set by hand too).
    var started = false
    try step(rows, db) { handle in
      let rowRef = sqlite3_column_int64(handle, 11)
      let rowDay = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      if started, rowRef != ref || rowDay != day { try emitter.emit(ref, day, totals) }
      if rowRef != ref { totals.clear() }
      ref = rowRef
      day = rowDay
      started = true
      try add(handle, to: totals, ref: ref, db)
      if days {
        try add(handle, to: delta.of(day), ref: ref, db)
        if let brand = brands.delta(of: ref) { try add(handle, to: brand.of(day), ref: ref, db) }
      }
    }
    if started { try emitter.emit(ref, day, totals) }
    try emitter.finish()
    if days {
      try delta.apply(db)
      try brands.apply(db)
    }
  }

  /// Builds every day's totals from `metric`: for a ledger made before the table existed.
  static func rebuildDays(_ db: Database) throws {
    try db.execute(sql: "DELETE FROM metric_day")
    let delta = DayTotalsDelta()
    let rows = try db.makeStatement(sql: allRowsSQL)
    try step(rows, db) { handle in
      let day = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      try add(handle, to: delta.of(day), ref: sqlite3_column_int64(handle, 11), db)
    }
    try delta.apply(db)
  }

  /// Adds the metric row under `handle` (columns as in ``videoRowsSQL``).
  @inline(__always)
  static func add(
    _ handle: OpaquePointer?, to totals: RunningTotals, ref: Int64, _ db: Database
  ) throws {
    let source = Int(sqlite3_column_int64(handle, 1))
    guard source >= 0, source < RunningTotals.sources else {
      throw LedgerError.implausibleData(
        message: "the ledger holds a metric row of video row \(ref) with an unknown source "
          + "code \(source), which aimt never writes",
        remedy: .checkLedger(correct: true))
    }
    guard
      totals.add(
        source: source, impressions: sqlite3_column_int64(handle, 2),
        cost: sqlite3_column_int64(handle, 3), gmv: sqlite3_column_int64(handle, 4),
        refund: sqlite3_column_int64(handle, 5), orders: sqlite3_column_int64(handle, 6),
        likes: sqlite3_column_int64(handle, 7), comments: sqlite3_column_int64(handle, 8),
        shares: sqlite3_column_int64(handle, 9), follows: sqlite3_column_int64(handle, 10))
    else { throw try tooLarge(ref, db) }
  }

  static func bind(_ statement: Statement, _ ref: Int64, _ day: Int32) throws {
    let handle = statement.sqliteStatement
    sqlite3_reset(handle)
    sqlite3_bind_int64(handle, 1, ref)
    sqlite3_bind_int64(handle, 2, Int64(day))
  }

  /// Steps a bound `statement` to its end, calling `row` with its handle on each row, and
  /// resets it: the C API loop of every statement that reads sums.
  package static func step(
    _ statement: Statement, _ db: Database, _ row: (OpaquePointer?) throws -> Void
  ) throws {
    let handle = statement.sqliteStatement
    defer { sqlite3_reset(handle) }
    while true {
      let code = sqlite3_step(handle)
      if code == SQLITE_DONE { return }
      guard code == SQLITE_ROW else {
        throw DatabaseError(
          resultCode: ResultCode(rawValue: code),
          message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
      }
      try row(handle)
    }
  }

  package static func damaged(_ ref: Int64) -> LedgerError {
    .implausibleData(
      message: "the running sums of video row \(ref) are unreadable (edited outside aimt?)",
      remedy: .rebuildRunningSums(checkFirst: true))
  }

  /// A video whose totals no longer fit in 64 bits: the write that made them is refused.
  static func tooLarge(_ ref: Int64, _ db: Database) throws -> LedgerError {
    let id = try String.fetchOne(
      db, sql: "SELECT video_id FROM video WHERE id = ?", arguments: [ref])
    return .invalidData([
      SourceLocation.commandLine.problem(
        "video_id",
        "the totals of video \(id ?? "row \(ref)") over its days would pass "
          + "9,223,372,036,854,775,807, more than aimt adds up exactly: the numbers written are "
          + "implausibly large; check their units")
    ])
  }
}

/// Inserts running rows in blocks of ``blockRows`` through one multi-row statement.
///
/// As the metric writer does; the rows are encoded into one reused buffer. Call ``finish()``
/// at the end.
struct RunningEmitter {
  static let blockRows = 32
  private let insert: Statement
  private let blockInsert: Statement
  private let db: Database
  /// The encodings of the rows waiting for a block, end to end.
  private var bytes: [UInt8] = []
  /// Per waiting row: video, day, and where its encoding ends in `bytes`.
  private var rows: [(ref: Int64, day: Int32, end: Int)] = []

  init(_ db: Database) throws {
    self.db = db
    insert = try db.cachedStatement(
      sql: "INSERT INTO metric_running (video_ref, day, sums) VALUES (?1, ?2, ?3)")
    let values = (0..<Self.blockRows).map { "(?\(3 * $0 + 1), ?\(3 * $0 + 2), ?\(3 * $0 + 3))" }
    // OR FAIL: no statement journal (see `MetricUpserter`'s block insert).
    blockInsert = try db.cachedStatement(
      sql: "INSERT OR FAIL INTO metric_running (video_ref, day, sums) VALUES "
        + values.joined(separator: ", "))
    bytes.reserveCapacity(Self.blockRows * 64)
    rows.reserveCapacity(Self.blockRows)
  }

  /// Keeps the row of video `ref` on `day` with `totals`; writes a block when one is full.
  mutating func emit(_ ref: Int64, _ day: Int32, _ totals: RunningTotals) throws {
    RunningCodec.encode(totals, into: &bytes)
    rows.append((ref, day, bytes.count))
    if rows.count == Self.blockRows { try flush() }
  }

  /// Keeps the row of video `ref` on `day` already encoded (`encoded`, copied); writes a block
  /// when one is full.
  mutating func emit(_ ref: Int64, _ day: Int32, encoded: UnsafeRawBufferPointer) throws {
    bytes.append(contentsOf: encoded)
    rows.append((ref, day, bytes.count))
    if rows.count == Self.blockRows { try flush() }
  }

  /// Writes the rows still kept.
  mutating func finish() throws { try flush() }

  /// True when a row of video `ref` waits for a block.
  func holds(_ ref: Int64) -> Bool { rows.contains { $0.ref == ref } }

  private mutating func flush() throws {
    guard !rows.isEmpty else { return }
    let statement = rows.count == Self.blockRows ? blockInsert : insert
    let handle = statement.sqliteStatement
    try bytes.withUnsafeBytes { raw in
      var start = 0
      var parameter: Int32 = 1
      for row in rows {
        sqlite3_bind_int64(handle, parameter, row.ref)
        sqlite3_bind_int64(handle, parameter + 1, Int64(row.day))
        sqlite3_bind_blob(
          handle, parameter + 2, raw.baseAddress.map { $0 + start }, Int32(row.end - start),
          sqliteStatic)
        start = row.end
        if statement === blockInsert {
          parameter += 3
        } else {
          try run(statement)
        }
      }
      if statement === blockInsert { try run(statement) }
    }
    rows.removeAll(keepingCapacity: true)
    bytes.removeAll(keepingCapacity: true)
  }

  private func run(_ statement: Statement) throws {
    let handle = statement.sqliteStatement
    let code = sqlite3_step(handle)
    sqlite3_reset(handle)
    guard code == SQLITE_DONE else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
    }
  }
}
