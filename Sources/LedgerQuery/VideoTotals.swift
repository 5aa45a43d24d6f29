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
  public func videoTotals(videoID: String) throws(LedgerError) -> [SourceTotals] {
    _ = try video(videoID)
    return try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT s.name AS source, count(DISTINCT m.day) AS days,
                 date(min(m.day) * 86400, 'unixepoch') AS first_date,
                 date(max(m.day) * 86400, 'unixepoch') AS last_date,
                 sum(m.impressions) AS impressions, sum(m.cost) AS cost, sum(m.gmv) AS gmv,
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
