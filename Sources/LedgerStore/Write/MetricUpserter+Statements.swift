internal import GRDB
internal import GRDBSQLite

/// Binding kept rows and single rows to the upserter's statements with SQLite's C API,
/// stepping them, and the revision trigger whose rows make an update count more than one
/// change.
extension MetricUpserter {
  /// Binds the rows kept for a block (a whole block) to a block statement.
  func bind(_ statement: Statement) {
    let handle = statement.sqliteStatement
    for row in 0..<Self.blockRows { bind(row: row, to: handle, from: Int32(row * perRow + 1)) }
  }

  /// Binds one kept row to parameters `first…first + perRow - 1` (the order id as '').
  func bind(row: Int, to handle: OpaquePointer?, from first: Int32) {
    let slot = pending + row * perRow
    for column in 0..<perRow {
      let index = first + Int32(column)
      if column == 3 {
        sqlite3_bind_text(handle, index, "", 0, sqliteStatic)
      } else {
        sqlite3_bind_int64(handle, index, slot[column])
      }
    }
  }

  /// Binds and steps one statement; returns how many changes it made (triggers included).
  func run(
    _ statement: Statement, _ videoRef: Int64, _ day: Int32, _ source: Source,
    _ placementID: UnsafeBufferPointer<UInt8>, _ values: MetricValues, _ batch: Int64
  ) throws -> Int64 {
    let handle = statement.sqliteStatement
    sqlite3_bind_int64(handle, 1, videoRef)
    sqlite3_bind_int64(handle, 2, Int64(day))
    sqlite3_bind_int64(handle, 3, Int64(source.code))
    if let base = placementID.baseAddress, placementID.count > 0 {
      sqlite3_bind_text(handle, 4, base, Int32(placementID.count), sqliteStatic)
    } else {
      sqlite3_bind_text(handle, 4, "", 0, sqliteStatic)
    }
    sqlite3_bind_int64(handle, 5, mask)
    sqlite3_bind_int64(handle, 6, batch)
    var index: Int32 = 7
    for field in fields {
      sqlite3_bind_int64(handle, index, values[field])
      index += 1
    }
    return try step(statement)
  }

  /// Steps a bound statement and resets it; returns how many changes it made (triggers
  /// included).
  func step(_ statement: Statement) throws -> Int64 {
    let handle = statement.sqliteStatement
    let before = sqlite3_total_changes64(connection)
    let code = sqlite3_step(handle)
    sqlite3_reset(handle)
    guard code == SQLITE_DONE else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(connection)), sql: statement.sql)
    }
    return sqlite3_total_changes64(connection) - before
  }

  /// A TEMP trigger (this connection only, so edits made by hand in sqlite3 are not
  /// attributed to an aimt batch) that keeps the old value of every changed metric field
  /// that had been given before, and adds a row to a TEMP table so that an update always
  /// counts more than one change.
  static func installRevisionTrigger(_ db: Database) throws {
    let inserts = MetricField.allCases.map { field in
      let name = field.rawValue
      return """
          INSERT INTO revision
            (batch_id, entity, entity_key, date, source, placement_id, field, old_value, new_value)
          SELECT NEW.batch_id, 'metric', (SELECT video_id FROM video WHERE id = NEW.video_ref),
                 date(NEW.day * 86400, 'unixepoch'),
                 (SELECT name FROM source WHERE code = NEW.source), NEW.placement_id,
                 '\(name)', OLD.\(name), NEW.\(name)
          WHERE OLD.\(name) IS NOT NEW.\(name) AND (OLD.given & \(1 << field.index)) <> 0;
        """
    }
    try db.execute(
      sql: """
        CREATE TEMP TABLE IF NOT EXISTS metric_updates (batch_id INTEGER NOT NULL);
        CREATE TEMP TRIGGER IF NOT EXISTS metric_revision AFTER UPDATE ON main.metric
        BEGIN
          INSERT INTO metric_updates (batch_id) VALUES (NEW.batch_id);
        \(inserts.joined(separator: "\n"))
        END
        """)
  }
}

/// SQLite's "the bound memory stays valid until the statement runs" destructor.
let sqliteStatic = unsafeBitCast(0, to: sqlite3_destructor_type.self)
