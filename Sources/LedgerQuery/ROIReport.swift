internal import GRDB
internal import GRDBSQLite
public import LedgerStore

/// What a `report roi` row is a total of.
public enum ROIGrouping: String, CaseIterable, Sendable {
  case video, kol, tool, brand, chain
}

/// The reference CPM asked for: the ledger's setting, a given price, or each row's own paid CPM.
public enum CPMOption: Sendable, Equatable {
  case setting
  case price(fen: Int64)
  case observed
}

/// A column `report roi` can sort by (its JSON keys: docs/data-model.md, "report roi").
public enum ROISortField: String, CaseIterable, Sendable {
  case key
  case naturalImpressions = "natural_impressions"
  case naturalGMV = "natural_gmv"
  case naturalGPM = "natural_gpm"
  case roiModel = "roi_model"
  case paidImpressions = "paid_impressions"
  case paidCost = "paid_cost"
  case paidGMV = "paid_gmv"
  case paidCPM = "paid_cpm"
  case paidGPM = "paid_gpm"
  case paidROI = "paid_roi"
  case totalROI = "total_roi"
  case engagementRate = "engagement_rate"
  case commentLikeRatio = "comment_like_ratio"
}

/// A sort order: a field, and the direction.
///
/// Keys default to ascending, numbers to descending. Rows whose value is null always come last; ties are broken by key.
public struct ROISort: Sendable, Equatable {
  public var field: ROISortField
  public var ascending: Bool

  /// Sorts by `field`, ascending when asked, else in the field's natural order.
  public init(field: ROISortField, ascending: Bool? = nil) {
    self.field = field
    self.ascending = ascending ?? (field == .key)
  }

  /// Best traffic ROI model first.
  public static let byModel = ROISort(field: .roiModel)
}

/// The questions `report roi` answers; every field has the default of docs/data-model.md,
/// "report roi".
public struct ROIQuery: Sendable {
  public var grouping: ROIGrouping = .video
  /// Days in the window, ending at `asOf` inclusive.
  public var window: Int = 7
  /// The window's last day; nil: the latest day with any metric.
  public var asOf: Day?
  public var cpm: CPMOption = .setting
  /// The floor for `above_floor`; nil: the `roi_floor` setting.
  public var floor: Fraction?
  public var filter = VideoFilter()
  /// Count only this paid tool (with natural traffic) and list only keys that had it.
  public var tool: Source?
  public var sort = ROISort.byModel
  /// At most this many rows (with `series`: keys).
  public var limit: Int?

  /// The default query: by video, 7 days to the latest day.
  public init() {}
}

/// One row of the report: a key's traffic model over the window ending at `date`.
public struct ROIRow: Sendable, Equatable {
  /// The group value; nil when the videos have none (a video without KOL or brand).
  public var key: String?
  /// The window's last day.
  public var date: Day
  public var model: TrafficModel
}

extension ROIRow {
  /// The row of every group listed with `tool`, in group order, made in place on two cores:
  /// each half of the groups writes its own rows, the second after the first's (a row is
  /// about 600 bytes, 134 MB at 16×, and most of the time making them is the first touch of
  /// that memory; docs/internals.md, "Rows made on two cores").
  fileprivate static func made(
    of groups: Grouper, on day: Day, current: consuming [TrafficSums],
    previous: consuming [TrafficSums], tool: Source?, least: Int,
    model: (TrafficSums, TrafficSums) -> TrafficModel
  ) -> [ROIRow] {
    let (current, previous) = (current, previous)
    let halves = TwoHalves.ranges(count: groups.count, least: least)
    let before = halves.map { $0.count { current[$0].isListed(tool: tool) } }
    return [ROIRow](unsafeUninitializedCapacity: before[0] + before[1]) { buffer, initialized in
      if let base = buffer.baseAddress {
        TwoHalves.run(halves) { half in
          var next = base + (half == 0 ? 0 : before[0])
          for group in halves[half] where current[group].isListed(tool: tool) {
            next.initialize(
              to: ROIRow(
                key: groups.key(group), date: day, model: model(current[group], previous[group])))
            next += 1
          }
        }
      }
      initialized = before[0] + before[1]
    }
  }
}

