import LedgerStore

/// The demo's weekly 5A snapshots.
extension DemoGenerator {
  /// Weekly snapshots per brand, on the 7th day of the period and every 7 days after: the
  /// layers start at a size in proportion to the brand and grow with the people its videos
  /// reached, engaged and sold to that week, less a steady churn.
  func writeAudience(_ file: DemoCSVFile, brands totals: [BrandDays]) throws(LedgerError) {
    for (brand, name) in Self.brands.enumerated() where brand < parameters.videos {
      let scale = Int64([100, 70, 45][brand])
      var o = 12_000_000 * scale / 100
      var a1 = 2_400_000 * scale / 100
      var a2 = 600_000 * scale / 100
      var a3 = 180_000 * scale / 100
      var a4 = 50_000 * scale / 100
      var a5 = 9_000 * scale / 100
      let categoryTotal = 48_000_000 * scale / 100
      var week = 0
      while 7 * week + 6 < parameters.days {
        let range = (7 * week)..<(7 * week + 7)
        let days = brand < totals.count ? totals[brand] : BrandDays(days: parameters.days)
        let reach = range.reduce(0) { $0 + days.reach[$1] }
        let engagements = range.reduce(0) { $0 + days.engagements[$1] }
        let orders = range.reduce(0) { $0 + days.orders[$1] }
        a1 += reach / 80 - a1 / 40
        a2 += engagements / 8 + a1 / 200 - a2 / 25
        a3 += orders * 4 + a2 / 100 - a3 / 30
        a4 += orders * 7 / 10 - a4 / 60
        a5 += orders / 8 + a4 / 200 - a5 / 100
        o = max(o + o / 100 - reach / 100, a1)
        file.text(parameters.firstDay.adding(days: 7 * week + 6).description)
        file.text(name)
        for value in [o, a1, a2, a3, a4, a5, categoryTotal] { file.count(value) }
        try file.endRow()
        week += 1
      }
    }
  }
}
