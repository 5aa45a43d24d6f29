internal import GRDB
internal import GRDBSQLite

/// The values of one metric row in the hot path: a fixed array indexed like
/// `MetricField.allCases`, with the fields given by the input marked in `present`.
public struct MetricValues: Sendable, Equatable {
  /// Values in `MetricField.allCases` order; money in fen.
  public var values: [Int64] = Array(repeating: 0, count: MetricField.allCases.count)

  /// No values yet.
  public init() {}

  /// Sets one field.
  public mutating func set(_ field: MetricField, _ value: Int64) {
    values[field.index] = value
  }

  /// One field's value.
  public subscript(field: MetricField) -> Int64 { values[field.index] }
}

extension MetricField {
  /// The position of the field in `MetricField.allCases`.
  public var index: Int {
    switch self {
    case .impressions: 0
    case .cost: 1
    case .gmv: 2
    case .orders: 3
    case .likes: 4
    case .comments: 5
    case .shares: 6
    case .follows: 7
    }
  }
}

/// Writes daily metric rows for one set of given columns with two prepared statements,
/// binding values with SQLite's C API: the path every metric write takes (a `log`, a
/// million-row import).
///
/// First `INSERT … ON CONFLICT DO NOTHING`: one change means a new row. Otherwise an `UPDATE`
/// of the given columns, guarded so that an unchanged row is not touched: one change means
/// updated, none unchanged. A temporary trigger on the write connection records a revision
/// for each changed value that had been given before (filling a column that a partial file
/// left out is not a revision), so the history needs no read before the write.
final class MetricUpserter {
  let fields: [MetricField]
  private let insert: Statement
  private let update: Statement
  private let connection: OpaquePointer?
  private let batchID: Int64
  private let mask: Int64

  init(db: Database, fields: [MetricField], batchID: Int64) throws {
    try MetricUpserter.installRevisionTrigger(db)
    self.fields = fields
    self.batchID = batchID
    mask = fields.reduce(0) { $0 | (1 << Int64($1.index)) }
    connection = db.sqliteConnection
    let names = fields.map(\.rawValue)
    // ?1 video_ref, ?2 day, ?3 source, ?4 placement_id, ?5 given, ?6 batch_id, ?7… values
    let columns = (["video_ref", "day", "source", "placement_id", "given", "batch_id"] + names)
      .joined(separator: ", ")
    let marks = (1...(names.count + 6)).map { "?\($0)" }.joined(separator: ", ")
    insert = try db.makeStatement(
      sql: "INSERT INTO metric (\(columns)) VALUES (\(marks)) ON CONFLICT DO NOTHING")
    let values = names.enumerated().map { (offset: $0.offset + 7, name: $0.element) }
    let assignments = (values.map { "\($0.name) = ?\($0.offset)" } + ["given = given | ?5"])
      .joined(separator: ", ")
    let changed = (values.map { "\($0.name) IS NOT ?\($0.offset)" } + ["(given | ?5) <> given"])
      .joined(separator: " OR ")
    update = try db.makeStatement(
      sql: """
        UPDATE metric SET \(assignments), batch_id = ?6
        WHERE video_ref = ?1 AND day = ?2 AND source = ?3 AND placement_id = ?4 AND (\(changed))
        """)
  }

  /// Writes one row.
  ///
  /// `placementID` is UTF-8 bytes ('' for none), valid during the call.
  func upsert(
    videoRef: Int64, day: Int32, source: Source, placementID: UnsafeBufferPointer<UInt8>,
    values: MetricValues
  ) throws -> WriteOutcome {
    if try run(insert, videoRef, day, source, placementID, values) {
      return .inserted
    }
    return try run(update, videoRef, day, source, placementID, values) ? .updated : .unchanged
  }

  /// Binds and steps one statement; true when it changed a row.
  private func run(
    _ statement: Statement, _ videoRef: Int64, _ day: Int32, _ source: Source,
    _ placementID: UnsafeBufferPointer<UInt8>, _ values: MetricValues
  ) throws -> Bool {
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
    sqlite3_bind_int64(handle, 6, batchID)
    var index: Int32 = 7
    for field in fields {
      sqlite3_bind_int64(handle, index, values.values[field.index])
      index += 1
    }
    let code = sqlite3_step(handle)
    sqlite3_reset(handle)
    guard code == SQLITE_DONE else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(connection)), sql: statement.sql)
    }
    return sqlite3_changes(connection) > 0
  }

  /// A TEMP trigger (this connection only, so edits made by hand in sqlite3 are not
  /// attributed to an aimt batch) that keeps the old value of every changed metric field
  /// that had been given before.
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
        CREATE TEMP TRIGGER IF NOT EXISTS metric_revision AFTER UPDATE ON main.metric
        BEGIN
        \(inserts.joined(separator: "\n"))
        END
        """)
  }
}

/// SQLite's "the bound memory stays valid until the statement runs" destructor.
let sqliteStatic = unsafeBitCast(0, to: sqlite3_destructor_type.self)
