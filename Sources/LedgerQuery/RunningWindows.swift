internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

/// The sums of consecutive windows of one video, per source, read from its running sums.
struct VideoWindows {
  /// `windows[i]`: the totals of window i.
  private let windows: [RunningTotals]
  /// Their values, read without a retain of the block per read (a report reads every
  /// source's of two windows per video).
  let blocks: [UnsafeMutablePointer<Int64>]

  init(count: Int) {
    windows = (0..<count).map { _ in RunningTotals() }
    blocks = windows.map(\.values)
  }

  /// The totals of `source` in window `index`, nil when it had no row there.
  func stream(_ index: Int, source: Int) -> StreamTotals? {
    let values = blocks[index] + source * RunningField.count
    // The rows first: none, no row of the source in the window.
    return values[0] != 0 ? StreamTotals(values) : nil
  }
}

/// Reads the sums of windows of every video a filter selects from `metric_running`: per video
/// one index seek for each chunk a window boundary falls in, whatever the windows' length and
/// however many days the ledger holds (docs/internals.md, "Running sums", "One seek per chunk").
enum RunningWindows {
  /// The statement for `columns` columns of ``BoundaryColumns``.
  ///
  /// It selects the video, then its stored chunk at or before each column's bound day's (?4,
  /// ?5, …). Only numbers of placeholders and the filter's shape vary, never input.
  static func sql(columns: Int, filter: VideoFilter = VideoFilter(), split: Bool = false)
    -> String
  {
    let lookups = (0..<columns).map { index in
      """
      (SELECT r.sums FROM metric_running AS r
        WHERE r.video_ref = v.id AND r.chunk <= (?\(index + 4) >> 4) ORDER BY r.chunk DESC LIMIT 1)
      """
    }
    let range = VideoParts.sqlTerm(split: split, from: columns + 4)
    return """
      SELECT v.id, \(lookups.joined(separator: ", "))
      FROM video AS v WHERE \(filter.sqlTerms(from: 1))\(range)
      """
  }

  /// Calls `body` for each video the filter selects that has a metric row in any window, with
  /// the sums of the windows: `ends` ascending, window i from the day after `ends[i]` through
  /// `ends[i + 1]`.
  ///
  /// Every sum of a group of videos the callers make fits in Int64: each column's total over
  /// every video's last boundary is checked in 128 bits (as ``ScanTotals`` does for a scan).
  static func read(
    _ db: Database, ends: [Day], filter: VideoFilter,
    _ body: (_ videoRef: Int64, _ windows: VideoWindows) throws -> Void
  ) throws {
    var totals = RunningTotalsCheck()
    try read(db, ends: ends, filter: filter, parts: .whole, part: 0, totals: &totals, body)
    try totals.check()
  }

  /// ``read(_:ends:filter:_:)`` split in ``VideoParts``: `body` is called with each part's own
  /// state, made by `make`, on the part's thread; the states are returned by part.
  ///
  /// `body` may change only its part's state, and what no other part's videos reach (their
  /// own slots of a ``SlotTable``).
  static func read<Part>(
    _ db: Database, ends: [Day], filter: VideoFilter, parts make: () -> Part,
    _ body: (_ part: inout Part, _ videoRef: Int64, _ windows: VideoWindows) throws -> Void
  ) throws -> [Part] {
    let parts = try VideoParts(db, filter: filter)
    let results = try parts.run(db) { db, index in
      var part = make()
      var totals = RunningTotalsCheck()
      try read(db, ends: ends, filter: filter, parts: parts, part: index, totals: &totals) {
        ref, windows in try body(&part, ref, windows)
      }
      return (part, totals)
    }
    var totals = RunningTotalsCheck()
    for result in results { totals.add(result.1) }
    try totals.check()
    return results.map(\.0)
  }

