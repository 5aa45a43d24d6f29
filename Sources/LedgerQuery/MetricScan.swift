internal import GRDB
internal import GRDBSQLite
public import LedgerStore

/// What the reports need to know about one video, loaded once per report.
public struct VideoFacts: Sendable, Equatable {
  /// The row id in `video` (`metric.video_ref`).
  public var ref: Int64
  public var videoID: String
  public var kolID: String?
  public var brand: String?
  public var title: String?
  public var chain: String?
  /// The publish moment, when known.
  public var published: DateTime?
  public var adReview: AdReview
  public var biddingAuthorized: Bool
}

/// The videos a report reads (every video of the ledger, or those a filter selects),
/// addressable by `metric.video_ref` in O(1).
struct VideoDirectory {
  /// The videos, ordered by ref.
  let videos: [VideoFacts]
  /// Index into `videos` by ref.
  private let slotOfRef: SlotsByRef
  /// The videos' KOLs numbered, when the directory was asked to (else empty).
  let kols: KOLNumbers

  /// The videos `filter` selects (every video by default): a filter on a KOL or a video reads
  /// only its rows through the `video` table's indexes, so `video show` and `advise VIDEO` do not
  /// load hundreds of thousands of videos.
  ///
  /// `numberingKOLs` numbers the videos' KOLs as they are read (``kols``), on the read's cores;
  /// else ``kols`` is empty.
  init(_ db: Database, filter: VideoFilter = VideoFilter(), numberingKOLs: Bool = false) throws {
    // Every video: as many as the largest row id, at most (no doubling copies of the facts;
    // capped, in case ids were set by hand far apart).
    let reserve =
      filter == VideoFilter()
      ? try Int.fetchOne(db, sql: "SELECT max(id) FROM video").map { min(max($0, 0), 1 << 22) }
      : nil
    // Read in two halves by row id on two cores (docs/internals.md, "Two cores, one snapshot"),
    // each in row id order: the halves one after the other are in row id order.
    let parts = try VideoParts(db, filter: filter)
    // The first half is reserved room for both: the second is appended to it.
    var halves = try parts.run(db) { db, part in
      try VideoDirectory.read(
        db, filter: filter, parts: parts, part: part,
        reserve: reserve.map { part == 0 ? $0 : $0 / 2 + 1 } ?? 0, numberingKOLs: numberingKOLs)
    }
    var (videos, kols) = halves.removeFirst()
    for half in halves {
      videos.append(contentsOf: half.videos)
      kols.append(contentsOf: half.kols)
    }
    var slots = SlotsByRef(
      lowest: videos.first?.ref ?? 0, highest: videos.last?.ref ?? -1, count: videos.count)
    // By index: a copy of each video's facts retains its five strings.
    for index in videos.indices { slots.set(index, ref: videos[index].ref) }
    self.videos = videos
    self.slotOfRef = slots
    self.kols = kols
  }

  /// The videos of one part of `parts`, by row id, and their KOLs numbered when asked.
  private static func read(
    _ db: Database, filter: VideoFilter, parts: VideoParts, part: Int, reserve: Int,
    numberingKOLs: Bool
  ) throws -> (videos: [VideoFacts], kols: KOLNumbers) {
    var videos: [VideoFacts] = []
    var kols = KOLNumbers()
    videos.reserveCapacity(reserve)
    let range = VideoParts.sqlTerm(split: parts.isSplit, from: 4)
    let statement = try db.cachedStatement(
      sql: """
        SELECT id, video_id, kol_id, brand, title, chain, published, ad_review,
               bidding_authorized
        FROM video AS v WHERE \(filter.sqlTerms(from: 1))\(range) ORDER BY id
        """)
    try statement.setArguments(
      StatementArguments(
        [filter.brand, filter.kolID, filter.videoID] as [(any DatabaseValueConvertible)?]
          + parts.arguments(part)))
    // Read through the C API: GRDB's row decoding looks every column up by name, which was most
    // of the cost of loading 224k videos.
    try RunningSums.step(statement, db) { handle in
      // Parsed from the column's bytes: no String made for it.
      let published = VideoDirectory.bytes(handle, 6).flatMap { try? DateTime.parse(utf8: $0) }
      let kolID = VideoDirectory.text(handle, 2)
      if numberingKOLs { kols.append(kolID) }
      videos.append(
        VideoFacts(
          ref: sqlite3_column_int64(handle, 0), videoID: VideoDirectory.text(handle, 1) ?? "",
          kolID: kolID, brand: VideoDirectory.text(handle, 3),
          title: VideoDirectory.text(handle, 4), chain: VideoDirectory.text(handle, 5),
          published: published,
          adReview: VideoDirectory.text(handle, 7).flatMap(AdReview.init(rawValue:)) ?? .pending,
          biddingAuthorized: sqlite3_column_int64(handle, 8) != 0))
    }
    return (videos, kols)
  }

