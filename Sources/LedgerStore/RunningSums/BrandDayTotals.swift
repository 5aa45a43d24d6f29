internal import GRDB
internal import GRDBSQLite

/// The changes a write makes to `metric_brand_day`, the totals of each brand's videos' rows per
/// day and source (docs/internals.md, "Running sums"), kept per brand and applied once at the
/// end, as the day totals' are.
final class BrandDayDeltas {
  private var brands: [String: DayTotalsDelta] = [:]
  /// The statement that reads a video's brand, prepared at the first lookup.
  private var lookup: Statement?
  /// The brand read last and its delta: a write's videos mostly share a few brands.
  private var last: (bytes: [UInt8], delta: DayTotalsDelta)?

  init() {}

  /// The delta of `brand`.
  func of(_ brand: String) -> DayTotalsDelta {
    if let known = brands[brand] { return known }
    let new = DayTotalsDelta(brand: brand)
    brands[brand] = new
    return new
  }

  /// The brand video `ref` has now (nil: none).
  func brand(ofVideo ref: Int64, _ db: Database) throws -> String? {
    let statement = try db.cachedStatement(sql: "SELECT brand FROM video WHERE id = ?1")
    let handle = statement.sqliteStatement
    sqlite3_reset(handle)
    sqlite3_bind_int64(handle, 1, ref)
    var brand: String?
    try RunningSums.step(statement, db) { handle in
      if let text = sqlite3_column_text(handle, 0) { brand = String(cString: text) }
    }
    return brand
  }

  /// The delta of the brand video `ref` has now; nil when it has none.
  ///
  /// Called for every video a write refreshes: one prepared lookup, and the brand's name is
  /// compared as bytes with the last one before a String is made.
  func of(videoRef ref: Int64, _ db: Database) throws -> DayTotalsDelta? {
    if lookup == nil { lookup = try db.makeStatement(sql: "SELECT brand FROM video WHERE id = ?1") }
    guard let statement = lookup else { return nil }
    let handle = statement.sqliteStatement
    sqlite3_reset(handle)
    sqlite3_bind_int64(handle, 1, ref)
    var delta: DayTotalsDelta?
    try RunningSums.step(statement, db) { handle in
      guard let text = sqlite3_column_text(handle, 0) else { return }
      let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, 0)))
      if let last, last.bytes.elementsEqual(bytes) {
        delta = last.delta
        return
      }
      let brand = String(decoding: bytes, as: UTF8.self)
      let found = of(brand)
      last = (Array(bytes), found)
      delta = found
    }
    return delta
  }

  /// Writes every changed row, brand by brand.
  func apply(_ db: Database) throws {
    for (_, delta) in brands.sorted(by: { $0.key < $1.key }) { try delta.apply(db) }
    brands = [:]
  }
}

/// Every video's brand by row id, for the passes over every metric row (a rebuild, a deep
/// check): one scan of `video`, then an array lookup a row.
struct VideoBrands {
  /// The brands, in name order.
  let names: [String]
  /// By video row id: the index of its brand in `names`.
  private let slots: SlotsByRef
  /// One delta per brand, for a rebuild.
  let deltas: [DayTotalsDelta]

  init(_ db: Database) throws {
    let names = try String.fetchAll(
      db, sql: "SELECT DISTINCT brand FROM video WHERE brand IS NOT NULL ORDER BY brand")
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
    let range = try Row.fetchOne(db, sql: "SELECT min(id), max(id), count(*) FROM video")
    let (lowest, highest, count): (Int64?, Int64?, Int?) = (range?[0], range?[1], range?[2])
    var slots = SlotsByRef(lowest: lowest ?? 0, highest: highest ?? -1, count: count ?? 0)
    let rows = try Row.fetchCursor(db, sql: "SELECT id, brand FROM video WHERE brand IS NOT NULL")
    while let row = try rows.next() {
      let id: Int64 = row[0]
      let brand: String = row[1]
      if let slot = index[brand] { slots.set(Int(slot), ref: id) }
    }
    self.names = names
    self.slots = slots
    deltas = names.map { DayTotalsDelta(brand: $0) }
  }

  /// The index in ``names`` of the brand of video `ref`; nil when it has none.
  @inline(__always)
  func slot(of ref: Int64) -> Int? {
    slots[ref]
  }

  /// The rebuild delta of the brand of video `ref`; nil when it has none.
  @inline(__always)
  func delta(of ref: Int64) -> DayTotalsDelta? { slot(of: ref).map { deltas[$0] } }

  /// Writes the rebuilt rows of every brand.
  func apply(_ db: Database) throws {
    for delta in deltas { try delta.apply(db) }
  }
}

