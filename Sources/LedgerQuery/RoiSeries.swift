internal import GRDB
public import LedgerStore

/// The rolling traffic ROI model day by day (`report roi --series`): for each key and each day
/// from `since` to `until`, the model of the window ending that day.
///
/// Built from one scan of the days `since − 2·window + 1 … until`: each key's daily sums become
/// prefix sums, so any day's window (and the previous window, for the trend) is two lookups and
/// a subtraction, never a re-scan per day. Rows are computed when iterated, so a year of 14k
/// videos is printed without holding a million row objects.
public struct RoiSeries: Sendable {
  public var since: Day
  public var until: Day
  public var window: Int
  public var floor: Fraction
  /// The keys printed, in order (ranked by `sort` on their `until` row, then cut to `limit`).
  public var keys: [String?]

  private var groupOfKey: [Int]
  private let prefix: [TrafficSums]
  private let stride: Int
  private let cpm: CPMChoice
  private let declineRatio: Fraction
  private let tool: Source?

  /// Calls `body` with every row: keys in order, days ascending; a day whose window has no
  /// rows for the key is skipped (like the single-window report, which would not list it).
  public func forEachRow(_ body: (RoiRow) throws -> Void) rethrows {
    let days = until - since + 1
    for (index, group) in groupOfKey.enumerated() {
      for offset in 0..<days {
        if let row = row(group: group, key: keys[index], offset: offset) { try body(row) }
      }
    }
  }

  /// The row of `group` on `since + offset`, nil when its window has no rows.
  private func row(group: Int, key: String?, offset: Int) -> RoiRow? {
    // prefix[base + i] = sums of the first i days from `since − 2·window + 1`.
    let base = group * stride
    let end = offset + 2 * window
    let current = prefix[base + end].minus(prefix[base + end - window])
    guard current.isListed(tool: tool) else { return nil }
    let previous = prefix[base + end - window].minus(prefix[base + end - 2 * window])
    return RoiRow(
      key: key, date: since.adding(days: offset),
      model: TrafficModel(
        current: current, previous: previous, cpm: cpm, floor: floor,
        declineRatio: declineRatio))
  }

  init(
    since: Day, until: Day, window: Int, floor: Fraction, cpm: CPMChoice, declineRatio: Fraction,
    tool: Source?, groups: Grouper, prefix: [TrafficSums], stride: Int, sort: RoiSort,
    limit: Int?
  ) {
    self.since = since
    self.until = until
    self.window = window
    self.floor = floor
    self.cpm = cpm
    self.declineRatio = declineRatio
    self.tool = tool
    self.prefix = prefix
    self.stride = stride
    // Rank the keys by their last day's row; keys with no row that day follow, by key.
    let lastOffset = until - since
    // Rows are computed through `self`, which needs every stored property set: rank with a
    // series holding every group, then keep the ranked ones.
    self.keys = (0..<groups.count).map { groups.key($0) }
    self.groupOfKey = Array(0..<groups.count)
    var ranked: [(group: Int, row: RoiRow?)] = []
    for group in 0..<groups.count {
      let hasRows = (0...lastOffset).contains { offset in
        let end = offset + 2 * window
        return prefix[group * stride + end].minus(prefix[group * stride + end - window])
          .isListed(tool: tool)
      }
      guard hasRows else { continue }
      ranked.append((group, row(group: group, key: groups.key(group), offset: lastOffset)))
    }
    ranked.sort { a, b in
      switch (a.row, b.row) {
      case (let x?, let y?): return sort.areInOrder(x, y)
      case (nil, .some): return false
      case (.some, nil): return true
      case (nil, nil):
        return RoiSort.keyOrder(groups.key(a.group), groups.key(b.group), until, until)
      }
    }
    if let limit, limit < ranked.count { ranked.removeLast(ranked.count - limit) }
    self.groupOfKey = ranked.map(\.group)
    self.keys = ranked.map { groups.key($0.group) }
  }
}

extension Ledger {
  /// The rolling model of every key for each day in `since...until` (SPEC `report roi
  /// --series`); `query.asOf` is ignored in favour of `until`.
  public func roiSeries(
    _ query: RoiQuery, since: Day?, until: Day?
  ) throws(LedgerError) -> RoiSeries? {
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
      var prefix = [TrafficSums](repeating: TrafficSums(), count: groups.count * stride)
      let toolCode = query.tool?.code
      try MetricScan.scan(db, from: first, through: until, filter: query.filter) { row in
        if row.source != 0, let toolCode, row.source != toolCode { return }
        guard let group = groups.group(of: row) else { return }
        prefix[group * stride + Int(row.day - first.daysSinceEpoch) + 1].add(row)
      }
      for group in 0..<groups.count {
        let base = group * stride
        for index in 1..<stride {
          let before = prefix[base + index - 1]
          prefix[base + index].add(before)
        }
      }
      return RoiSeries(
        since: since, until: until, window: window, floor: query.floor ?? settings.roiFloor,
        cpm: query.cpm.choice(settings), declineRatio: settings.declineRatio, tool: query.tool,
        groups: groups, prefix: prefix, stride: stride, sort: query.sort, limit: query.limit)
    }
  }
}
