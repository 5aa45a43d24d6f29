internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

/// The first videos of a by-video series cut by `--limit`.
///
/// They are ranked on the window ending `until` from the running sums alone: one statement per
/// half of the videos (``VideoParts``) walks them and fetches two running rows per video
/// (docs/internals.md, "How the reports read the ledger"). No video's facts are loaded: the ranking reads each video's row id, and
/// its id text only when the video could be kept.
enum SeriesTopVideos {
  /// A video kept: its row id and its key (the video id).
  struct Kept: Equatable {
    var ref: Int64
    var key: String
  }

  /// A video in the running: its sort key (value, key, day) and its row id.
  private struct Candidate {
    var sortKey: ROISort.Key
    var ref: Int64
  }

  /// The statement of the ranking.
  ///
  /// It selects every video `filter` selects, by row id, with its id and its chunks of running
  /// sums at or before those of `until − window` (?4) and `until` (?5). Only the filter's shape varies, never input.
  static func sql(_ filter: VideoFilter, split: Bool = false) -> String {
    func lookup(_ placeholder: Int) -> String {
      """
      (SELECT r.sums FROM metric_running AS r
        WHERE r.video_ref = v.id AND r.chunk <= (?\(placeholder) >> 4)
        ORDER BY r.chunk DESC LIMIT 1)
      """
    }
    let range = VideoParts.sqlTerm(split: split, from: 6)
    return """
      SELECT v.id, v.video_id, \(lookup(4)), \(lookup(5))
      FROM video AS v WHERE \(filter.sqlTerms(from: 1))\(range) ORDER BY v.id
      """
  }

  /// The `limit` videos that go first by `sort` on their window ending `until` (the rows of
  /// `tool` with natural traffic when given), in order; nil when the ranking needs more than
  /// that window: when `limit` is not below the number of videos the filter selects, or when
  /// fewer than `limit` videos have rows in the window.
  ///
  /// A video with no row in the window ranks after every video with one, so when `limit` have
  /// one the first `limit` are among them. `model` makes a window's model (without its trend:
  /// the ranking compares none); a video whose value cannot go before the last video kept so
  /// far is dropped on its value alone.
  static func read(
    _ db: Database, filter: VideoFilter, until: Day, window: Int, tool: Source?, sort: ROISort,
    limit: Int, countAbove: Int = 1_000, model: (TrafficSums) -> TrafficModel
  ) throws -> [Kept]? {
    // A large limit may keep every video: they are counted first (one pass over `video`), so
    // that the seeks of every video are not made in vain.
    if limit > countAbove {
      let count = try Int.fetchOne(
        db, sql: "SELECT count(*) FROM video AS v WHERE \(filter.sqlTerms(from: 1))",
        arguments: [filter.brand, filter.kolID, filter.videoID])
      if limit >= count ?? 0 { return nil }
    }
    let parts = try VideoParts(db, filter: filter)
    let ranked = try parts.run(db) { db, part in
      try rank(
        db, filter: filter, parts: parts, part: part, until: until, window: window, tool: tool,
        sort: sort, limit: limit, model: model)
    }
    var check = RunningTotalsCheck()
    var best = BestOf<Candidate>(limit: limit) { sort.areInOrder($0.sortKey, $1.sortKey) }
    var videos = 0
    var listed = 0
    for part in ranked {
      check.add(part.check)
      videos += part.videos
      listed += part.listed
      for candidate in part.best.sorted() { best.insert(candidate) }
    }
    try check.check()
    guard limit < videos, listed >= limit else { return nil }
    return best.sorted().map { Kept(ref: $0.ref, key: $0.sortKey.key ?? "") }
  }

  /// What one part of the ranking found: its first `limit` videos, how many videos it read and
  /// listed, and the totals that prove no sum wraps.
  private struct Ranked {
    var best: BestOf<Candidate>
    var videos = 0
    var listed = 0
    var check = RunningTotalsCheck()
  }

  /// Ranks the videos of one part of `parts`.
  private static func rank(
    _ db: Database, filter: VideoFilter, parts: VideoParts, part: Int, until: Day, window: Int,
    tool: Source?, sort: ROISort, limit: Int, model: (TrafficSums) -> TrafficModel
  ) throws -> Ranked {
    let statement = try db.cachedStatement(sql: sql(filter, split: parts.isSplit))
    try statement.setArguments(
      StatementArguments(
        [filter.brand, filter.kolID, filter.videoID] as [(any DatabaseValueConvertible)?]
          + [Int64(until.adding(days: -window).daysSinceEpoch), Int64(until.daysSinceEpoch)]
          + parts.arguments(part)))
    let totals = RunningTotals()
    let before = RunningTotals()
    let untilDay = Int32(truncatingIfNeeded: until.daysSinceEpoch)
    let startDay = Int32(truncatingIfNeeded: until.adding(days: -window).daysSinceEpoch)
    var ranked = Ranked(
      best: BestOf<Candidate>(limit: limit) { sort.areInOrder($0.sortKey, $1.sortKey) })
    let toolCode = tool?.code
    try RunningSums.step(statement, db) { handle in
      ranked.videos += 1
      let ref = sqlite3_column_int64(handle, 0)
      totals.clear()
      before.clear()
      guard
        RunningChunk.accumulate(
          column: 3, of: handle, through: untilDay, sign: 1, into: totals),
        RunningChunk.accumulate(
          column: 2, of: handle, through: startDay, sign: 1, into: before)
      else { throw RunningSums.damaged(ref) }
      // No row in the window: the sums at `until` are those before it.
      if totals.rows == before.rows { return }
      // Every video's sums at `until` are added in 128 bits: no sum of a video's sources wraps.
      ranked.check.add(totals)
      for index in 0..<RunningTotals.width { totals.values[index] &-= before.values[index] }
      var current = TrafficSums()
      for source in 0..<RunningTotals.sources where totals.has(source) {
        if source != 0, let toolCode, source != toolCode { continue }
        current.add(totals.stream(source), source: source)
      }
      guard current.isListed(tool: tool) else { return }
      ranked.listed += 1
      var sortKey = sort.key(ROIRow(key: nil, date: until, model: model(current)))
      if let last = ranked.best.lastKept, !sort.mayGoBefore(sortKey.value, last.sortKey) {
        return
      }
      sortKey.key = VideoDirectory.text(handle, 1)
      ranked.best.insert(Candidate(sortKey: sortKey, ref: ref))
    }
    return ranked
  }
}

extension ROISort {
  /// False when a row whose sort value is `value` goes after the row of `other` whatever keys.
  ///
  /// That is when its value is null and the other's is not, or its value is worse. Always true
  /// when sorting by key.
  func mayGoBefore(_ value: Fraction?, _ other: Key) -> Bool {
    guard field != .key else { return true }
    switch (value, other.value) {
    case (nil, .some): return false
    case (let x?, let y?):
      let order = Fraction.compare(x, y)
      return order == 0 || (ascending ? order < 0 : order > 0)
    default: return true
    }
  }
}
