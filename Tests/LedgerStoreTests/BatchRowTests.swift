import GRDB
import Testing

@testable import LedgerStore

// A write's `import_batch` rows are inserted when it finishes, not when each batch begins
// (docs/internals.md, "Batch rows written last"); the rows that name them are checked against
// them at the commit.

private typealias B = LedgerBuilder

private func metric(_ day: String, impressions: Int64) -> MetricInput {
  MetricInput(
    day: B.day(day), videoID: "v1", source: .natural, values: [.impressions: impressions])
}

private func batchCount(_ db: Database) throws -> Int {
  try Int.fetchOne(db, sql: "SELECT count(*) FROM import_batch") ?? -1
}

@Test func batchRowsAreInsertedWhenTheWriteFinishesNumberedAfterTheLastWithDigestAndCounts()
  throws
{
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(metric("2026-05-01", impressions: 10), at: .commandLine)
  }
  let before = try ledger.read { db in try batchCount(db) }
  let last = try ledger.read { db in
    try Int64.fetchOne(db, sql: "SELECT max(batch_id) FROM import_batch") ?? 0
  }
  var seenWhileWriting: [Int] = []
  let summary = try ledger.write { writer in
    try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "a.csv"))
    try writer.upsert(metric("2026-05-02", impressions: 20), at: .commandLine)
    try writer.recordDigest(String(repeating: "a", count: 64))
    try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "b.csv"))
    try writer.upsert(metric("2026-05-03", impressions: 30), at: .commandLine)
    try writer.upsert(metric("2026-05-01", impressions: 11), at: .commandLine)
    try writer.beginBatch(BatchInfo(command: "import", kind: "kols", file: "k.csv"))
    var kol = KOLInput(kolID: "dy2")
    kol.followers = 1_000
    kol.asOf = B.day("2026-05-01")
    try writer.upsert(kol, at: .commandLine)
    seenWhileWriting.append(try batchCount(writer.db))
  }
  // Nothing of this write's batches was in the table while it wrote.
  #expect(seenWhileWriting == [before])
  #expect(summary.batchIDs == [last + 1, last + 2, last + 3])
  let rows = try ledger.read { db in
    try Row.fetchAll(
      db,
      sql: """
        SELECT batch_id, kind, file, sha256, inserted, updated, unchanged FROM import_batch
        WHERE batch_id > ? ORDER BY batch_id
        """, arguments: [last])
  }
  #expect(rows.count == 3)
  #expect(rows.map { $0["file"] as String? } == ["a.csv", "b.csv", "k.csv"])
  #expect(rows[0]["sha256"] == String(repeating: "a", count: 64))
  #expect(rows[1]["sha256"] as String? == nil)
  // a.csv inserted its row; b.csv inserted one and restated a stored one (a revision naming
  // b.csv's batch, inserted before the batch row).
  #expect(rows[0]["inserted"] == 1)
  #expect(rows[1]["inserted"] == 1)
  #expect(rows[1]["updated"] == 1)
  #expect(rows[2]["kind"] == "kols")
  #expect(rows[2]["inserted"] == 1)
  let revisionBatch = try ledger.read { db in
    try Int64.fetchOne(db, sql: "SELECT batch_id FROM revision WHERE entity = 'metric'")
  }
  #expect(revisionBatch == last + 2)
  #expect(try ledger.check().isEmpty)
}

@Test func aRowNamingABatchThatIsNeverWrittenFailsTheCommitAndLeavesTheLedgerAsItWas() throws {
  let ledger = try B.ledgerWithVideo()
  let before = try ledger.read { db in try batchCount(db) }
  #expect(throws: LedgerError.self) {
    try ledger.write { writer in
      try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "a.csv"))
      try writer.upsert(metric("2026-05-01", impressions: 10), at: .commandLine)
      // A revision naming no batch: the foreign key, deferred to the commit, refuses it there.
      try writer.db.execute(
        sql: """
          INSERT INTO revision (batch_id, entity, entity_key, field, old_value, new_value)
          VALUES (987654, 'metric', 'v1', 'gmv', 1, 2)
          """)
    }
  }
  let (metrics, batches, revisions) = try ledger.read { db in
    (
      try Int.fetchOne(db, sql: "SELECT count(*) FROM metric"), try batchCount(db),
      try Int.fetchOne(db, sql: "SELECT count(*) FROM revision")
    )
  }
  #expect(metrics == 0)
  #expect(batches == before)
  #expect(revisions == 0)
}

@Test func aBatchCannotBeNumberedAfterTheLargestIdAndTheWriteIsRefusedWhole() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.db.execute(
      sql: """
        INSERT INTO import_batch (batch_id, command, kind, created_at)
        VALUES (9223372036854775807, 'import', 'kols', '2026-05-01 00:00:00')
        """)
  }
  do {
    try ledger.write { writer in
      try writer.beginBatch(BatchInfo(command: "import", kind: "metrics", file: "a.csv"))
      try writer.upsert(metric("2026-05-01", impressions: 10), at: .commandLine)
    }
    Issue.record("a batch was numbered past the largest id")
  } catch {
    guard case .implausibleData(let message, _) = error else {
      Issue.record("unexpected error \(error)")
      return
    }
    #expect(message.contains("9223372036854775807"))
  }
  #expect(try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric") } == 0)
}
