internal import GRDB
public import LedgerStore

/// The questions the review page answers; every field has the page's default.
///
/// The review is the page an operator sends a brand manager (`aimt report html`): a month of
/// spend and GMV, the rolling model of the brand's best sellers, the 5A picture, the week's best
/// and worst videos, the shortlist of a sale that is near, and where the numbers come from.
public struct ReviewQuery: Sendable {
  /// The brand reviewed.
  public var brand: String
  /// The last day reviewed; nil: the latest day with any metric (as every report).
  public var asOf: Day?
  /// Days of the spend and model charts, ending at `asOf`.
  public var days: Int = 30
  /// Days in each window of the traffic model (the table and the rolling lines).
  public var window: Int = 7
  /// Videos drawn on the rolling-model chart (the brand's largest GMV over `days`).
  public var lines: Int = 5
  /// Videos in each of the best and worst lists.
  public var listed: Int = 5
  /// Natural impressions a video needs in the last window to be in the best and worst lists
  /// (a model from a few hundred plays is noise); it stays in ``ReviewData/videos``.
  public var minImpressions: Int64 = 10_000
  /// A promotion starting at most this many days after `asOf` gets its shortlist.
  public var promotionHorizon: Int = 45
  /// At most this many videos on that shortlist.
  public var shortlistLimit: Int = 10
  /// 5A snapshots dated at most this many days before `asOf` are drawn.
  public var audienceDays: Int = 182

  /// The defaults for `brand`: 30 days of charts, 7-day windows, as of the latest day.
  public init(brand: String, asOf: Day? = nil) {
    self.brand = brand
    self.asOf = asOf
  }
}

/// One day of a brand's money: what was spent and what came back, in fen.
public struct ReviewDay: Sendable, Equatable {
  public var day: Day
  /// Paid spend.
  public var cost: Int64
  /// GMV from every source, natural included.
  public var gmv: Int64
  /// GMV of paid sources only.
  public var paidGMV: Int64
}

/// A video's rolling traffic ROI model over the review's days, one point a day.
public struct ReviewLine: Sendable, Equatable {
  public var video: VideoFacts
  /// GMV (fen, every source) over the review's days: what ranked the video onto the chart.
  public var gmv: Int64
  /// The model of the window ending on each day, `since` first; nil where it is undefined
  /// (no natural impressions in that window).
  public var points: [Fraction?]
}

/// An import batch that wrote some of the numbers the review shows.
public struct ReviewBatch: Sendable, Equatable {
  public var batchID: Int64
  /// `import`, `log`, `add` or `demo`.
  public var command: String
  /// The kind of rows it wrote: `metrics`, `audience` and so on.
  public var kind: String
  public var file: String?
  public var sha256: String?
  public var profile: String?
  public var inserted: Int64
  public var updated: Int64
  public var unchanged: Int64
  /// When the batch was written (UTC, `YYYY-MM-DD HH:MM:SS`).
  public var createdAt: String
  /// Rows the review reads (the brand's metric rows in the days read, its 5A snapshots) whose
  /// latest write was this batch.
  public var rowsUsed: Int64
}

/// A promotion by its days.
public struct ReviewPromotion: Sendable, Equatable {
  public var name: String
  public var start: Day
  public var end: Day
}

