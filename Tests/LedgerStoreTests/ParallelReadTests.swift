import Foundation
import GRDB
import Synchronization
import Testing

@testable import LedgerStore

// Reads split over two connections (docs/internals.md, "Two cores, one snapshot"): the second
// connection reads the first one's state, or the part is read on the first.

/// Whether this machine splits reads at all (one core never does).
private let splits = ProcessInfo.processInfo.activeProcessorCount > 1

/// A part's view: which connection read it, and the settings it saw.
private struct View: Equatable {
  var connection: ObjectIdentifier
  var settings: Int
}

private func view(_ db: Database) throws -> View {
  View(
    connection: ObjectIdentifier(db),
    settings: try Int.fetchOne(db, sql: "SELECT count(*) FROM setting") ?? -1)
}

@Test func aReadOfALedgerFileIsSplitOverTwoConnectionsThatSeeTheSameState() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  try Ledger.open(path: path, create: true).setSetting("cpm_price", "30")
  let ledger = try Ledger.openReadOnly(path: path)
  let views = try ledger.read { db in
    (
      try view(db),
      try ParallelRead.run(db, parts: ParallelRead.parts(db)) { db, _ in try view(db) }
    )
  }
  #expect(views.1.count == (splits ? 2 : 1))
  #expect(views.1.allSatisfy { $0.settings == 1 })
  #expect(views.1[0].connection == views.0.connection)
  if splits { #expect(views.1[1].connection != views.0.connection) }
}

@Test func aPartIsReadOnTheFirstConnectionWhenTheLedgerChangedAfterTheReadBegan() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  let writer = try Ledger.open(path: path, create: true)
  let reader = try Ledger.openReadOnly(path: path)
  try reader.snapshot {
    let (before, parts) = try reader.read { db in
      let before = try view(db)
      // Committed after the read began: the partner would see it, so it reads nothing.
      try writer.setSetting("cpm_price", "30")
      return (before, try ParallelRead.run(db, parts: 2) { db, _ in try view(db) })
    }
    #expect(before.settings == 0)
    #expect(parts == [before, before])
  }
  // A read that begins after the change splits again, and both parts see it.
  let after = try reader.read { db in
    try ParallelRead.run(db, parts: ParallelRead.parts(db)) { db, _ in try view(db) }
  }
  #expect(after.allSatisfy { $0.settings == 1 })
  if splits { #expect(Set(after.map(\.connection)).count == 2) }
}

@Test func aLedgerOpenedWithoutParallelReadsOrInMemoryReadsInOnePart() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  _ = try Ledger.open(path: path, create: true)
  for ledger in [
    try Ledger.openReadOnly(path: path, parallel: false),
    try Ledger.open(path: path, parallel: false), try Ledger.inMemory(),
  ] {
    #expect(try ledger.read { db in ParallelRead.parts(db) } == 1)
  }
}

@Test func anErrorOfTheSecondPartIsThrownAfterBothPartsEnd() throws {
  let folder = try temporaryFolder()
  defer { removeTemporaryFolder(folder) }
  let path = folder + "/a.db"
  _ = try Ledger.open(path: path, create: true)
  let ledger = try Ledger.openReadOnly(path: path)
  struct PartFailed: Error {}
  let firstEnded = Mutex(false)
  // Ledger.read says which read failed; the part's error is in its words.
  #expect(throws: LedgerError.self) {
    try ledger.read { db in
      try ParallelRead.run(db, parts: 2) { db, part in
        if part == 1 { throw PartFailed() }
        _ = try view(db)
        firstEnded.withLock { $0 = true }
      }
    }
  }
  #expect(firstEnded.withLock { $0 })
}
