import Foundation
import GRDB
import LedgerStore
import Testing

@testable import LedgerImport

// A ledger's first load of metrics is written under a rollback journal when the process has
// the file alone, and the ledger is back in WAL mode after it (docs/internals.md, "A first
// load under a rollback journal").

/// Bytes 18 and 19 of the ledger file's header, read from the disk: 1, 1 for a rollback
/// journal, 2, 2 for WAL.
private func journalBytes(_ path: String) throws -> [UInt8] {
  let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
  defer { try? handle.close() }
  return Array((try handle.read(upToCount: 20) ?? Data()).dropFirst(18))
}

/// A metrics file of v1 and v2 over `days` days from `first` (natural rows), and its rows.
private func metricsFile(
  _ fixture: Fixture, _ name: String, days: Int = 30, first: Int32 = 20_454, bad: Bool = false
) throws -> (path: String, rows: Int) {
  var text = "date,video_id,source,impressions,gmv\n"
  for day in 0..<days {
    for video in ["v1", "v2"] {
      text += "\(Day(daysSinceEpoch: first + Int32(day))),\(video),natural,\(1_000 + day),"
      text += bad && day == days - 1 ? "lots\n" : "\(day).50\n"
    }
  }
  return (try fixture.file(name, text), days * 2)
}

/// Imports `path` as metrics, noting the file's journal bytes while the write runs.
private func importWatching(
  _ fixture: Fixture, _ path: String, dryRun: Bool = false, into ledger: Ledger? = nil
) throws(LedgerError) -> (report: ImportReport, during: [[UInt8]]) {
  let ledgerPath = fixture.folder + "/aimt.db"
  var during: [[UInt8]] = []
  var options = ImportOptions(kind: .metrics)
  options.write.dryRun = dryRun
  let report = try (ledger ?? fixture.ledger).importFiles([path], options: options) { _ in
    during.append((try? journalBytes(ledgerPath)) ?? [])
  }
  return (report, during)
}

private func journalMode(_ fixture: Fixture) throws -> String? {
  try fixture.ledger.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
}

@Test
func aFirstMetricsImportIntoALedgerItHasAloneGoesThroughARollbackJournalAndBackToWAL() throws {
  let fixture = try Fixture()
  // The fixture read the ledger already: its own second connection is open and must not
  // count as another process.
  #expect(try fixture.metrics().isEmpty)
  #expect(try journalBytes(fixture.folder + "/aimt.db") == [2, 2])
  let file = try metricsFile(fixture, "first.csv")

  let (report, during) = try importWatching(fixture, file.path)

  #expect(report.summary.firstLoad)
  #expect(during == [[1, 1]])
  #expect(report.summary[.metrics].inserted == file.rows)
  #expect(try fixture.metrics().count == file.rows)
  #expect(try journalBytes(fixture.folder + "/aimt.db") == [2, 2])
  #expect(try journalMode(fixture) == "wal")
  #expect(!FileManager.default.fileExists(atPath: fixture.folder + "/aimt.db-journal"))
  #expect(try fixture.ledger.check().isEmpty)
}

@Test
func aMetricsImportIntoALedgerThatHasMetricsStaysInWAL() throws {
  let fixture = try Fixture()
  let first = try metricsFile(fixture, "first.csv")
  try fixture.importing(.metrics, [first.path])
  let next = try metricsFile(fixture, "next.csv", days: 5, first: 20_454 + 30)

  let (report, during) = try importWatching(fixture, next.path)

  #expect(!report.summary.firstLoad)
  #expect(during == [[2, 2]])
  #expect(try fixture.metrics().count == first.rows + next.rows)
}

// SQLite refuses to leave WAL mode at once while another connection has the file open, without
// the busy timeout's wait: were it to wait, the importing ledger's ten minutes would fail the
// time limit (it takes a second).
@Test(.timeLimit(.minutes(5)))
func aFirstLoadWhileAnotherConnectionHasTheFileOpenStaysInWALWithoutWaiting() throws {
  let fixture = try Fixture()
  // The fixture's ledger has read the file: its connections stay open, as another process's.
  #expect(try fixture.metrics().isEmpty)
  let importer = try Ledger.open(path: fixture.folder + "/aimt.db", busyTimeout: 600)
  let file = try metricsFile(fixture, "first.csv")

  let (report, during) = try importWatching(fixture, file.path, into: importer)

  #expect(!report.summary.firstLoad)
  #expect(during == [[2, 2]])
  #expect(try fixture.metrics().count == file.rows)
}

@Test
func aRefusedFirstLoadChangesNothingAndLeavesTheLedgerInWAL() throws {
  let fixture = try Fixture()
  let before = try fixture.snapshot()
  let file = try metricsFile(fixture, "bad.csv", bad: true)

  #expect(throws: LedgerError.self) { try importWatching(fixture, file.path) }

  #expect(try fixture.snapshot() == before)
  #expect(try journalBytes(fixture.folder + "/aimt.db") == [2, 2])
  #expect(try journalMode(fixture) == "wal")
  #expect(!FileManager.default.fileExists(atPath: fixture.folder + "/aimt.db-journal"))
}

@Test
func aDryRunOfAFirstLoadStaysInWAL() throws {
  let fixture = try Fixture()
  let file = try metricsFile(fixture, "first.csv")

  let (report, during) = try importWatching(fixture, file.path, dryRun: true)

  #expect(!report.summary.firstLoad)
  #expect(during == [[2, 2]])
  #expect(try fixture.metrics().isEmpty)
}