  /// The index in `videos` of the video with row id `ref`, if any.
  func slot(ofRef ref: Int64) -> Int? {
    slotOfRef[ref]
  }

  /// Column `column` of the current row as UTF-8 bytes, valid until the statement moves on; nil
  /// for NULL.
  ///
  /// Two calls into SQLite, not three: its text of NULL is no pointer, where an empty text has
  /// one (a directory reads six texts of each of hundreds of thousands of videos).
  static func bytes(_ handle: OpaquePointer?, _ column: Int32) -> UnsafeBufferPointer<UInt8>? {
    guard let bytes = sqlite3_column_text(handle, column) else { return nil }
    return UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column)))
  }

  /// Column `column` of the current row as text, nil for NULL.
  static func text(_ handle: OpaquePointer?, _ column: Int32) -> String? {
    bytes(handle, column).map { String(decoding: $0, as: UTF8.self) }
  }
}

extension VideoFilter {
  /// The SQL condition on `video AS v` that selects the filter's videos, with its brand, KOL
  /// and video id bound at placeholders `first`, `first + 1` and `first + 2`.
  ///
  /// A set field is a plain equality, so that SQLite seeks the column's index; an unset one is
  /// `?N IS NULL OR …` (true for the NULL bound there), which keeps the statement's placeholders
  /// the same whatever the filter. Only the shape varies, never input.
  func sqlTerms(from first: Int) -> String {
    let terms: [(column: String, value: String?)] = [
      ("v.brand", brand), ("v.kol_id", kolID), ("v.video_id", videoID),
    ]
    return terms.enumerated().map { offset, term in
      let placeholder = "?\(first + offset)"
      return term.value == nil
        ? "(\(placeholder) IS NULL OR \(term.column) = \(placeholder))"
        : "\(term.column) = \(placeholder)"
    }.joined(separator: " AND ")
  }
}

/// One stored daily metric row, as the reports read it.
struct MetricRow {
  var videoRef: Int64
  var day: Int32
  var source: Int
  var impressions: Int64
  var cost: Int64
  /// Net GMV: the stored gross GMV less the row's refunds (docs/decisions.md, "Refunds and net
  /// GMV"); negative on a day whose refunds exceed its sales.
  var gmv: Int64
  var orders: Int64
  var likes: Int64
  var comments: Int64
  /// The refunds the row's net GMV has taken off.
  var refund: Int64 = 0
}

/// The totals of one scan's columns, in 128 bits: the proof that the reports' Int64 sums
/// cannot wrap.
struct ScanTotals {
  var impressions: Int128 = 0
  var money: Int128 = 0
  var orders: Int128 = 0
  var engagement: Int128 = 0

  @inline(__always)
  mutating func add(_ row: borrowing MetricRow) throws {
    guard
      (row.impressions | row.cost | (row.gmv &+ row.refund) | row.orders | row.likes
        | row.comments | row.refund) >= 0
    else {
      throw LedgerError.implausibleData(
        message: "the ledger holds a negative number in a metric row (video row \(row.videoRef), "
          + "day \(Day(daysSinceEpoch: row.day))), which aimt never writes",
        remedy: .checkLedger(correct: true))
    }
    impressions += Int128(row.impressions)
    // cost + gross GMV + refunds together bound every money sum, net GMV included.
    money += Int128(row.cost) + Int128(row.gmv) + 2 * Int128(row.refund)
    orders += Int128(row.orders)
    engagement += Int128(row.likes) + Int128(row.comments)
  }

  func check() throws {
    let limit = Int128(Int64.max)
    guard impressions <= limit, money <= limit, orders <= limit, engagement <= limit else {
      throw LedgerError.implausibleData(
        message: "the numbers this report adds up exceed what aimt sums exactly "
          + "(9.2 × 10^18 per column): the ledger holds implausibly large values",
        remedy: .checkLedger(narrow: true))
    }
  }
}

/// Which videos a report reads; nil fields match every video.
public struct VideoFilter: Sendable, Equatable {
  public var brand: String?
  public var kolID: String?
  public var videoID: String?

  /// A filter; every field nil matches every video.
  public init(brand: String? = nil, kolID: String? = nil, videoID: String? = nil) {
    self.brand = brand
    self.kolID = kolID
    self.videoID = videoID
  }
}

/// Reads the fact table for a day range, video by video, in the clustered key's order.
///
/// The plan (checked by a test with `EXPLAIN QUERY PLAN`): the outer loop scans `video` (14k
/// rows), the inner one is a range `SEARCH metric USING PRIMARY KEY (video_ref=? AND day>? AND
/// day<?)`, so a window reads only its own days of each video and never the rest of the history,
/// with no sort and no temporary B-tree. The rows come to Swift through the C API (about 0.2 µs a
/// row); adding them up here instead of in SQL `GROUP BY` keeps one pass for every report and
/// was 6× faster than SQLite's per-group aggregation on the per-day series.
enum MetricScan {
  static let sql = sql(filter: VideoFilter())

