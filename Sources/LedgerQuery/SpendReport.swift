internal import GRDB
public import LedgerStore

/// What a `report spend` row is a total of.
public enum SpendGrouping: String, CaseIterable, Sendable {
  case day, week, month, tool, kol, brand, stage, chain
}

/// The questions `report spend` answers.
public struct SpendQuery: Sendable {
  public var grouping: SpendGrouping = .day
  /// First day; nil: the earliest day with any metric.
  public var since: Day?
  /// Last day; nil: the latest day with any metric.
  public var until: Day?
  public var filter = VideoFilter()
  /// Count only this source.
  public var tool: Source?

  /// Every day, by day.
  public init() {}
}

/// Spend and what came back for one key; money in fen.
public struct SpendRow: Sendable, Equatable {
  /// The group value: a day `2026-05-01`, the Monday of a week, a month `2026-05`, a tool, a
  /// stage (`natural` for unpaid traffic), a KOL, brand or chain (nil when videos have none).
  public var key: String?
  public var impressions: Int64 = 0
  public var cost: Int64 = 0
  /// Net GMV (gross less refunds) from every source, natural included.
  public var gmv: Int64 = 0
  /// The refunds taken off `gmv` (docs/decisions.md, "Refunds and net GMV").
  public var refunds: Int64 = 0
  /// GMV from paid sources only.
  public var paidGMV: Int64 = 0
  public var orders: Int64 = 0

  /// All GMV over cost; nil when nothing was spent.
  public var roi: Fraction? { Fraction(Int128(gmv), over: Int128(cost)) }
  /// Paid GMV over cost; nil when nothing was spent.
  public var paidROI: Fraction? { Fraction(Int128(paidGMV), over: Int128(cost)) }
}

/// A `report spend` answer.
public struct SpendReport: Sendable {
  /// The days covered; nil when the ledger has no metrics.
  public var since: Day?
  public var until: Day?
  public var rows: [SpendRow]
}

extension Ledger {
  /// Spend, GMV and ROI per day, week, month, tool, KOL, brand, AIMT stage or chain.
  ///
  /// docs/data-model.md, "report spend". Days, weeks and months come in calendar order, tools
  /// and stages in funnel order, KOLs, brands and chains by spend (largest first).
  public func spendReport(_ query: SpendQuery) throws(LedgerError) -> SpendReport {
    try read { db in
      // Each video's KOL, brand or chain matters only to groups of videos and to the stages (a
      // KOL's own video); only that column is read, and nothing for a calendar report.
      let videoGroups: Grouper? =
        switch query.grouping {
        case .kol, .stage: try Grouper(db, .kol, filter: VideoFilter())
        case .brand: try Grouper(db, .brand, filter: VideoFilter())
        case .chain: try Grouper(db, .chain, filter: VideoFilter())
        case .day, .week, .month, .tool: nil
        }
      guard let until = try query.until ?? MetricScan.latestDay(db),
        let since = try query.since ?? MetricScan.earliestDay(db)
      else { return SpendReport(since: nil, until: nil, rows: []) }
      let stages = try Dictionary(
        uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT code, stage FROM source").map {
          ($0["code"] as Int, ($0["stage"] as String?) ?? "natural")
        })
      let stageOrder = ["alliance", "influence", "magnify", "trade", "natural"]
      var totals: [Int: SpendRow] = [:]
      let toolCode = query.tool?.code
      let qianchuan = Source.qianchuan.code
      // The group of a video's rows of one source on a day (for days, weeks and months: the
      // day's period).
      func group(day: Int32, source: Int, ref: Int64) -> Int? {
        switch query.grouping {
        case .day: return Int(day)
        case .week: return Int(SpendReport.monday(of: Day(daysSinceEpoch: day)))
        case .month:
          let day = Day(daysSinceEpoch: day)
          return day.year * 12 + day.month - 1
        case .tool: return source
        case .stage:
          // Qianchuan on a KOL's own video heats that video: Influence (docs/method.md).
          let kolVideo =
            source == qianchuan
            && videoGroups.flatMap { groups in
              groups.group(videoRef: ref, source: source).map { groups.key($0) != nil }
            } == true
          let stage = kolVideo ? "influence" : stages[source] ?? "natural"
          return stageOrder.firstIndex(of: stage) ?? 0
        case .kol, .brand, .chain:
          return videoGroups?.group(videoRef: ref, source: source)
        }
      }
      let ends = SpendReport.windowEnds(query.grouping, since: since, until: until)
      if query.grouping.isCalendarOrTool,
        query.filter == VideoFilter(brand: query.filter.brand)
      {
        // Every video, or every video of a brand: the stored totals of each day
        // (docs/internals.md, "Running sums").
        func add(day: Int32, sums: RunningTotals) {
          for source in 0..<RunningTotals.sources where sums.has(source) {
            if let toolCode, source != toolCode { continue }
            guard let key = group(day: day, source: source, ref: -1) else { continue }
            totals[key, default: SpendRow()].add(sums.stream(source), source: source)
          }
        }
        if let brand = query.filter.brand {
          try BrandDayTotals.read(db, brand: brand, from: since, through: until, add)
        } else {
          try DayTotals.read(db, from: since, through: until, add)
        }
      } else if let ends {
        // A few windows: each video's running sums at their ends (docs/internals.md).
        try RunningWindows.read(db, ends: ends, filter: query.filter) { ref, windows in
          for index in 0..<(ends.count - 1) {
            let first = ends[index].daysSinceEpoch + 1
            for source in 0..<RunningTotals.sources {
              if let toolCode, source != toolCode { continue }
              guard let sums = windows.stream(index, source: source),
                let key = group(day: first, source: source, ref: ref)
              else { continue }
              totals[key, default: SpendRow()].add(sums, source: source)
            }
          }
        }
      } else {
        try MetricScan.scan(db, from: since, through: until, filter: query.filter) { row in
          if let toolCode, row.source != toolCode { return }
          guard let key = group(day: row.day, source: row.source, ref: row.videoRef) else {
            return
          }
          totals[key, default: SpendRow()].add(row)
        }
      }
      var rows: [(group: Int, row: SpendRow)] = totals.map { group, row in
        var row = row
        row.key =
          switch query.grouping {
          case .day, .week: Day(daysSinceEpoch: Int32(group)).description
          case .month:
            String(group / 12) + "-" + (group % 12 + 1 < 10 ? "0" : "") + String(group % 12 + 1)
          case .tool: Source(code: group)?.rawValue
          case .stage: stageOrder[group]
          case .kol, .brand, .chain: videoGroups?.key(group)
          }
        return (group, row)
      }
      switch query.grouping {
      case .day, .week, .month, .tool, .stage: rows.sort { $0.group < $1.group }
      case .kol, .brand, .chain:
        rows.sort { a, b in
          if a.row.cost != b.row.cost { return a.row.cost > b.row.cost }
          return ROISort.keyOrder(a.row.key, b.row.key, until, until)
        }
      }
      return SpendReport(since: since, until: until, rows: rows.map(\.row))
    }
  }
}