  /// Reads the videos of one part; the last boundary's rows are added to `totals`.
  private static func read(
    _ db: Database, ends: [Day], filter: VideoFilter, parts: VideoParts, part: Int,
    totals: inout RunningTotalsCheck,
    _ body: (_ videoRef: Int64, _ windows: VideoWindows) throws -> Void
  ) throws {
    precondition(ends.count >= 2 && zip(ends, ends.dropFirst()).allSatisfy { $0 < $1 })
    let columns = BoundaryColumns(ends: ends, earliest: try MetricScan.earliestDay(db))
    // Every boundary before the ledger's first day: no video has a row in any window.
    guard columns.count > 0 else { return }
    let statement = try db.cachedStatement(
      sql: sql(columns: columns.count, filter: filter, split: parts.isSplit))
    try statement.setArguments(
      StatementArguments(
        [filter.brand, filter.kolID, filter.videoID] as [(any DatabaseValueConvertible)?]
          + columns.bound + parts.arguments(part)))
    let windows = VideoWindows(count: ends.count - 1)
    let (first, last) = (columns.totals[0], columns.totals[ends.count - 1])
    try RunningSums.step(statement, db) { handle in
      let ref = sqlite3_column_int64(handle, 0)
      try columns.decode(handle, from: 1, ref: ref)
      // No row in any window: the last boundary's sums are the first one's.
      if last.rows == first.rows { return }
      for (index, window) in windows.blocks.enumerated() {
        let (low, high) = (columns.block(index), columns.block(index + 1))
        for field in 0..<RunningTotals.width { window[field] = high[field] &- low[field] }
      }
      totals.add(last)
      try body(ref, windows)
    }
  }

  /// The day a seek for the row at or before `day` binds; nil when no row can be there (a day
  /// before `earliest`, the ledger's first day with metric rows, or no such day at all).
  static func sought(_ day: Day, earliest: Day?) -> Int64? {
    guard let earliest, day >= earliest else { return nil }
    return Int64(day.daysSinceEpoch)
  }
}

/// The boundary days of a read of running sums, one statement column per chunk they fall in
/// (docs/internals.md, "One seek per chunk").
///
/// Boundaries in one chunk find the same stored row: one seek reads it, and one decode of it
/// yields every boundary's sums, where a column per boundary sought and decoded the row again
/// (the three ends of a 7-day window and the one before it lie in one or two chunks). A
/// boundary before the ledger's first day with metric rows has no column: no row can be there
/// (``RunningWindows/sought(_:earliest:)``), its sums stay zero.
final class BoundaryColumns {
  /// Per boundary, its sums through its day after ``decode(_:from:ref:)``.
  let totals: [RunningTotals]
  /// Per column, the day its seek binds (its first boundary's), its chunk and its boundaries.
  let bound: [Int64]
  private let chunks: [Int64]
  private let runs: [Range<Int>]
  /// `totals`' values and the boundary days (as stored), where
  /// ``RunningChunk/load(_:through:into:scratch:)`` reads them.
  private let targets: UnsafeMutableBufferPointer<UnsafeMutablePointer<Int64>>
  private let dayBuffer: UnsafeMutableBufferPointer<Int32>
  private let scratch = RunningTotals()

  /// `ends` ascending; `earliest` the ledger's first day with metric rows (nil: none).
  init(ends: [Day], earliest: Day?) {
    precondition(zip(ends, ends.dropFirst()).allSatisfy { $0 < $1 })
    totals = ends.map { _ in RunningTotals() }
    var bound: [Int64] = []
    var chunks: [Int64] = []
    var runs: [Range<Int>] = []
    for (index, end) in ends.enumerated() {
      guard let day = RunningWindows.sought(end, earliest: earliest) else { continue }
      let chunk = RunningChunk.number(of: Int32(truncatingIfNeeded: day))
      if chunk == chunks.last {
        runs[runs.count - 1] = runs[runs.count - 1].lowerBound..<(index + 1)
      } else {
        bound.append(day)
        chunks.append(chunk)
        runs.append(index..<(index + 1))
      }
    }
    (self.bound, self.chunks, self.runs) = (bound, chunks, runs)
    targets = .allocate(capacity: ends.count)
    _ = targets.initialize(from: totals.map(\.values))
    dayBuffer = .allocate(capacity: ends.count)
    _ = dayBuffer.initialize(from: ends.map { Int32(truncatingIfNeeded: $0.daysSinceEpoch) })
  }

