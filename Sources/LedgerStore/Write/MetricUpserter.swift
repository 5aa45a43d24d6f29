internal import GRDB
internal import GRDBSQLite

/// Writes daily metric rows for one set of given columns with prepared statements, binding
/// values with SQLite's C API: the path every metric write takes (a `log`, a million-row
/// import).
///
/// An unchanged row is not touched (the update is guarded by a WHERE); a changed row gets only
/// the given columns updated. A temporary trigger on the write connection records a revision
/// for each changed value that had been given before (filling a column that a partial file
/// left out is not a revision) and adds a row naming the update's batch, so an outcome reads
/// off SQLite's change counter: no change is unchanged, one is an insert, more (the row, the
/// trigger's row, any revisions) an update.
///
/// Two statements do the work: `INSERT … DO NOTHING` is twice as fast as the UPSERT for new
/// rows, and the UPSERT twice as fast as trying the INSERT first for rows already stored (1.4M
/// rows: 6.5 s against 11 s each way). The writer tries first whichever fitted the previous
/// rows. Rows without an order id go in blocks of ``blockRows`` through the multi-row form of
/// the same statements, which spares SQLite a statement's start and end per row (1.4M rows,
/// release build: a first import 4.7 s → 2.9 s, a re-import 3.7 s → 2.2 s). A block insert that
/// meets stored rows is written again row by row with the UPSERT, which finds the rows it has
/// just inserted unchanged; a block UPSERT's own changes (`sqlite3_changes64`, triggers left
/// out) are its inserts and updates, and the trigger's counter tells the updates apart.
///
/// This file holds the statements and the ways in (`write`, `flush`, `upsert`);
/// `MetricUpserter+BatchTally.swift` counts each row's outcome for its import batch, and
/// `MetricUpserter+Statements.swift` binds and steps the statements and installs the revision
/// trigger. The kept rows' buffer and the statements are shared with those files.
final class MetricUpserter {
  let fields: [MetricField]
  private let insert: Statement
  private let statement: Statement
  private let blockInsert: Statement
  private let blockUpsert: Statement
  /// The last row of the TEMP table the revision trigger adds a row to for each update.
  let updatesSoFar: Statement
  // Touched a row by the writing thread alone: unchecked for exclusivity.
  @exclusivity(unchecked) private var lastWasInsert = true
  /// Rows in a block insert.
  static let blockRows = 32
  /// The values of the rows waiting for a block, `perRow` per row in the statements'
  /// parameter order (the order id is always ''): raw memory, written without the exclusivity
  /// check and uniqueness test an array property costs per value.
  let pending: UnsafeMutablePointer<Int64>
  @exclusivity(unchecked) private var pendingRows = 0
  /// Parameters per row: the six of the key and batch, then the fields.
  let perRow: Int
  let connection: OpaquePointer?
  let mask: Int64
  /// Where each row's outcome is counted for its own import batch: a block may hold rows of
  /// several files of one import (docs/internals.md, "Writing a file in key order").
  let tally: MetricBatchTally
  /// Reads a row's stored batch, to tell a row a block inserted from one stored unchanged.
  let storedBatch: Statement
  /// Counts the revision trigger's updates per batch after a given row of its table.
  let updatesOfBatches: Statement
  /// Where the rows this upserter changes are noted, for the running sums' refresh; the rows
  /// of a block it inserts whole (no order id) go to `appender` instead.
  private let dirty: RunningSumsDirty
  private let appender: RunningAppender
  /// Per ``MetricField/index``: the field's column in a kept row, or -1 (not given: stored 0).
  private let columns: [Int]

