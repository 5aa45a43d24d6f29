internal import GRDB

/// One object of the ledger's schema (a table, index, view or trigger) as SQLite stores it.
struct SchemaObject: Equatable {
  var type: String
  var name: String
  var sql: String?

  static let sql = """
    SELECT type, name, sql FROM sqlite_schema
    WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
    """

  static func fetchAll(_ db: Database) throws -> [SchemaObject] {
    try Row.fetchAll(db, sql: sql).map { row in
      SchemaObject(type: row["type"], name: row["name"], sql: row["sql"])
    }
  }

  /// The schema this binary's migrations build, read from a new ledger in memory.
  static func expected() throws -> [SchemaObject] {
    try Ledger.inMemory().read { db in try fetchAll(db) }
  }
}

extension Ledger {
  /// What `check --deep` finds wrong with the schema: an aimt table, index or view that is
  /// missing or whose definition differs from the one aimt's migrations wrote, and any trigger
  /// (aimt keeps none in the file: a trigger could change numbers behind its back).
  static func schemaFindings(_ db: Database) throws -> [CheckFinding] {
    let expected = try SchemaObject.expected()
    let stored = try SchemaObject.fetchAll(db)
    var findings: [CheckFinding] = []
    for object in expected {
      guard let found = stored.first(where: { $0.name == object.name }) else {
        findings.append(
          CheckFinding(
            subject: "schema",
            message: "\(object.type) \(object.name) is missing",
            remedy: Ledger.repair(object.type)))
        continue
      }
      if found != object {
        findings.append(
          CheckFinding(
            subject: "schema",
            message: "\(object.type) \(object.name) differs from the one aimt made",
            remedy: Ledger.repair(object.type)))
      }
    }
    for object in stored where object.type == "trigger" {
      if !expected.contains(object) {
        findings.append(
          CheckFinding(
            subject: "schema",
            message: "trigger \(object.name) is not aimt's: a trigger can change stored numbers "
              + "behind aimt's back; drop it with sqlite3 (DROP TRIGGER \(object.name))"))
      }
    }
    return findings
  }

  private static func repair(_ type: String) -> Remedy {
    .restoreSchema(table: type == "table")
  }

  /// Puts back every index and view of aimt's schema that is missing or altered.
  ///
  /// Returns what it restored. `aimt init` runs it after bringing the schema up to date. Tables
  /// are left alone (their data cannot be recreated); `check --deep` names them.
  package func restoreSchemaObjects() throws(LedgerError) -> [String] {
    let expected: [SchemaObject]
    do {
      expected = try SchemaObject.expected()
    } catch {
      throw LedgerError(error, path: ":memory:", doing: "building the expected schema in")
    }
    return try write { db in
      let stored = try SchemaObject.fetchAll(db)
      var restored: [String] = []
      for object in expected where object.type == "index" || object.type == "view" {
        guard let sql = object.sql, !stored.contains(object) else { continue }
        // Names come from aimt's own schema, never from input.
        if stored.contains(where: { $0.name == object.name }) {
          let drop = object.type == "view" ? "DROP VIEW" : "DROP INDEX"
          try db.execute(sql: "\(drop) \(object.name.quotedDatabaseIdentifier)")
        }
        try db.execute(sql: sql)
        restored.append("\(object.type) \(object.name)")
      }
      return restored
    }
  }
}
