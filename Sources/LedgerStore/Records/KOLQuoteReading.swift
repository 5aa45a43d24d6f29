internal import GRDB

/// A KOL's 星图 quote as stored (kol_quote): money in fen, rates in parts per million.
package struct StoredKOLQuote: Sendable, Equatable {
  /// The day the export was taken.
  package var asOf: String
  /// The values the quote gives; absent fields were not in the export.
  package var values: [KOLQuoteField: Int64]
}

extension Ledger {
  /// The latest 星图 quote of a KOL (by `as_of`), or nil when it has none.
  package func latestQuote(kolID: String) throws(LedgerError) -> StoredKOLQuote? {
    try read { db in
      guard
        let row = try Row.fetchOne(
          db, sql: "SELECT * FROM kol_quote WHERE kol_id = ? ORDER BY as_of DESC LIMIT 1",
          arguments: [kolID])
      else { return nil }
      var values: [KOLQuoteField: Int64] = [:]
      // Column names from KOLQuoteField, never from data.
      for field in KOLQuoteField.allCases {
        if let value: Int64 = row[field.rawValue] { values[field] = value }
      }
      return StoredKOLQuote(asOf: row["as_of"], values: values)
    }
  }

  /// The 星图ID and Douyin user id of a KOL (nil where unknown).
  package func platformIDs(kolID: String) throws(LedgerError) -> (
    xingtuID: String?, douyinUID: String?
  ) {
    try read { db in
      let row = try Row.fetchOne(
        db, sql: "SELECT xingtu_id, douyin_uid FROM kol WHERE kol_id = ?", arguments: [kolID])
      return (row?["xingtu_id"], row?["douyin_uid"])
    }
  }
}