/// A `report roi` answer: rows and the parameters they were computed with.
public struct ROIReport: Sendable {
  /// The window's last day, nil when the ledger has no metrics.
  public var asOf: Day?
  public var window: Int
  public var floor: Fraction
  public var rows: [ROIRow]
}

extension Ledger {
  /// The traffic ROI model of every key over one window (docs/data-model.md, "report roi";
  /// docs/method.md, "The traffic ROI model").
  public func roiReport(_ query: ROIQuery) throws(LedgerError) -> ROIReport {
    try roiReport(query, splittingFrom: TwoHalves.least)
  }

  /// ``roiReport(_:)`` with its rows made on two threads from `least` groups on (tests make
  /// them so from 1, and on one thread with `Int.max`).
  package func roiReport(_ query: ROIQuery, splittingFrom least: Int) throws(LedgerError)
    -> ROIReport
  {
    let settings = try querySettings()
    return try read { db in
      let groups = try Grouper(db, query.grouping, filter: query.filter)
      let floor = query.floor ?? settings.roiFloor
      guard let asOf = try query.asOf ?? MetricScan.latestDay(db) else {
        return ROIReport(asOf: nil, window: query.window, floor: floor, rows: [])
      }
      let window = max(query.window, 1)
      let (current, previous) = try WindowSums.compute(
        db, groups: groups, asOf: asOf, window: window, filter: query.filter, tool: query.tool)
      let cpm = query.cpm.choice(settings)
      let sort = query.sort
      // With a limit below the number of keys, only the best `limit` rows are kept.
      let limit = query.limit.flatMap { $0 < groups.count ? $0 : nil }
      let model = { (current: TrafficSums, previous: TrafficSums) in
        TrafficModel(
          current: current, previous: previous, cpm: cpm, floor: floor,
          declineRatio: settings.declineRatio)
      }
      var rows: [ROIRow]
      if let limit {
        var best = BestOf<ROIRow>(limit: limit) { sort.areInOrder($0, $1) }
        for group in 0..<groups.count where current[group].isListed(tool: query.tool) {
          best.insert(
            ROIRow(
              key: groups.key(group), date: asOf, model: model(current[group], previous[group])))
        }
        rows = best.sorted()
      } else {
        // The window sums are let go once the rows are made, before they are sorted.
        rows = ROIRow.made(
          of: groups, on: asOf, current: consume current, previous: consume previous,
          tool: query.tool, least: least, model: model)
        rows.permute(to: sort.order(of: rows))
      }
      return ROIReport(asOf: asOf, window: window, floor: floor, rows: rows)
    }
  }
}

/// The sums of every group over a window and over the window of the same length before it.
enum WindowSums {
  /// Read from the running sums: three stored rows per video, whatever the window's length
  /// (docs/internals.md, "Running sums").
  static func compute(
    _ db: Database, groups: Grouper, asOf: Day, window: Int, filter: VideoFilter, tool: Source?
  ) throws -> (current: [TrafficSums], previous: [TrafficSums]) {
    let toolCode = tool?.code
    let ends = [asOf.adding(days: -2 * window), asOf.adding(days: -window), asOf]
    // Each video its own group: the parts of a split read fill their own slots of one table.
    // Groups of several videos are added up per part, then together.
    let shared = groups.isPerVideo
    var current = [TrafficSums](repeating: TrafficSums(), count: groups.count)
    var previous = current
    let parts = try current.withUnsafeMutableBufferPointer { current in
      try previous.withUnsafeMutableBufferPointer { previous in
        let (sharedCurrent, sharedPrevious) = (current, previous)
        return try RunningWindows.read(
          db, ends: ends, filter: filter,
          parts: { () -> (current: [TrafficSums], previous: [TrafficSums]) in
            let sums = [TrafficSums](repeating: TrafficSums(), count: shared ? 0 : groups.count)
            return (sums, sums)
          }
        ) { part, ref, windows in
          for source in 0..<RunningTotals.sources {
            if source != 0, let toolCode, source != toolCode { continue }
            // Most videos have rows of one or two sources: the others cost no group lookup.
            let (currentSums, previousSums) = (
              windows.stream(1, source: source), windows.stream(0, source: source)
            )
            guard currentSums != nil || previousSums != nil,
              let group = groups.group(videoRef: ref, source: source)
            else { continue }
            if let sums = currentSums {
              if shared {
                sharedCurrent[group].add(sums, source: source)
              } else {
                part.current[group].add(sums, source: source)
              }
            }
            if let sums = previousSums {
              if shared {
                sharedPrevious[group].add(sums, source: source)
              } else {
                part.previous[group].add(sums, source: source)
              }
            }
          }
        }
      }
    }
    guard !shared else { return (current, previous) }
    for part in parts {
      for group in 0..<groups.count {
        current[group].add(part.current[group])
        previous[group].add(part.previous[group])
      }
    }
    return (current, previous)
  }
}

