internal import GRDB
internal import GRDBSQLite

/// The stored form of a row of `metric_running`: one video's running sums over a chunk of
/// ``days`` days (docs/internals.md, "Running sums in chunks").
///
/// A version byte (2), the chunk's number (its first day divided by ``days``, rounded down) as
/// an LEB128 integer of its 64-bit pattern, the body of ``RunningCodec`` (a 16-bit mask, then
/// values) holding the video's totals over every day before the chunk, then for each day of
/// the chunk with metric rows, in order, its offset in the chunk (one byte, 0 to 15) and the
/// body of that day's own totals. The running sums through a day of the chunk are the first
/// body plus the days' bodies up to that day; a chunk without days is never stored.
package enum RunningChunk {
  /// Days per chunk.
  package static let days: Int32 = 16
  static let shift: Int32 = 4
  static let version: UInt8 = 2

  /// The number of the chunk holding `day`.
  @inline(__always)
  package static func number(of day: Int32) -> Int64 { Int64(day >> shift) }

  /// The first day of chunk `number` (nil when it is no chunk of an Int32 day).
  @inline(__always)
  static func firstDay(of number: Int64) -> Int32? {
    guard number >= Int64(Int32.min >> shift), number <= Int64(Int32.max >> shift) else {
      return nil
    }
    return Int32(number) << shift
  }

  /// A chunk's first day, where its first body begins, and where its bytes end.
  struct Header {
    let first: Int32
    let base: UnsafeRawPointer
    let end: UnsafeRawPointer
  }

  /// Reads the version and the chunk's number; nil when the bytes are not a chunk aimt wrote.
  @inline(__always)
  static func header(_ bytes: UnsafeRawBufferPointer) -> Header? {
    guard bytes.count >= 4, let start = bytes.baseAddress, bytes[0] == version else { return nil }
    let end = start + bytes.count
    var next = start + 1
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard next < end, shift < 64 else { return nil }
      let byte = next.load(as: UInt8.self)
      next += 1
      value |= UInt64(byte & 0x7F) << shift
      shift += 7
      if byte < 0x80 { break }
    }
    guard let first = firstDay(of: Int64(bitPattern: value)) else { return nil }
    return Header(first: first, base: next, end: end)
  }

  /// Adds (`sign` 1) or subtracts (`sign` -1) the video's running sums through `day` (through
  /// the chunk's last day when nil) that chunk `bytes` holds, to `totals`; false when the
  /// bytes are not a chunk aimt wrote.
  ///
  /// It wraps, as ``RunningCodec/accumulate(_:sign:into:)`` does: a window's sums are one
  /// running sum less another, both within Int64.
  @inline(__always)
  package static func accumulate(
    _ bytes: UnsafeRawBufferPointer, through day: Int32? = nil, sign: Int64,
    into totals: RunningTotals
  ) -> Bool {
    guard let header = header(bytes),
      var next = RunningCodec.accumulateBody(
        from: header.base, end: header.end, sign: sign, into: totals)
    else { return false }
    var previous = -1
    while next < header.end {
      let offset = Int(next.load(as: UInt8.self))
      guard offset > previous, offset < Int(days) else { return false }
      if let day, header.first + Int32(offset) > day { return true }
      guard
        let after = RunningCodec.accumulateBody(
          from: next + 1, end: header.end, sign: sign, into: totals)
      else { return false }
      previous = offset
      next = after
    }
    return previous >= 0
  }

  /// Sets each `targets[i]` (``RunningTotals/width`` values) to the video's running sums
  /// through `days[i]` (ascending) that chunk `bytes` holds, in one decode.
  ///
  /// ``accumulate(_:through:sign:into:)`` decodes the chunk up to each day again
  /// (docs/internals.md, "One seek per chunk"). `scratch` is overwritten; false when the bytes
  /// are not a chunk aimt wrote.
  package static func load(
    _ bytes: UnsafeRawBufferPointer, through days: UnsafeBufferPointer<Int32>,
    into targets: UnsafeBufferPointer<UnsafeMutablePointer<Int64>>, scratch: RunningTotals
  ) -> Bool {
    precondition(targets.count == days.count)
    scratch.clear()
    guard let header = header(bytes),
      var next = RunningCodec.accumulateBody(
        from: header.base, end: header.end, sign: 1, into: scratch)
    else { return false }
    var previous = -1
    var target = 0
    while next < header.end {
      let offset = Int(next.load(as: UInt8.self))
      guard offset > previous, offset < Int(self.days) else { return false }
      let entryDay = header.first + Int32(offset)
      // Every day before this entry's has its sums: the ones decoded so far.
      while target < days.count, entryDay > days[target] {
        targets[target].update(from: scratch.values, count: RunningTotals.width)
        target += 1
      }
      if target == days.count { return true }
      guard
        let after = RunningCodec.accumulateBody(
          from: next + 1, end: header.end, sign: 1, into: scratch)
      else { return false }
      previous = offset
      next = after
    }
    guard previous >= 0 else { return false }
    while target < days.count {
      targets[target].update(from: scratch.values, count: RunningTotals.width)
      target += 1
    }
    return true
  }

  /// ``accumulate(_:through:sign:into:)`` on the blob in column `column` of the row a
  /// statement (`handle`) is on; true with nothing added for NULL (no chunk: no sums).
  @inline(__always)
  package static func accumulate(
    column: Int32, of handle: OpaquePointer?, through day: Int32? = nil, sign: Int64,
    into totals: RunningTotals
  ) -> Bool {
    guard let bytes = RunningCodec.bytes(column: column, of: handle) else { return true }
    return accumulate(bytes, through: day, sign: sign, into: totals)
  }

  /// Calls `body` with each day of chunk `bytes` through `day` (every day when nil) and that
  /// day's own totals.
  ///
  /// The totals are in `scratch`, valid during the call; `base`, when given, gets the sums
  /// before the chunk added. False when the bytes are not a chunk aimt wrote.
  package static func forEachDay(
    _ bytes: UnsafeRawBufferPointer, through day: Int32? = nil, base: RunningTotals? = nil,
    scratch: RunningTotals, _ body: (Int32, RunningTotals) throws -> Void
  ) rethrows -> Bool {
    guard let header = header(bytes),
      var next = RunningCodec.accumulateBody(
        from: header.base, end: header.end, sign: 1, into: base ?? scratch)
    else { return false }
    var previous = -1
    while next < header.end {
      let offset = Int(next.load(as: UInt8.self))
      guard offset > previous, offset < Int(days) else { return false }
      let entryDay = header.first + Int32(offset)
      if let day, entryDay > day { return true }
      scratch.clear()
      guard
        let after = RunningCodec.accumulateBody(
          from: next + 1, end: header.end, sign: 1, into: scratch)
      else { return false }
      try body(entryDay, scratch)
      previous = offset
      next = after
    }
    return previous >= 0
  }

}

