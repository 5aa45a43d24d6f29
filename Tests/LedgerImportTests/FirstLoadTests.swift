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

// A first load's pages are written to the file on a thread of their own (docs/internals.md,
// "Pages written behind"): every read sees every write before it, and a page that cannot be
// written refuses the load whole.

/// A date-sorted metrics file of `videos` new videos over 40 days, natural and Dou+ rows.
///
/// More pages than SQLite's cache holds, so pages are written while the load runs and read
/// back. Returns its path, its rows and their total impressions and cost.
private func largeMetricsFile(_ fixture: Fixture, videos: Int = 300) throws -> (
  path: String, rows: Int, impressions: Int64, cost: Int64
) {
  var text = "date,video_id,source,impressions,cost,gmv\n"
  var (rows, impressions, cost): (Int, Int64, Int64) = (0, 0, 0)
  for day in 0..<40 {
    let date = Day(daysSinceEpoch: 20_454 + Int32(day))
    for video in 0..<videos {
      let shown = Int64(1_000 + video * 7 + day)
      text += "\(date),wb\(video),natural,\(shown),0,\(day).50\n"
      text += "\(date),wb\(video),dou_plus,\(shown * 3),\(video % 50 + day).25,0\n"
      rows += 2
      impressions += shown * 4
      cost += Int64(video % 50 + day) * 100 + 25
    }
  }
  return (try fixture.file("large.csv", text), rows, impressions, cost)
}

private func totals(_ fixture: Fixture) throws -> [Int64] {
  try fixture.ledger.read { db in
    let row = try Row.fetchOne(
      db, sql: "SELECT count(*), sum(impressions), sum(cost) FROM metric")
    return [row?[0] ?? 0, row?[1] ?? 0, row?[2] ?? 0]
  }
}

// (A read of a page still queued is pinned by WriteBehindTests, on a cache of four pages.)
@Test
func aFirstLoadLargerThanSQLitesCacheWritesItsPagesBehindAndReadsEveryOneBack() throws {
  let fixture = try Fixture()
  let file = try largeMetricsFile(fixture)

  let report = try fixture.importing(.metrics, [file.path]) { $0.write.createMissing = true }

  #expect(report.summary.firstLoad)
  #if os(Windows)
  #expect(!report.summary.pagesWrittenBehind)
  #else
  #expect(report.summary.pagesWrittenBehind)
  #endif
  #expect(report.summary[.metrics].inserted == file.rows)
  #expect(try totals(fixture) == [Int64(file.rows), file.impressions, file.cost])
  // The running sums and day totals, recomputed from the rows, equal those stored.
  #expect(try fixture.ledger.check(deep: true).isEmpty)
  #expect(try journalMode(fixture) == "wal")
  #expect(!FileManager.default.fileExists(atPath: fixture.folder + "/aimt.db-journal"))
}

@Test(arguments: [0, 5, 40])
func aFirstLoadWhosePageCannotBeWrittenIsRefusedWholeAsOnAFullDisk(failingPage: Int) throws {
  let fixture = try Fixture()
  let file = try largeMetricsFile(fixture)
  let before = try fixture.snapshot()
  var message = ""

  do {
    try fixture.importing(.metrics, [file.path]) {
      $0.write.createMissing = true
      $0.write.failingPageBehind = failingPage
    }
  } catch {
    if case .storage(let text) = error { message = text }
  }

  #if !os(Windows)
  #expect(message.contains("failed: the disk is full"))
  #expect(try fixture.snapshot() == before)
  #expect(try journalMode(fixture) == "wal")
  #expect(!FileManager.default.fileExists(atPath: fixture.folder + "/aimt.db-journal"))
  #expect(try fixture.ledger.check(deep: true).isEmpty)
  #endif
  // The same load then goes through.
  let report = try fixture.importing(.metrics, [file.path]) { $0.write.createMissing = true }
  #expect(report.summary[.metrics].inserted == file.rows)
  #expect(try totals(fixture) == [Int64(file.rows), file.impressions, file.cost])
  #expect(try fixture.ledger.check(deep: true).isEmpty)
}