/// Everything the review page of one brand shows, gathered from the reports.
///
/// Each part is the answer of the matching report for the same brand and days, so the page
/// agrees with the terminal: ``videos`` is `report roi --brand B --window 7 --as-of D`,
/// ``daily`` is `report spend --by day --brand B`, ``audience`` is `report 5a --brand B`, and
/// ``shortlist`` is `shortlist --promotion P --brand B`. Money is fen; ratios are exact. Each
/// report reads its own snapshot of the ledger, as running them one after another would.
///
/// ## Topics
/// - ``daily``: spend and GMV per day over ``since``…``asOf``.
/// - ``lines``: the rolling model of the largest videos, against ``floor``.
/// - ``audience``: the 5A snapshots.
/// - ``best``, ``worst``: the week's videos by traffic model.
/// - ``promotion``, ``shortlist``: the next sale, when one is near.
/// - ``batches``: the provenance.
public struct ReviewData: Sendable {
  public var brand: String
  /// The last day reviewed; nil when the ledger has no metrics and none was asked for.
  public var asOf: Day?
  /// The first day of the charts (`asOf − days + 1`).
  public var since: Day?
  public var days: Int
  /// Days in each traffic-model window.
  public var window: Int
  /// The `roi_floor` setting.
  public var floor: Fraction
  /// The reference CPM (the `cpm_price` setting), yuan per thousand impressions.
  public var cpmPrice: Fraction
  /// The brand's own model over the last window; nil when it had no rows in it.
  public var brandModel: TrafficModel?
  /// One entry per day of `since…asOf`, days without rows as zeros.
  public var daily: [ReviewDay]
  /// Every video of the brand with rows in the last window, best model first.
  public var videos: [ROIRow]
  /// Natural impressions a video needed in the last window for the best and worst lists.
  public var minImpressions: Int64
  /// Of the videos with a model and enough natural impressions, the first (best first) and
  /// the last ones (worst first); a video is never in both.
  public var best: [ROIRow]
  public var worst: [ROIRow]
  /// The videos of the brand by id, for titles and KOLs.
  public var facts: [String: VideoFacts]
  /// The rolling model of the videos with the largest GMV over the days, largest first.
  public var lines: [ReviewLine]
  /// The 5A snapshots of the brand up to `asOf`, oldest first.
  public var audience: [AudienceRow]
  /// The first promotion starting within the horizon after `asOf`, if any.
  public var promotion: ReviewPromotion?
  /// Its shortlist for the brand.
  public var shortlist: Shortlist?
  /// The import batches the numbers come from, oldest first.
  public var batches: [ReviewBatch]

  /// Sums of the daily entries: paid spend.
  public var totalCost: Int64 { daily.reduce(0) { $0 &+ $1.cost } }
  /// Sums of the daily entries: GMV of every source.
  public var totalGMV: Int64 { daily.reduce(0) { $0 &+ $1.gmv } }
  /// Sums of the daily entries: paid GMV.
  public var totalPaidGMV: Int64 { daily.reduce(0) { $0 &+ $1.paidGMV } }
}

extension Ledger {
  /// The review of `brand` as of `asOf` with the page's defaults (see ``ReviewQuery``).
  ///
  /// Throws ``LedgerError/notFound(entity:key:)`` when the ledger has no such brand.
  public func review(brand: String, asOf: Day? = nil) throws(LedgerError) -> ReviewData {
    try review(ReviewQuery(brand: brand, asOf: asOf))
  }

  /// Gathers the review page of one brand from the reports.
  ///
  /// Throws ``LedgerError/notFound(entity:key:)`` when the ledger has no such brand.
  ///
  /// Every report on the page reads one snapshot of the ledger (one read transaction), so a
  /// page made while an import commits shows one state of the ledger.
  public func review(_ query: ReviewQuery) throws(LedgerError) -> ReviewData {
    try snapshotReading { () throws(LedgerError) in try gatherReview(query) }
  }