/// Builds one video's chunks from its running sums day by day, in day order.
///
/// ``start(_:firstDay:stored:)`` opens a video with its sums before the days to come (and,
/// when they fall in a stored chunk, that chunk's days before them); ``add(_:_:closed:)``
/// hands over the chunk a day finishes; ``close(_:)`` the last one.
final class RunningChunkBuilder {
  /// The video open (meaningful while `hasVideo`).
  private(set) var ref: Int64 = 0
  private(set) var hasVideo = false
  /// The open chunk's number and first day (meaningful while `hasChunk`).
  private var number: Int64 = 0
  private var first: Int32 = 0
  private var hasChunk = false
  /// The last day added to the open chunk (-1: none).
  private var lastOffset = -1
  /// The sums before the open chunk, and through the last day added.
  private let base = RunningTotals()
  private let last = RunningTotals()
  private let day = RunningTotals()
  /// The open chunk's days, encoded.
  private var entries: [UInt8] = []

  init() { entries.reserveCapacity(1024) }

  /// Opens video `ref`, whose days to come begin on `firstDay`.
  ///
  /// Its sums before them are `stored`'s (the video's stored chunk at or before the first of
  /// them; zero when nil); when `stored` is the chunk of `firstDay`, its days before
  /// `firstDay` are kept in the chunk being built. False when `stored` is not a chunk aimt
  /// wrote.
  func start(
    _ ref: Int64, firstDay: Int32, stored: UnsafeRawBufferPointer?
  ) -> Bool {
    self.ref = ref
    hasVideo = true
    hasChunk = false
    lastOffset = -1
    entries.removeAll(keepingCapacity: true)
    base.clear()
    last.clear()
    guard let stored else { return true }
    guard let header = RunningChunk.header(stored) else { return false }
    guard RunningChunk.number(of: header.first) == RunningChunk.number(of: firstDay) else {
      return RunningChunk.accumulate(stored, sign: 1, into: last)
    }
    // The same chunk: its base, then its days before `firstDay`, copied as encoded.
    guard
      var next = RunningCodec.accumulateBody(
        from: header.base, end: header.end, sign: 1, into: base)
    else { return false }
    last.values.update(from: base.values, count: RunningTotals.width)
    while next < header.end {
      let offset = Int(next.load(as: UInt8.self))
      guard offset > lastOffset, offset < Int(RunningChunk.days) else { return false }
      // Days from `firstDay` on are about to be written again: not kept.
      if header.first + Int32(offset) >= firstDay { break }
      guard
        let after = RunningCodec.accumulateBody(
          from: next + 1, end: header.end, sign: 1, into: last)
      else { return false }
      entries.append(contentsOf: UnsafeRawBufferPointer(start: next, count: after - next))
      lastOffset = offset
      next = after
    }
    number = RunningChunk.number(of: header.first)
    first = header.first
    hasChunk = true
    return true
  }

