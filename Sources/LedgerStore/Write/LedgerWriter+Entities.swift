import Foundation
internal import GRDB

// KOLs, videos, placements, 5A snapshots and promotions: upserts through the rules, with
// their revisions.

extension LedgerWriter {
  // MARK: - Entities

  /// Inserts or updates a KOL, and its follower count for the day when given.
  ///
  /// A KOL given without its `kol_id` is found by its 星图ID or Douyin user id, and created
  /// under `xingtu:ID` (or `uid:UID`) when the write creates missing parents
  /// (docs/decisions.md, "KOLs without a 抖音号"); its quote is written as of `asOf`.
  package func upsert(_ input: KOLInput, at location: SourceLocation) throws {
    let sighting =
      input.kolID.isEmpty
      ? "KOL " + (input.xingtuID.map { "星图ID \($0)" } ?? "达人UID \(input.douyinUID ?? "")")
      : "KOL \(input.kolID)"
    let namedByPlatformID = input.kolID.isEmpty && (input.xingtuID ?? input.douyinUID) != nil
    guard namedByPlatformID || checkKey(input.kolID, column: "kol_id", at: location),
      firstSighting(
        sighting + (input.asOf.map { " as of \($0)" } ?? ""), column: "kol_id", at: location),
      let kolID = try resolveKOL(input, at: location)
    else { return }
    var input = input
    input.kolID = kolID
    let existing = try Row.fetchOne(
      db, sql: "SELECT * FROM kol WHERE kol_id = ?", arguments: [input.kolID])
    var fields: [(String, DatabaseValue)] = []
    if let name = input.name { fields.append(("name", name.databaseValue)) }
    if let category = input.category { fields.append(("category", category.databaseValue)) }
    if let xingtuID = input.xingtuID { fields.append(("xingtu_id", xingtuID.databaseValue)) }
    if let douyinUID = input.douyinUID { fields.append(("douyin_uid", douyinUID.databaseValue)) }
    let outcome = try applyRow(
      table: "kol", key: [("kol_id", input.kolID.databaseValue)], existing: existing,
      fields: fields, revision: RevisionKey(entity: "kol", key: input.kolID))
    record(outcome, kind: .kols)
    try upsertQuote(input, at: location)
    if let followers = input.followers {
      if let violation = LedgerRules.limitViolation(
        column: "followers", value: followers, isMoney: false)
      {
        report(location.problem(violation.column, violation.message))
        return
      }
      let asOf = (input.asOf ?? Day.todayInBeijing()).description
      let key: [(String, DatabaseValue)] = [
        ("kol_id", input.kolID.databaseValue), ("as_of", asOf.databaseValue),
      ]
      let stored = try Row.fetchOne(
        db, sql: "SELECT * FROM kol_followers WHERE kol_id = ? AND as_of = ?",
        arguments: [input.kolID, asOf])
      let outcome = try applyRow(
        table: "kol_followers", key: key, existing: stored,
        fields: [("followers", followers.databaseValue)],
        revision: RevisionKey(entity: "kol", key: input.kolID, date: asOf))
      record(outcome, kind: .followers)
    }
  }

  /// Inserts or updates a video.
  ///
  /// Its brand is created when new; its KOL must exist unless the write creates missing parents.
  package func upsert(_ input: VideoInput, at location: SourceLocation) throws {
    guard checkKey(input.videoID, column: "video_id", at: location),
      firstSighting("video \(input.videoID)", column: "video_id", at: location)
    else { return }
    let existing = try Row.fetchOne(
      db, sql: "SELECT * FROM video WHERE video_id = ?", arguments: [input.videoID])
    var fields: [(String, DatabaseValue)] = []
    if let kolID = input.kolID {
      guard try requireKOL(kolID, at: location) else { return }
      fields.append(("kol_id", kolID.databaseValue))
    }
    if let brand = input.brand {
      guard checkKey(brand, column: "brand", at: location) else { return }
      try ensureBrand(brand)
      fields.append(("brand", brand.databaseValue))
    }
    if let title = input.title { fields.append(("title", title.databaseValue)) }
    if let published = input.published {
      fields.append(("published", published.description.databaseValue))
    }
    if let chain = input.chain { fields.append(("chain", chain.rawValue.databaseValue)) }
    if let product = input.product { fields.append(("product", product.databaseValue)) }
    if let authorized = input.biddingAuthorized {
      fields.append(("bidding_authorized", (authorized ? 1 : 0).databaseValue))
    }
    if let review = input.adReview { fields.append(("ad_review", review.rawValue.databaseValue)) }
    let outcome = try applyRow(
      table: "video", key: [("video_id", input.videoID.databaseValue)], existing: existing,
      fields: fields, revision: RevisionKey(entity: "video", key: input.videoID))
    if outcome == .inserted { videoRefs[input.videoID] = db.lastInsertedRowID }
    // A video's days count for its brand's day totals: a new brand takes them over when the
    // write commits (docs/internals.md, "Running sums").
    if outcome == .updated, let brand = input.brand, let existing,
      let ref = existing["id"] as Int64?, existing["brand"] as String? != brand
    {
      runningDirty.brandChanged(ref, from: existing["brand"])
    }
    record(outcome, kind: .videos)
  }

