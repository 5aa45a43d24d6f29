internal import GRDB
internal import GRDBSQLite

extension RunningSums {
  /// The videos whose stored running rows differ from a recomputation from `metric` (a row
  /// missing, extra or with other sums), by row id, with the first day that differs; at most
  /// `limit` of them, and how many there are in all.
  ///
  /// One pass over both tables in key order: memory does not grow with the ledger.
  static func differences(_ db: Database, limit: Int = 20) throws -> (
    videos: [(ref: Int64, day: Int32)], count: Int
  ) {
    let stored = try db.makeStatement(
      sql: "SELECT video_ref, day, sums FROM metric_running ORDER BY video_ref, day")
    let storedHandle = stored.sqliteStatement
    defer { sqlite3_reset(storedHandle) }
    var storedDone = false
    /// Steps the stored rows; false at their end.
    func advance() throws -> Bool {
      guard !storedDone else { return false }
      let code = sqlite3_step(storedHandle)
      if code == SQLITE_DONE {
        storedDone = true
        return false
      }
      guard code == SQLITE_ROW else {
        throw DatabaseError(
          resultCode: ResultCode(rawValue: code),
          message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: stored.sql)
      }
      return true
    }
    var hasStored = try advance()
    var found: [(ref: Int64, day: Int32)] = []
    var count = 0
    var lastBad: Int64?
    func differs(_ ref: Int64, _ day: Int32) {
      guard ref != lastBad else { return }
      lastBad = ref
      count += 1
      if found.count < limit { found.append((ref, day)) }
    }
    func storedKey() -> (Int64, Int32) {
      (
        sqlite3_column_int64(storedHandle, 0),
        Int32(truncatingIfNeeded: sqlite3_column_int64(storedHandle, 1))
      )
    }
    // Each expected row in key order: stored rows before it are extra, an equal key compares.
    try recompute(db) { ref, day, bytes in
      while hasStored, storedKey() < (ref, day) {
        let (extraRef, extraDay) = storedKey()
        differs(extraRef, extraDay)
        hasStored = try advance()
      }
      guard hasStored, storedKey() == (ref, day) else {
        differs(ref, day)
        return
      }
      let size = Int(sqlite3_column_bytes(storedHandle, 2))
      let same =
        size == bytes.count
        && bytes.withUnsafeBytes { expected in
          UnsafeRawBufferPointer(start: sqlite3_column_blob(storedHandle, 2), count: size)
            .elementsEqual(expected)
        }
      if !same { differs(ref, day) }
      hasStored = try advance()
    }
    while hasStored {
      let (extraRef, extraDay) = storedKey()
      differs(extraRef, extraDay)
      hasStored = try advance()
    }
    return (found, count)
  }

  /// Calls `row` with every running row `metric` implies, in key order, as it would be stored.
  static func recompute(
    _ db: Database, _ row: (Int64, Int32, [UInt8]) throws -> Void
  ) throws {
    let rows = try db.makeStatement(sql: allRowsSQL)
    let totals = RunningTotals()
    var bytes: [UInt8] = []
    var ref: Int64 = 0
    var day: Int32 = -1
    // Whether a row was read (a row id can be any integer, negative ones set by hand too).
    var started = false
    func emit() throws {
      bytes.removeAll(keepingCapacity: true)
      RunningCodec.encode(totals, into: &bytes)
      try row(ref, day, bytes)
    }
    try step(rows, db) { handle in
      let rowRef = sqlite3_column_int64(handle, 11)
      let rowDay = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      if started, rowRef != ref || rowDay != day { try emit() }
      if rowRef != ref { totals.clear() }
      ref = rowRef
      day = rowDay
      started = true
      try add(handle, to: totals, ref: ref, db)
    }
    if started { try emit() }
  }
}

