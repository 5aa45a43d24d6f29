internal import GRDB
public import LedgerStore

/// The rolling traffic ROI model day by day (`report roi --series`): for each key and each day
/// from `since` to `until`, the model of the window ending that day.
///
/// Each key's daily sums over `since − 2·window + 1 … until` become prefix sums, so any day's
/// window (and the previous window, for the trend) is two lookups and a subtraction, never a
/// re-scan per day. Rows are computed when iterated, never held as row objects.
///
/// Two ways to hold the daily sums, chosen by size: when every key's days fit in 256 MiB they
/// come from one scan and stay in memory; beyond that (hundreds of thousands of videos) the
/// keys are ranked from one scan of the last windows, and each key's days are read again, one
/// key range per video, while its rows are printed, so memory stays flat whatever the size.
public struct ROISeries: Sendable {
  public var since: Day
  public var until: Day
  public var window: Int
  public var floor: Fraction
  /// The keys printed, in order (ranked by `sort` on their `until` row, then cut to `limit`).
  public var keys: [String?]

  private let storage: Storage
  private let cpm: CPMChoice
  private let declineRatio: Fraction
  private let tool: Source?

  enum Storage: Sendable {
    /// Prefix sums of every group, `stride` entries each; `groups[i]` is the group of key i.
    case memory(prefix: [TrafficSums], groups: [Int], stride: Int)
    /// Read each video's days again (`refs[i]` is the row id of key i's video).
    case rescan(ledger: Ledger, refs: [Int64])
  }

  /// Calls `body` with every row: keys in order, days ascending; a day whose window has no
  /// rows for the key is skipped (like the single-window report, which would not list it).
  public func forEachRow(_ body: (ROIRow) -> Void) throws(LedgerError) {
    let stride = (until - first) + 2
    switch storage {
    case .memory(let prefix, let groups, _):
      for (index, group) in groups.enumerated() {
        prefix.withUnsafeBufferPointer { buffer in
          let slice = UnsafeBufferPointer(rebasing: buffer[group * stride..<(group + 1) * stride])
          emitRows(slice, key: keys[index], body)
        }
      }
    case .rescan(let ledger, let refs):
      // One read transaction for all videos: every row printed comes from one snapshot.
      var prefix = [TrafficSums](repeating: TrafficSums(), count: stride)
      let first = first
      let toolCode = tool?.code
      try ledger.read { db in
        for (index, ref) in refs.enumerated() {
          for position in prefix.indices { prefix[position] = TrafficSums() }
          try MetricScan.scan(db, videoRef: ref, from: first, through: until) { row in
            if row.source != 0, let toolCode, row.source != toolCode { return }
            prefix[Int(row.day - first.daysSinceEpoch) + 1].add(row)
          }
          ROISeries.accumulate(&prefix, from: 0, count: stride)
          prefix.withUnsafeBufferPointer { emitRows($0, key: keys[index], body) }
        }
      }
    }
  }

  /// The first day read: the start of the previous window of `since`.
  private var first: Day { since.adding(days: 1 - 2 * window) }

  /// Emits the rows of one key from its prefix sums.
  private func emitRows(
    _ prefix: UnsafeBufferPointer<TrafficSums>, key: String?, _ body: (ROIRow) -> Void
  ) {
    for offset in 0...(until - since) {
      if let row = row(prefix, key: key, offset: offset) { body(row) }
    }
  }

  /// The row on `since + offset`, nil when its window has no rows.
  private func row(
    _ prefix: UnsafeBufferPointer<TrafficSums>, key: String?, offset: Int
  ) -> ROIRow? {
    // prefix[i] = sums of the first i days from `since − 2·window + 1`.
    let end = offset + 2 * window
    let current = prefix[end].minus(prefix[end - window])
    guard current.isListed(tool: tool) else { return nil }
    let previous = prefix[end - window].minus(prefix[end - 2 * window])
    return ROIRow(
      key: key, date: since.adding(days: offset),
      model: TrafficModel(
        current: current, previous: previous, cpm: cpm, floor: floor,
        declineRatio: declineRatio))
  }

  /// Turns `count` daily sums starting at `base` into running totals.
  static func accumulate(_ prefix: inout [TrafficSums], from base: Int, count: Int) {
    for index in 1..<count {
      let before = prefix[base + index - 1]
      prefix[base + index].add(before)
    }
  }

  init(
    since: Day, until: Day, window: Int, floor: Fraction, cpm: CPMChoice, declineRatio: Fraction,
    tool: Source?, keys: [String?], storage: Storage
  ) {
    self.since = since
    self.until = until
    self.window = window
    self.floor = floor
    self.cpm = cpm
    self.declineRatio = declineRatio
    self.tool = tool
    self.keys = keys
    self.storage = storage
  }
}

extension Ledger {
  /// The rolling model of every key for each day in `since...until` (`report roi --series`,
  /// docs/data-model.md, "report roi"); `query.asOf` stands for `until` when that is nil.
  public func roiSeries(
    _ query: ROIQuery, since: Day?, until: Day?
  ) throws(LedgerError) -> ROISeries? {
    try roiSeries(query, since: since, until: until, memoryLimit: 256 << 20)
  }