  deinit {
    targets.deallocate()
    dayBuffer.deallocate()
  }

  /// Columns: one per chunk some boundary is sought in.
  var count: Int { bound.count }

  /// The values of ``totals`` of `boundary`, read without a retain of its block.
  @inline(__always)
  func block(_ boundary: Int) -> UnsafeMutablePointer<Int64> { targets[boundary] }

  /// The column holding the chunk of `day`, when a boundary is sought in it.
  func column(ofChunkOf day: Int32) -> Int? {
    chunks.firstIndex(of: RunningChunk.number(of: day))
  }

  /// Sets ``totals`` from the columns `first`, `first + 1`, … of the row under `handle`, one
  /// per chunk: each the video's stored chunk at or before it, NULL when none (zero sums).
  func decode(_ handle: OpaquePointer?, from first: Int32, ref: Int64) throws {
    for (column, run) in runs.enumerated() {
      guard let bytes = RunningCodec.bytes(column: first + Int32(column), of: handle) else {
        for boundary in run { totals[boundary].clear() }
        continue
      }
      guard
        RunningChunk.load(
          bytes, through: UnsafeBufferPointer(rebasing: dayBuffer[run]),
          into: UnsafeBufferPointer(rebasing: targets[run]), scratch: scratch)
      else { throw RunningSums.damaged(ref) }
    }
  }
}

/// Reads `metric_day`, the totals of every video's rows per day (docs/internals.md, "Running
/// sums"): a report over all videos by day, week, month or tool costs a row per day.
enum DayTotals {
  /// Calls `body` with each day of `first…last` that has metric rows and its totals.
  static func read(
    _ db: Database, from first: Day, through last: Day,
    _ body: (_ day: Int32, _ totals: RunningTotals) throws -> Void
  ) throws {
    let statement = try db.cachedStatement(
      sql: "SELECT day, sums FROM metric_day WHERE day BETWEEN ?1 AND ?2 ORDER BY day")
    try statement.setArguments([Int64(first.daysSinceEpoch), Int64(last.daysSinceEpoch)])
    try step(statement, db, brand: nil, body)
  }

  /// Steps a statement selecting `day, sums` rows of day totals (of `brand`'s videos, or of
  /// every video when nil), calling `body` with each; the totals read are added in 128 bits
  /// too, and the read throws after `body` when the Int64 sums `body` made could have wrapped.
  static func step(
    _ statement: Statement, _ db: Database, brand: String?,
    _ body: (_ day: Int32, _ totals: RunningTotals) throws -> Void
  ) throws {
    let totals = RunningTotals()
    var check = RunningTotalsCheck()
    try RunningSums.step(statement, db) { handle in
      let day = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      totals.clear()
      guard RunningCodec.accumulate(column: 1, of: handle, sign: 1, into: totals) else {
        throw RunningSums.damagedDay(day, brand: brand)
      }
      check.add(totals)
      try body(day, totals)
    }
    try check.check()
  }
}

/// The totals of every video's running sums at the last boundary, in 128 bits: the proof that
/// the reports' Int64 sums of windows cannot wrap.
struct RunningTotalsCheck {
  private var scan = ScanTotals()

  /// Adds another part's totals.
  mutating func add(_ other: RunningTotalsCheck) { scan.add(other.scan) }

  mutating func add(_ row: RunningTotals) {
    for source in 0..<RunningTotals.sources where row.has(source) {
      scan.addTotals(row.stream(source))
    }
  }

  func check() throws { try scan.check() }
}

extension ScanTotals {
  /// Adds another scan's totals.
  mutating func add(_ other: ScanTotals) {
    impressions += other.impressions
    money += other.money
    orders += other.orders
    engagement += other.engagement
  }

  /// Adds one source's totals (all of them non-negative as stored).
  mutating func addTotals(_ totals: StreamTotals) {
    impressions += Int128(totals.impressions)
    money += Int128(totals.cost) + Int128(totals.gmv) + 2 * Int128(totals.refund)
    orders += Int128(totals.orders)
    engagement += Int128(totals.likes) + Int128(totals.comments)
  }
}