extension RunningSums {
  /// Moves the days of each video whose brand a write changed from the brand its stored
  /// running sums count for (`before`) to the one it has now: each stored day's totals (each
  /// day of its chunks) leave the old brand's rows and join the new's.
  ///
  /// Runs before the refresh rewrites any running row; the refresh then counts the video's
  /// changed days for its new brand.
  static func moveBrands(
    _ db: Database, _ before: [Int64: String?], _ brands: BrandDayDeltas
  ) throws {
    guard !before.isEmpty else { return }
    let rows = try db.cachedStatement(
      sql: "SELECT sums FROM metric_running WHERE video_ref = ?1 ORDER BY chunk")
    let scratch = RunningTotals()
    for (ref, old) in before.sorted(by: { $0.key < $1.key }) {
      let new = try brands.brand(ofVideo: ref, db)
      guard old != new else { continue }
      let from = old.map(brands.of)
      let to = new.map(brands.of)
      sqlite3_reset(rows.sqliteStatement)
      sqlite3_bind_int64(rows.sqliteStatement, 1, ref)
      try step(rows, db) { handle in
        guard let bytes = RunningCodec.bytes(column: 0, of: handle),
          RunningChunk.forEachDay(
            bytes, scratch: scratch,
            { day, stored in
              from?.add(day, stored, sign: -1)
              to?.add(day, stored, sign: 1)
            })
        else { throw damaged(ref) }
      }
    }
  }

  /// Builds every brand's day totals from `metric`: for a ledger made before the table
  /// existed.
  static func rebuildBrandDays(_ db: Database) throws {
    try db.execute(sql: "DELETE FROM metric_brand_day")
    let brands = try VideoBrands(db)
    let rows = try db.makeStatement(sql: allRowsSQL)
    try step(rows, db) { handle in
      let ref = sqlite3_column_int64(handle, 11)
      guard let delta = brands.delta(of: ref) else { return }
      let day = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 0))
      try add(handle, to: delta.of(day), ref: ref, db)
    }
    try brands.apply(db)
  }
}

/// A brand and a day: the key of `metric_brand_day`.
struct BrandDay: Hashable, Comparable {
  var brand: String
  var day: Int32

  static func < (a: BrandDay, b: BrandDay) -> Bool {
    a.brand != b.brand ? a.brand < b.brand : a.day < b.day
  }
}

/// What the deep check expects `metric_brand_day` to hold, built during its pass over the
/// metric rows in day order: each brand's totals of the day being read, encoded when the day
/// ends.
struct ExpectedBrandDays {
  let brands: VideoBrands
  private let totals: [RunningTotals]
  private var touched: [Int] = []
  /// The encoded totals of each brand and day with rows, by brand index.
  private(set) var expected: [Int: [Int32: [UInt8]]] = [:]

  init(_ db: Database) throws {
    brands = try VideoBrands(db)
    totals = brands.names.map { _ in RunningTotals() }
  }

  /// Adds the metric row under `handle` (columns as in ``RunningSums/videoRowsSQL``, the
  /// video in column 11).
  @inline(__always)
  mutating func add(_ handle: OpaquePointer?, _ db: Database) throws {
    let ref = sqlite3_column_int64(handle, 11)
    guard let slot = brands.slot(of: ref) else { return }
    let target = totals[slot]
    if !(0..<RunningTotals.sources).contains(where: target.has) { touched.append(slot) }
    try RunningSums.add(handle, to: target, ref: ref, db)
  }

  /// Ends `day`: keeps the encoding of each brand's totals.
  mutating func close(_ day: Int32) {
    var bytes: [UInt8] = []
    for slot in touched {
      bytes.removeAll(keepingCapacity: true)
      RunningCodec.encode(totals[slot], into: &bytes)
      expected[slot, default: [:]][day] = bytes
      totals[slot].clear()
    }
    touched.removeAll(keepingCapacity: true)
  }

  /// The brand days whose stored rows differ from what was expected, a row missing or extra
  /// included, in key order.
  mutating func differences(_ db: Database) throws -> [BrandDay] {
    var differing: [BrandDay] = []
    let index = Dictionary(
      uniqueKeysWithValues: brands.names.enumerated().map { ($1, $0) })
    let stored = try db.makeStatement(sql: "SELECT brand, day, sums FROM metric_brand_day")
    try RunningSums.step(stored, db) { handle in
      let brand = sqlite3_column_text(handle, 0).map { String(cString: $0) } ?? ""
      let day = Int32(truncatingIfNeeded: sqlite3_column_int64(handle, 1))
      let bytes = [UInt8](
        UnsafeRawBufferPointer(
          start: sqlite3_column_blob(handle, 2), count: Int(sqlite3_column_bytes(handle, 2))))
      guard let slot = index[brand], expected[slot]?.removeValue(forKey: day) == bytes else {
        differing.append(BrandDay(brand: brand, day: day))
        return
      }
    }
    for (slot, days) in expected {
      for day in days.keys { differing.append(BrandDay(brand: brands.names[slot], day: day)) }
    }
    expected = [:]
    return differing.sorted()
  }
}
