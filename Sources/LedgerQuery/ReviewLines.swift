internal import GRDB
internal import GRDBSQLite
internal import LedgerStore

extension Ledger {
  /// The rolling traffic model of each video of `refs` on each day of `since…until`, with the
  /// windows of `roi` (nil where a day's window has no rows or no model): what `report roi
  /// --series` gives those videos, read from their running rows alone (docs/internals.md,
  /// "Running sums") instead of a series of every video of the brand.
  func rollingModels(
    refs: [Int64], since: Day, until: Day, roi: ROIQuery, settings: QuerySettings
  ) throws(LedgerError) -> [[Fraction?]] {
    let window = max(roi.window, 1)
    let first = since.adding(days: 1 - 2 * window)
    // prefix[i]: the sums of the first i days from `first` (as ROISeries keeps them).
    let stride = (until - first + 1) + 1
    let days = until - since + 1
    let cpm = roi.cpm.choice(settings)
    let floor = roi.floor ?? settings.roiFloor
    let toolCode = roi.tool?.code
    return try read { db in
      let statement = try db.cachedStatement(
        sql: """
          SELECT sums FROM metric_running WHERE video_ref = ?1 AND chunk <= (?2 >> 4)
          ORDER BY chunk
          """)
      let total = RunningTotals()
      let scratch = RunningTotals()
      var check = RunningTotalsCheck()
      var models: [[Fraction?]] = []
      let untilDay = Int32(truncatingIfNeeded: until.daysSinceEpoch)
      for ref in refs {
        var prefix = [TrafficSums](repeating: TrafficSums(), count: stride)
        total.clear()
        var firstChunk = true
        try statement.setArguments([ref, Int64(untilDay)])
        try RunningSums.step(statement, db) { handle in
          // The video's sums before its first chunk, then each day's own totals.
          guard let bytes = RunningCodec.bytes(column: 0, of: handle),
            RunningChunk.forEachDay(
              bytes, through: untilDay, base: firstChunk ? total : nil, scratch: scratch,
              { storedDay, day in
                for value in 0..<RunningTotals.width { total.values[value] &+= day.values[value] }
                let index = Int(storedDay) - Int(first.daysSinceEpoch) + 1
                guard index >= 1 else { return }
                for source in 0..<RunningTotals.sources where day.has(source) {
                  if source != 0, let toolCode, source != toolCode { continue }
                  prefix[index].add(day.stream(source), source: source)
                }
              })
          else { throw RunningSums.damaged(ref) }
          firstChunk = false
        }
        // The video's sums through `until` bound every sum made of its days.
        check.add(total)
        ROISeries.accumulate(&prefix, from: 0, count: stride)
        models.append(
          (0..<max(days, 0)).map { offset in
            let end = offset + 2 * window
            let current = prefix[end].minus(prefix[end - window])
            guard current.isListed(tool: roi.tool) else { return nil }
            return TrafficModel(
              current: current, previous: prefix[end - window].minus(prefix[end - 2 * window]),
              cpm: cpm, floor: floor, declineRatio: settings.declineRatio
            ).roiModel
          })
      }
      try check.check()
      return models
    }
  }
}
