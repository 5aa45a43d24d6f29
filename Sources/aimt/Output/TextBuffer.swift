import LedgerStore

/// Output text as UTF-8 bytes, with numbers written digit by digit.
///
/// A million-row report prints about twenty cells per row; building a `String` per cell and per
/// row cost more than computing the rows, so the machine formats (csv, tsv, json, ndjson) write
/// straight into one preallocated byte array that is handed on in chunks.
struct TextBuffer {
  /// Preallocated space; the first `count` bytes are the text.
  private var storage: [UInt8]
  /// How many bytes of `storage` are written.
  private(set) var count = 0

  init() { storage = [UInt8](repeating: 0, count: flushThreshold + 4096) }

  /// The bytes written since the last flush.
  var bytes: [UInt8] { Array(storage[..<count]) }

  /// Whether enough bytes are held to hand them on.
  var isFull: Bool { count >= flushThreshold }

  /// Whether nothing is held.
  var isEmpty: Bool { count == 0 }

  /// Forgets the bytes (after they were written), keeping the storage.
  mutating func clear() { count = 0 }

  /// Room for `extra` more bytes.
  private mutating func reserve(_ extra: Int) {
    guard count + extra > storage.count else { return }
    storage.append(contentsOf: repeatElement(0, count: max(extra, storage.count)))
  }

  /// Appends the UTF-8 of `text`.
  mutating func append(_ text: String) {
    // withUTF8 hands over the bytes in place, small (inline) strings included.
    var text = text
    text.withUTF8 { source in
      reserve(source.count)
      let start = count
      storage.withUnsafeMutableBufferPointer { buffer in
        _ = UnsafeMutableBufferPointer(rebasing: buffer[start..<start + source.count])
          .update(fromContentsOf: source)
      }
      count += source.count
    }
  }

  /// Appends one ASCII character.
  mutating func append(ascii: Unicode.Scalar) {
    reserve(1)
    storage[count] = UInt8(ascii: ascii)
    count += 1
  }

  /// Appends the decimal digits of `value` (`-` first when negative).
  mutating func append(_ value: Int64) {
    if value < 0 { append(ascii: "-") }
    append(digits: value.magnitude)
  }

  /// Appends the decimal digits of `value`, at least `width` of them (zeros in front).
  mutating func append(digits value: UInt64, width: Int = 1) {
    var length = 1
    var probe = value
    while probe >= 10 {
      probe /= 10
      length += 1
    }
    let total = max(length, width)
    reserve(total)
    let start = count
    storage.withUnsafeMutableBufferPointer { buffer in
      var index = start + total
      var rest = value
      repeat {
        index -= 1
        buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
        rest /= 10
      } while rest > 0
      while index > start {
        index -= 1
        buffer[index] = UInt8(ascii: "0")
      }
    }
    count += total
  }

  /// Appends fen as plain yuan with two decimals: 5 → `0.05`, -123456789 → `-1234567.89`.
  mutating func append(yuanFromFen fen: Int64) {
    if fen < 0 { append(ascii: "-") }
    append(digits: fen.magnitude / 100)
    append(ascii: ".")
    append(digits: fen.magnitude % 100, width: 2)
  }

  /// Appends `value` rounded half up to `digits` decimals, as ``Fraction/decimal(digits:)``.
  mutating func append(_ value: Fraction, digits: Int) {
    let (whole, decimals, digits) = value.rounded(digits: digits)
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
