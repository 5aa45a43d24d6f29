internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

/// The running sums the decisions read of every video a filter selects, in one statement:
/// the judged window and the one before it, the account weight's 90 days and the launch
/// (docs/internals.md, "Decisions at scale").
///
/// The window's and the weight's boundaries are one sorted set of days, one index seek per
/// video for each chunk they fall in (``BoundaryColumns``), where separate reads sought the
/// last day twice. The launch's two ends are decoded from those rows when they fall in their
/// chunks, the start from the end's row when both lie in one chunk; the other ends are one
/// seek each in the same statement (``DecisionStatement``).
struct DecisionSums {
  /// Per directory slot: the window ending `asOf`, and the one of the same length before it.
  let current: SlotTable<TrafficSums>
  let previous: SlotTable<TrafficSums>
  /// Per KOL number (``VideoDirectory/kols``): the median natural plays of its videos over the
  /// last ``AccountWeight/days``, nil when none had any.
  let weights: [Fraction?]
  /// The launch's natural sums per slot, when the launches are read (else empty).
  private let launchOfSlot: SlotTable<StreamTotals?>

  /// The launch's natural sums of the video in `slot`, when read here (nil: not read;
  /// ``LaunchSums`` reads them).
  func launch(ofSlot slot: Int) -> StreamTotals? {
    launchOfSlot.count == 0 ? nil : launchOfSlot[slot]
  }

  /// Whether one read serves `filter`: the weight needs every video of a KOL, so a filter on a
  /// brand or a video, which selects fewer, reads the windows and the weight apart.
  static func serves(_ filter: VideoFilter) -> Bool {
    filter.brand == nil && filter.videoID == nil
  }