  private func gatherReview(_ query: ReviewQuery) throws(LedgerError) -> ReviewData {
    let brand = query.brand
    let settings = try querySettings()
    let (asOf, directory) = try read { db in
      guard
        try Bool.fetchOne(db, sql: "SELECT 1 FROM brand WHERE name = ?", arguments: [brand])
          != nil
      else {
        throw LedgerError.notFound(
          entity: "brand", key: brand,
          known: try String.fetchAll(db, sql: "SELECT name FROM brand ORDER BY name LIMIT 50"))
      }
      // The brand's videos through the `video_by_brand` index, not the whole table.
      let directory = try VideoDirectory(db, filter: VideoFilter(brand: brand))
      return (try query.asOf ?? MetricScan.latestDay(db), directory)
    }
    let facts = directory.videos
    let days = max(query.days, 1)
    let window = max(query.window, 1)
    var data = ReviewData(
      brand: brand, asOf: asOf, since: asOf?.adding(days: 1 - days), days: days, window: window,
      floor: settings.roiFloor,
      cpmPrice: Fraction(Int128(settings.cpmPrice), over: 100)
        ?? Fraction(0),
      brandModel: nil, daily: [], videos: [], minImpressions: query.minImpressions, best: [],
      worst: [],
      facts: Dictionary(facts.map { ($0.videoID, $0) }) { first, _ in first }, lines: [],
      audience: [], promotion: nil, shortlist: nil, batches: [])
    guard let asOf, let since = data.since else {
      data.audience = try audienceReport(brand: brand)
      data.batches = try reviewBatches(brand: brand, from: nil, through: nil)
      return data
    }
    let filter = VideoFilter(brand: brand)

    // Spend and GMV per day (report spend --by day), every day of the range present.
    var spend = SpendQuery()
    spend.since = since
    spend.until = asOf
    spend.filter = filter
    var byDay: [String: SpendRow] = [:]
    for row in try spendReport(spend).rows { if let key = row.key { byDay[key] = row } }
    data.daily = (0..<days).map { offset in
      let day = since.adding(days: offset)
      let row = byDay[day.description] ?? SpendRow()
      return ReviewDay(day: day, cost: row.cost, gmv: row.gmv, paidGMV: row.paidGMV)
    }

    // The week's videos (report roi --brand B --window 7 --as-of D) and the brand's model.
    var roi = ROIQuery()
    roi.asOf = asOf
    roi.window = window
    roi.filter = filter
    // With the GMV over the page's days that ranks the rolling-model lines (report roi
    // --window DAYS), from one read of the running sums.
    let tables = try reviewTables(directory, roi: roi, asOf: asOf, days: days, settings: settings)
    data.videos = tables.videos
    let modelled = data.videos.filter {
      $0.model.roiModel != nil && $0.model.sums.naturalImpressions >= query.minImpressions
    }
    data.best = Array(modelled.prefix(max(query.listed, 0)))
    data.worst = Array(
      modelled.dropFirst(data.best.count).suffix(max(query.listed, 0)).reversed())
    data.brandModel = try brandModel(brand, asOf: asOf, roi: roi, settings: settings)

    // The rolling model of the largest sellers over the whole range.
    let largest = tables.gmv.filter { $0.gmv > 0 }
      .sorted { a, b in a.gmv != b.gmv ? a.gmv > b.gmv : (a.key ?? "") < (b.key ?? "") }
      .prefix(max(query.lines, 0))
    var lines = largest.compactMap { row -> ReviewLine? in
      guard let key = row.key, let video = data.facts[key] else { return nil }
      return ReviewLine(video: video, gmv: row.gmv, points: Array(repeating: nil, count: days))
    }
    // Each line's model on each day (report roi --series of those videos alone).
    let models = try rollingModels(
      refs: lines.map(\.video.ref), since: since, until: asOf, roi: roi, settings: settings)
    for (line, points) in models.enumerated() { lines[line].points = points }
    data.lines = lines

    data.audience = try audienceReport(
      brand: brand, since: asOf.adding(days: -max(query.audienceDays, 0)), until: asOf)

    // The next sale within the horizon, and its shortlist for the brand.
    let horizon = asOf.adding(days: max(query.promotionHorizon, 0))
    let promotions: [ReviewPromotion] = try promotions().compactMap { promotion in
      guard let start = try? DateTime.parse(promotion.start).day,
        let end = try? DateTime.parse(promotion.end).day
      else { return nil }
      return ReviewPromotion(name: promotion.name, start: start, end: end)
    }
    data.promotion =
      promotions.filter { $0.start >= asOf && $0.start <= horizon }
      .min { $0.start != $1.start ? $0.start < $1.start : $0.name < $1.name }
    var firstRead = since.adding(days: 1 - 2 * window)
    if let promotion = data.promotion {
      var shortlist = ShortlistQuery()
      shortlist.promotion = promotion.name
      shortlist.filter = filter
      shortlist.limit = max(query.shortlistLimit, 0)
      let list = try self.shortlist(shortlist)
      data.shortlist = list
      let lookback = list.lookbackEnd - list.lookbackStart + 1
      firstRead = min(firstRead, list.lookbackStart.adding(days: -lookback))
    }
    data.batches = try reviewBatches(brand: brand, from: firstRead, through: asOf)
    return data
  }

