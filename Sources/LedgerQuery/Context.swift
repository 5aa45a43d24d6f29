internal import GRDB
package import LedgerStore

/// A placement as the shortlist and the advice see it: which tool, on which video, when.
package struct PlacementSpan: Sendable, Equatable {
  package var placementID: String
  package var videoRef: Int64
  package var tool: String
  package var start: DateTime
  /// nil: open-ended.
  package var end: DateTime?

  /// Whether the placement runs at some moment of `from..<to` (half-open, like the ledger's
  /// overlap rule: an order ending at 12:00 does not overlap one starting at 12:00).
  package func overlaps(from: DateTime, to: DateTime) -> Bool {
    start < to && (end.map { $0 > from } ?? true)
  }
}

/// What the shortlist and the advice need besides the metric sums, read once.
struct DecisionContext {
  let directory: VideoDirectory
  let settings: QuerySettings
  private let followers: [String: [(day: Day, count: Int64)]]
  private let placementsByRef: [Int64: [PlacementSpan]]
  /// The promotions, by start, at the sale CPM.
  let sales: [SaleWindow]

  /// Reads the facts of the videos `filter` selects (every video by default): their
  /// directory, their placements and their KOLs' follower counts.
  init(_ db: Database, settings: QuerySettings, filter: VideoFilter = VideoFilter()) throws {
    directory = try VideoDirectory(db, filter: filter, numberingKOLs: true)
    self.settings = settings
    // A filter on a KOL or a video reads only the rows of its videos and KOLs, by index.
    let narrow = filter.kolID != nil || filter.videoID != nil
    var followers: [String: [(day: Day, count: Int64)]] = [:]
    let kols = narrow ? Set(directory.videos.compactMap(\.kolID)).sorted() : nil
    for row in try DecisionContext.rows(
      db, sql: "SELECT kol_id, as_of, followers FROM kol_followers",
      order: "ORDER BY kol_id, as_of", keyedBy: "kol_id", keys: kols)
    {
      // By position: a column looked up by name lowercases its name, per row.
      guard let day = try? Day.parse(row[1] as String) else { continue }
      followers[row[0], default: []].append((day, row[2]))
    }
    self.followers = followers
    var placements: [Int64: [PlacementSpan]] = [:]
    for row in try DecisionContext.rows(
      db, sql: #"SELECT placement_id, video_ref, tool, start, "end" FROM placement"#,
      order: "ORDER BY start, placement_id", keyedBy: "video_ref",
      keys: narrow ? directory.videos.map(\.ref) : nil)
    {
      guard let start = try? DateTime.parse(row[3] as String) else { continue }
      let end = (row[4] as String?).flatMap { try? DateTime.parse($0) }
      placements[row[1], default: []].append(
        PlacementSpan(
          placementID: row[0], videoRef: row[1], tool: row[2], start: start, end: end))
    }
    placementsByRef = placements
    var sales: [SaleWindow] = []
    for row in try Row.fetchAll(
      db, sql: #"SELECT name, start, "end", cpm_price FROM promotion ORDER BY start, name"#)
    {
      guard let start = try? DateTime.parse(row[1] as String).day,
        let end = try? DateTime.parse(row[2] as String).day
      else { continue }
      sales.append(
        SaleWindow(
          name: row[0], start: start, end: end, cpmPrice: row[3] ?? settings.saleCPMPrice))
    }
    self.sales = sales
  }

  /// The rows of `sql` in `order`: every row when `keys` is nil, else those whose `column`
  /// equals one of `keys`, one indexed lookup per key (the rows of each key in `order`, the
  /// keys' rows merged in it by the caller's stable grouping).
  private static func rows(
    _ db: Database, sql: String, order: String, keyedBy column: String,
    keys: [some DatabaseValueConvertible]?
  ) throws -> [Row] {
    guard let keys else { return try Row.fetchAll(db, sql: "\(sql) \(order)") }
    let statement = try db.cachedStatement(sql: "\(sql) WHERE \(column) = ? \(order)")
    var rows: [Row] = []
    for key in keys { rows += try Row.fetchAll(statement, arguments: [key]) }
    return rows
  }

  /// The first promotion (by start) that `day` falls in.
  func sale(on day: Day) -> SaleWindow? {
    sales.first { $0.contains(day) }
  }

  /// The KOL's followers on `day`: the latest count dated on or before it, else the earliest
  /// count known (better than nothing for a KOL first recorded later); nil when never recorded.
  func followers(of kolID: String?, on day: Day) -> Int64? {
    guard let kolID, let history = followers[kolID], let first = history.first else { return nil }
    return history.last(where: { $0.day <= day })?.count ?? first.count
  }

  /// Per KOL number (``VideoDirectory/kols``): its followers on `day`, as
  /// ``followers(of:on:)`` gives them; one lookup per KOL, not one per video.
  func followersByKOL(on day: Day) -> [Int64?] {
    directory.kols.ids.map { followers(of: $0, on: day) }
  }

  /// The placements of a video, by start (then id).
  func placements(of video: VideoFacts) -> [PlacementSpan] {
    placementsByRef[video.ref] ?? []
  }
}

extension Ledger {
  /// The promotion `name` as the rules see it (its days, the sale CPM).
  package func saleWindow(named name: String, settings: QuerySettings) throws(LedgerError)
    -> SaleWindow
  {
    let promotion = try promotion(name)
    guard let start = try? DateTime.parse(promotion.start).day,
      let end = try? DateTime.parse(promotion.end).day
    else {
      throw .invalidData([
        SourceLocation.commandLine.problem(
          "--promotion", "promotion '\(name)' has unreadable dates; correct its start and end")
      ])
    }
    return SaleWindow(
      name: name, start: start, end: end, cpmPrice: promotion.cpmPrice ?? settings.saleCPMPrice)
  }
}