  /// Adds the video's day `dayNumber` with its running sums through it (`running`): days come
  /// in order; the chunk before the day's, when the day opens another, is encoded and handed
  /// to `closed` with its number.
  func add(
    _ dayNumber: Int32, _ running: RunningTotals,
    closed: (Int64, UnsafeRawBufferPointer) throws -> Void
  ) rethrows {
    try open(dayNumber, closed: closed)
    for index in 0..<RunningTotals.width {
      day.values[index] = running.values[index] &- last.values[index]
    }
    RunningCodec.encodeBody(day, into: &entries)
    last.values.update(from: running.values, count: RunningTotals.width)
  }

  /// ``add(_:_:closed:)`` with the day's own totals as ``RunningCodec/encode(_:into:)`` wrote
  /// them (`encoded`), whose body is kept as it is; false when the bytes are not totals aimt
  /// wrote (nothing is added then).
  func add(
    _ dayNumber: Int32, encoded: UnsafeRawBufferPointer,
    closed: (Int64, UnsafeRawBufferPointer) throws -> Void
  ) rethrows -> Bool {
    day.clear()
    guard RunningCodec.accumulate(encoded, sign: 1, into: day) else { return false }
    try open(dayNumber, closed: closed)
    entries.append(contentsOf: UnsafeRawBufferPointer(rebasing: encoded.dropFirst()))
    for index in 0..<RunningTotals.width { last.values[index] &+= day.values[index] }
    return true
  }

  /// Makes the chunk of day `dayNumber` the open one (the one before it, finished, goes to
  /// `closed`) and writes the day's offset in it.
  private func open(
    _ dayNumber: Int32, closed: (Int64, UnsafeRawBufferPointer) throws -> Void
  ) rethrows {
    let chunk = RunningChunk.number(of: dayNumber)
    if hasChunk, chunk != number {
      try finishChunk(closed)
    }
    if !hasChunk {
      number = chunk
      first = Int32(truncatingIfNeeded: chunk) << RunningChunk.shift
      hasChunk = true
      lastOffset = -1
      entries.removeAll(keepingCapacity: true)
      base.values.update(from: last.values, count: RunningTotals.width)
    }
    let offset = Int(dayNumber - first)
    precondition(offset > lastOffset, "days of a video are added in order")
    entries.append(UInt8(offset))
    lastOffset = offset
  }

  /// Adds the video's sums through the last day added (before the first day to come when none
  /// was) to `totals`.
  func addSums(into totals: RunningTotals) {
    for index in 0..<RunningTotals.width { totals.values[index] &+= last.values[index] }
  }

  /// Finishes the open video: its open chunk goes to `closed`.
  func close(_ closed: (Int64, UnsafeRawBufferPointer) throws -> Void) rethrows {
    if hasChunk { try finishChunk(closed) }
    hasVideo = false
  }

  /// Scratch for a chunk's encoding.
  private var encoded: [UInt8] = []

