internal import GRDBSQLite

/// The totals of every source's metric rows over some days: the unit the running sums store
/// and the reports subtract (docs/internals.md, "Running sums").
///
/// A fixed block of `Source.count × RunningField.count` Int64 values in one allocation, so that
/// adding a row or decoding a stored row allocates nothing.
package final class RunningTotals {
  /// `values[source * RunningField.count + field]`.
  package let values: UnsafeMutablePointer<Int64>

  /// The number of sources a block holds: one per ``Source`` code (0, 1, …; the stored mask
  /// has room for 16).
  ///
  /// Written as a number (a test holds it to `Source.allCases.count`): a constant another
  /// module reads directly, where a computed initial value is a call per use, in loops run per
  /// video by every report.
  package static let sources = 9
  /// Values in a block: ``sources`` × ``RunningField/count``.
  package static let width = 108

  /// All zero.
  package init() {
    values = .allocate(capacity: Self.width)
    values.initialize(repeating: 0, count: Self.width)
  }

  deinit { values.deallocate() }

  /// Sets every value to zero.
  package func clear() { values.update(repeating: 0, count: Self.width) }

  /// One value.
  package subscript(source: Int, field: RunningField) -> Int64 {
    values[source * RunningField.count + field.rawValue]
  }

  /// The totals of one source.
  package func stream(_ source: Int) -> StreamTotals {
    StreamTotals(values + source * RunningField.count)
  }

  /// The metric rows of every source: equal at two days exactly when no row lies between.
  package var rows: Int64 { Self.rows(in: values) }

  /// The metric rows of every source in a block of ``width`` values (a ``values``, or a copy).
  package static func rows(in values: UnsafePointer<Int64>) -> Int64 {
    var rows: Int64 = 0
    for source in 0..<sources { rows &+= values[source * RunningField.count] }
    return rows
  }

  /// True when `source` has had a row.
  package func has(_ source: Int) -> Bool { values[source * RunningField.count] != 0 }

  /// Adds one stored metric row; false when a total would pass Int64 (the values are then
  /// partly added: the caller abandons the write).
  ///
  /// `gmv` is the stored (gross) GMV; a natural row without impressions whose net GMV is
  /// positive also adds to the unplayed GMV (docs/method.md, "GMV without plays").
  @inline(__always)
  package func add(
    source: Int, impressions: Int64, cost: Int64, gmv: Int64, refund: Int64, orders: Int64,
    likes: Int64, comments: Int64, shares: Int64, follows: Int64
  ) -> Bool {
    let base = values + source * RunningField.count
    var overflow = false
    @inline(__always) func add(_ field: RunningField, _ value: Int64) {
      let (sum, wrapped) = base[field.rawValue].addingReportingOverflow(value)
      base[field.rawValue] = sum
      overflow = overflow || wrapped || value < 0
    }
    add(.rows, 1)
    add(.impressions, impressions)
    add(.cost, cost)
    add(.gmv, gmv)
    add(.refund, refund)
    add(.orders, orders)
    add(.likes, likes)
    add(.comments, comments)
    add(.shares, shares)
    add(.follows, follows)
    let net = gmv &- refund
    if source == 0, impressions == 0, net > 0 {
      add(.unplayedGMV, net)
      add(.unplayedRows, 1)
    }
    return !overflow
  }
}

/// The numbers a running sum keeps per source, in the stored order.
package enum RunningField: Int, CaseIterable, Sendable {
  /// Metric rows.
  case rows
  case impressions
  case cost
  /// Gross GMV, as stored in `metric.gmv`.
  case gmv
  case refund
  case orders
  case likes
  case comments
  case shares
  case follows
  /// Net GMV of natural rows without impressions.
  case unplayedGMV
  /// Natural rows without impressions and with net GMV.
  case unplayedRows

  /// Written as a number, as ``RunningTotals/sources`` is (a test holds it to
  /// `allCases.count`).
  package static let count = 12
}

/// One source's totals, read from a ``RunningTotals`` block.
package struct StreamTotals: Sendable, Equatable, BitwiseCopyable {
  package var rows: Int64
  package var impressions: Int64
  package var cost: Int64
  /// Net GMV: gross less refunds (negative when refunds exceed sales).
  package var gmv: Int64
  package var refund: Int64
  package var orders: Int64
  package var likes: Int64
  package var comments: Int64
  package var shares: Int64
  package var follows: Int64
  package var unplayedGMV: Int64
  package var unplayedRows: Int64

  /// One source's values of a block (``RunningField`` order, `values[0]` its rows).
  package init(_ values: UnsafeMutablePointer<Int64>) {
    rows = values[RunningField.rows.rawValue]
    impressions = values[RunningField.impressions.rawValue]
    cost = values[RunningField.cost.rawValue]
    refund = values[RunningField.refund.rawValue]
    gmv = values[RunningField.gmv.rawValue] &- refund
    orders = values[RunningField.orders.rawValue]
    likes = values[RunningField.likes.rawValue]
    comments = values[RunningField.comments.rawValue]
    shares = values[RunningField.shares.rawValue]
    follows = values[RunningField.follows.rawValue]
    unplayedGMV = values[RunningField.unplayedGMV.rawValue]
    unplayedRows = values[RunningField.unplayedRows.rawValue]
  }
}