extension TrafficSums {
  /// A key appears for a window when it has rows in it (with a tool filter: rows of that tool).
  func isListed(tool: Source?) -> Bool {
    tool == nil ? rows > 0 : paidRows > 0
  }
}

extension CPMOption {
  func choice(_ settings: QuerySettings) -> CPMChoice {
    switch self {
    case .setting: .price(fen: settings.cpmPrice)
    case .price(let fen): .price(fen: fen)
    case .observed: .observed(fallbackFen: settings.cpmPrice)
    }
  }
}

/// Maps a metric row to the index of its group and a group index to its key.
struct Grouper {
  let count: Int
  private let grouping: ROIGrouping
  /// The group of each video row id the report reads.
  private let groupOfRef: SlotsByRef
  private let keys: [String?]

  /// The groups of the directory's videos.
  init(_ grouping: ROIGrouping, _ directory: VideoDirectory) {
    var builder = Builder(
      grouping, lowest: directory.videos.first?.ref ?? 0,
      highest: directory.videos.last?.ref ?? -1, count: directory.videos.count)
    for video in directory.videos {
      let key: String? =
        switch grouping {
        case .video: video.videoID
        case .kol: video.kolID
        case .brand: video.brand
        case .chain: video.chain
        case .tool: nil
        }
      builder.add(ref: video.ref, key: key)
    }
    self.init(builder)
  }

  /// The groups of the videos `filter` selects, reading only each video's row id and the column
  /// it is grouped by: a report that prints no titles or publish times does not load them
  /// (12 % of `report roi`'s instructions at 14,000 videos; docs/benchmarks.md).
  init(_ db: Database, _ grouping: ROIGrouping, filter: VideoFilter) throws {
    let column: String
    switch grouping {
    case .tool:
      self.init(Builder(grouping, lowest: 0, highest: -1, count: 0))
      return
    case .video: column = "v.video_id"
    case .kol: column = "v.kol_id"
    case .brand: column = "v.brand"
    case .chain: column = "v.chain"
    }
    // Read in two halves by row id on two cores (docs/internals.md, "Two cores, one snapshot"),
    // added in row id order.
    let parts = try VideoParts(db, filter: filter)
    let halves = try parts.run(db) { db, part -> [(ref: Int64, key: String?)] in
      let range = VideoParts.sqlTerm(split: parts.isSplit, from: 4)
      // The column is one of four names fixed above, never input.
      let statement = try db.cachedStatement(
        sql: """
          SELECT v.id, \(column) FROM video AS v WHERE \(filter.sqlTerms(from: 1))\(range)
          ORDER BY v.id
          """)
      try statement.setArguments(
        StatementArguments(
          [filter.brand, filter.kolID, filter.videoID] as [(any DatabaseValueConvertible)?]
            + parts.arguments(part)))
      var refs: [(ref: Int64, key: String?)] = []
      try RunningSums.step(statement, db) { handle in
        refs.append((sqlite3_column_int64(handle, 0), VideoDirectory.text(handle, 1)))
      }
      return refs
    }
    var builder = Builder(
      grouping, lowest: halves.first { !$0.isEmpty }?.first?.ref ?? 0,
      highest: halves.last { !$0.isEmpty }?.last?.ref ?? -1,
      count: halves.reduce(0) { $0 + $1.count })
    for half in halves {
      for (ref, key) in half { builder.add(ref: ref, key: key) }
    }
    self.init(builder)
  }

