import Foundation
internal import GRDB

// The KOLs of a 巨量星图 export: found by their 星图ID or Douyin user id when the file has no
// 抖音号, and their quotes kept per day (docs/decisions.md, "KOLs without a 抖音号").

extension LedgerWriter {
  /// The `kol_id` of the KOL `input` names.
  ///
  /// Its own when given (checking that its 星图ID and
  /// user id name no other KOL), else the KOL carrying its 星图ID or user id, else — when the
  /// write creates missing parents — `xingtu:ID` or `uid:UID`. Nil, with a problem, when
  /// there is none or the ids disagree.
  func resolveKOL(_ input: KOLInput, at location: SourceLocation) throws -> String? {
    var owners: [(column: String, id: String, owner: String)] = []
    for (column, id) in [("xingtu_id", input.xingtuID), ("douyin_uid", input.douyinUID)] {
      guard let id else { continue }
      // Column names come from this file, never from input.
      if let owner = try String.fetchOne(
        db.cachedStatement(sql: "SELECT kol_id FROM kol WHERE \(column) = ?"), arguments: [id])
      {
        owners.append((column, id, owner))
      }
    }
    if !input.kolID.isEmpty {
      for found in owners where found.owner != input.kolID {
        report(
          location.problem(
            found.column,
            "\(found.id) already names KOL '\(found.owner)', not '\(input.kolID)'; correct "
              + "the row, or the \(found.column) of KOL '\(found.owner)'"))
        return nil
      }
      return input.kolID
    }
    if let first = owners.first {
      if let other = owners.first(where: { $0.owner != first.owner }) {
        report(
          location.problem(
            other.column,
            "\(first.column) \(first.id) names KOL '\(first.owner)' but \(other.column) "
              + "\(other.id) names KOL '\(other.owner)'; correct the row"))
        return nil
      }
      return first.owner
    }
    let created = input.xingtuID.map { "xingtu:\($0)" } ?? "uid:\(input.douyinUID ?? "")"
    let named =
      input.xingtuID.map { "星图ID \($0)" } ?? "达人UID \(input.douyinUID ?? "")"
    guard options.createMissing else {
      report(
        location.problem(
          input.xingtuID != nil ? "xingtu_id" : "douyin_uid",
          "no KOL with \(named) in the ledger and the file has no 抖音号 (kol_id) column",
          remedy: .createMissing(.kol, key: created, byOtherID: true)))
      return nil
    }
    return created
  }

  /// Writes the 星图 quote of `input` (already resolved to its KOL) as of its day, with the
  /// revisions of the values it changes.
  func upsertQuote(_ input: KOLInput, at location: SourceLocation) throws {
    guard !input.quote.values.isEmpty else { return }
    guard let asOf = input.asOf else {
      report(
        location.problem(
          "as_of",
          "a 星图 quote needs the day it was taken", remedy: .giveDate))
      return
    }
    var withinLimits = true
    var fields: [(String, DatabaseValue)] = []
    for field in KOLQuoteField.allCases {
      guard let value = input.quote.values[field] else { continue }
      if field.isRate, !(0...1_000_000).contains(value) {
        report(location.problem(field.rawValue, "must be between 0 and 100% (got \(value) ppm)"))
        withinLimits = false
      } else if !field.isRate,
        let violation = LedgerRules.limitViolation(
          column: field.rawValue, value: value, isMoney: field.isMoney)
      {
        report(location.problem(violation.column, violation.message))
        withinLimits = false
      }
      fields.append((field.rawValue, value.databaseValue))
    }
    guard withinLimits else { return }
    let date = asOf.description
    let existing = try Row.fetchOne(
      db, sql: "SELECT * FROM kol_quote WHERE kol_id = ? AND as_of = ?",
      arguments: [input.kolID, date])
    let outcome = try applyRow(
      table: "kol_quote",
      key: [("kol_id", input.kolID.databaseValue), ("as_of", date.databaseValue)],
      existing: existing, fields: fields,
      revision: RevisionKey(entity: "kol_quote", key: input.kolID, date: date),
      stamp: [("batch_id", try currentBatch().databaseValue)])
    record(outcome, kind: .quotes)
  }
}