/// The stored form of a ``RunningTotals`` block: a version byte (1), a little-endian 16-bit
/// mask of the sources that have had a row, then for each of them, by code, its
/// ``RunningField`` values as unsigned LEB128 integers (one byte below 128).
package enum RunningCodec {
  static let version: UInt8 = 1

  /// Appends the encoding of `totals` to `bytes`.
  package static func encode(_ totals: RunningTotals, into bytes: inout [UInt8]) {
    bytes.append(version)
    encodeBody(totals, into: &bytes)
  }

  /// The most bytes an encoding takes: the version byte, the mask, ten bytes a value.
  static let mostBytes = 3 + RunningTotals.width * 10

  /// Writes the encoding of `totals` at `start`, which has room for ``mostBytes``; returns the
  /// bytes written.
  ///
  /// Where the bytes go straight into a buffer of records (a date-sorted load keeps a record a
  /// video and day: ``DeferredRunningRows``), without an array between.
  static func encode(_ totals: RunningTotals, to start: UnsafeMutablePointer<UInt8>) -> Int {
    start[0] = version
    return 1 + encodeBody(totals, to: start + 1)
  }

  /// Appends the encoding of `totals` without the version byte: the mask, then the values.
  static func encodeBody(_ totals: RunningTotals, into bytes: inout [UInt8]) {
    // Encoded in a scratch buffer on the stack, then appended once.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: mostBytes) { scratch in
      guard let start = scratch.baseAddress else { return }
      let end = encodeBody(totals, to: start)
      bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: end))
    }
  }

  /// Writes the encoding of `totals` without the version byte at `scratch` (room for
  /// ``mostBytes``); returns the bytes written.
  static func encodeBody(_ totals: RunningTotals, to scratch: UnsafeMutablePointer<UInt8>) -> Int {
    var mask: UInt16 = 0
    for source in 0..<RunningTotals.sources where totals.has(source) {
      mask |= 1 << UInt16(source)
    }
    var end = 2
    scratch[0] = UInt8(truncatingIfNeeded: mask)
    scratch[1] = UInt8(truncatingIfNeeded: mask >> 8)
    for source in 0..<RunningTotals.sources where mask & (1 << UInt16(source)) != 0 {
      let base = totals.values + source * RunningField.count
      for field in 0..<RunningField.count {
        var value = UInt64(bitPattern: base[field])
        while value >= 0x80 {
          scratch[end] = UInt8(truncatingIfNeeded: value) | 0x80
          end += 1
          value >>= 7
        }
        scratch[end] = UInt8(value)
        end += 1
      }
    }
    return end
  }

  /// The stored sums in column `column` of the row a statement (`handle`) is on, valid until
  /// it moves on; nil for NULL (no row there).
  ///
  /// One call into SQLite for the blob and one for its size (asking the column's type first
  /// was a third, per column and video of a report); an empty value comes back as no bytes,
  /// which ``accumulate(_:sign:into:)`` refuses like any value aimt did not write.
  package static func bytes(column: Int32, of handle: OpaquePointer?) -> UnsafeRawBufferPointer? {
    if let start = sqlite3_column_blob(handle, column) {
      return UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, column)))
    }
    // No pointer: NULL, or an empty value.
    guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
    return UnsafeRawBufferPointer(start: nil, count: 0)
  }

  /// Whether `a` and `b`, each a column's ``bytes(column:of:)``, are the same stored row: both
  /// none, or the same bytes (an empty value is not none).
  package static func sameRow(_ a: UnsafeRawBufferPointer?, _ b: UnsafeRawBufferPointer?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case (let x?, let y?): x.count == y.count && x.elementsEqual(y)
    default: false
    }
  }

  /// ``accumulate(_:sign:into:)`` on the blob in column `column` of the row a statement
  /// (`handle`) is on; false for NULL.
  package static func accumulate(
    column: Int32, of handle: OpaquePointer?, sign: Int64, into totals: RunningTotals
  ) -> Bool {
    guard let bytes = bytes(column: column, of: handle) else { return false }
    return accumulate(bytes, sign: sign, into: totals)
  }

  /// Adds (`sign` 1) or subtracts (`sign` -1) the totals encoded in `bytes` to `totals`.
  ///
  /// It wraps: a window's sums are one stored row less another, both within Int64, so the
  /// result is exact. False when the bytes are not a running sum aimt wrote.
  package static func accumulate(
    _ bytes: UnsafeRawBufferPointer, sign: Int64, into totals: RunningTotals
  ) -> Bool {
    guard bytes.count >= 3, let start = bytes.baseAddress, bytes[0] == version else {
      return false
    }
    return accumulateBody(from: start + 1, end: start + bytes.count, sign: sign, into: totals)
      == start + bytes.count
  }

  /// Adds (`sign` 1) or subtracts (`sign` -1) the body (mask, then values) that starts at
  /// `next`; returns where it ends, nil when it is not one aimt wrote or passes `end`.
  @inline(__always)
  static func accumulateBody(
    from start: UnsafeRawPointer, end: UnsafeRawPointer, sign: Int64, into totals: RunningTotals
  ) -> UnsafeRawPointer? {
    guard end - start >= 2 else { return nil }
    let mask = UInt16(start.load(as: UInt8.self)) | UInt16((start + 1).load(as: UInt8.self)) << 8
    guard mask >> RunningTotals.sources == 0 else { return nil }
    // Read through a pointer, a value's first byte apart: most values are under 128 or a
    // few bytes, and every report decodes a few rows per video (docs/internals.md, "Running
    // sums").
    var next = start + 2
    var sources = mask
    while sources != 0 {
      let source = sources.trailingZeroBitCount
      sources &= sources - 1
      let base = totals.values + source * RunningField.count
      for field in 0..<RunningField.count {
        guard next < end else { return nil }
        var byte = next.load(as: UInt8.self)
        next += 1
        var value = UInt64(byte & 0x7F)
        var shift: UInt64 = 7
        while byte >= 0x80 {
          guard next < end, shift < 64 else { return nil }
          byte = next.load(as: UInt8.self)
          next += 1
          value |= UInt64(byte & 0x7F) << shift
          shift += 7
        }
        base[field] = base[field] &+ Int64(bitPattern: value) &* sign
      }
    }
    return next
  }
}
