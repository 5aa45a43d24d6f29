internal import GRDB
public import LedgerStore

/// The rolling traffic ROI model day by day (`report roi --series`): for each key and each day
/// from `since` to `until`, the model of the window ending that day.
///
/// Each key's daily sums over `since − 2·window + 1 … until` become prefix sums, so any day's
/// window (and the previous window, for the trend) is two lookups and a subtraction, never a
/// re-scan per day. Rows are computed when iterated, never held as row objects.
///
/// Two ways to hold the daily sums, chosen by size: when every key's days fit in 256 MiB and
/// no `--limit` cuts the videos, they come from one scan and stay in memory; beyond that
/// (hundreds of thousands of videos), or when a limit keeps a few videos, the videos are ranked
/// from their running sums (two to four seeks each; with a limit, usually two and no video's
/// facts: ``SeriesTopVideos``), and each kept video's days are read again, one key range per
/// video, while its rows are printed, so memory stays flat whatever the size and `--limit 20`
/// reads the days of 20 videos.
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
      guard let until = try until ?? query.asOf ?? MetricScan.latestDay(db) else { return nil }
      let since = since ?? until.adding(days: -29)
      guard since <= until else { return nil }
      let window = max(query.window, 1)
      let floor = query.floor ?? settings.roiFloor
      let cpm = query.cpm.choice(settings)
      // By video with a limit, the window ending `until` alone ranks when the limit cuts the
      // videos and at least `limit` of them have rows in it: no video's facts are loaded.
      if query.grouping == .video, let limit = query.limit,
        let kept = try SeriesTopVideos.read(
          db, filter: query.filter, until: until, window: window, tool: query.tool,
          sort: query.sort, limit: limit,
          model: {
            TrafficModel(
              current: $0, previous: nil, cpm: cpm, floor: floor,
              declineRatio: settings.declineRatio)
          })
      {
        return ROISeries(
          since: since, until: until, window: window, floor: floor, cpm: cpm,
          declineRatio: settings.declineRatio, tool: query.tool, keys: kept.map(\.key),
          storage: .rescan(ledger: self, refs: kept.map(\.ref)))
      }
      let directory = try VideoDirectory(db, filter: query.filter)
      let groups = Grouper(query.grouping, directory)
      let first = since.adding(days: 1 - 2 * window)
      let stride = (until - first + 1) + 1
      let toolCode = query.tool?.code
      func lastRow(_ current: TrafficSums, _ previous: TrafficSums?, _ group: Int) -> ROIRow? {
        guard current.isListed(tool: query.tool) else { return nil }
        return ROIRow(
          key: groups.key(group), date: until,
          model: TrafficModel(
            current: current, previous: previous, cpm: cpm, floor: floor,
            declineRatio: settings.declineRatio))
      }
      func series(
        _ ranked: some Sequence<(group: Int, row: ROIRow?)>,
        _ storage: (([Int]) -> ROISeries.Storage)
      ) -> ROISeries {
        let kept = SeriesRanking.rank(ranked, sort: query.sort, limit: query.limit, groups: groups)
        return ROISeries(
          since: since, until: until, window: window, floor: floor, cpm: cpm,
          declineRatio: settings.declineRatio, tool: query.tool,
          keys: kept.map { groups.key($0) }, storage: storage(kept))
      }

      let bytes = groups.count * stride * MemoryLayout<TrafficSums>.stride
      let limited = query.limit.map { $0 < groups.count } ?? false
      if query.grouping == .video, bytes > memoryLimit || limited {
        // Rank from the running sums, then re-read each kept video on output. The last window
        // alone could not rank (no limit, or too few videos with rows in it), so this reads
        // also whether each video has rows anywhere in the range.
        let ranking = try SeriesRanking.lastWindows(
          db, groups: groups, since: since, until: until, window: window, filter: query.filter,
          tool: query.tool)
        let ranked = (0..<groups.count).lazy.filter { ranking.listed[$0] }.map {
          (group: $0, row: lastRow(ranking.current[$0], ranking.previous[$0], $0))
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
    _ ranked: some Sequence<(group: Int, row: ROIRow?)>, sort: ROISort, limit: Int?,
    groups: Grouper
  ) -> [Int] {
    func areInOrder(_ a: (group: Int, row: ROIRow?), _ b: (group: Int, row: ROIRow?)) -> Bool {
      switch (a.row, b.row) {
      case (let x?, let y?): return sort.areInOrder(x, y)
      case (nil, .some): return false
      case (.some, nil): return true
      case (nil, nil):
        let day = Day(daysSinceEpoch: 0)
        return ROISort.keyOrder(groups.key(a.group), groups.key(b.group), day, day)
      }
    }
    // With a limit below the number of keys, only the best `limit` keys are kept on the way.
    if let limit, limit < groups.count {
      var best = BestOf<(group: Int, row: ROIRow?)>(limit: limit, by: areInOrder)
      for candidate in ranked { best.insert(candidate) }
      return best.sorted().map(\.group)
    }
    // Every key ranked: each on its sort key (value, key, day), not its whole row (about 600
    // bytes: 224,000 of them at 16× took the series past 256 MiB). The same order as sorting
    // the candidates by `areInOrder`: keys with a row first, each part stable.
    var sortKeys: [ROISort.Key] = []
    var withRow: [Int] = []
    var withoutRow: [Int] = []
    for candidate in ranked {
      if let row = candidate.row {
        sortKeys.append(sort.key(row))
        withRow.append(candidate.group)
      } else {
        withoutRow.append(candidate.group)
      }
    }
    let order = sortKeys.indices.sorted { sort.areInOrder(sortKeys[$0], sortKeys[$1]) }
    let day = Day(daysSinceEpoch: 0)
    withoutRow.sort { ROISort.keyOrder(groups.key($0), groups.key($1), day, day) }
    return order.map { withRow[$0] } + withoutRow
  }

  /// What ranks a by-video series, read from the running sums (four seeks per video, whatever
  /// the range's length; docs/internals.md, "Running sums"): whether each video has rows in
  /// the range's windows (`since − window + 1 … until`), and its sums over the window ending
  /// `until` and over the one before.
  static func lastWindows(
    _ db: Database, groups: Grouper, since: Day, until: Day, window: Int, filter: VideoFilter,
    tool: Source?
  ) throws -> (listed: [Bool], current: [TrafficSums], previous: [TrafficSums]) {
    var listed = [Bool](repeating: false, count: groups.count)
    var current = [TrafficSums](repeating: TrafficSums(), count: groups.count)
    var previous = current
    let rangeEnd = since.adding(days: -window)
    let previousEnd = until.adding(days: -2 * window)
    let currentEnd = until.adding(days: -window)
    let ends = Set([rangeEnd, previousEnd, currentEnd, until]).sorted()
    // Window i runs from the day after ends[i] through ends[i + 1].
    let rangeFrom = ends.firstIndex(of: rangeEnd) ?? 0
    let previousFrom = ends.firstIndex(of: previousEnd) ?? 0
    let currentFrom = ends.firstIndex(of: currentEnd) ?? 0
    let toolCode = tool?.code
    try RunningWindows.read(db, ends: ends, filter: filter) { ref, windows in
      guard let group = groups.group(videoRef: ref, source: 0) else { return }
      var range = TrafficSums()
      for source in 0..<RunningTotals.sources {
        if source != 0, let toolCode, source != toolCode { continue }
        for index in 0..<(ends.count - 1) {
          guard let sums = windows.stream(index, source: source) else { continue }
          if index >= rangeFrom { range.add(sums, source: source) }
          if index >= currentFrom {
            current[group].add(sums, source: source)
          } else if index >= previousFrom {
            previous[group].add(sums, source: source)
          }
        }
      }
      listed[group] = range.isListed(tool: tool)
    }
    return (listed, current, previous)
  }
}
