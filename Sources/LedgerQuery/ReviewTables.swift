internal import GRDB
internal import LedgerStore

/// The review page's two tables of a brand's videos, from one read of the running sums.
struct ReviewTables {
  /// What `report roi --window W --as-of D` gives the brand's videos, best model first.
  var videos: [ROIRow]
  /// Each video with rows in the page's days (`report roi --window DAYS`): its GMV then.
  var gmv: [(key: String?, gmv: Int64)]
}

extension Ledger {
  /// The rows of `report roi` for `roi` (which names its day) and each video's GMV over the
  /// `days` ending then, from one statement over the running sums: the ends of the page's
  /// days, of the window and of the window before it are one seek each per video (four with the
  /// defaults), where two reports made six (docs/internals.md, "The review page").
  func reviewTables(
    _ directory: VideoDirectory, roi: ROIQuery, asOf: Day, days: Int, settings: QuerySettings
  ) throws(LedgerError) -> ReviewTables {
    try read { db in
      let groups = Grouper(.video, directory)
      let window = max(roi.window, 1)
      let previousEnd = asOf.adding(days: -2 * window)
      let currentEnd = asOf.adding(days: -window)
      let rangeEnd = asOf.adding(days: -max(days, 1))
      let ends = Set([previousEnd, currentEnd, rangeEnd, asOf]).sorted()
      // Window i runs from the day after ends[i] through ends[i + 1].
      let previousFrom = ends.firstIndex(of: previousEnd) ?? 0
      let currentFrom = ends.firstIndex(of: currentEnd) ?? 0
      let rangeFrom = ends.firstIndex(of: rangeEnd) ?? 0
      // One group per video: the halves of a split read fill their own slots.
      let current = SlotTable(repeating: TrafficSums(), count: groups.count)
      let previous = SlotTable(repeating: TrafficSums(), count: groups.count)
      let range = SlotTable(repeating: TrafficSums(), count: groups.count)
      let toolCode = roi.tool?.code
      _ = try RunningWindows.read(db, ends: ends, filter: roi.filter, parts: {}) {
        _, ref, windows in
        for source in 0..<RunningTotals.sources {
          if source != 0, let toolCode, source != toolCode { continue }
          guard let group = groups.group(videoRef: ref, source: source) else { continue }
          for index in 0..<(ends.count - 1) {
            guard let sums = windows.stream(index, source: source) else { continue }
            if index >= rangeFrom { range[group].add(sums, source: source) }
            if index >= currentFrom {
              current[group].add(sums, source: source)
            } else if index >= previousFrom {
              previous[group].add(sums, source: source)
            }
          }
        }
      }
      let cpm = roi.cpm.choice(settings)
      let floor = roi.floor ?? settings.roiFloor
      var videos: [ROIRow] = []
      videos.reserveCapacity((0..<groups.count).count { current[$0].isListed(tool: roi.tool) })
      var gmv: [(key: String?, gmv: Int64)] = []
      for group in 0..<groups.count {
        if current[group].isListed(tool: roi.tool) {
          videos.append(
            ROIRow(
              key: groups.key(group), date: asOf,
              model: TrafficModel(
                current: current[group], previous: previous[group], cpm: cpm, floor: floor,
                declineRatio: settings.declineRatio)))
        }
        if range[group].isListed(tool: roi.tool) {
          gmv.append((groups.key(group), range[group].gmv))
        }
      }
      // In the order `report roi` gives them (ROISort.order).
      videos.permute(to: roi.sort.order(of: videos))
      return ReviewTables(videos: videos, gmv: gmv)
    }
  }
}
