internal import GRDB

/// What ``Ledger/repack()`` did: the file's page size and size before and after.
public struct RepackSummary: Sendable, Equatable {
  public var pageSizeBefore: Int
  public var pageSizeAfter: Int
  public var bytesBefore: Int64
  public var bytesAfter: Int64
}

extension Ledger {
  /// The size of the ledger file's pages, in bytes (16 KiB for a ledger made by this aimt; 4 KiB
  /// for one made before docs/internals.md, "Page size").
  public func filePageSize() throws(LedgerError) -> Int {
    try read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0 }
  }

  /// Rewrites the ledger file with ``pageSize`` pages and no free pages (SQLite's VACUUM), so a
  /// ledger made by an earlier aimt reads as fast as a new one (docs/internals.md, "Page size").
  ///
  /// SQLite changes a page size only outside WAL mode, so the ledger leaves WAL mode for the
  /// rewrite and returns to it after: that needs the file alone, and another process that has it
  /// open (a report, an import, a backup) makes this ``LedgerError/inUse(path:)``, changing
  /// nothing. The rewrite is one transaction under a rollback journal: stopped midway (a kill, a
  /// full disk), SQLite restores the file as it was at its next write open (`aimt init`). It
  /// needs free disk space about twice the ledger's size (a temporary copy and the journal).
  /// Safe to run again: a ledger with the right page size and no free pages is rewritten the
  /// same.
  public func repack() throws(LedgerError) -> RepackSummary {
    closeReadPartner()
    do {
      return try writer.writeWithoutTransaction { db in
        func number(_ pragma: String) throws -> Int64 {
          try Int64.fetchOne(db, sql: "PRAGMA \(pragma)") ?? 0
        }
        let pageSizeBefore = try number("page_size")
        let bytesBefore = try pageSizeBefore * number("page_count")
        // A change of journal mode that cannot take the file alone leaves the mode unchanged
        // (SQLite answers with the old one) or fails with SQLITE_BUSY.
        let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
        guard mode == "delete" else { throw LedgerError.inUse(path: path) }
        var repacked: Result<Void, any Error>
        do {
          try db.execute(sql: "PRAGMA page_size = \(Ledger.pageSize)")
          try db.execute(sql: "VACUUM")
          repacked = .success(())
        } catch {
          repacked = .failure(error)
        }
        // Back to WAL whatever happened; if another process began reading meanwhile, the next
        // write open of the ledger switches it (`Ledger.open`), and reads work in either mode.
        _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        try repacked.get()
        let pageSizeAfter = try number("page_size")
        return RepackSummary(
          pageSizeBefore: Int(pageSizeBefore), pageSizeAfter: Int(pageSizeAfter),
          bytesBefore: bytesBefore, bytesAfter: try pageSizeAfter * number("page_count"))
      }
    } catch let error as LedgerError {
      throw error
    } catch let error as DatabaseError
      where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    {
      throw .inUse(path: path)
    } catch {
      throw LedgerError(error, path: path, doing: "repacking the ledger")
    }
  }
}