  private init(_ builder: Builder) {
    grouping = builder.grouping
    if grouping == .tool {
      keys = Source.allCases.sorted { $0.code < $1.code }.map(\.rawValue)
      groupOfRef = SlotsByRef(lowest: 0, highest: -1, count: 0)
    } else {
      keys = builder.keys
      groupOfRef = builder.groupOfRef
    }
    count = keys.count
  }

  /// Collects the groups of videos added in the order of their row ids.
  private struct Builder {
    let grouping: ROIGrouping
    var groupOfRef: SlotsByRef
    var keys: [String?] = []
    private var indexOfKey: [String?: Int32] = [:]

    /// Room for `count` videos with row ids `lowest…highest`, added in row id order.
    init(_ grouping: ROIGrouping, lowest: Int64, highest: Int64, count: Int) {
      self.grouping = grouping
      groupOfRef = SlotsByRef(lowest: lowest, highest: highest, count: count)
    }

    /// Adds the video with row id `ref` and group key `key`: each video is its own group, or
    /// videos of one KOL, brand or chain share the group of the first of them.
    mutating func add(ref: Int64, key: String?) {
      let group: Int32
      if grouping == .video {
        group = Int32(keys.count)
        keys.append(key)
      } else if let index = indexOfKey[key] {
        group = index
      } else {
        group = Int32(keys.count)
        indexOfKey[key] = group
        keys.append(key)
      }
      groupOfRef.set(Int(group), ref: ref)
    }
  }

  func group(of row: borrowing MetricRow) -> Int? {
    group(videoRef: row.videoRef, source: row.source)
  }

  /// The group of a video's rows of one source.
  func group(videoRef: Int64, source: Int) -> Int? {
    if grouping == .tool { return source < count ? source : nil }
    return groupOfRef[videoRef]
  }

  func key(_ group: Int) -> String? { keys[group] }

  /// Whether each group is one video's (then no two videos share a group).
  var isPerVideo: Bool { grouping == .video }
}

extension ROISort {
  /// What a row sorts by: the field's value, its key and its date.
  struct Key {
    var value: Fraction?
    var key: String?
    var date: Day
  }

  func key(_ row: ROIRow) -> Key { Key(value: value(row), key: row.key, date: row.date) }

  /// Whether a row with key `a` goes before one with key `b`: by the field (nulls last), then
  /// by key, then by date.
  func areInOrder(_ a: Key, _ b: Key) -> Bool {
    if field == .key {
      if a.key != b.key, let x = a.key, let y = b.key { return ascending ? x < y : x > y }
    } else {
      switch (a.value, b.value) {
      case (let x?, let y?) where x != y: return ascending ? x < y : x > y
      case (nil, .some): return false
      case (.some, nil): return true
      default: break
      }
    }
    return ROISort.keyOrder(a.key, b.key, a.date, b.date)
  }

  /// Whether `a` goes before `b`: by the field (nulls last), then by key, then by date.
  func areInOrder(_ a: ROIRow, _ b: ROIRow) -> Bool { areInOrder(key(a), key(b)) }

