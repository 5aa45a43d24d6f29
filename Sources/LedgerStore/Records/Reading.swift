internal import GRDB

/// A stored KOL with its latest follower count.
public struct KOL: Sendable, Equatable {
  public var kolID: String
  public var name: String?
  public var category: String?
  /// The latest known follower count and its day.
  public var followers: Int64?
  public var asOf: String?
}

/// A stored video.
public struct Video: Sendable, Equatable {
  public var videoID: String
  public var kolID: String?
  public var brand: String?
  public var title: String?
  public var published: String?
  public var chain: String?
  public var product: String?
  public var biddingAuthorized: Bool
  public var adReview: String
}

/// A stored placement; budget in fen.
public struct Placement: Sendable, Equatable {
  public var placementID: String
  public var videoID: String
  public var tool: String
  public var mode: String?
  public var targeting: String?
  public var strategy: String?
  public var budget: Int64?
  public var start: String
  public var end: String?
}

/// A stored promotion.
public struct Promotion: Sendable, Equatable {
  public var name: String
  public var start: String
  public var end: String
  /// The sale's own CPM price, fen per thousand; nil: `cpm_price` × `sale_cpm_factor`.
  package var cpmPrice: Int64? = nil
}

/// A follower count on one day.
public struct FollowerCount: Sendable, Equatable {
  public var asOf: String
  public var followers: Int64
}

/// One changed value: what it was, what it became, and the write that changed it.
public struct Revision: Sendable, Equatable {
  public var entity: String
  public var date: String?
  public var source: String?
  public var placementID: String?
  public var field: String
  /// The old and new values as stored (money in fen).
  public var old: StoredValue
  public var new: StoredValue
  public var changedAt: String
  public var batchID: Int64
  /// `import`, `log` or `add`.
  public var command: String
  /// The imported file, for an import.
  public var file: String?
}

/// A value as SQLite stored it.
public enum StoredValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case text(String)

  init(_ value: DatabaseValue) {
    switch value.storage {
    case .int64(let int): self = .integer(int)
    case .string(let text): self = .text(text)
    case .double(let double): self = .text(String(double))
    case .blob, .null: self = .null
    }
  }
}

/// Filters for listing videos and placements; nil means any.
public struct ListFilter: Sendable {
  public var brand: String?
  public var kolID: String?
  public var videoID: String?
  public var tool: String?
  public var category: String?

  /// A filter; every field nil matches everything.
  public init(
    brand: String? = nil, kolID: String? = nil, videoID: String? = nil, tool: String? = nil,
    category: String? = nil
  ) {
    self.brand = brand
    self.kolID = kolID
    self.videoID = videoID
    self.tool = tool
    self.category = category
  }
}

/// A brand of the ledger with how much it holds.
public struct BrandSummary: Sendable, Equatable {
  public var name: String
  /// Its videos, and the KOLs who posted them.
  public var videos: Int
  public var kols: Int
  /// Its 5A snapshots.
  public var snapshots: Int
}

