internal import GRDB
public import LedgerStore

/// One 5A snapshot of a brand with what it means (docs/data-model.md, "report 5a").
public struct AudienceRow: Sendable, Equatable {
  public var date: Day
  /// O, A1 … A5, in that order.
  public var o: Int64
  public var layers: [Int64]
  public var categoryTotal: Int64?
  /// Spend (fen) on the days after the previous snapshot up to and including this one; nil for
  /// the brand's first snapshot.
  public var spend: Int64?
  /// Total of the previous snapshot; nil for the first.
  public var previousTotal: Int64?
  /// Each layer's additions of the day (新增), O to A5; nil where the export gave none.
  public var additions: [Int64?] = Array(repeating: nil, count: 6)
  /// Each layer's losses of the day (流失), O to A5; nil where the export gave none.
  public var losses: [Int64?] = Array(repeating: nil, count: 6)

  /// Whether the snapshot knows any layer's additions or losses.
  public var hasFlow: Bool {
    additions.contains { $0 != nil } || losses.contains { $0 != nil }
  }

  /// A1 + … + A5.
  public var total: Int64 { layers.reduce(0, +) }
  /// A2 + A3, the pool Qianchuan's fast promotion consumes.
  public var a2a3: Int64 { layers[1] + layers[2] }
  /// Each layer's share of the total (A1 … A5); nil when the total is 0.
  public var shares: [Fraction?] {
    layers.map { Fraction(Int128($0), over: Int128(total)) }
  }
  /// Growth of the total since the previous snapshot (may be negative); nil for the first.
  public var deltaTotal: Int64? { previousTotal.map { total - $0 } }
  /// Total over the category's total; nil when the category total is unknown or 0.
  public var penetration: Fraction? {
    categoryTotal.flatMap { Fraction(Int128(total), over: Int128($0)) }
  }
  /// Yuan of spend per new asset (spend ÷ delta_total) when the total grew; else nil.
  public var costPerNewAsset: Fraction? {
    guard let spend, let delta = deltaTotal, delta > 0 else { return nil }
    return Fraction(Int128(spend), over: Int128(delta) * 100)
  }
}

extension Ledger {
  /// The 5A snapshots of `brand` dated `since...until` (either nil: unbounded), oldest first.
  ///
  /// The delta and spend of the first row listed are measured from the snapshot before it, even
  /// when that one is before `since`; only the brand's very first snapshot has none.
  public func audienceReport(
    brand: String, since: Day? = nil, until: Day? = nil
  ) throws(LedgerError) -> [AudienceRow] {
    try read { db in
      guard
        try Bool.fetchOne(db, sql: "SELECT 1 FROM brand WHERE name = ?", arguments: [brand])
          != nil
      else {
        throw LedgerError.notFound(
          entity: "brand", key: brand,
          known: try String.fetchAll(db, sql: "SELECT name FROM brand ORDER BY name LIMIT 50"))
      }
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT date, o, a1, a2, a3, a4, a5, category_total,
                 new_o, new_a1, new_a2, new_a3, new_a4, new_a5,
                 lost_o, lost_a1, lost_a2, lost_a3, lost_a4, lost_a5
          FROM audience
          WHERE brand = ? AND date <= coalesce(?, '9999-12-31') ORDER BY date
          """,
        arguments: [brand, until?.description])
      var snapshots: [AudienceRow] = []
      for row in rows {
        guard let date = try? Day.parse(row["date"] as String) else { continue }
        var snapshot = AudienceRow(
          date: date, o: row["o"], layers: ["a1", "a2", "a3", "a4", "a5"].map { row[$0] },
          categoryTotal: row["category_total"], spend: nil, previousTotal: nil)
        // Column names from AudienceField, never from data.
        snapshot.additions = AudienceField.additions.map { row[$0.rawValue] }
        snapshot.losses = AudienceField.losses.map { row[$0.rawValue] }
        snapshots.append(snapshot)
      }
      let firstShown = snapshots.firstIndex { $0.date >= (since ?? $0.date) } ?? snapshots.count
      guard firstShown < snapshots.count else { return [] }
      // Daily spend of the brand from the day after the snapshot before the first shown.
      let from = firstShown > 0 ? snapshots[firstShown - 1].date.adding(days: 1) : snapshots[0].date
      let to = snapshots[snapshots.count - 1].date
      // Read from the brand's day totals, a row a day (docs/internals.md, "Running sums").
      let daily = try BrandDayTotals.dailyCost(db, brand: brand, from: from, through: to)
      for index in max(firstShown, 1)..<snapshots.count {
        let previous = snapshots[index - 1]
        snapshots[index].previousTotal = previous.total
        let start = max(previous.date.adding(days: 1) - from, 0)
        let end = snapshots[index].date - from
        snapshots[index].spend = start <= end ? daily[start...end].reduce(0, &+) : 0
      }
      return Array(snapshots[firstShown...])
    }
  }
}
