internal import GRDB
internal import GRDBSQLite

/// The changes a write makes to `metric_day`, the totals of all videos' rows per day and source
/// (docs/internals.md, "Running sums"): what the refresh of each video took away from a day
/// and added to it, applied to the stored rows once at the end.
///
/// With a `brand`, the changes to that brand's rows of `metric_brand_day` instead (the totals
/// of the brand's videos only).
final class DayTotalsDelta {
  /// The deltas of the days from `base` on, by day less `base` (nil: none yet), for up to
  /// ``denseDays`` days: a write refreshes a row or two per metric row, each adding to a day,
  /// and a day found by its place costs a few instructions where a dictionary hashed it (2 % of
  /// a first load's writing thread).
  @exclusivity(unchecked) private var dense: [RunningTotals?] = []
  /// The values of each block of `dense` (nil: none), which `dense` keeps alive: read by
  /// ``add(_:_:sign:)`` for every day a write closes, without the retain and release of the
  /// block a class reference read from an array costs (about 1 % of a first load's writing
  /// thread).
  @exclusivity(unchecked) private var denseValues: [UnsafeMutablePointer<Int64>?] = []
  /// The first day of `dense`; nil until a day is met.
  @exclusivity(unchecked) private var base: Int32?
  /// The days outside `dense`.
  @exclusivity(unchecked) private var sparse: [Int32: RunningTotals] = [:]
  /// The brand whose rows change; nil: `metric_day`.
  let brand: String?

  /// How many days `dense` covers at most (22 years), and how far before the first day met it
  /// begins (a refresh's days mostly follow each other; an older day falls outside).
  static let denseDays = 8192
  static let denseLead: Int32 = 64

  init(brand: String? = nil) { self.brand = brand }

  /// The delta of `day`.
  func of(_ day: Int32) -> RunningTotals {
    let base = self.base ?? day &- Self.denseLead
    self.base = base
    let place = Int(day) - Int(base)
    guard place >= 0, place < Self.denseDays else {
      if let known = sparse[day] { return known }
      let new = RunningTotals()
      sparse[day] = new
      return new
    }
    if place < dense.count, let known = dense[place] { return known }
    if place >= dense.count {
      denseValues.append(contentsOf: repeatElement(nil, count: place + 1 - dense.count))
      dense.append(contentsOf: repeatElement(nil, count: place + 1 - dense.count))
    }
    let new = RunningTotals()
    dense[place] = new
    denseValues[place] = new.values
    return new
  }

  /// The values of the delta of `day`: those of ``of(_:)``.
  @inline(__always)
  private func values(of day: Int32) -> UnsafeMutablePointer<Int64> {
    if let base {
      let place = Int(day) - Int(base)
      if place >= 0, place < denseValues.count, let known = denseValues[place] { return known }
    }
    return of(day).values
  }

  /// Every day with a delta, in day order.
  private var days: [(key: Int32, value: RunningTotals)] {
    let base = self.base ?? 0
    var days = dense.enumerated().compactMap { place, delta in
      delta.map { (key: base + Int32(place), value: $0) }
    }
    days += sparse.map { (key: $0.key, value: $0.value) }
    return days.sorted { $0.key < $1.key }
  }

  /// Adds (`sign` 1) or takes away (`sign` -1) one video's totals of `day`.
  ///
  /// Only the sources with rows: a source without any has every total 0.
  func add(_ day: Int32, _ totals: RunningTotals, sign: Int64) {
    let target = values(of: day)
    for source in 0..<RunningTotals.sources where totals.has(source) {
      let base = source * RunningField.count
      for index in base..<base + RunningField.count {
        target[index] &+= totals.values[index] &* sign
      }
    }
  }

  /// Writes each changed day's stored totals plus its delta; a day left without rows goes.
  func apply(_ db: Database) throws {
    let days = self.days
    guard !days.isEmpty else { return }
    // The brand, when there is one, is parameter 3 of each statement.
    let (read, write, delete) =
      brand == nil
      ? (
        try db.cachedStatement(sql: "SELECT sums FROM metric_day WHERE day = ?1"),
        try db.cachedStatement(
          sql: "INSERT OR REPLACE INTO metric_day (day, sums) VALUES (?1, ?2)"),
        try db.cachedStatement(sql: "DELETE FROM metric_day WHERE day = ?1")
      )
      : (
        try db.cachedStatement(
          sql: "SELECT sums FROM metric_brand_day WHERE brand = ?3 AND day = ?1"),
        try db.cachedStatement(
          sql: "INSERT OR REPLACE INTO metric_brand_day (brand, day, sums) VALUES (?3, ?1, ?2)"),
        try db.cachedStatement(sql: "DELETE FROM metric_brand_day WHERE brand = ?3 AND day = ?1")
      )
    if let brand {
      for statement in [read, write, delete] {
        _ = sqlite3_bind_text(statement.sqliteStatement, 3, brand, -1, sqliteTransient)
      }
    }
    var bytes: [UInt8] = []
    for (day, delta) in days {
      let handle = read.sqliteStatement
      sqlite3_reset(handle)
      sqlite3_bind_int64(handle, 1, Int64(day))
      try RunningSums.step(read, db) { handle in
        guard RunningCodec.accumulate(column: 0, of: handle, sign: 1, into: delta) else {
          throw RunningSums.damagedDay(day, brand: brand)
        }
      }
      // Stored totals are within Int64 and a day's true total is not negative: a negative
      // result is a total beyond Int64 that wrapped.
      guard (0..<RunningTotals.width).allSatisfy({ delta.values[$0] >= 0 }) else {
        throw LedgerError.invalidData([
          SourceLocation.commandLine.problem(
            "date",
            "the totals of \(Day(daysSinceEpoch: day)) over "
              + (brand.map { "the videos of brand \($0)" } ?? "every video") + " would pass "
              + "9,223,372,036,854,775,807, more than aimt adds up exactly: the numbers written "
              + "are implausibly large; check their units")
        ])
      }
      let statement: Statement
      if (0..<RunningTotals.sources).contains(where: delta.has) {
        bytes.removeAll(keepingCapacity: true)
        RunningCodec.encode(delta, into: &bytes)
        statement = write
        let handle = write.sqliteStatement
        sqlite3_bind_int64(handle, 1, Int64(day))
        bytes.withUnsafeBytes { raw in
          _ = sqlite3_bind_blob(handle, 2, raw.baseAddress, Int32(raw.count), sqliteTransient)
        }
      } else {
        statement = delete
        sqlite3_bind_int64(delete.sqliteStatement, 1, Int64(day))
      }
      try RunningSums.step(statement, db) { _ in }
    }
    (dense, denseValues, base, sparse) = ([], [], nil, [:])
  }
}

/// SQLite's "copy the bound memory now" destructor.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension RunningSums {
  package static func damagedDay(_ day: Int32, brand: String? = nil) -> LedgerError {
    .implausibleData(
      message: "the day totals of \(Day(daysSinceEpoch: day))"
        + (brand.map { " of brand \($0)" } ?? "") + " are unreadable (edited outside aimt?)",
      remedy: .rebuildRunningSums(checkFirst: true))
  }
}
