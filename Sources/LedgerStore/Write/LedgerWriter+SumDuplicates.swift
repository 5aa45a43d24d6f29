import Foundation
internal import GRDB

// Summing duplicates (`WriteOptions.sumDuplicates`): rows of one key are added up in a TEMP table and written once at the
// end.

extension LedgerWriter {
  /// With `sumDuplicates`, rows are added up in a TEMP table and written once at the end,
  /// so re-importing the same file is still idempotent.
  ///
  /// `batch` is the import batch of the row's file: a summed row names the last file that
  /// added to it (docs/internals.md, "Summed duplicates"), a row of one file that file.
  func stage(
    key: MetricKey, placementID: UnsafeBufferPointer<UInt8>, values: MetricValues, batch: Int64
  ) throws {
    let fields = values.fields
    if stagedFields == nil {
      try db.execute(
        sql: """
          CREATE TEMP TABLE IF NOT EXISTS metric_stage (
            video_ref INTEGER NOT NULL, day INTEGER NOT NULL, source INTEGER NOT NULL,
            placement_id TEXT NOT NULL, batch_id INTEGER NOT NULL,
            \(MetricField.allCases.map { "\($0.rawValue) INTEGER NOT NULL DEFAULT 0" }
              .joined(separator: ", ")),
            PRIMARY KEY (video_ref, day, source, placement_id)) WITHOUT ROWID;
          DELETE FROM temp.metric_stage;
          """)
      stagedFields = []
    }
    stagedFields?.formUnion(fields)
    let names = fields.map(\.rawValue)
    let columns = (["video_ref", "day", "source", "placement_id", "batch_id"] + names)
      .joined(separator: ", ")
    let marks = Array(repeating: "?", count: names.count + 5).joined(separator: ", ")
    // Capped one past the limit: a sum can never wrap (rows are at most the limit), and the
    // capped value is refused by the limit check when the sums are written.
    let sums = fields.map { field in
      let (name, cap) = (
        field.rawValue, field.isMoney ? LedgerRules.maxMoney : LedgerRules.maxCount
      )
      return "\(name) = min(\(name) + excluded.\(name), \(cap + 1))"
    }
    let update = (["batch_id = excluded.batch_id"] + sums).joined(separator: ", ")
    let statement = try db.cachedStatement(
      sql:
        "INSERT INTO temp.metric_stage (\(columns)) VALUES (\(marks)) ON CONFLICT DO UPDATE SET \(update)"
    )
    var arguments: [(any DatabaseValueConvertible)?] = [
      key.videoRef, key.day, key.source, String(decoding: placementID, as: UTF8.self), batch,
    ]
    arguments += fields.map { values[$0] }
    try statement.execute(arguments: StatementArguments(arguments))
  }

  /// Writes the rows summed in the TEMP table through the ordinary upsert.
  func flushStaged() throws {
    guard let staged = stagedFields else { return }
    stagedFields = nil
    let fields = MetricField.allCases.filter { staged.contains($0) }
    var flushed = WriteCounts()
    let upserter = try metricUpserter(fields.reduce(0) { $0 | (1 << $1.index) }, counts: &flushed)
    record(flushed, kind: .metrics)
    let rows = try Row.fetchCursor(
      db, sql: "SELECT * FROM temp.metric_stage ORDER BY video_ref, day, source, placement_id")
    while let row = try rows.next() {
      var values = MetricValues()
      for field in fields { values.set(field, row[field.rawValue]) }
      var placementID: String = row["placement_id"]
      let source = Source(code: row["source"]) ?? .natural
      guard LedgerRules.metricIsValid(source: source, values: values) else {
        let video =
          try String.fetchOne(
            db, sql: "SELECT video_id FROM video WHERE id = ?", arguments: [row["video_ref"]])
          ?? "?"
        let day = Day(daysSinceEpoch: row["day"])
        for violation in LedgerRules.metricViolations(source: source, values: values) {
          report(
            SourceLocation.commandLine.problem(
              violation.column,
              "the rows of video \(video) on \(day) (\(source.rawValue)) add up past the limit: "
                + violation.message))
        }
        continue
      }
      let outcome = try placementID.withUTF8 { bytes in
        try upserter.upsert(
          videoRef: row["video_ref"], day: row["day"], source: source,
          placementID: bytes, values: values, batch: row["batch_id"])
      }
      record(outcome, kind: .metrics)
    }
    try db.execute(sql: "DELETE FROM temp.metric_stage")
  }
}