  private func finishChunk(_ closed: (Int64, UnsafeRawBufferPointer) throws -> Void) rethrows {
    hasChunk = false
    guard lastOffset >= 0 else { return }
    encoded.removeAll(keepingCapacity: true)
    encoded.append(RunningChunk.version)
    var value = UInt64(bitPattern: number)
    while value >= 0x80 {
      encoded.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    encoded.append(UInt8(value))
    RunningCodec.encodeBody(base, into: &encoded)
    encoded.append(contentsOf: entries)
    try encoded.withUnsafeBytes { try closed(number, $0) }
  }
}

/// Writes running sums, given a video and day at a time, as the video's chunks.
///
/// The chunks are inserted in blocks of ``blockRows`` through one multi-row statement, as the
/// metric writer does. Call ``finish()`` at the end.
///
/// A video's first day in a stretch of calls is added to what is stored: its chunk at or
/// before that day gives the sums before it, and when it is that day's own chunk, its days
/// before the day are kept and the chunk replaced. The days of one video come in order, and
/// a video's stored days from the first one given on are the caller's to have removed (the
/// refresh truncates them; an append is past them).
struct RunningEmitter {
  static let blockRows = 32
  private let insert: Statement
  private let blockInsert: Statement
  private let seek: Statement
  private let delete: Statement
  private let db: Database
  private let builder = RunningChunkBuilder()
  private let scratch = RunningTotals()
  /// The encodings of the chunks waiting for a block, end to end.
  private var bytes: [UInt8] = []
  /// Per waiting chunk: video, number, and where its encoding ends in `bytes`.
  private var rows: [(ref: Int64, chunk: Int64, end: Int)] = []
  /// The stored last chunk of a video read by ``lastStored(of:into:)`` (nil bytes: none), for
  /// its first day given next.
  private var prepared: (ref: Int64, bytes: [UInt8]?)?
  /// Scratch for a stored chunk read.
  private var stored: [UInt8] = []

  init(_ db: Database) throws {
    self.db = db
    insert = try db.cachedStatement(
      sql: "INSERT INTO metric_running (video_ref, chunk, sums) VALUES (?1, ?2, ?3)")
    let values = (0..<Self.blockRows).map { "(?\(3 * $0 + 1), ?\(3 * $0 + 2), ?\(3 * $0 + 3))" }
    // OR FAIL: no statement journal (see `MetricUpserter`'s block insert).
    blockInsert = try db.cachedStatement(
      sql: "INSERT OR FAIL INTO metric_running (video_ref, chunk, sums) VALUES "
        + values.joined(separator: ", "))
    seek = try db.cachedStatement(
      sql: """
        SELECT sums FROM metric_running WHERE video_ref = ?1 AND chunk <= ?2
        ORDER BY chunk DESC LIMIT 1
        """)
    delete = try db.cachedStatement(
      sql: "DELETE FROM metric_running WHERE video_ref = ?1 AND chunk = ?2")
    bytes.reserveCapacity(Self.blockRows * 1024)
    rows.reserveCapacity(Self.blockRows)
  }

  /// Reads video `ref`'s last stored running sums.
  ///
  /// Adds them to `totals` and returns their day, nil when the video has none. Its next day
  /// given starts from that read.
  mutating func lastStored(of ref: Int64, into totals: RunningTotals) throws -> Int32? {
    try read(ref, through: .max)
    guard !stored.isEmpty else {
      prepared = (ref, nil)
      return nil
    }
    var last: Int32?
    let readable = stored.withUnsafeBytes { raw in
      RunningChunk.forEachDay(raw, base: totals, scratch: scratch) { day, own in
        for index in 0..<RunningTotals.width { totals.values[index] &+= own.values[index] }
        last = day
      }
    }
    guard readable, let last else { throw RunningSums.damaged(ref) }
    prepared = (ref, stored)
    return last
  }

  /// Begins video `ref` at `day` (its stored chunks after `day`'s removed by the caller): the
  /// stored chunk of `day` keeps its days before it and is written again with the days given
  /// next; `totals` gets the video's sums before `day`.
  mutating func begin(_ ref: Int64, _ day: Int32, into totals: RunningTotals) throws {
    try open(ref, day)
    builder.addSums(into: totals)
  }

  /// Keeps the running sums of video `ref` through `day`, `totals`.
  mutating func emit(_ ref: Int64, _ day: Int32, _ totals: RunningTotals) throws {
    if !builder.hasVideo || builder.ref != ref { try open(ref, day) }
    try builder.add(day, totals) { chunk, encoded in try keep(ref, chunk, encoded) }
  }

  /// Keeps the day `day` of video `ref` with its own totals (not running ones) encoded as
  /// ``RunningCodec`` writes them (`encoded`): the day comes after the video's stored days.
  mutating func emit(_ ref: Int64, _ day: Int32, dayEncoded encoded: UnsafeRawBufferPointer)
    throws
  {
    if !builder.hasVideo || builder.ref != ref { try open(ref, day) }
    let added = try builder.add(day, encoded: encoded) { chunk, bytes in
      try keep(ref, chunk, bytes)
    }
    guard added else { throw RunningSums.damaged(ref) }
  }

