internal import GRDB
internal import LedgerStore

extension VideoFacts {
  /// The videos of `brand`, by row id: what ``VideoDirectory`` holds of one brand, read
  /// through the `video_by_brand` index instead of the whole table.
  static func ofBrand(_ brand: String, _ db: Database) throws -> [VideoFacts] {
    var videos: [VideoFacts] = []
    let rows = try Row.fetchCursor(
      db,
      sql: """
        SELECT id, video_id, kol_id, brand, title, chain, published, ad_review,
               bidding_authorized
        FROM video WHERE brand = ?1 ORDER BY id
        """,
      arguments: [brand])
    while let row = try rows.next() {
      let published: String? = row["published"]
      videos.append(
        VideoFacts(
          ref: row["id"], videoID: row["video_id"], kolID: row["kol_id"], brand: row["brand"],
          title: row["title"], chain: row["chain"],
          published: published.flatMap { try? DateTime.parse($0) },
          adReview: AdReview(rawValue: row["ad_review"]) ?? .pending,
          biddingAuthorized: row["bidding_authorized"]))
    }
    return videos
  }
}
