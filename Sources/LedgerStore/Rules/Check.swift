internal import GRDB

/// One thing `aimt check` found wrong with a stored ledger.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
  /// `integrity`, `foreign_key` or the rule's table (`placement`, `metric`, `promotion`).
  public var subject: String
  /// What is wrong, naming the row.
  public var message: String

  public var description: String { "\(subject): \(message)" }
}

extension Ledger {
  /// Verifies the whole ledger: SQLite's integrity check, the foreign keys, and every ledger rule
  /// over the stored data.
  ///
  /// Empty when all is well.
  public func check() throws(LedgerError) -> [CheckFinding] {
    try read { db in
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
      for (column, parent) in [("video", "video"), ("source", "source"), ("batch", "import_batch")]
      {
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
  }
}