extension SpendRow {
  mutating func add(_ row: borrowing MetricRow) {
    impressions &+= row.impressions
    cost &+= row.cost
    gmv &+= row.gmv
    refunds &+= row.refund
    if row.source != 0 { paidGMV &+= row.gmv }
    orders &+= row.orders
  }
}

extension SpendGrouping {
  /// Days, weeks, months and tools: groups that depend on no video's fields.
  var isCalendarOrTool: Bool {
    switch self {
    case .day, .week, .month, .tool: true
    case .kol, .brand, .stage, .chain: false
    }
  }
}

extension SpendRow {
  mutating func add(_ sums: StreamTotals, source: Int) {
    impressions &+= sums.impressions
    cost &+= sums.cost
    gmv &+= sums.gmv
    refunds &+= sums.refund
    if source != 0 { paidGMV &+= sums.gmv }
    orders &+= sums.orders
  }
}

extension SpendReport {
  /// The window ends a report reads from the running sums (the day before `since`, then the
  /// last day of each period), or nil when scanning the days costs less: by day, or when the
  /// periods are nearly as many as the days.
  static func windowEnds(_ grouping: SpendGrouping, since: Day, until: Day) -> [Day]? {
    guard since <= until else { return nil }
    var ends = [since.adding(days: -1)]
    switch grouping {
    case .day: return nil
    case .tool, .kol, .brand, .stage, .chain: break
    case .week:
      var end = Day(daysSinceEpoch: monday(of: since) + 6)
      while end < until {
        ends.append(end)
        end = end.adding(days: 7)
      }
    case .month:
      var end = lastOfMonth(since)
      while end < until {
        ends.append(end)
        end = lastOfMonth(end.adding(days: 1))
      }
    }
    ends.append(until)
    // A stored row per end against the rows of every day: worth it below a third.
    return ends.count * 3 <= until - since + 1 || ends.count == 2 ? ends : nil
  }

  /// The last day of `day`'s month.
  static func lastOfMonth(_ day: Day) -> Day {
    // The 28th is in every month; from it, at most four steps reach the next month.
    var next = day.adding(days: 28 - day.day)
    while next.month == day.month { next = next.adding(days: 1) }
    return next.adding(days: -1)
  }

  /// The Monday starting the (ISO) week of `day`, as a day number.
  static func monday(of day: Day) -> Int32 {
    // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
    let weekday = (Int(day.daysSinceEpoch) % 7 + 7 + 3) % 7
    return day.daysSinceEpoch - Int32(weekday)
  }
}