  /// The indices of `rows` in this order (`order[i]`: the row that goes i-th), the order of
  /// ``areInOrder(_:_:)-(Key,Key)``, ties kept in `rows`' order.
  ///
  /// The rows with a value are sorted on their values alone, the key and date read only on
  /// ties; the rows without one follow by key and date. Each value is compared through its
  /// nearest Double first, and exactly (``Fraction/compare(_:_:)``) only when the two Doubles
  /// are too close to tell the values apart (``Approximate``): the order is the exact one, at
  /// the cost of a Double comparison for nearly every pair.
  func order(of rows: [ROIRow]) -> [Int] {
    guard field != .key else {
      let keys = rows.map(key)
      return keys.indices.sorted { areInOrder(keys[$0], keys[$1]) }
    }
    var values: [Fraction?] = []
    values.reserveCapacity(rows.count)
    var valued: [(approximate: Double, index: Int)] = []
    var missing: [Int] = []
    valued.reserveCapacity(rows.count)
    for (index, row) in rows.enumerated() {
      let value = value(row)
      values.append(value)
      if let value {
        valued.append((Approximate.value(value), index))
      } else {
        missing.append(index)
      }
    }
    let byKey = { (a: Int, b: Int) -> Bool in
      ROISort.keyOrder(rows[a].key, rows[b].key, rows[a].date, rows[b].date)
    }
    let ascending = ascending
    valued.sort { a, b in
      var order = Approximate.compare(a.approximate, b.approximate)
      if order == 0, let x = values[a.index], let y = values[b.index] {
        order = Fraction.compare(x, y)
      }
      if order != 0 { return ascending ? order < 0 : order > 0 }
      return byKey(a.index, b.index)
    }
    missing.sort(by: byKey)
    return valued.map(\.index) + missing
  }

  /// Keys ascending (a missing key last), then days ascending.
  static func keyOrder(_ a: String?, _ b: String?, _ dayA: Day, _ dayB: Day) -> Bool {
    switch (a, b) {
    case (let x?, let y?) where x != y: return x < y
    case (nil, .some): return false
    case (.some, nil): return true
    default: return dayA < dayB
    }
  }

  private func value(_ row: ROIRow) -> Fraction? {
    let model = row.model
    let sums = model.sums
    return switch field {
    case .key: nil
    case .naturalImpressions: Fraction(sums.naturalImpressions)
    case .naturalGMV: Fraction(sums.naturalGMV)
    case .naturalGPM: model.naturalGPM
    case .roiModel: model.roiModel
    case .paidImpressions: Fraction(sums.paidImpressions)
    case .paidCost: Fraction(sums.paidCost)
    case .paidGMV: Fraction(sums.paidGMV)
    case .paidCPM: model.paidCPM
    case .paidGPM: model.paidGPM
    case .paidROI: model.paidROI
    case .totalROI: model.totalROI
    case .engagementRate: model.engagementRate
    case .commentLikeRatio: model.commentLikeRatio
    }
  }
}

/// A fraction's nearest Double, and when two of them tell the exact order.
///
/// Numerator and denominator (Int128) each become the nearest Double, and so does their
/// quotient: three roundings of at most 2⁻⁵³ of the value each, so the Double is within 2⁻⁵¹
/// of the exact value (relatively). Two Doubles further apart than 2⁻⁴⁸ of the larger one's
/// magnitude are therefore in the exact values' order; closer ones (ties included) say
/// nothing, and the caller compares exactly.
enum Approximate {
  static func value(_ fraction: Fraction) -> Double {
    double(fraction.numerator) / double(fraction.denominator)
  }

  /// The nearest Double: by the processor's conversion when the value fits in 64 bits (report
  /// sums do), where the generic one for 128 bits cost more than the whole sort.
  @inline(__always)
  private static func double(_ value: Int128) -> Double {
    if let small = Int64(exactly: value) { return Double(small) }
    return Double(value)
  }

  /// -1 or 1 when `a` and `b` are far enough apart to order the exact values, else 0.
  @inline(__always)
  static func compare(_ a: Double, _ b: Double) -> Int {
    let gap = a - b
    guard gap.magnitude > 0x1p-48 * max(a.magnitude, b.magnitude) else { return 0 }
    return gap < 0 ? -1 : 1
  }
}
