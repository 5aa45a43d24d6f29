import LedgerStore

/// Output text as UTF-8 bytes, with numbers written digit by digit.
///
/// A million-row report prints about twenty cells per row; building a `String` per cell and per
/// row cost more than computing the rows, so the machine formats (csv, tsv, json, ndjson) write
/// straight into one buffer that is handed on in chunks. The buffer is raw memory (an array's
/// uniqueness checks, or a class's reference counting, on each of the forty appends of a row
/// cost a quarter of a series): the renderer that makes one frees it with ``free()``, and a
/// copy of the value is never used.
struct TextBuffer {
  /// The allocated bytes; the first `count` are the text.
  private var base: UnsafeMutablePointer<UInt8>
  /// How many bytes `base` holds.
  private var capacity: Int
  /// How many bytes are written.
  private(set) var count = 0

  /// A buffer for the chunks handed on (``flushThreshold``), or for one row (`capacity`).
  init(capacity: Int = flushThreshold + 4096) {
    self.capacity = max(capacity, 16)
    base = .allocate(capacity: self.capacity)
  }

  /// Frees the memory; the buffer must not be used afterwards.
  func free() { base.deallocate() }

  /// The bytes written since the last flush.
  var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

  /// Appends the bytes written to `array`.
  func copy(appendingTo array: inout [UInt8]) {
    array.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
  }

  /// Appends `bytes` (text written by another buffer).
  mutating func append(bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { source in
      reserve(source.count)
      if let start = source.baseAddress { (base + count).update(from: start, count: source.count) }
      count += source.count
    }
  }

  /// Whether enough bytes are held to hand them on.
  var isFull: Bool { count >= flushThreshold }

  /// Whether nothing is held.
  var isEmpty: Bool { count == 0 }

  /// Forgets the bytes (after they were written), keeping the storage.
  mutating func clear() { count = 0 }

  /// Room for `extra` more bytes.
  @inline(__always)
  private mutating func reserve(_ extra: Int) {
    guard count + extra > capacity else { return }
    let larger = max(capacity * 2, count + extra)
    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
    grown.update(from: base, count: count)
    base.deallocate()
    base = grown
    capacity = larger
  }

  /// Appends the UTF-8 of `text`.
  mutating func append(_ text: String) {
    // withUTF8 hands over the bytes in place, small (inline) strings included.
    var text = text
    text.withUTF8 { source in
      reserve(source.count)
      if source.count <= 16 {
        // A byte loop: a library copy call costs more than a short key or date.
        for (offset, byte) in source.enumerated() { base[count + offset] = byte }
      } else if let start = source.baseAddress {
        (base + count).update(from: start, count: source.count)
      }
      count += source.count
    }
  }

  /// Appends one ASCII character.
  mutating func append(ascii: Unicode.Scalar) {
    reserve(1)
    base[count] = UInt8(ascii: ascii)
    count += 1
  }

  /// Appends the decimal digits of `value` (`-` first when negative).
  mutating func append(_ value: Int64) {
    if value < 0 { append(ascii: "-") }
    append(digits: value.magnitude)
  }

  /// Appends the decimal digits of `value`, at least `width` of them (zeros in front).
  mutating func append(digits value: UInt64, width: Int = 1) {
    // The length by comparisons (no division), then each digit straight into its place.
    var length = 1
    var limit: UInt64 = 10
    while length < 20, value >= limit {
      length += 1
      limit &*= 10
    }
    let zeros = max(width - length, 0)
    reserve(zeros + length)
    for offset in 0..<zeros { base[count + offset] = UInt8(ascii: "0") }
    count += zeros + length
    var index = count
    var rest = value
    repeat {
      index -= 1
      base[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
      rest /= 10
    } while rest > 0
  }

  /// Appends fen as plain yuan with two decimals: 5 → `0.05`, -123456789 → `-1234567.89`.
  mutating func append(yuanFromFen fen: Int64) {
    if fen < 0 { append(ascii: "-") }
    append(digits: fen.magnitude / 100)
    append(ascii: ".")
    append(digits: fen.magnitude % 100, width: 2)
  }

  /// Appends `value` rounded half away from zero to `digits` decimals, as
  /// ``Fraction/decimal(digits:)``.
  mutating func append(_ value: Fraction, digits: Int) {
    let (negative, whole, decimals, digits) = value.rounded(digits: digits)
    if negative { append(ascii: "-") }
    if let small = UInt64(exactly: whole) {
      append(digits: small)
    } else {
      append(String(whole))
    }
    guard digits > 0 else { return }
    append(ascii: ".")
    append(digits: decimals, width: digits)
  }
}

/// How many bytes the streaming renderer collects before handing a chunk on.
let flushThreshold = 64 * 1024