extension RunningSums {
  /// The days whose stored totals (`metric_day`) differ from the sums of their metric rows,
  /// a row missing or extra included; at most `limit`, and how many in all.
  ///
  /// Then the same of the brands' day totals (`metric_brand_day`), which depend on
  /// `video.brand` too.
  static func dayDifferences(_ db: Database, limit: Int = 20) throws -> (
    days: [Int32], count: Int, brandDays: [BrandDay], brandCount: Int
  ) {
    var expected: [Int32: [UInt8]] = [:]
    var brands = try ExpectedBrandDays(db)
    let totals = RunningTotals()
    var current: Int32 = -1
    var bytes: [UInt8] = []
    func close() {
      bytes.removeAll(keepingCapacity: true)
      RunningCodec.encode(totals, into: &bytes)
      expected[current] = bytes
      totals.clear()
      brands.close(current)
    }
    let rows = try db.makeStatement(
      sql: """
        SELECT day, source, impressions, cost, gmv, refund, orders, likes, comments, shares,
               follows, video_ref
        FROM metric ORDER BY day
        """)
    // The same additions as the writes make, day by day (a sort by day: a deep check only).
    try step(rows, db) { handle in
      let day = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      if day != current, current >= 0 { close() }
      current = day
      try add(handle, to: totals, ref: sqlite3_column_int64(handle, 11), db)
      try brands.add(handle, db)
    }
    if current >= 0 { close() }
    var differing: Set<Int32> = []
    let days = try db.makeStatement(sql: "SELECT day, sums FROM metric_day")
    try step(days, db) { handle in
      let day = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      let stored = [UInt8](
        UnsafeRawBufferPointer(
          start: sqlite3_column_blob(handle, 1), count: Int(sqlite3_column_bytes(handle, 1))))
      if expected.removeValue(forKey: day) != stored { differing.insert(day) }
    }
    differing.formUnion(expected.keys)
    let sorted = differing.sorted()
    let brandDays = try brands.differences(db)
    return (
      Array(sorted.prefix(limit)), sorted.count, Array(brandDays.prefix(limit)), brandDays.count
    )
  }
}

extension Ledger {
  /// What `check --deep` finds wrong with the running sums: videos whose stored sums differ
  /// from their metric rows (the table edited outside aimt).
  static func runningSumsFindings(_ db: Database) throws -> [CheckFinding] {
    var findings: [CheckFinding] = []
    let (days, dayCount, brandDays, brandCount) = try RunningSums.dayDifferences(db)
    if brandCount > 0 {
      findings.append(
        CheckFinding(
          subject: "metric_brand_day",
          message: "the totals of \(brandCount) brand day\(brandCount == 1 ? "" : "s") differ "
            + "from the metric rows of the brand's videos ("
            + brandDays.prefix(5).map { "\($0.brand) \(Day(daysSinceEpoch: $0.day))" }
            .joined(separator: ", ")
            + (brandCount > 5 ? ", …" : "") + "): metric or video.brand was changed outside aimt",
          remedy: .rebuildRunningSums()))
    }
    if dayCount > 0 {
      findings.append(
        CheckFinding(
          subject: "metric_day",
          message: "the totals of \(dayCount) day\(dayCount == 1 ? "" : "s") differ from their "
            + "metric rows ("
            + days.prefix(5).map { Day(daysSinceEpoch: $0).description }.joined(separator: ", ")
            + (dayCount > 5 ? ", …" : "") + "): metric was changed outside aimt",
          remedy: .rebuildRunningSums()))
    }
    let (videos, count) = try RunningSums.differences(db)
    guard count > 0 else { return findings }
    var names: [String] = []
    for (ref, day) in videos.prefix(5) {
      let id =
        try String.fetchOne(db, sql: "SELECT video_id FROM video WHERE id = ?", arguments: [ref])
        ?? "row \(ref)"
      names.append("\(id) from \(Day(daysSinceEpoch: day))")
    }
    return findings + [
      CheckFinding(
        subject: "metric_running",
        message: "the running sums of \(count) video\(count == 1 ? "" : "s") differ from their "
          + "metric rows (\(names.joined(separator: ", "))\(count > names.count ? ", …" : "")), "
          + "so reports would read other numbers than the rows hold: metric was changed outside "
          + "aimt",
        remedy: .rebuildRunningSums())
    ]
  }
}

extension Ledger {
  /// Recomputes every running sum, day total and brand day total from the metric rows, in one
  /// transaction; returns how many videos' running sums and how many days' totals (of every
  /// video or of a brand's) had differed.
  package func rebuildRunningSums() throws(LedgerError) -> (videos: Int, days: Int) {
    try write { db in
      let (_, videos) = try RunningSums.differences(db, limit: 0)
      let found = try RunningSums.dayDifferences(db, limit: .max)
      let days = Set(found.days).union(found.brandDays.map(\.day)).count
      if videos > 0 || days > 0 { try RunningSums.rebuildAll(db) }
      return (videos, days)
    }
  }
}