  /// Inserts or updates a placement, checking the budget and date rules on the merged record
  /// (and, when the write finishes, that no Dou+ and content service overlap on a video).
  package func upsert(_ input: PlacementInput, at location: SourceLocation) throws {
    guard checkKey(input.placementID, column: "placement_id", at: location),
      firstSighting("placement \(input.placementID)", column: "placement_id", at: location)
    else { return }
    let existing = try Row.fetchOne(
      db, sql: "SELECT * FROM placement WHERE placement_id = ?", arguments: [input.placementID])
    var fields: [(String, DatabaseValue)] = []
    let videoRef: Int64
    if let videoID = input.videoID {
      guard let ref = try requireVideo(videoID, at: location) else { return }
      videoRef = ref
      fields.append(("video_ref", ref.databaseValue))
    } else if let stored: Int64 = existing?["video_ref"] {
      videoRef = stored
    } else {
      report(location.problem("video_id", "a new placement needs the video it promotes"))
      return
    }
    let storedTool: String? = existing?["tool"]
    guard let tool = input.tool ?? storedTool.flatMap(Source.init(rawValue:)) else {
      report(location.problem("tool", "a new placement needs its tool"))
      return
    }
    let storedStart: String? = existing?["start"]
    guard let start = input.start ?? storedStart.flatMap({ try? DateTime.parse($0) }) else {
      report(location.problem("start", "a new placement needs its start"))
      return
    }
    let storedEnd: String? = existing?["end"]
    let end = input.end ?? storedEnd.flatMap { try? DateTime.parse($0) }
    let storedBudget: Int64? = existing?["budget"]
    let budget = input.budget ?? storedBudget
    let violations = LedgerRules.placementViolations(
      tool: tool, budget: budget, start: start, end: end)
    guard violations.isEmpty else {
      for violation in violations { report(location.problem(violation.column, violation.message)) }
      return
    }
    if let tool = input.tool { fields.append(("tool", tool.rawValue.databaseValue)) }
    if let mode = input.mode { fields.append(("mode", mode.rawValue.databaseValue)) }
    if let targeting = input.targeting {
      fields.append(("targeting", targeting.rawValue.databaseValue))
    }
    if let strategy = input.strategy {
      fields.append(("strategy", strategy.rawValue.databaseValue))
    }
    if let budget = input.budget { fields.append(("budget", budget.databaseValue)) }
    if let start = input.start { fields.append(("start", start.description.databaseValue)) }
    if let end = input.end { fields.append(("end", end.description.databaseValue)) }
    let outcome = try applyRow(
      table: "placement", key: [("placement_id", input.placementID.databaseValue)],
      existing: existing, fields: fields,
      revision: RevisionKey(entity: "placement", key: input.placementID))
    record(outcome, kind: .placements)
    if tool == .contentService { bookedVideoRefs?.insert(videoRef) }
    if outcome != .unchanged {
      touchedPlacementVideos.insert(videoRef)
      placementLocations[input.placementID] = location
    }
  }