extension Ledger {
  /// Every brand, by name, with its videos, KOLs and 5A snapshots (`aimt brand list`).
  public func brands() throws(LedgerError) -> [BrandSummary] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT b.name,
                 (SELECT count(*) FROM video AS v WHERE v.brand = b.name) AS videos,
                 (SELECT count(DISTINCT v.kol_id) FROM video AS v WHERE v.brand = b.name) AS kols,
                 (SELECT count(*) FROM audience AS a WHERE a.brand = b.name) AS snapshots
          FROM brand AS b ORDER BY b.name
          """
      ).map { row in
        BrandSummary(
          name: row["name"], videos: row["videos"], kols: row["kols"],
          snapshots: row["snapshots"])
      }
    }
  }

  /// KOLs, by id, optionally of one category.
  public func kols(_ filter: ListFilter = ListFilter()) throws(LedgerError) -> [KOL] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT * FROM kol_latest WHERE (?1 IS NULL OR category = ?1)
            AND (?2 IS NULL OR kol_id = ?2) ORDER BY kol_id
          """,
        arguments: [filter.category, filter.kolID]
      ).map(KOL.init(row:))
    }
  }

  /// The follower history of a KOL, oldest first.
  public func followerHistory(kolID: String) throws(LedgerError) -> [FollowerCount] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT as_of, followers FROM kol_followers WHERE kol_id = ? ORDER BY as_of",
        arguments: [kolID]
      ).map { FollowerCount(asOf: $0["as_of"], followers: $0["followers"]) }
    }
  }

  /// Videos, by id, optionally of one brand or KOL.
  public func videos(_ filter: ListFilter = ListFilter()) throws(LedgerError) -> [Video] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT * FROM video WHERE (?1 IS NULL OR brand = ?1) AND (?2 IS NULL OR kol_id = ?2)
            AND (?3 IS NULL OR video_id = ?3) ORDER BY video_id
          """,
        arguments: [filter.brand, filter.kolID, filter.videoID]
      ).map(Video.init(row:))
    }
  }

  /// Placements, by start then id, optionally of one video, tool, brand or KOL.
  public func placements(_ filter: ListFilter = ListFilter()) throws(LedgerError) -> [Placement] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p.*, v.video_id FROM placement AS p JOIN video AS v ON v.id = p.video_ref
          WHERE (?1 IS NULL OR v.brand = ?1) AND (?2 IS NULL OR v.kol_id = ?2)
            AND (?3 IS NULL OR v.video_id = ?3) AND (?4 IS NULL OR p.tool = ?4)
          ORDER BY p.start, p.placement_id
          """,
        arguments: [filter.brand, filter.kolID, filter.videoID, filter.tool]
      ).map(Placement.init(row:))
    }
  }

  /// The placement with this order id.
  public func placement(_ id: String) throws(LedgerError) -> Placement {
    let found = try read { db in
      try Row.fetchOne(
        db,
        sql: """
          SELECT p.*, v.video_id FROM placement AS p JOIN video AS v ON v.id = p.video_ref
          WHERE p.placement_id = ?
          """,
        arguments: [id]
      ).map(Placement.init(row:))
    }
    guard let found else { throw .notFound(entity: "placement", key: id) }
    return found
  }

  /// The KOL with this Douyin id.
  public func kol(_ id: String) throws(LedgerError) -> KOL {
    guard let found = try kols(ListFilter(kolID: id)).first else {
      throw .notFound(entity: "KOL", key: id)
    }
    return found
  }

  /// The video with this id.
  public func video(_ id: String) throws(LedgerError) -> Video {
    guard let found = try videos(ListFilter(videoID: id)).first else {
      throw .notFound(entity: "video", key: id)
    }
    return found
  }

  /// Promotions, by start date.
  public func promotions() throws(LedgerError) -> [Promotion] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM promotion ORDER BY start, name").map {
        Promotion(name: $0["name"], start: $0["start"], end: $0["end"], cpmPrice: $0["cpm_price"])
      }
    }
  }

  /// The promotion with this name.
  public func promotion(_ name: String) throws(LedgerError) -> Promotion {
    guard let found = try promotions().first(where: { $0.name == name }) else {
      throw .notFound(entity: "promotion", key: name)
    }
    return found
  }

  /// The revisions of a video's fields and of its daily numbers (optionally of one day),
  /// oldest first.
  public func history(videoID: String, date: Day? = nil) throws(LedgerError) -> [Revision] {
    _ = try video(videoID)
    return try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT r.*, b.created_at, b.command, b.file FROM revision AS r
          JOIN import_batch AS b ON b.batch_id = r.batch_id
          WHERE r.entity IN ('video', 'metric') AND r.entity_key = ?1
            AND (?2 IS NULL OR r.date = ?2)
          ORDER BY r.revision_id
          """,
        arguments: [videoID, date?.description]
      ).map { row in
        Revision(
          entity: row["entity"], date: row["date"], source: row["source"],
          placementID: row["placement_id"], field: row["field"],
          old: StoredValue(row["old_value"]), new: StoredValue(row["new_value"]),
          changedAt: row["created_at"], batchID: row["batch_id"], command: row["command"],
          file: row["file"])
      }
    }
  }
}

extension Ledger {
  /// True when everything in the ledger was written by `command` (the demo): it has batches of
  /// that command, none of another, and no setting changed by hand.
  ///
  /// `aimt demo` replaces such a ledger and refuses any other, so a user's own imports, entries
  /// and settings are never lost.
  package func isOnlyWritten(byCommand command: String) throws(LedgerError) -> Bool {
    try read { db in
      try Bool.fetchOne(
        db,
        sql: """
          SELECT EXISTS (SELECT 1 FROM import_batch WHERE command = ?1)
             AND NOT EXISTS (SELECT 1 FROM import_batch WHERE command <> ?1)
             AND NOT EXISTS (SELECT 1 FROM setting)
          """,
        arguments: [command]) ?? false
    }
  }
}

extension KOL {
  init(row: Row) {
    self.init(
      kolID: row["kol_id"], name: row["name"], category: row["category"],
      followers: row["followers"], asOf: row["as_of"])
  }
}

extension Video {
  init(row: Row) {
    self.init(
      videoID: row["video_id"], kolID: row["kol_id"], brand: row["brand"], title: row["title"],
      published: row["published"], chain: row["chain"], product: row["product"],
      biddingAuthorized: row["bidding_authorized"], adReview: row["ad_review"])
  }
}

extension Placement {
  init(row: Row) {
    self.init(
      placementID: row["placement_id"], videoID: row["video_id"], tool: row["tool"],
      mode: row["mode"], targeting: row["targeting"], strategy: row["strategy"],
      budget: row["budget"], start: row["start"], end: row["end"])
  }
}