  /// `launches` false reads no launch: a shortlist judges only the few videos in their launch
  /// on it, which ``LaunchSums`` reads one by one, where two more columns per video (NULL, but
  /// each a subquery and a call of the function) cost 2 % of its instructions at 1×.
  init(
    _ db: Database, context: DecisionContext, asOf: Day, window: Int, filter: VideoFilter,
    launches: Bool = true
  ) throws {
    precondition(DecisionSums.serves(filter) && window >= 1)
    let count = context.directory.videos.count
    // The launch days are a table by row id (the SQL function reads it): with ids set by hand
    // far apart or below zero, the launches are read per video instead (``LaunchSums``).
    let launches =
      launches
      && SlotsByRef.fitTable(
        lowest: context.directory.videos.first?.ref ?? 0,
        highest: context.directory.videos.last?.ref ?? -1, count: count)
    let windowEnds = [asOf.adding(days: -2 * window), asOf.adding(days: -window), asOf]
    let weightStart = asOf.adding(days: -AccountWeight.days)
    let ends = Set(windowEnds + [weightStart]).sorted()
    // A day's position among the boundaries: how many are before it.
    let index = { (day: Day) in ends.count(where: { $0 < day }) }
    let (w0, w1, w2, weight0) = (
      index(windowEnds[0]), index(windowEnds[1]), index(windowEnds[2]), index(weightStart)
    )
    let last = ends.count - 1
    let settings = context.settings
    // The launch's ends of each video whose launch is read: one in a chunk a column already
    // holds is decoded from it (``LaunchEnds``); any other is sought in the statement.
    let launchDays = DecisionStatement.LaunchDays(
      refs: launches ? Int(clamping: max((context.directory.videos.last?.ref ?? -1) + 1, 0)) : 0)
    let launchEnd = { (published: Day) in
      min(published.adding(days: settings.launchDays - 1), asOf)
    }
    // One column per chunk the boundaries are sought in; a day before the ledger's first has
    // no row: no seek, for the boundaries and the launch's ends alike
    // (``RunningWindows/sought(_:earliest:)``).
    let earliest = try MetricScan.earliestDay(db)
    let columns = BoundaryColumns(ends: ends, earliest: earliest)
    // A launch's end is sought in a column of its own unless a boundary's column or its other
    // end's holds its chunk (``LaunchEnds``).
    let seek = { (day: Day, other: Day?) in
      let stored = Int32(truncatingIfNeeded: day.daysSinceEpoch)
      if columns.column(ofChunkOf: stored) != nil { return DecisionStatement.LaunchDays.none }
      if let other, LaunchEnds.sameChunk(day, other) { return DecisionStatement.LaunchDays.none }
      return RunningWindows.sought(day, earliest: earliest) ?? DecisionStatement.LaunchDays.none
    }
    var seeks = (start: false, end: false)
    // By slot: a copy of each video's facts retains its five strings.
    let videos = context.directory.videos
    for slot in videos.indices where launches {
      guard let published = videos[slot].published?.day, published <= asOf,
        settings.launchDays > 0
      else { continue }
      let end = launchEnd(published)
      let (start, last) = (seek(published.adding(days: -1), end), seek(end, nil))
      launchDays.set(ref: videos[slot].ref, start: start, end: last)
      seeks.start = seeks.start || start != DecisionStatement.LaunchDays.none
      seeks.end = seeks.end || last != DecisionStatement.LaunchDays.none
    }
    // The launch's ends some video seeks, each a column after the boundaries'.
    let launchColumns: [Int] = (seeks.start ? [0] : []) + (seeks.end ? [1] : [])
    let sought = columns.count
    // The parts of a split read fill their own videos' slots, the defaults first, each on its
    // own core (docs/internals.md, "Two cores, one snapshot").
    let currentOfSlot = SlotTable<TrafficSums>(unfilled: count)
    let previousOfSlot = SlotTable<TrafficSums>(unfilled: count)
    let launchTable = SlotTable<StreamTotals?>(unfilled: launches ? count : 0)
    let plays = SlotTable<Int64>(unfilled: count)
    let seen = SlotTable<Bool>(unfilled: count)
    let parts = try VideoParts(db, filter: filter)
    let checks = try parts.run(db) { db, part -> RunningTotalsCheck in
      let slots = parts.slots(of: part, in: context.directory)
      currentOfSlot.fill(slots, with: TrafficSums())
      previousOfSlot.fill(slots, with: TrafficSums())
      if launches { launchTable.fill(slots, with: nil) }
      plays.fill(slots, with: 0)
      seen.fill(slots, with: false)
      let rows = BoundaryRows(ends: ends, earliest: earliest)
      let lastRow = rows.totals[last]
      let launchReader = LaunchEnds(
        start: seeks.start ? Int32(sought + 1) : nil,
        end: seeks.end ? Int32(sought + launchColumns.count) : nil)
      var check = RunningTotalsCheck()
      try DecisionStatement.with(db, days: launchDays, registering: !launchColumns.isEmpty) {
        let statement = try db.makeStatement(
          sql: DecisionStatement.sql(
            boundaries: sought, filter: filter, launchEnds: launchColumns, split: parts.isSplit))
        try statement.setArguments(
          StatementArguments(
            [filter.brand, filter.kolID, filter.videoID] as [(any DatabaseValueConvertible)?]
              + rows.columns.bound + parts.arguments(part)))
        try RunningSums.step(statement, db) { handle in
          let ref = sqlite3_column_int64(handle, 0)
          guard let slot = context.directory.slot(ofRef: ref) else { return }
          try rows.decode(handle, ref: ref)
          // The publish day alone: a copy of the video's facts retains its five strings.
          if launches, let published = context.directory.videos[slot].published?.day,
            published <= asOf,
            settings.launchDays > 0
          {
            launchTable[slot] = try launchReader.natural(
              handle, ref: ref, rows: rows, from: published.adding(days: -1),
              through: launchEnd(published))
          }
          // No row in any window: the last boundary's row is the first one's.
          guard !rows.same(0, last) else { return }
          check.add(lastRow)
          // A source with no row by the last boundary has none in any window.
          for source in 0..<RunningTotals.sources where lastRow.has(source) {
            if let sums = rows.stream(from: w1, to: w2, source: source) {
              currentOfSlot[slot].add(sums, source: source)
            }
            if let sums = rows.stream(from: w0, to: w1, source: source) {
              previousOfSlot[slot].add(sums, source: source)
            }
          }
          if let natural = rows.stream(from: weight0, to: last, source: 0) {
            plays[slot] &+= natural.impressions
            seen[slot] = true
          }
        }
      }
      return check
    }
    // The parts' slots are every slot: a table read with a slot unfilled would be garbage.
    for table in [currentOfSlot, previousOfSlot] { precondition(table.isFilled) }
    precondition(launchTable.isFilled && plays.isFilled && seen.isFilled)
    var check = RunningTotalsCheck()
    for part in checks { check.add(part) }
    try check.check()
    // Kept as filled: no copy of a table per video into an array.
    (current, previous, launchOfSlot) = (currentOfSlot, previousOfSlot, launchTable)
    weights = AccountWeight.medians(of: context.directory.kols) { seen[$0] ? plays[$0] : nil }
  }
}