  /// Inserts or updates a brand's 5A snapshot for one day.
  ///
  /// The brand must exist unless the write creates missing parents.
  package func upsert(_ input: AudienceInput, at location: SourceLocation) throws {
    guard checkKey(input.brand, column: "brand", at: location),
      firstSighting(
        "the 5A snapshot of \(input.brand) on \(input.day)", column: "date", at: location)
    else { return }
    let brandExists =
      try Bool.fetchOne(
        db, sql: "SELECT EXISTS (SELECT 1 FROM brand WHERE name = ?)", arguments: [input.brand])
      ?? false
    if !brandExists {
      guard options.createMissing else {
        report(
          location.problem(
            "brand",
            "no brand '\(input.brand)' in the ledger",
            remedy: .createMissing(.brand, key: input.brand)))
        return
      }
      try ensureBrand(input.brand)
    }
    let date = input.day.description
    let existing = try Row.fetchOne(
      db, sql: "SELECT * FROM audience WHERE brand = ? AND date = ?",
      arguments: [input.brand, date])
    var withinLimits = true
    for field in AudienceField.allCases {
      guard let value = input.values[field],
        let violation = LedgerRules.limitViolation(
          column: field.rawValue, value: value, isMoney: false)
      else { continue }
      report(location.problem(violation.column, violation.message))
      withinLimits = false
    }
    guard withinLimits else { return }
    let fields = AudienceField.allCases.compactMap { field in
      input.values[field].map { (field.rawValue, $0.databaseValue) }
    }
    let outcome = try applyRow(
      table: "audience",
      key: [("brand", input.brand.databaseValue), ("date", date.databaseValue)],
      existing: existing, fields: fields,
      revision: RevisionKey(entity: "audience", key: input.brand, date: date),
      stamp: [("batch_id", try currentBatch().databaseValue)])
    record(outcome, kind: .audience)
  }

  /// Inserts or updates a promotion (a sale and its dates).
  package func upsert(_ input: PromotionInput, at location: SourceLocation) throws {
    guard checkKey(input.name, column: "promotion", at: location),
      firstSighting("promotion \(input.name)", column: "promotion", at: location)
    else { return }
    let existing = try Row.fetchOne(
      db, sql: "SELECT * FROM promotion WHERE name = ?", arguments: [input.name])
    let storedStart: String? = existing?["start"]
    let storedEnd: String? = existing?["end"]
    guard let start = input.start ?? storedStart.flatMap({ try? Day.parse($0) }) else {
      report(location.problem("start", "a new promotion needs its start date"))
      return
    }
    guard let end = input.end ?? storedEnd.flatMap({ try? Day.parse($0) }) else {
      report(location.problem("end", "a new promotion needs its end date"))
      return
    }
    var violations = LedgerRules.promotionViolations(start: start, end: end)
    if let price = input.cpmPrice, price <= 0 || price > LedgerRules.maxMoney {
      violations.append(
        LedgerRules.Violation(
          column: "cpm_price",
          message: "a sale's CPM price must be above ¥0 and at most "
            + "\(Money.yuan(LedgerRules.maxMoney)) yuan; leave it empty for cpm_price × "
            + "sale_cpm_factor"))
    }
    guard violations.isEmpty else {
      for violation in violations { report(location.problem(violation.column, violation.message)) }
      return
    }
    var fields: [(String, DatabaseValue)] = []
    if let start = input.start { fields.append(("start", start.description.databaseValue)) }
    if let end = input.end { fields.append(("end", end.description.databaseValue)) }
    if let price = input.cpmPrice { fields.append(("cpm_price", price.databaseValue)) }
    let outcome = try applyRow(
      table: "promotion", key: [("name", input.name.databaseValue)], existing: existing,
      fields: fields, revision: RevisionKey(entity: "promotion", key: input.name))
    record(outcome, kind: .promotions)
  }

  // MARK: - References

  /// True the first time a file of this write gives `what` (an entity's key); a second row
  /// with the same key is a problem naming both lines, never a silent overwrite.
  func firstSighting(_ what: String, column: String, at location: SourceLocation) -> Bool {
    guard location.file != nil else { return true }
    if let first = entityLocations[what] {
      report(
        location.problem(
          column,
          "\(what) is given twice in this import (first on \(FirstSeen(file: first.file, line: first.line).describe(relativeTo: location))); "
            + "keep one row for it"))
      return false
    }
    entityLocations[what] = location
    return true
  }

  func checkKey(_ key: String, column: String, at location: SourceLocation) -> Bool {
    if key.isEmpty {
      report(location.problem(column, "is empty; every row needs its \(column)"))
      return false
    }
    return true
  }

