internal import GRDB
public import LedgerStore

/// A video's lifetime numbers from one source; money in fen.
public struct SourceTotals: Sendable, Equatable {
  public var source: String
  public var days: Int
  public var firstDate: String
  public var lastDate: String
  public var impressions: Int64
  public var cost: Int64
  public var gmv: Int64
  public var orders: Int64
  public var likes: Int64
  public var comments: Int64
}

extension Ledger {
  /// Totals of a video's daily numbers per source, natural first (the card of `video show`).
  package func videoTotals(videoID: String) throws(LedgerError) -> [SourceTotals] {
    _ = try video(videoID)
    return try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT s.name AS source, count(DISTINCT m.day) AS days,
                 date(min(m.day) * 86400, 'unixepoch') AS first_date,
                 date(max(m.day) * 86400, 'unixepoch') AS last_date,
                 sum(m.impressions) AS impressions, sum(m.cost) AS cost, sum(m.gmv - m.refund) AS gmv,
                 sum(m.orders) AS orders, sum(m.likes) AS likes, sum(m.comments) AS comments
          FROM metric AS m
          JOIN video AS v ON v.id = m.video_ref
          JOIN source AS s ON s.code = m.source
          WHERE v.video_id = ?
          GROUP BY m.source ORDER BY m.source
          """,
        arguments: [videoID]
      ).map { row in
        SourceTotals(
          source: row["source"], days: row["days"], firstDate: row["first_date"],
          lastDate: row["last_date"], impressions: row["impressions"], cost: row["cost"],
          gmv: row["gmv"], orders: row["orders"], likes: row["likes"], comments: row["comments"])
      }
    }
  }
}

/// Everything `video show` prints about one video.
public struct VideoCard: Sendable {
  public var video: Video
  public var kol: KOL?
  public var advice: Advice
  public var totals: [SourceTotals]
  /// The model over 7 and 30 days ending `advice.asOf`.
  public var week: TrafficModel
  public var month: TrafficModel
  /// The last 14 days ending `advice.asOf`, oldest first: each day's sums.
  public var days: [(day: Day, sums: TrafficSums)]
  public var placements: [Placement]
}

extension Ledger {
  /// The card of `video show ID`: KOL, age, totals, 7/30-day model, last 14 days, placements
  /// and the advice, as of `asOf` (default: the latest day with any metric).
  public func videoCard(videoID: String, asOf: Day? = nil) throws(LedgerError) -> VideoCard {
    let video = try video(videoID)
    var kol: KOL?
    if let id = video.kolID { kol = try self.kol(id) }
    let settings = try querySettings()
    var day = Day.todayInBeijing()
    if let asOf { day = asOf } else if let latest = try latestMetricDay() { day = latest }
    var query = AdviseQuery()
    query.videoID = videoID
    query.asOf = day
    guard let advice = try advise(query).first else {
      throw .notFound(entity: "video", key: videoID)
    }
    let first = day.adding(days: -59)
    var daily = [TrafficSums](repeating: TrafficSums(), count: 60)
    try read { db in
      try MetricScan.scan(db, videoRef: advice.video.ref, from: first, through: day) { row in
        daily[Int(row.day - first.daysSinceEpoch)].add(row)
      }
    }
    func model(_ days: Int) -> TrafficModel {
      var current = TrafficSums()
      var previous = TrafficSums()
      for offset in 0..<days {
        current.add(daily[59 - offset])
        if days * 2 <= 60 { previous.add(daily[59 - days - offset]) }
      }
      return TrafficModel(
        current: current, previous: previous, cpm: .price(fen: settings.cpmPrice),
        floor: settings.roiFloor, declineRatio: settings.declineRatio)
    }
    return VideoCard(
      video: video, kol: kol, advice: advice, totals: try videoTotals(videoID: videoID),
      week: model(7), month: model(30),
      days: (46..<60).map { (first.adding(days: $0), daily[$0]) },
      placements: try placements(ListFilter(videoID: videoID)))
  }
}