  /// The brand's own traffic model over the window of `roi` (what `report roi --by brand`
  /// says of it), from its day totals: a row a day (docs/internals.md, "Running sums").
  func brandModel(_ brand: String, asOf: Day, roi: ROIQuery, settings: QuerySettings)
    throws(LedgerError) -> TrafficModel?
  {
    let window = max(roi.window, 1)
    return try read { db in
      var current = TrafficSums()
      var previous = TrafficSums()
      let currentStart = asOf.adding(days: 1 - window).daysSinceEpoch
      try BrandDayTotals.read(
        db, brand: brand, from: asOf.adding(days: 1 - 2 * window), through: asOf
      ) { day, sums in
        for source in 0..<RunningTotals.sources where sums.has(source) {
          if let tool = roi.tool?.code, source != 0, source != tool { continue }
          if day >= currentStart {
            current.add(sums.stream(source), source: source)
          } else {
            previous.add(sums.stream(source), source: source)
          }
        }
      }
      guard current.isListed(tool: roi.tool) else { return nil }
      return TrafficModel(
        current: current, previous: previous, cpm: roi.cpm.choice(settings),
        floor: roi.floor ?? settings.roiFloor, declineRatio: settings.declineRatio)
    }
  }

  /// The batches that last wrote the brand's metric rows dated `from…through` and its 5A
  /// snapshots up to `through` (nil: every day), with how many of those rows each wrote.
  ///
  /// The metric rows are counted by ``BatchTally`` (one walk of the brand's rows, no sort);
  /// each batch is then looked up by its key (docs/internals.md, "The review page").
  func reviewBatches(brand: String, from: Day?, through: Day?) throws(LedgerError)
    -> [ReviewBatch]
  {
    try read { db in
      // The brand's videos in two halves by row id, on two cores (docs/internals.md, "Two
      // cores, one snapshot"): the walk of their rows is most of the page's time.
      let parts = try VideoParts(db, filter: VideoFilter(brand: brand))
      let tallies = try parts.run(db) { db, part in
        try BatchTally.count(
          db,
          sql: """
            SELECT aimt_batch_tally(m.batch_id)
            FROM video AS v CROSS JOIN metric AS m
              ON m.video_ref = v.id AND m.day BETWEEN ?2 AND ?3
            WHERE v.brand = ?1\(VideoParts.sqlTerm(split: parts.isSplit, from: 4))
            """,
          arguments: StatementArguments(
            [
              brand, Int64(from?.daysSinceEpoch ?? Int32.min),
              Int64(through?.daysSinceEpoch ?? Int32.max),
            ] as [any DatabaseValueConvertible] + parts.arguments(part)))
      }
      var used: [Int64: Int64] = [:]
      for counts in tallies { used.merge(counts, uniquingKeysWith: +) }
      let snapshots = try Row.fetchCursor(
        db,
        sql: """
          SELECT batch_id, count(*) AS n FROM audience
          WHERE brand = ?1 AND date <= ?2
          GROUP BY batch_id
          """,
        arguments: [brand, through?.description ?? "9999-12-31"])
      while let row = try snapshots.next() {
        used[row["batch_id"], default: 0] += row["n"] as Int64
      }
      let statement = try db.cachedStatement(
        sql: """
          SELECT batch_id, command, kind, file, sha256, profile, inserted, updated, unchanged,
                 created_at
          FROM import_batch WHERE batch_id = ?
          """)
      var batches: [ReviewBatch] = []
      for (batch, count) in used where count > 0 {
        guard let row = try Row.fetchOne(statement, arguments: [batch]) else { continue }
        batches.append(
          ReviewBatch(
            batchID: row["batch_id"], command: row["command"], kind: row["kind"],
            file: row["file"], sha256: row["sha256"], profile: row["profile"],
            inserted: row["inserted"], updated: row["updated"], unchanged: row["unchanged"],
            createdAt: row["created_at"], rowsUsed: count))
      }
      // Oldest first, as `ORDER BY created_at, batch_id` (text compared byte by byte).
      return batches.sorted { a, b in
        a.createdAt.utf8.elementsEqual(b.createdAt.utf8)
          ? a.batchID < b.batchID : a.createdAt.utf8.lexicographicallyPrecedes(b.createdAt.utf8)
      }
    }
  }
}
