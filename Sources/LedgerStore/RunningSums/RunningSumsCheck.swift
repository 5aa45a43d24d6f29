internal import GRDB
internal import GRDBSQLite

extension RunningSums {
  /// The videos whose stored running sums differ from a recomputation from `metric` (a chunk
  /// missing, extra or with other sums), by row id, with the first day of the first chunk that
  /// differs; at most `limit` of them, and how many there are in all.
  ///
  /// One pass over both tables in key order: memory does not grow with the ledger.
  static func differences(_ db: Database, limit: Int = 20) throws -> (
    videos: [(ref: Int64, day: Int32)], count: Int
  ) {
    let stored = try db.makeStatement(
      sql: "SELECT video_ref, chunk, sums FROM metric_running ORDER BY video_ref, chunk")
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
    /// Notes that video `ref`'s chunk `chunk` differs: `expected` and `stored` its encodings
    /// (nil: none), for the first day that differs.
    func differs(
      _ ref: Int64, _ chunk: Int64, expected: UnsafeRawBufferPointer?,
      stored: UnsafeRawBufferPointer?
    ) {
      guard ref != lastBad else { return }
      lastBad = ref
      count += 1
      if found.count < limit {
        found.append((ref, firstDifference(chunk, expected: expected, stored: stored)))
      }
    }
    func storedBytes() -> UnsafeRawBufferPointer? {
      RunningCodec.bytes(column: 2, of: storedHandle)
    }
    func storedKey() -> (Int64, Int64) {
      (sqlite3_column_int64(storedHandle, 0), sqlite3_column_int64(storedHandle, 1))
    }
    // Each expected chunk in key order: stored ones before it are extra, an equal key
    // compares.
    try recompute(db) { ref, chunk, bytes in
      while hasStored, storedKey() < (ref, chunk) {
        let (extraRef, extraChunk) = storedKey()
        differs(extraRef, extraChunk, expected: nil, stored: storedBytes())
        hasStored = try advance()
      }
      guard hasStored, storedKey() == (ref, chunk) else {
        differs(ref, chunk, expected: bytes, stored: nil)
        return
      }
      let stored = storedBytes()
      if !RunningCodec.sameRow(stored, bytes) {
        differs(ref, chunk, expected: bytes, stored: stored)
      }
      hasStored = try advance()
    }
    while hasStored {
      let (extraRef, extraChunk) = storedKey()
      differs(extraRef, extraChunk, expected: nil, stored: storedBytes())
      hasStored = try advance()
    }
    return (found, count)
  }

  /// The first day on which chunk `chunk` as `expected` and as `stored` (nil: none, or not
  /// readable) give other running sums; the chunk's first day when they differ only in their
  /// encoding.
  static func firstDifference(
    _ chunk: Int64, expected: UnsafeRawBufferPointer?, stored: UnsafeRawBufferPointer?
  ) -> Int32 {
    /// Each day of a chunk with its running sums through it.
    func days(_ bytes: UnsafeRawBufferPointer?) -> [(day: Int32, sums: [Int64])] {
      guard let bytes else { return [] }
      let totals = RunningTotals()
      var days: [(day: Int32, sums: [Int64])] = []
      _ = RunningChunk.forEachDay(bytes, base: totals, scratch: RunningTotals()) { day, own in
        for index in 0..<RunningTotals.width { totals.values[index] &+= own.values[index] }
        days.append(
          (day, Array(UnsafeBufferPointer(start: totals.values, count: RunningTotals.width))))
      }
      return days
    }
    let (a, b) = (days(expected), days(stored))
    for (x, y) in zip(a, b) where x.day != y.day || x.sums != y.sums {
      return min(x.day, y.day)
    }
    if a.count != b.count { return (a.count > b.count ? a : b)[min(a.count, b.count)].day }
    return RunningChunk.firstDay(of: chunk) ?? (chunk < 0 ? .min : .max)
  }

  /// Calls `row` with every chunk of running sums `metric` implies, in key order, as it would
  /// be stored.
  static func recompute(
    _ db: Database, _ row: (Int64, Int64, UnsafeRawBufferPointer) throws -> Void
  ) throws {
    let rows = try db.makeStatement(sql: allRowsSQL)
    let totals = RunningTotals()
    let builder = RunningChunkBuilder()
    var ref: Int64 = 0
    var day: Int32 = -1
    // Whether a row was read (a row id can be any integer, negative ones set by hand too).
    var started = false
    func emit() throws {
      if !builder.hasVideo { _ = builder.start(ref, firstDay: day, stored: nil) }
      try builder.add(day, totals) { chunk, bytes in try row(ref, chunk, bytes) }
    }
    try step(rows, db) { handle in
      let rowRef = sqlite3_column_int64(handle, 11)
      let rowDay = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      if started, rowRef != ref || rowDay != day { try emit() }
      if started, rowRef != ref {
        try builder.close { chunk, bytes in try row(ref, chunk, bytes) }
      }
      if rowRef != ref { totals.clear() }
      ref = rowRef
      day = rowDay
      started = true
      try add(handle, to: totals, ref: ref, db)
    }
    if started {
      try emit()
      try builder.close { chunk, bytes in try row(ref, chunk, bytes) }
    }
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