/// One video's stored running sums at each boundary of a ``DecisionSums`` read.
private final class BoundaryRows {
  let ends: [Day]
  /// The boundaries' columns (one per chunk), and the decoded row at or before each boundary
  /// (zero where none).
  let columns: BoundaryColumns
  var totals: [RunningTotals] { columns.totals }
  /// Scratch for a window's difference.
  private let difference = RunningTotals()

  init(ends: [Day], earliest: Day?) {
    self.ends = ends
    columns = BoundaryColumns(ends: ends, earliest: earliest)
  }

  /// Reads the boundary columns (1…) of the row under `handle`.
  func decode(_ handle: OpaquePointer?, ref: Int64) throws {
    try columns.decode(handle, from: 1, ref: ref)
  }

  /// True when no metric row lies between boundaries `a` and `b`.
  func same(_ a: Int, _ b: Int) -> Bool {
    RunningTotals.rows(in: columns.block(a)) == RunningTotals.rows(in: columns.block(b))
  }

  /// The totals of `source` between boundaries `a` and `b` (from the day after `ends[a]`
  /// through `ends[b]`), nil when it had no row there.
  func stream(from a: Int, to b: Int, source: Int) -> StreamTotals? {
    let base = source * RunningField.count
    let (low, high) = (columns.block(a) + base, columns.block(b) + base)
    // Rows first: equal counts mean no row of the source in between.
    guard high[0] != low[0] else { return nil }
    let target = difference.values + base
    for field in 0..<RunningField.count { target[field] = high[field] &- low[field] }
    return difference.stream(source)
  }

  /// The boundary on `day`, if any.
  func boundary(on day: Day) -> Int? {
    ends.firstIndex(of: day)
  }
}

/// The launch's natural sums of one video: its row at or before the launch's last day less
/// its row before the publish day.
///
/// An end on a boundary day is that boundary's row; an end in the chunk of a boundary's column
/// is decoded from that column, a start in its end's chunk from the end's column; any other end
/// from the statement's launch columns (``DecisionStatement``), as ``DecisionSums`` set the
/// days it seeks.
private final class LaunchEnds {
  private let end = RunningTotals()
  private let start = RunningTotals()
  /// The statement's columns of the launch's start and end rows; nil where no video seeks
  /// that end.
  private let startColumn: Int32?
  private let endColumn: Int32?

  init(start: Int32?, end: Int32?) { (startColumn, endColumn) = (start, end) }

  /// Whether two days fall in one chunk of running sums.
  static func sameChunk(_ a: Day, _ b: Day) -> Bool {
    RunningChunk.number(of: Int32(truncatingIfNeeded: a.daysSinceEpoch))
      == RunningChunk.number(of: Int32(truncatingIfNeeded: b.daysSinceEpoch))
  }

  func natural(
    _ handle: OpaquePointer?, ref: Int64, rows: BoundaryRows, from before: Day, through last: Day
  ) throws -> StreamTotals {
    try load(end, handle, column: endColumn, ref: ref, rows: rows, day: last)
    let startColumn = LaunchEnds.sameChunk(before, last) ? endColumn : startColumn
    try load(start, handle, column: startColumn, ref: ref, rows: rows, day: before)
    // Both rows fit in Int64 (a write refuses any total beyond), so the wrapping difference
    // is exact.
    for index in 0..<RunningField.count { end.values[index] &-= start.values[index] }
    return end.stream(0)
  }

  /// Sets `totals` to the video's row at or before `day` (zero when none).
  private func load(
    _ totals: RunningTotals, _ handle: OpaquePointer?, column: Int32?, ref: Int64,
    rows: BoundaryRows, day: Day
  ) throws {
    if let boundary = rows.boundary(on: day) {
      totals.values.update(from: rows.columns.block(boundary), count: RunningTotals.width)
      return
    }
    totals.clear()
    let stored = Int32(truncatingIfNeeded: day.daysSinceEpoch)
    guard let column = rows.columns.column(ofChunkOf: stored).map({ Int32($0 + 1) }) ?? column
    else { return }
    guard
      RunningChunk.accumulate(column: column, of: handle, through: stored, sign: 1, into: totals)
    else { throw RunningSums.damaged(ref) }
  }
}
