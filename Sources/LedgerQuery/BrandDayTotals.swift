internal import GRDB
internal import LedgerStore

/// Reads `metric_brand_day`, the totals of each brand's videos' rows per day (docs/internals.md,
/// "Running sums"): a brand's report by day, week, month or tool costs a row per day, a range
/// of the table's key, whatever the number of its videos.
enum BrandDayTotals {
  /// Calls `body` with each day of `first…last` on which a video of `brand` has metric rows,
  /// and the totals of that brand's videos that day.
  ///
  /// As ``DayTotals/read(_:from:through:_:)``, the totals read are added in 128 bits too: the
  /// read throws, after `body`, when the Int64 sums `body` made could have wrapped.
  static func read(
    _ db: Database, brand: String, from first: Day, through last: Day,
    _ body: (_ day: Int32, _ totals: RunningTotals) throws -> Void
  ) throws {
    let statement = try db.cachedStatement(
      sql: """
        SELECT day, sums FROM metric_brand_day
        WHERE brand = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day
        """)
    try statement.setArguments([
      brand, Int64(first.daysSinceEpoch), Int64(last.daysSinceEpoch),
    ])
    try DayTotals.step(statement, db, brand: brand, body)
  }

  /// The paid spend (fen) of `brand`'s videos on each day of `first…last`, index 0 the first.
  static func dailyCost(_ db: Database, brand: String, from first: Day, through last: Day)
    throws -> [Int64]
  {
    var daily = [Int64](repeating: 0, count: max(last - first + 1, 0))
    try read(db, brand: brand, from: first, through: last) { day, totals in
      var cost: Int64 = 0
      for source in 0..<RunningTotals.sources { cost &+= totals[source, .cost] }
      daily[Int(day - first.daysSinceEpoch)] &+= cost
    }
    return daily
  }
}
