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

  /// Rewrites the running sums of each video from the first day a write changed: the stored
  /// chunks from that day on are truncated to the days before it, then the video's metric rows
  /// from it on are written again; the day totals and those of the video's brand get the
  /// differences.
  static func refresh(
    _ db: Database, _ videos: [(ref: Int64, from: Int32)], brands: BrandDayDeltas = .init(),
    days delta: DayTotalsDelta = .init()
  ) throws {
    guard !videos.isEmpty else {
      try delta.apply(db)
      try brands.apply(db)
      return
    }
    let replaced = try db.cachedStatement(
      sql: "SELECT sums FROM metric_running WHERE video_ref = ?1 AND chunk >= ?2 ORDER BY chunk")
    let later = try db.cachedStatement(
      sql: "DELETE FROM metric_running WHERE video_ref = ?1 AND chunk > ?2")
    let rows = try db.cachedStatement(sql: videoRowsSQL)
    var emitter = try RunningEmitter(db)
    let totals = RunningTotals()
    let scratch = RunningTotals()
    let day = RunningTotals()
    for (ref, from) in videos {
      let brandDelta = try brands.of(videoRef: ref, db)
      let chunk = RunningChunk.number(of: from)
      // The day totals lose what the stored days about to be replaced gave them.
      try bind(replaced, ref, chunk)
      try step(replaced, db) { handle in
        guard let bytes = RunningCodec.bytes(column: 0, of: handle),
          RunningChunk.forEachDay(
            bytes, scratch: scratch,
            { storedDay, stored in
              guard storedDay >= from else { return }
              delta.add(storedDay, stored, sign: -1)
              brandDelta?.add(storedDay, stored, sign: -1)
            })
        else { throw damaged(ref) }
      }
      try bind(later, ref, chunk)
      try step(later, db) { _ in }
      totals.clear()
      try emitter.begin(ref, from, into: totals)
      // Then the running sums and the day totals are written again from the metric rows.
      try bind(rows, ref, Int64(from))
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

  static func bind(_ statement: Statement, _ ref: Int64, _ value: Int64) throws {
    let handle = statement.sqliteStatement
    sqlite3_reset(handle)
    sqlite3_bind_int64(handle, 1, ref)
    sqlite3_bind_int64(handle, 2, value)
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