  /// Writes every chunk still kept.
  mutating func finish() throws {
    try closeVideo()
    prepared = nil
    try flush()
  }

  /// True when a chunk of video `ref` is being built or waits for a block.
  func holds(_ ref: Int64) -> Bool {
    (builder.hasVideo && builder.ref == ref) || rows.contains { $0.ref == ref }
  }

  /// Begins video `ref` at `day`: from the chunk ``lastStored(of:into:)`` read, or the one a
  /// seek finds.
  private mutating func open(_ ref: Int64, _ day: Int32) throws {
    try closeVideo()
    let number = RunningChunk.number(of: day)
    // The chunk read last serves unless it lies after `day`'s (then a seek finds the right
    // one); none, or one that cannot be read, serves as read.
    if let prepared, prepared.ref == ref, chunkNumber(prepared.bytes ?? []) ?? .min <= number {
      stored = prepared.bytes ?? []
    } else {
      try read(ref, through: number)
    }
    prepared = nil
    let storedNumber = chunkNumber(stored)
    let started = stored.withUnsafeBytes { raw in
      builder.start(ref, firstDay: day, stored: stored.isEmpty ? nil : raw)
    }
    guard started else { throw RunningSums.damaged(ref) }
    // The stored chunk of `day` is written again, with its days before it.
    if storedNumber == number {
      let handle = delete.sqliteStatement
      sqlite3_bind_int64(handle, 1, ref)
      sqlite3_bind_int64(handle, 2, number)
      try run(delete)
    }
  }

  /// The number of the chunk `bytes` encode (nil: none, or unreadable).
  private func chunkNumber(_ bytes: [UInt8]) -> Int64? {
    guard !bytes.isEmpty else { return nil }
    return bytes.withUnsafeBytes { raw in
      RunningChunk.header(raw).map { RunningChunk.number(of: $0.first) }
    }
  }

  /// Copies video `ref`'s stored chunk at or before chunk `number` into `stored` (empty when
  /// none), after writing any chunk of it still kept.
  private mutating func read(_ ref: Int64, through number: Int64) throws {
    if holds(ref) {
      try closeVideo()
      try flush()
    }
    stored.removeAll(keepingCapacity: true)
    let handle = seek.sqliteStatement
    sqlite3_reset(handle)
    sqlite3_bind_int64(handle, 1, ref)
    sqlite3_bind_int64(handle, 2, number)
    try RunningSums.step(seek, db) { handle in
      if let bytes = RunningCodec.bytes(column: 0, of: handle) { stored.append(contentsOf: bytes) }
    }
  }

  private mutating func closeVideo() throws {
    guard builder.hasVideo else { return }
    let ref = builder.ref
    try builder.close { chunk, encoded in try keep(ref, chunk, encoded) }
  }

  private mutating func keep(_ ref: Int64, _ chunk: Int64, _ encoded: UnsafeRawBufferPointer)
    throws
  {
    bytes.append(contentsOf: encoded)
    rows.append((ref, chunk, bytes.count))
    if rows.count == Self.blockRows { try flush() }
  }

  private mutating func flush() throws {
    guard !rows.isEmpty else { return }
    let statement = rows.count == Self.blockRows ? blockInsert : insert
    let handle = statement.sqliteStatement
    try bytes.withUnsafeBytes { raw in
      var start = 0
      var parameter: Int32 = 1
      for row in rows {
        sqlite3_bind_int64(handle, parameter, row.ref)
        sqlite3_bind_int64(handle, parameter + 1, row.chunk)
        sqlite3_bind_blob(
          handle, parameter + 2, raw.baseAddress.map { $0 + start }, Int32(row.end - start),
          sqliteStatic)
        start = row.end
        if statement === blockInsert {
          parameter += 3
        } else {
          try run(statement)
        }
      }
      if statement === blockInsert { try run(statement) }
    }
    rows.removeAll(keepingCapacity: true)
    bytes.removeAll(keepingCapacity: true)
  }

  private func run(_ statement: Statement) throws {
    let handle = statement.sqliteStatement
    let code = sqlite3_step(handle)
    sqlite3_reset(handle)
    guard code == SQLITE_DONE else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
    }
  }
}
