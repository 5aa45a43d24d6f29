internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

/// The running sums the decisions read of every video a filter selects, in one statement:
/// the judged window and the one before it, the account weight's 90 days and the launch
/// (docs/internals.md, "Decisions at scale").
///
/// The window's and the weight's boundaries are one sorted set of days, one index seek each
/// per video, where separate reads sought the last day twice. The launch's two ends are taken
/// from the boundary rows when they fall on a boundary day; the other ends are one seek each in
/// the same statement (``DecisionStatement``).
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
    // The launch's ends of each video whose launch is read: a boundary day's row is the
    // boundary's column; any other day is sought in the statement.
    let launchDays = DecisionStatement.LaunchDays(
      refs: launches ? Int(clamping: max((context.directory.videos.last?.ref ?? -1) + 1, 0)) : 0)
    let launchEnd = { (published: Day) in
      min(published.adding(days: settings.launchDays - 1), asOf)
    }
    // A day before the ledger's first has no row: no seek, for the boundaries and the
    // launch's ends alike (``RunningWindows/sought(_:earliest:)``).
    let earliest = try MetricScan.earliestDay(db)
    let bounds = ends.map { RunningWindows.sought($0, earliest: earliest) }
    // Those days come first (the boundaries ascend): the statement seeks only the others.
    let unsought = bounds.prefix(while: { $0 == nil }).count
    let seek = { (day: Day) in
      ends.contains(day)
        ? DecisionStatement.LaunchDays.none
        : RunningWindows.sought(day, earliest: earliest) ?? DecisionStatement.LaunchDays.none
    }
    var seeks = (start: false, end: false)
    // By slot: a copy of each video's facts retains its five strings.
    let videos = context.directory.videos
    for slot in videos.indices where launches {
      guard let published = videos[slot].published?.day, published <= asOf,
        settings.launchDays > 0
      else { continue }
      let (start, end) = (seek(published.adding(days: -1)), seek(launchEnd(published)))
      launchDays.set(ref: videos[slot].ref, start: start, end: end)
      seeks.start = seeks.start || start != DecisionStatement.LaunchDays.none
      seeks.end = seeks.end || end != DecisionStatement.LaunchDays.none
    }
    // The launch's ends some video seeks, each a column after the boundaries'.
    let launchColumns: [Int] = (seeks.start ? [0] : []) + (seeks.end ? [1] : [])
    let sought = ends.count - unsought
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
      let rows = BoundaryRows(ends: ends, unsought: unsought)
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
              + bounds.dropFirst(unsought).map { $0 } + parts.arguments(part)))
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
  /// The decoded row at or before each boundary (zero where none).
  let totals: [RunningTotals]
  /// How many of the first boundaries are before the ledger's first day: no row, no column.
  private let unsought: Int
  /// Scratch for a window's difference.
  private let difference = RunningTotals()
  /// The boundary days, as stored.
  private let days: [Int32]

  init(ends: [Day], unsought: Int) {
    self.ends = ends
    self.unsought = unsought
    totals = ends.map { _ in RunningTotals() }
    days = ends.map { Int32(truncatingIfNeeded: $0.daysSinceEpoch) }
  }

  /// Reads the boundary columns (1…, from the first sought boundary) of the row under `handle`.
  func decode(_ handle: OpaquePointer?, ref: Int64) throws {
    for boundary in unsought..<ends.count {
      let column = Int32(boundary - unsought + 1)
      totals[boundary].clear()
      guard
        RunningChunk.accumulate(
          column: column, of: handle, through: days[boundary], sign: 1, into: totals[boundary])
      else { throw RunningSums.damaged(ref) }
    }
  }

  /// True when no metric row lies between boundaries `a` and `b`.
  func same(_ a: Int, _ b: Int) -> Bool {
    totals[a].rows == totals[b].rows
  }

  /// The totals of `source` between boundaries `a` and `b` (from the day after `ends[a]`
  /// through `ends[b]`), nil when it had no row there.
  func stream(from a: Int, to b: Int, source: Int) -> StreamTotals? {
    let base = source * RunningField.count
    let (low, high) = (totals[a].values + base, totals[b].values + base)
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
/// its row before the publish day, from the boundary rows when an end is a boundary day, else
/// from the statement's launch columns (``DecisionStatement``).
private final class LaunchEnds {
  private let end = RunningTotals()
  private let start = RunningTotals()
  /// The statement's columns of the launch's start and end rows; nil where no video seeks
  /// that end (it is a boundary's row or none).
  private let startColumn: Int32?
  private let endColumn: Int32?

  init(start: Int32?, end: Int32?) { (startColumn, endColumn) = (start, end) }

  func natural(
    _ handle: OpaquePointer?, ref: Int64, rows: BoundaryRows, from before: Day, through last: Day
  ) throws -> StreamTotals {
    try load(end, handle, column: endColumn, ref: ref, rows: rows, day: last)
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
      totals.values.update(from: rows.totals[boundary].values, count: RunningTotals.width)
      return
    }
    totals.clear()
    guard let column else { return }
    guard
      RunningChunk.accumulate(
        column: column, of: handle, through: Int32(truncatingIfNeeded: day.daysSinceEpoch),
        sign: 1, into: totals)
    else { throw RunningSums.damaged(ref) }
  }
}
