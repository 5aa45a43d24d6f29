internal import GRDB
internal import GRDBSQLite

/// The outcomes of the metric rows one write wrote, per import batch.
///
/// The files of one import are written as one stream in key order (docs/internals.md,
/// "Writing a file in key order"), so the rows a block writes may come from several files:
/// each row's outcome is counted for its own file's batch, and the batch rows get them when
/// the write finishes.
final class MetricBatchTally {
  private(set) var counts: [Int64: WriteCounts] = [:]

  func add(_ batch: Int64, inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
    counts[batch, default: WriteCounts()].add(
      inserted: inserted, updated: updated, unchanged: unchanged)
  }
}

extension WriteCounts {
  /// Adds outcomes in place (one lookup of a dictionary's value).
  fileprivate mutating func add(inserted: Int, updated: Int, unchanged: Int) {
    self.inserted += inserted
    self.updated += updated
    self.unchanged += unchanged
  }
}

/// How the upserter counts each kept row's outcome for its own import batch (a block may hold
/// rows of several files of one import), and reads what the revision trigger noted.
extension MetricUpserter {
  /// The batch of the first `rows` kept rows when they all have the same, else nil.
  func commonBatch(_ rows: Int) -> Int64? {
    let first = pending[5]
    for row in 1..<rows where (pending + row * perRow)[5] != first { return nil }
    return first
  }

  /// Counts the first `rows` kept rows, of several batches and all with one outcome (the
  /// one of `inserted`, `updated` and `unchanged` that is 1), for their batches: a run of rows
  /// of one batch at a time.
  func tallyAlike(_ rows: Int, inserted: Int, updated: Int, unchanged: Int) {
    var start = 0
    while start < rows {
      let batch = (pending + start * perRow)[5]
      var end = start + 1
      while end < rows, (pending + end * perRow)[5] == batch { end += 1 }
      let count = end - start
      tally.add(
        batch, inserted: inserted * count, updated: updated * count,
        unchanged: unchanged * count)
      start = end
    }
  }

  /// Counts the outcomes of a block UPSERT of rows of several batches for their batches.
  ///
  /// The UPSERT counts its outcomes in all. When they are all alike (a block of new, restated
  /// or repeated rows), each row counts it for its batch. Otherwise a row changed by the block
  /// (inserted or updated) is stored with its own batch, an unchanged one with an earlier
  /// batch's, and the revision trigger noted each update's batch: a batch's inserts are its
  /// changed rows less its updates.
  func tallyUpserted(
    _ rows: Int, written: Int, updated: Int, updatesBefore: Int64
  ) throws {
    let alike: (inserted: Int, updated: Int, unchanged: Int)? =
      written == 0
      ? (0, 0, 1)
      : updated == rows ? (0, 1, 0) : written - updated == rows ? (1, 0, 0) : nil
    if let alike {
      tallyAlike(
        rows, inserted: alike.inserted, updated: alike.updated, unchanged: alike.unchanged)
      return
    }
    var changed: [Int64: (rows: Int, changed: Int)] = [:]
    for row in 0..<rows {
      let own = (pending + row * perRow)[5]
      let byBlock = try storedBatch(ofRow: row) == own
      changed[own, default: (0, 0)].rows += 1
      if byBlock { changed[own, default: (0, 0)].changed += 1 }
    }
    let updates = try updatesByBatch(since: updatesBefore)
    for (batch, count) in changed {
      let updated = updates[batch] ?? 0
      tally.add(
        batch, inserted: count.changed - updated, updated: updated,
        unchanged: count.rows - count.changed)
    }
  }

  /// The updates the revision trigger noted after row `since` of its table, per batch.
  func updatesByBatch(since: Int64) throws -> [Int64: Int] {
    let handle = updatesOfBatches.sqliteStatement
    defer { sqlite3_reset(handle) }
    sqlite3_bind_int64(handle, 1, since)
    var updates: [Int64: Int] = [:]
    while true {
      switch sqlite3_step(handle) {
      case SQLITE_ROW:
        updates[sqlite3_column_int64(handle, 0)] = Int(sqlite3_column_int64(handle, 1))
      case SQLITE_DONE: return updates
      case let code:
        throw DatabaseError(
          resultCode: ResultCode(rawValue: code),
          message: String(cString: sqlite3_errmsg(connection)), sql: updatesOfBatches.sql)
      }
    }
  }

  /// The batch kept row `row` is stored with (nil when it is not stored).
  func storedBatch(ofRow row: Int) throws -> Int64? {
    let handle = storedBatch.sqliteStatement
    let slot = pending + row * perRow
    for column in 0..<3 { sqlite3_bind_int64(handle, Int32(column + 1), slot[column]) }
    defer { sqlite3_reset(handle) }
    switch sqlite3_step(handle) {
    case SQLITE_ROW: return sqlite3_column_int64(handle, 0)
    case SQLITE_DONE: return nil
    case let code:
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(connection)), sql: storedBatch.sql)
    }
  }

  /// The row id of the revision trigger's last update row.
  func lastUpdate() throws -> Int64 {
    let handle = updatesSoFar.sqliteStatement
    defer { sqlite3_reset(handle) }
    guard sqlite3_step(handle) == SQLITE_ROW else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: sqlite3_errcode(connection)),
        message: String(cString: sqlite3_errmsg(connection)), sql: updatesSoFar.sql)
    }
    return sqlite3_column_int64(handle, 0)
  }
}