  /// `roiSeries` with the memory limit above which a by-video series re-reads each video.
  func roiSeries(
    _ query: ROIQuery, since: Day?, until: Day?, memoryLimit: Int
  ) throws(LedgerError) -> ROISeries? {
    let settings = try querySettings()
    return try read { db in
      let directory = try VideoDirectory(db)
      guard let until = try until ?? query.asOf ?? MetricScan.latestDay(db) else { return nil }
      let since = since ?? until.adding(days: -29)
      guard since <= until else { return nil }
      let window = max(query.window, 1)
      let groups = Grouper(query.grouping, directory)
      let first = since.adding(days: 1 - 2 * window)
      let stride = (until - first + 1) + 1
      let floor = query.floor ?? settings.roiFloor
      let cpm = query.cpm.choice(settings)
      let toolCode = query.tool?.code
      func lastRow(_ current: TrafficSums, _ previous: TrafficSums, _ group: Int) -> ROIRow? {
        guard current.isListed(tool: query.tool) else { return nil }
        return ROIRow(
          key: groups.key(group), date: until,
          model: TrafficModel(
            current: current, previous: previous, cpm: cpm, floor: floor,
            declineRatio: settings.declineRatio))
      }
      func series(_ ranked: [(group: Int, row: ROIRow?)], _ storage: (([Int]) -> ROISeries.Storage))
        -> ROISeries
      {
        let kept = SeriesRanking.rank(ranked, sort: query.sort, limit: query.limit, groups: groups)
        return ROISeries(
          since: since, until: until, window: window, floor: floor, cpm: cpm,
          declineRatio: settings.declineRatio, tool: query.tool,
          keys: kept.map { groups.key($0) }, storage: storage(kept))
      }

      let bytes = groups.count * stride * MemoryLayout<TrafficSums>.stride
      if query.grouping == .video, bytes > memoryLimit {
        // Rank from the last windows and the range's rows, then re-read each video on output.
        let from = min(since.adding(days: 1 - window), until.adding(days: 1 - 2 * window))
        let rangeStart = since.adding(days: 1 - window).daysSinceEpoch
        let currentStart = until.adding(days: 1 - window).daysSinceEpoch
        let previousStart = until.adding(days: 1 - 2 * window).daysSinceEpoch
        var range = [TrafficSums](repeating: TrafficSums(), count: groups.count)
        var current = range
        var previous = range
        try MetricScan.scan(db, from: from, through: until, filter: query.filter) { row in
          if row.source != 0, let toolCode, row.source != toolCode { return }
          guard let group = groups.group(of: row) else { return }
          if row.day >= rangeStart { range[group].add(row) }
          if row.day >= currentStart {
            current[group].add(row)
          } else if row.day >= previousStart {
            previous[group].add(row)
          }
        }
        let ranked = (0..<groups.count).filter { range[$0].isListed(tool: query.tool) }.map {
          (group: $0, row: lastRow(current[$0], previous[$0], $0))
        }
        return series(ranked) { kept in
          .rescan(ledger: self, refs: kept.map { directory.videos[$0].ref })
        }
      }

      var prefix = [TrafficSums](repeating: TrafficSums(), count: groups.count * stride)
      try MetricScan.scan(db, from: first, through: until, filter: query.filter) { row in
        if row.source != 0, let toolCode, row.source != toolCode { return }
        guard let group = groups.group(of: row) else { return }
        prefix[group * stride + Int(row.day - first.daysSinceEpoch) + 1].add(row)
      }
      var ranked: [(group: Int, row: ROIRow?)] = []
      for group in 0..<groups.count {
        ROISeries.accumulate(&prefix, from: group * stride, count: stride)
        // Listed when some day's window in the range has rows: the range's rows from
        // `since − window + 1` to `until`.
        let base = group * stride
        let inRange = prefix[base + stride - 1].minus(prefix[base + window])
        guard inRange.isListed(tool: query.tool) else { continue }
        let last = base + stride - 1
        ranked.append(
          (
            group,
            lastRow(
              prefix[last].minus(prefix[last - window]),
              prefix[last - window].minus(prefix[last - 2 * window]), group)
          ))
      }
      return series(ranked) { kept in .memory(prefix: prefix, groups: kept, stride: stride) }
    }
  }
}

/// Orders a series' keys by their last day's row; keys with no row that day follow, by key.
enum SeriesRanking {
  static func rank(
    _ ranked: [(group: Int, row: ROIRow?)], sort: ROISort, limit: Int?, groups: Grouper
  ) -> [Int] {
    var ranked = ranked
    ranked.sort { a, b in
      switch (a.row, b.row) {
      case (let x?, let y?): return sort.areInOrder(x, y)
      case (nil, .some): return false
      case (.some, nil): return true
      case (nil, nil):
        let day = Day(daysSinceEpoch: 0)
        return ROISort.keyOrder(groups.key(a.group), groups.key(b.group), day, day)
      }
    }
    if let limit, limit < ranked.count { ranked.removeLast(ranked.count - limit) }
    return ranked.map(\.group)
  }
}
