import Foundation

/// The one normalisation of every key and text value, whichever path it comes in by (every
/// import kind, the metric hot path, `aimt log`, the `add` commands): so that `v1`, `v1　`
/// (ideographic space) and `v1` with a trailing no-break space are one video, and a name typed
/// with a combining accent is the same name as its precomposed spelling.
///
/// Trims Unicode whitespace (U+3000, U+00A0, tabs, line breaks, …) and zero-width characters
/// and BOMs (U+200B–U+200D, U+2060, U+FEFF, U+180E) at both ends, then applies canonical
/// composition (NFC). Characters inside the text are kept. Compatibility forms (full-width
/// letters) are *not* folded: `Ｖ1` stays a different key from `V1`.
package enum TextNormalization {
  /// `text` trimmed and in NFC.
  package static func normalized(_ text: String) -> String {
    let utf8 = text.utf8
    guard let first = utf8.first, let last = utf8.last else { return text }
    if !isASCIISpace(first), !isASCIISpace(last), isASCII(utf8) { return text }
    let scalars = text.unicodeScalars
    var start = scalars.startIndex
    var end = scalars.endIndex
    while start < end, isTrimmed(scalars[start]) { start = scalars.index(after: start) }
    while end > start, isTrimmed(scalars[scalars.index(before: end)]) {
      end = scalars.index(before: end)
    }
    let trimmed = String(scalars[start..<end])
    return isASCII(trimmed.utf8) ? trimmed : trimmed.precomposedStringWithCanonicalMapping
  }

  /// Appends the normalised form of a UTF-8 field to `output`.
  ///
  /// The hot path of metric imports: a field of ASCII bytes only (almost every id) is trimmed
  /// of ASCII whitespace and copied, with no allocation and no Unicode work; any other field
  /// goes through ``normalized(_:)``.
  @inline(__always)
  package static func append(
    normalizing bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
  ) {
    var ascii = true
    for byte in bytes where byte >= 0x80 {
      ascii = false
      break
    }
    if ascii {
      var start = 0
      var end = bytes.count
      while start < end, isASCIISpace(bytes[start]) { start += 1 }
      while end > start, isASCIISpace(bytes[end - 1]) { end -= 1 }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
    } else {
      output.append(contentsOf: normalized(String(decoding: bytes, as: UTF8.self)).utf8)
    }
  }

  /// Whether every byte is ASCII.
  private static func isASCII(_ utf8: String.UTF8View) -> Bool {
    utf8.withContiguousStorageIfAvailable { bytes in !bytes.contains { $0 >= 0x80 } }
      ?? !utf8.contains { $0 >= 0x80 }
  }

  /// ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
  @inline(__always)
  private static func isASCIISpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0D).contains(byte)
  }

  /// Whether a scalar at either end is dropped: Unicode whitespace, zero-width characters, BOM.
  private static func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isWhitespace || invisible.contains(scalar.value)
  }

  /// Zero-width characters and the BOM (not Unicode whitespace, but as invisible).
  private static let invisible: Set<UInt32> = [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E]
}
