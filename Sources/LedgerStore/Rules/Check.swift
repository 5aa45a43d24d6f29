internal import GRDB

/// One thing `aimt check` found wrong with a stored ledger.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
  /// `integrity`, `foreign_key` or the rule's table (`placement`, `metric`, `promotion`).
  public var subject: String
  /// What is wrong, naming the row.
  public var message: String
  /// The fix the ledger suggests, if any (``Remedy``).
  public var remedy: Remedy?

  /// A finding about `subject`, with the fix the ledger suggests, if any.
  public init(subject: String, message: String, remedy: Remedy? = nil) {
    self.subject = subject
    self.message = message
    self.remedy = remedy
  }

  /// `subject: message; remedy`, the remedy in words for any program.
  public var description: String { described(remedy: remedy?.description) }

  /// The finding with `remedy` (its words) after the message.
  package func described(remedy: String?) -> String {
    "\(subject): \(message)" + (remedy.map { "; \($0)" } ?? "")
  }
}

extension Ledger {
  /// Verifies the whole ledger: SQLite's integrity check, the foreign keys, and every ledger rule
  /// over the stored data; with `deep`, also what can be recomputed from the raw rows.
  ///
  /// Empty when all is well. `deep` replays each field's revision history (every old value is
  /// the value the revision before it wrote, and the last value written is the stored one, so
  /// a change made outside aimt or a lost write shows) and compiles every view.
  public func check(deep: Bool = false) throws(LedgerError) -> [CheckFinding] {
    try read { db in
      var findings = try Ledger.ruleFindings(db)
      if deep { findings += try Ledger.deepFindings(db) }
      return findings
    }
  }

  /// The number columns of the tables that are not STRICT.
  ///
  /// The tables of money and counts are STRICT since 0003_strict_numbers, so SQLite itself
  /// refuses text there. Names from this file, never from data.
  static let integerColumnsOfLooseTables: [(String, String)] = [
    ("video", "bidding_authorized"), ("import_batch", "inserted"), ("import_batch", "updated"),
    ("import_batch", "unchanged"), ("source", "paid"),
  ]

