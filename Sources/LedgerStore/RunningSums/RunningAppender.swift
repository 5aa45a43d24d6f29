internal import GRDB
internal import GRDBSQLite

/// Builds the running sums of the metric rows a write inserts in key order after a video's
/// stored days, as they are written, instead of reading them back in the refresh
/// (docs/internals.md, "Writing a file in key order").
///
/// The metric writer hands it each row it inserted without an order id, in the order written.
/// A video's rows in a stretch of that order (a segment: a video's rows of a group merged in key
/// order, or of a file sorted by video) are appended when the segment's first day is past the
/// video's last stored day (its last chunk, read by ``RunningEmitter/lastStored(of:into:)``):
/// each day goes to the video's chunks as the day ends (``RunningEmitter``, or the temporary
/// file of a load in merged groups), and the day's totals go to the day totals and to those of
/// the video's brand. Any other segment (its days at or before a stored one, a video whose
/// brand the write changed) is marked for the refresh from its first day, as a row updated is.
///
/// That leaves the ledger exact: every metric row the write changed is either counted in a day
/// built here on the video's stored running sums, or marked, and the refresh rebuilds a marked
/// video's days from its first marked day, taking from the day totals what the days it
/// replaces (these too) had added.
package final class RunningAppender {
  private let db: Database
  private let dirty: RunningSumsDirty
  /// The changes to the day totals and to each brand's, shared with the refresh.
  let days = DayTotalsDelta()
  let brands = BrandDayDeltas()
  // Touched a row by the writing thread alone: unchecked for exclusivity (a dynamic check at
  // every access of a class's property otherwise).
  @exclusivity(unchecked) private var emitter: RunningEmitter?
  /// The video of the segment being read (`Int64.min`: none; a row id set by hand may be
  /// negative), the day open in it (-1: none), and whether its rows are appended (false: they
  /// are left to the refresh).
  @exclusivity(unchecked) private var ref: Int64 = .min
  @exclusivity(unchecked) private var day: Int32 = -1
  @exclusivity(unchecked) private var appending = false
  @exclusivity(unchecked) private var brandDelta: DayTotalsDelta?
  /// While set, the running rows built are kept there and inserted in key order by
  /// ``finish()`` (``deferRows(directory:byteLimit:)``).
  @exclusivity(unchecked) private var deferred: DeferredRunningRows?
  /// The encoding of the last row the segment kept in `deferred`, and whether it kept one.
  @exclusivity(unchecked) private var encoded: [UInt8] = []
  @exclusivity(unchecked) private var keptInSegment = false
  @exclusivity(unchecked) private var lastKeptDay: Int32 = 0
  /// The video's totals up to the open day (included), and the open day's.
  private let totals = RunningTotals()
  private let dayTotals = RunningTotals()

  init(db: Database, dirty: RunningSumsDirty) {
    self.db = db
    self.dirty = dirty
  }

  /// Counts one inserted metric row (no order id), in the order the rows are written.
  @inline(__always)
  func add(
    _ ref: Int64, _ day: Int32, source: Int, impressions: Int64, cost: Int64, gmv: Int64,
    refund: Int64, orders: Int64, likes: Int64, comments: Int64, shares: Int64, follows: Int64
  ) throws {
    if ref != self.ref {
      try closeDay()
      try start(ref, day)
    } else if day != self.day {
      if day < self.day {
        // Not in key order: the refresh rebuilds the video from this day on (the rows built
        // after it included).
        try closeDay()
        appending = false
      }
      if !appending {
        dirty.mark(ref, day)
        return
      }
      try closeDay()
      self.day = day
    }
    guard appending else {
      dirty.mark(ref, day)
      return
    }
    guard
      totals.add(
        source: source, impressions: impressions, cost: cost, gmv: gmv, refund: refund,
        orders: orders, likes: likes, comments: comments, shares: shares, follows: follows),
      dayTotals.add(
        source: source, impressions: impressions, cost: cost, gmv: gmv, refund: refund,
        orders: orders, likes: likes, comments: comments, shares: shares, follows: follows)
    else { throw try RunningSums.tooLarge(ref, db) }
  }

  /// Keeps the running rows it builds from now on for ``finish()``.
  ///
  /// They go to a temporary file in `directory` and are inserted in key order at the end,
  /// instead of each as it is built: the metric writer calls it when a file is written in
  /// merged groups (docs/internals.md, "Running rows of merged groups written once"). Without
  /// a temporary file, nothing changes.
  ///
  /// `byteLimit` makes writes to the file past that many bytes fail, as on a full disk (tests).
  func deferRows(directory: String, byteLimit: Int? = nil) {
    guard deferred == nil else { return }
    deferred = DeferredRunningRows(directory: directory, byteLimit: byteLimit)
  }

  /// The running rows kept for ``finish()`` and inserted there.
  private(set) var deferredRows = 0

  /// Writes the running row of the day still open, every row kept for a block and every row
  /// deferred: call it before anything reads `metric_running`.
  func finish() throws {
    try closeDay()
    ref = .min
    appending = false
    keptInSegment = false
    if let deferred {
      self.deferred = nil
      var rows = try emitter ?? RunningEmitter(db)
      // The rows kept for a block are of videos and days before any deferred row of theirs.
      try rows.finish()
      deferredRows += try deferred.insert(into: &rows)
      emitter = rows
    }
    try emitter?.finish()
  }

  /// Begins the segment of video `ref`, whose first row is of `day`.
  private func start(_ ref: Int64, _ day: Int32) throws {
    // The segment that ends: its last row kept is where the video's next segment starts from.
    if keptInSegment, let deferred {
      encoded.removeAll(keepingCapacity: true)
      RunningCodec.encode(totals, into: &encoded)
      deferred.noteLast(self.ref, lastKeptDay, encoded)
      keptInSegment = false
    }
    self.ref = ref
    self.day = day
    appending = false
    dayTotals.clear()
    totals.clear()
    // A video whose brand this write changed: its days move brands in the refresh.
    guard dirty.brandsBefore[ref] == nil else {
      dirty.mark(ref, day)
      return
    }
    // Its last row kept for the end of the write, if any, is its last running row.
    let kept = try deferred?.withLast(of: ref) { lastDay, sums -> Bool in
      guard lastDay < day else { return false }
      guard RunningCodec.accumulate(sums, sign: 1, into: totals) else {
        throw RunningSums.damaged(ref)
      }
      return true
    }
    if let kept {
      guard kept else {
        dirty.mark(ref, day)
        return
      }
      brandDelta = try brands.of(videoRef: ref, db)
      appending = true
      return
    }
    // The video's last running sums (its chunk may still be built, or wait in a block: the
    // emitter writes it first).
    if emitter == nil { emitter = try RunningEmitter(db) }
    let lastDay = try emitter?.lastStored(of: ref, into: totals)
    let after = lastDay.map { $0 < day } ?? true
    guard after else {
      dirty.mark(ref, day)
      return
    }
    brandDelta = try brands.of(videoRef: ref, db)
    appending = true
  }

  /// Writes the open day's running row and adds its totals to the day totals.
  private func closeDay() throws {
    guard appending, day >= 0, (0..<RunningTotals.sources).contains(where: dayTotals.has)
    else { return }
    if let deferred {
      // The day's own totals: the chunks take them as they are (the video's running sums
      // through its last day kept, which the next group's days start from and which prove
      // that no total passes Int64, are noted when its segment ends).
      try deferred.keep(ref, day, dayTotals)
      lastKeptDay = day
      keptInSegment = true
    } else {
      if emitter == nil { emitter = try RunningEmitter(db) }
      try emitter?.emit(ref, day, totals)
    }
    days.add(day, dayTotals, sign: 1)
    brandDelta?.add(day, dayTotals, sign: 1)
    dayTotals.clear()
  }
}