  func ensureBrand(_ name: String) throws {
    try db.execute(
      sql: "INSERT INTO brand (name) VALUES (?) ON CONFLICT DO NOTHING", arguments: [name])
    if db.changesCount > 0 { record(.inserted, kind: .brands) }
  }

  func requireKOL(_ kolID: String, at location: SourceLocation) throws -> Bool {
    guard checkKey(kolID, column: "kol_id", at: location) else { return false }
    let exists =
      try Bool.fetchOne(
        db, sql: "SELECT EXISTS (SELECT 1 FROM kol WHERE kol_id = ?)", arguments: [kolID])
      ?? false
    if exists { return true }
    guard options.createMissing else {
      report(
        location.problem(
          "kol_id",
          "no KOL '\(kolID)' in the ledger", remedy: .createMissing(.kol, key: kolID)))
      return false
    }
    try db.execute(sql: "INSERT INTO kol (kol_id) VALUES (?)", arguments: [kolID])
    record(.inserted, kind: .kols)
    return true
  }

  /// The `video.id` of a video id, creating the video when allowed; nil (and a problem) when
  /// it does not exist.
  func requireVideo(_ videoID: String, at location: SourceLocation) throws -> Int64? {
    guard checkKey(videoID, column: "video_id", at: location) else { return nil }
    if let ref = videoRefs[videoID] { return ref }
    videoLookups += 1
    if !videoRefsLoaded, videoLookups > videoLookupsBeforeLoading {
      try loadVideoRefs()
      if let ref = videoRefs[videoID] { return ref }
    }
    if !videoRefsLoaded,
      let ref = try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT id FROM video WHERE video_id = ?"), arguments: [videoID])
    {
      videoRefs[videoID] = ref
      return ref
    }
    guard options.createMissing else {
      report(
        location.problem(
          "video_id",
          "no video '\(videoID)' in the ledger", remedy: .createMissing(.video, key: videoID)))
      return nil
    }
    try db.execute(sql: "INSERT INTO video (video_id) VALUES (?)", arguments: [videoID])
    let ref = db.lastInsertedRowID
    videoRefs[videoID] = ref
    record(.inserted, kind: .videos)
    return ref
  }

  // MARK: - Rows and revisions

  /// Names the row a revision belongs to.
  struct RevisionKey {
    var entity: String
    var key: String
    var date: String? = nil
    var source: String? = nil
    var placementID: String? = nil
  }

  /// Inserts the row, or updates only the fields whose values changed and records one revision per
  /// changed field.
  ///
  /// `stamp` columns (the last batch) are written with any change but are not revisions. Table and
  /// column names come from this file, never from input.
  func applyRow(
    table: String, key: [(String, DatabaseValue)], existing: Row?,
    fields: [(String, DatabaseValue)], revision: RevisionKey,
    stamp: [(String, DatabaseValue)] = []
  ) throws -> WriteOutcome {
    guard let existing else {
      let columns = key + fields + stamp
      let names = columns.map { "\"\($0.0)\"" }.joined(separator: ", ")
      let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
      try db.cachedStatement(sql: "INSERT INTO \(table) (\(names)) VALUES (\(marks))")
        .execute(arguments: StatementArguments(columns.map(\.1)))
      return .inserted
    }
    let changed = fields.filter { column, value in existing[column] as DatabaseValue != value }
    guard !changed.isEmpty else { return .unchanged }
    let assignments = (changed + stamp).map { "\"\($0.0)\" = ?" }.joined(separator: ", ")
    let condition = key.map { "\"\($0.0)\" = ?" }.joined(separator: " AND ")
    try db.cachedStatement(sql: "UPDATE \(table) SET \(assignments) WHERE \(condition)")
      .execute(arguments: StatementArguments((changed + stamp + key).map(\.1)))
    let batch = try currentBatch()
    let insertRevision = try db.cachedStatement(
      sql: """
        INSERT INTO revision
          (batch_id, entity, entity_key, date, source, placement_id, field, old_value, new_value)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    for (column, value) in changed {
      let old: DatabaseValue = existing[column]
      try insertRevision.execute(arguments: [
        batch, revision.entity, revision.key, revision.date, revision.source,
        revision.placementID, column, old, value,
      ])
    }
    return .updated
  }
}