  /// SQLite's integrity, the references and the ledger rules.
  private static func ruleFindings(_ db: Database) throws -> [CheckFinding] {
    var findings: [CheckFinding] = []
    for message in try String.fetchAll(db, sql: "PRAGMA integrity_check") where message != "ok" {
      findings.append(CheckFinding(subject: "integrity", message: message))
    }
    for violation in try Array(db.foreignKeyViolations()) {
      let row = violation.originRowID.map { " (row \($0))" } ?? ""
      findings.append(
        CheckFinding(
          subject: "foreign_key",
          message: "a row of \(violation.originTable)\(row) names a missing "
            + "\(violation.destinationTable)"))
    }
    // The fact table's references are checked here rather than by FOREIGN KEY clauses.
    let orphans = try Row.fetchOne(
      db,
      sql: """
        SELECT
          (SELECT count(*) FROM metric WHERE video_ref NOT IN (SELECT id FROM video)) AS video,
          (SELECT count(*) FROM metric WHERE source NOT IN (SELECT code FROM source)) AS source,
          (SELECT count(*) FROM metric
            WHERE batch_id NOT IN (SELECT batch_id FROM import_batch)) AS batch
        """)
    for (column, parent) in [("video", "video"), ("source", "source"), ("batch", "import_batch")] {
      let count: Int = orphans?[column] ?? 0
      if count > 0 {
        findings.append(
          CheckFinding(
            subject: "foreign_key",
            message: "\(count) metric rows name a missing \(parent)"))
      }
    }
    let placements = try Row.fetchAll(
      db,
      sql: """
        SELECT placement_id, tool, budget, start, "end" FROM placement ORDER BY placement_id
        """)
    for row in placements {
      let id: String = row["placement_id"]
      let toolName: String = row["tool"]
      let startText: String = row["start"]
      let endText: String? = row["end"]
      guard let tool = Source(rawValue: toolName), let start = try? DateTime.parse(startText)
      else {
        findings.append(
          CheckFinding(
            subject: "placement", message: "\(id): unreadable tool or start '\(startText)'"))
        continue
      }
      let end = endText.flatMap { try? DateTime.parse($0) }
      for violation in LedgerRules.placementViolations(
        tool: tool, budget: row["budget"], start: start, end: end)
      {
        findings.append(
          CheckFinding(subject: "placement", message: "\(id): \(violation.message)"))
      }
    }
    for row in try Row.fetchAll(db, sql: LedgerRules.overlapSQL, arguments: [nil as String?]) {
      findings.append(
        CheckFinding(
          subject: "placement",
          message: LedgerRules.overlapMessage(
            douPlus: row["dou_plus"], contentService: row["content_service"],
            video: row["video_id"])))
    }
    for row in try Row.fetchAll(
      db, sql: LedgerRules.douPlusInBookingSQL, arguments: [nil as String?, nil as String?])
    {
      findings.append(
        CheckFinding(
          subject: "metric",
          message: LedgerRules.douPlusInBookingMessage(
            video: row["video_id"], day: Day(daysSinceEpoch: row["day"]),
            order: row["placement_id"], booking: row["booking"], start: row["start"],
            end: row["end"])))
    }
    for (table, column) in Ledger.integerColumnsOfLooseTables {
      let count =
        try Int.fetchOne(
          db,
          sql: "SELECT count(*) FROM \(table) WHERE typeof(\(column)) NOT IN ('integer', 'null')")
        ?? 0
      if count > 0 {
        findings.append(
          CheckFinding(
            subject: table,
            message: "\(count) rows hold a value in \(column) that is not a whole number; "
              + "correct them (aimt writes only whole numbers there)"))
      }
    }
    for row in try Row.fetchAll(
      db, sql: "SELECT name, start, \"end\" FROM promotion ORDER BY name")
    {
      let name: String = row["name"]
      guard let start = try? Day.parse(row["start"] as String),
        let end = try? Day.parse(row["end"] as String)
      else {
        findings.append(CheckFinding(subject: "promotion", message: "\(name): unreadable dates"))
        continue
      }
      for violation in LedgerRules.promotionViolations(start: start, end: end) {
        findings.append(
          CheckFinding(subject: "promotion", message: "\(name): \(violation.message)"))
      }
    }
    let naturalWithCost = try Row.fetchAll(
      db,
      sql: """
        SELECT v.video_id, m.day, m.cost FROM metric AS m JOIN video AS v ON v.id = m.video_ref
        WHERE m.source = 0 AND m.cost <> 0 ORDER BY v.video_id, m.day LIMIT 1000
        """)
    for row in naturalWithCost {
      let day = Day(daysSinceEpoch: row["day"])
      for violation in LedgerRules.metricViolations(source: .natural, cost: row["cost"]) {
        findings.append(
          CheckFinding(
            subject: "metric",
            message: "\(row["video_id"] as String) \(day) natural: \(violation.message)"))
      }
    }
    return findings
  }