  init(
    db: Database, fields: [MetricField], tally: MetricBatchTally, dirty: RunningSumsDirty,
    appender: RunningAppender
  ) throws {
    try MetricUpserter.installRevisionTrigger(db)
    self.dirty = dirty
    self.appender = appender
    columns = MetricField.allCases.map { field in fields.firstIndex(of: field).map { 6 + $0 } ?? -1
    }
    self.fields = fields
    self.tally = tally
    mask = fields.reduce(0) { $0 | (1 << Int64($1.index)) }
    connection = db.sqliteConnection
    let names = fields.map(\.rawValue)
    // ?1 video_ref, ?2 day, ?3 source, ?4 placement_id, ?5 given, ?6 batch_id, ?7… values
    let columns = (["video_ref", "day", "source", "placement_id", "given", "batch_id"] + names)
      .joined(separator: ", ")
    let marks = (1...(names.count + 6)).map { "?\($0)" }.joined(separator: ", ")
    let assignments = (names.map { "\($0) = excluded.\($0)" } + ["given = given | excluded.given"])
      .joined(separator: ", ")
    let changed =
      (names.map { "\($0) IS NOT excluded.\($0)" } + ["(given | excluded.given) <> given"])
      .joined(separator: " OR ")
    insert = try db.makeStatement(
      sql: "INSERT INTO metric (\(columns)) VALUES (\(marks)) ON CONFLICT DO NOTHING")
    let perRow = names.count + 6
    let blockValues = (0..<Self.blockRows).map { row in
      "(" + (1...perRow).map { "?\(row * perRow + $0)" }.joined(separator: ", ") + ")"
    }
    // OR FAIL: a multi-row statement that may abort halfway makes SQLite copy every page it
    // changes to a statement journal first, to undo just that statement (the pages of 32
    // videos, written and thrown away per block: more bytes than the WAL's). A failure here
    // fails the whole write, whose transaction is rolled back, so there is nothing to undo
    // apart (docs/internals.md, "No statement journal").
    blockInsert = try db.makeStatement(
      sql: "INSERT OR FAIL INTO metric (\(columns)) VALUES \(blockValues.joined(separator: ", ")) "
        + "ON CONFLICT DO NOTHING")
    blockUpsert = try db.makeStatement(
      sql: """
        INSERT INTO metric (\(columns)) VALUES \(blockValues.joined(separator: ", "))
        ON CONFLICT (video_ref, day, source, placement_id)
        DO UPDATE SET \(assignments), batch_id = excluded.batch_id WHERE \(changed)
        """)
    storedBatch = try db.makeStatement(
      sql: """
        SELECT batch_id FROM metric
        WHERE video_ref = ?1 AND day = ?2 AND source = ?3 AND placement_id = ''
        """)
    updatesSoFar = try db.makeStatement(
      sql: "SELECT coalesce(max(rowid), 0) FROM temp.metric_updates")
    updatesOfBatches = try db.makeStatement(
      sql: """
        SELECT batch_id, count(*) FROM temp.metric_updates WHERE rowid > ?1 GROUP BY batch_id
        """)
    self.perRow = perRow
    statement = try db.makeStatement(
      sql: """
        INSERT INTO metric (\(columns)) VALUES (\(marks))
        ON CONFLICT (video_ref, day, source, placement_id)
        DO UPDATE SET \(assignments), batch_id = excluded.batch_id WHERE \(changed)
        """)
    // Last, so that a throw above leaves nothing allocated.
    pending = .allocate(capacity: Self.blockRows * perRow)
  }

  deinit { pending.deallocate() }

  /// Writes one row of import batch `batch`, or keeps it for the next block.
  ///
  /// The outcomes of the rows written are added to `counts`, and each to its batch's in the
  /// tally. Call ``flush(_:)`` before anything reads the table.
  ///
  /// `placementID` is UTF-8 bytes ('' for none), valid during the call.
  ///
  /// A row beyond the ledger's limits is refused (``checkLimits(_:_:_:_:)``).
  func write(
    videoRef: Int64, day: Int32, source: Source, placementID: UnsafeBufferPointer<UInt8>,
    values: MetricValues, batch: Int64, counts: inout WriteCounts
  ) throws {
    if placementID.isEmpty {
      try checkLimits(videoRef, day, source, values)
      let row = pendingRows
      let slot = pending + row * perRow
      slot[0] = videoRef
      slot[1] = Int64(day)
      slot[2] = Int64(source.code)
      slot[3] = 0  // the order id's place: bound as ''
      slot[4] = mask
      slot[5] = batch
      for (index, field) in fields.enumerated() { slot[6 + index] = values[field] }
      pendingRows = row + 1
      if row + 1 == Self.blockRows { try flush(&counts) }
      return
    }
    try flush(&counts)
    switch try upsert(
      videoRef: videoRef, day: day, source: source, placementID: placementID, values: values,
      batch: batch)
    {
    case .inserted: counts.inserted += 1
    case .updated: counts.updated += 1
    case .unchanged: counts.unchanged += 1
    }
  }