  /// The statement for `filter` (a set field seeks its index: ``VideoFilter/sqlTerms(from:)``).
  static func sql(filter: VideoFilter) -> String {
    """
    SELECT m.video_ref, m.day, m.source, m.impressions, m.cost, m.gmv, m.orders, m.likes,
           m.comments, m.refund
    FROM video AS v CROSS JOIN metric AS m
      ON m.video_ref = v.id AND m.day BETWEEN ?1 AND ?2
    WHERE \(filter.sqlTerms(from: 3))
    """
  }

  /// One video's rows: a single key range, `SEARCH metric USING PRIMARY KEY (video_ref=? AND
  /// day>? AND day<?)`.
  static let oneVideoSQL = """
    SELECT m.video_ref, m.day, m.source, m.impressions, m.cost, m.gmv, m.orders, m.likes,
           m.comments, m.refund
    FROM metric AS m
    WHERE m.video_ref = ?3 AND m.day BETWEEN ?1 AND ?2
    """

  /// Calls `body` with every metric row of the videos `filter` selects whose day is in
  /// `first...last`, ordered by video, then day, then source.
  static func scan(
    _ db: Database, from first: Day, through last: Day, filter: VideoFilter,
    _ body: (borrowing MetricRow) -> Void
  ) throws {
    guard first <= last else { return }
    let statement = try db.cachedStatement(sql: sql(filter: filter))
    try statement.setArguments([
      Int64(first.daysSinceEpoch), Int64(last.daysSinceEpoch), filter.brand, filter.kolID,
      filter.videoID,
    ])
    try run(statement, db, body)
  }

  /// Calls `body` with the rows of the video with row id `ref` whose day is in `first...last`.
  static func scan(
    _ db: Database, videoRef ref: Int64, from first: Day, through last: Day,
    _ body: (borrowing MetricRow) -> Void
  ) throws {
    guard first <= last else { return }
    let statement = try db.cachedStatement(sql: oneVideoSQL)
    try statement.setArguments([Int64(first.daysSinceEpoch), Int64(last.daysSinceEpoch), ref])
    try run(statement, db, body)
  }

  private static func run(
    _ statement: Statement, _ db: Database, _ body: (borrowing MetricRow) -> Void
  ) throws {
    let handle = statement.sqliteStatement
    defer { sqlite3_reset(handle) }
    // Every sum a report makes from this scan is a sum of some of its rows. The values are never
    // negative (checked here), so when each column's total over all the rows fits in Int64,
    // every group's and window's sum does too, and the reports may add in Int64.
    var totals = ScanTotals()
    while true {
      let code = sqlite3_step(handle)
      if code == SQLITE_DONE {
        try totals.check()
        return
      }
      guard code == SQLITE_ROW else {
        throw DatabaseError(
          resultCode: ResultCode(rawValue: code),
          message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
      }
      let refund = sqlite3_column_int64(handle, 9)
      let row = MetricRow(
        videoRef: sqlite3_column_int64(handle, 0),
        day: Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 1)),
        source: Int(sqlite3_column_int64(handle, 2)),
        impressions: sqlite3_column_int64(handle, 3),
        cost: sqlite3_column_int64(handle, 4),
        // Stored values are at most 10^15 (CHECK), so the difference cannot wrap.
        gmv: sqlite3_column_int64(handle, 5) &- refund,
        orders: sqlite3_column_int64(handle, 6),
        likes: sqlite3_column_int64(handle, 7),
        comments: sqlite3_column_int64(handle, 8),
        refund: refund)
      try totals.add(row)
      body(row)
    }
  }

  /// The latest day with any metric: the last row of the day totals, one seek.
  static func latestDay(_ db: Database) throws -> Day? {
    let day = try Int64.fetchOne(db, sql: "SELECT max(day) FROM metric_day")
    return day.map { Day(daysSinceEpoch: Int32(truncatingIfNeeded: $0)) }
  }

  /// The earliest day with any metric, the same way.
  static func earliestDay(_ db: Database) throws -> Day? {
    let day = try Int64.fetchOne(db, sql: "SELECT min(day) FROM metric_day")
    return day.map { Day(daysSinceEpoch: Int32(truncatingIfNeeded: $0)) }
  }
}

extension Ledger {
  /// The latest day with any metric in the ledger (the default "as of" of the reports).
  public func latestMetricDay() throws(LedgerError) -> Day? {
    try read { db in try MetricScan.latestDay(db) }
  }

  /// The first and last days with any metric, or nil for a ledger without daily numbers.
  public func metricDays() throws(LedgerError) -> ClosedRange<Day>? {
    try read { db in
      guard let first = try MetricScan.earliestDay(db), let last = try MetricScan.latestDay(db)
      else { return nil }
      return first...last
    }
  }
}