  /// What `check --deep` recomputes: the revision chains and the views.
  private static func deepFindings(_ db: Database) throws -> [CheckFinding] {
    var findings: [CheckFinding] = []
    // Each revision's old value is what the one before it (same row and field) wrote.
    let breaks = try Row.fetchAll(
      db,
      sql: """
        SELECT entity, entity_key, date, source, placement_id, field, revision_id, old_value,
               before
        FROM (SELECT *, LAG(new_value) OVER (
                PARTITION BY entity, entity_key, date, source, placement_id, field
                ORDER BY revision_id) AS before,
              LAG(revision_id) OVER (
                PARTITION BY entity, entity_key, date, source, placement_id, field
                ORDER BY revision_id) AS before_id
              FROM revision)
        WHERE before_id IS NOT NULL AND old_value IS NOT before
        ORDER BY revision_id LIMIT 1000
        """)
    for row in breaks {
      findings.append(
        CheckFinding(
          subject: "revision",
          message: "\(Ledger.revisionSubject(row)): revision \(row["revision_id"] as Int64) "
            + "starts from \(row["old_value"] as DatabaseValue), but the one before it wrote "
            + "\(row["before"] as DatabaseValue); the history was edited outside aimt"))
    }
    // The last value each metric field's history wrote is the stored one. The field names come
    // from MetricField, never from the data.
    let stored = MetricField.allCases.map { "WHEN '\($0.rawValue)' THEN m.\($0.rawValue)" }
      .joined(separator: " ")
    let drifted = try Row.fetchAll(
      db,
      sql: """
        SELECT r.entity, r.entity_key, r.date, r.source, r.placement_id, r.field, r.new_value,
               CASE r.field \(stored) END AS now
        FROM (SELECT *, ROW_NUMBER() OVER (
                PARTITION BY entity_key, date, source, placement_id, field
                ORDER BY revision_id DESC) AS latest
              FROM revision WHERE entity = 'metric') AS r
        JOIN video AS v ON v.video_id = r.entity_key
        JOIN source AS s ON s.name = r.source
        JOIN metric AS m ON m.video_ref = v.id AND m.source = s.code
          AND m.day = CAST(unixepoch(r.date) / 86400 AS INTEGER)
          AND m.placement_id IS r.placement_id
        WHERE r.latest = 1 AND r.new_value IS NOT CASE r.field \(stored) END
        LIMIT 1000
        """)
    for row in drifted {
      findings.append(
        CheckFinding(
          subject: "metric",
          message: "\(Ledger.revisionSubject(row)): stored \(row["now"] as DatabaseValue), "
            + "but its last recorded change wrote \(row["new_value"] as DatabaseValue); "
            + "it was changed outside aimt"))
    }
    findings += try Ledger.snapshotDrift(db)
    findings += try Ledger.schemaFindings(db)
    findings += try Ledger.runningSumsFindings(db)
    // Every view still compiles against the tables (a view naming a dropped column fails).
    let views = try String.fetchAll(
      db, sql: "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")
    for view in views {
      do {
        _ = try db.makeStatement(sql: "SELECT * FROM \(view.quotedDatabaseIdentifier) LIMIT 0")
      } catch {
        findings.append(CheckFinding(subject: "view", message: "\(view) no longer compiles"))
      }
    }
    return findings
  }

  /// The 5A snapshots (layers, 新增/流失) and 星图 quotes changed outside aimt.
  ///
  /// Their last recorded change is not the stored value. Table and column names come from this file and
  /// from AudienceField and KOLQuoteField, never from the data.
  private static func snapshotDrift(_ db: Database) throws -> [CheckFinding] {
    let tables: [(entity: String, table: String, key: String, date: String, fields: [String])] = [
      ("audience", "audience", "brand", "date", AudienceField.allCases.map(\.rawValue)),
      ("kol_quote", "kol_quote", "kol_id", "as_of", KOLQuoteField.allCases.map(\.rawValue)),
    ]
    var findings: [CheckFinding] = []
    for item in tables {
      let stored = item.fields.map { "WHEN '\($0)' THEN t.\($0)" }.joined(separator: " ")
      let drifted = try Row.fetchAll(
        db,
        sql: """
          SELECT r.entity, r.entity_key, r.date, r.source, r.placement_id, r.field, r.new_value,
                 CASE r.field \(stored) END AS now
          FROM (SELECT *, ROW_NUMBER() OVER (
                  PARTITION BY entity_key, date, field ORDER BY revision_id DESC) AS latest
                FROM revision WHERE entity = '\(item.entity)') AS r
          JOIN \(item.table) AS t ON t.\(item.key) = r.entity_key AND t.\(item.date) = r.date
          WHERE r.latest = 1 AND r.new_value IS NOT CASE r.field \(stored) END
          LIMIT 1000
          """)
      for row in drifted {
        findings.append(
          CheckFinding(
            subject: item.table,
            message: "\(Ledger.revisionSubject(row)): stored \(row["now"] as DatabaseValue), "
              + "but its last recorded change wrote \(row["new_value"] as DatabaseValue); "
              + "it was changed outside aimt"))
      }
    }
    return findings
  }

  /// "metric v1 2026-05-01 natural gmv": what a revision row is about.
  private static func revisionSubject(_ row: Row) -> String {
    let parts: [String?] = [
      row["entity"], row["entity_key"], row["date"], row["source"], row["placement_id"],
      row["field"],
    ]
    return parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
  }
}