  /// Writes the rows kept for a block, and adds their outcomes to `counts` and to their
  /// batches' in the tally.
  func flush(_ counts: inout WriteCounts) throws {
    guard pendingRows > 0 else { return }
    let rows = pendingRows
    pendingRows = 0
    // The batch of every row kept; nil when they are of several files (each row's outcome is
    // then counted apart).
    let batch = commonBatch(rows)
    var blockInserted = 0
    if rows == Self.blockRows, lastWasInsert {
      bind(blockInsert)
      blockInserted = Int(try step(blockInsert))
      if blockInserted == rows {
        try appendPending(rows)
        counts.inserted += rows
        if let batch {
          tally.add(batch, inserted: rows)
        } else {
          tallyAlike(rows, inserted: 1, updated: 0, unchanged: 0)
        }
        return
      }
      if blockInserted > 0 { markPending(rows) }
    } else if rows == Self.blockRows {
      // Rows already stored: the UPSERT for the whole block.
      bind(blockUpsert)
      let updatesBefore = try lastUpdate()
      _ = try step(blockUpsert)
      let written = Int(sqlite3_changes64(connection))
      let updated = written == 0 ? 0 : Int(try lastUpdate() - updatesBefore)
      if written == rows, updated == 0 {
        try appendPending(rows)
      } else if written > 0 {
        markPending(rows)
      }
      counts.inserted += written - updated
      counts.updated += updated
      counts.unchanged += rows - written
      if let batch {
        tally.add(batch, inserted: written - updated, updated: updated, unchanged: rows - written)
      } else {
        try tallyUpserted(rows, written: written, updated: updated, updatesBefore: updatesBefore)
      }
      lastWasInsert = written - updated == rows
      return
    }
    // Some rows were stored already (or too few for a block): row by row with the UPSERT,
    // which finds a row the block has just inserted unchanged.
    var inserted = 0
    var updated = 0
    for row in 0..<rows {
      bind(row: row, to: statement.sqliteStatement, from: 1)
      let changes = try step(statement)
      if changes == 1 {
        try append(row)
      } else if changes > 1 {
        let slot = pending + row * perRow
        dirty.mark(slot[0], Int32(truncatingIfNeeded: slot[1]))
      }
      switch changes {
      case 0: break
      case 1: inserted += 1
      default: updated += 1
      }
      if batch == nil {
        // Rows of several batches: this row's outcome, for its own. Unchanged here, it was
        // inserted by the block when it is stored with its own batch (an UPSERT that changes
        // nothing leaves the stored batch; no other write and no other row of this one has
        // this key and batch).
        let own = (pending + row * perRow)[5]
        switch changes {
        case 0:
          let byBlock = try blockInserted > 0 && storedBatch(ofRow: row) == own
          tally.add(own, inserted: byBlock ? 1 : 0, unchanged: byBlock ? 0 : 1)
        case 1: tally.add(own, inserted: 1)
        default: tally.add(own, updated: 1)
        }
      }
    }
    counts.inserted += blockInserted + inserted
    counts.updated += updated
    counts.unchanged += rows - blockInserted - inserted - updated
    if let batch {
      tally.add(
        batch, inserted: blockInserted + inserted, updated: updated,
        unchanged: rows - blockInserted - inserted - updated)
    }
    lastWasInsert = blockInserted + inserted == rows
  }

  /// Hands the first `rows` kept rows, all inserted, to the running rows' appender.
  private func appendPending(_ rows: Int) throws {
    for row in 0..<rows { try append(row) }
  }

  /// Hands kept row `row`, inserted, to the running rows' appender.
  @inline(__always)
  private func append(_ row: Int) throws {
    let slot = pending + row * perRow
    @inline(__always) func value(_ field: MetricField) -> Int64 {
      let column = columns[field.index]
      return column < 0 ? 0 : slot[column]
    }
    try appender.add(
      slot[0], Int32(truncatingIfNeeded: slot[1]), source: Int(slot[2]),
      impressions: value(.impressions), cost: value(.cost), gmv: value(.gmv),
      refund: value(.refund), orders: value(.orders), likes: value(.likes),
      comments: value(.comments), shares: value(.shares), follows: value(.follows))
  }

  /// Notes the first `rows` kept rows as changed.
  private func markPending(_ rows: Int) {
    for row in 0..<rows {
      let slot = pending + row * perRow
      dirty.mark(slot[0], Int32(truncatingIfNeeded: slot[1]))
    }
  }

  /// Writes one row.
  ///
  /// `placementID` is UTF-8 bytes ('' for none), valid during the call. A row beyond the
  /// ledger's limits is refused (``checkLimits(_:_:_:_:)``).
  func upsert(
    videoRef: Int64, day: Int32, source: Source, placementID: UnsafeBufferPointer<UInt8>,
    values: MetricValues, batch: Int64
  ) throws -> WriteOutcome {
    try checkLimits(videoRef, day, source, values)
    if lastWasInsert {
      let changes = try run(insert, videoRef, day, source, placementID, values, batch)
      if changes == 1 {
        dirty.mark(videoRef, day)
        tally.add(batch, inserted: 1)
        return .inserted
      }
    }
    let outcome: WriteOutcome
    switch try run(statement, videoRef, day, source, placementID, values, batch) {
    case 0: outcome = .unchanged
    case 1: outcome = .inserted
    default: outcome = .updated
    }
    lastWasInsert = outcome == .inserted
    if outcome != .unchanged { dirty.mark(videoRef, day) }
    tally.add(
      batch, inserted: outcome == .inserted ? 1 : 0, updated: outcome == .updated ? 1 : 0,
      unchanged: outcome == .unchanged ? 1 : 0)
    return outcome
  }

  /// Refuses a row beyond the ledger's limits (or natural traffic with a cost), whatever path
  /// brought it: ``write(videoRef:day:source:placementID:values:batch:counts:)`` and
  /// ``upsert(videoRef:day:source:placementID:values:batch:)`` are the two ways into the table,
  /// every path checks its rows before (with their file and line), and an import of metrics
  /// leaves the schema's CHECKs out of its statements (docs/internals.md, "Limits checked
  /// once").
  @inline(__always)
  private func checkLimits(
    _ videoRef: Int64, _ day: Int32, _ source: Source, _ values: MetricValues
  ) throws {
    guard LedgerRules.metricIsValid(source: source, values: values) else {
      throw LedgerError.invalidData(
        LedgerRules.metricViolations(source: source, values: values).map {
          SourceLocation.commandLine.problem(
            $0.column, "a row of \(Day(daysSinceEpoch: day)), video row \(videoRef): \($0.message)")
        })
    }
  }

}
