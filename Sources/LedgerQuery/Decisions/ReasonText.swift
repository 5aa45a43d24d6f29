internal import LedgerStore

/// A reason's text written byte by byte into one buffer, for the reasons every advised video
/// prints (docs/internals.md, "Decisions at scale"): String interpolation and `+` appended each
/// part through String's general append, most of the rule engine's time over 224,000 videos.
///
/// Only for texts of bounded length (literals, counts, ratios and the ledger's own short
/// strings): the buffer holds ``capacity`` bytes and a longer text is cut there, which a test
/// rules out for every reason written this way.
struct ReasonText: ~Copyable {
  static let capacity = 256
  private let buffer: UnsafeMutableBufferPointer<UInt8>
  private var count = 0

  private init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

  /// The text `write` makes.
  static func make(_ write: (inout ReasonText) -> Void) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
      var text = ReasonText(buffer)
      write(&text)
      return String(
        decoding: UnsafeMutableBufferPointer(rebasing: buffer[..<text.count]), as: UTF8.self)
    }
  }

  mutating func add(_ literal: StaticString) {
    literal.withUTF8Buffer { add(bytes: $0) }
  }

  mutating func add(_ text: String) {
    var text = text
    text.withUTF8 { add(bytes: $0) }
  }

  /// Digits in groups of three, as ``Format/count(_:)`` writes them: "100,000".
  mutating func add(count value: Int64) {
    var digits: (UInt64, Int) = (value.magnitude, 0)
    // The digits from the end into a scratch of 26 bytes (19 digits, 6 commas and a sign).
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 26) { scratch in
      var start = scratch.count
      repeat {
        if digits.1 > 0, digits.1 % 3 == 0 {
          start -= 1
          scratch[start] = UInt8(ascii: ",")
        }
        start -= 1
        scratch[start] = UInt8(ascii: "0") + UInt8(digits.0 % 10)
        digits.0 /= 10
        digits.1 += 1
      } while digits.0 > 0
      if value < 0 {
        start -= 1
        scratch[start] = UInt8(ascii: "-")
      }
      add(bytes: UnsafeBufferPointer(rebasing: scratch[start...]))
    }
  }

  /// Two decimals, as ``Format/ratio(_:)`` writes them: "1.20".
  mutating func add(ratio value: Fraction) {
    let (negative, whole, decimals, digits) = value.rounded(digits: 2)
    if negative { add(byte: UInt8(ascii: "-")) }
    add(whole: whole)
    guard digits > 0 else { return }
    add(byte: UInt8(ascii: "."))
    var divisor: UInt64 = 1
    for _ in 1..<max(digits, 1) { divisor *= 10 }
    var rest = decimals
    while divisor > 0 {
      add(byte: UInt8(ascii: "0") + UInt8(rest / divisor))
      rest %= divisor
      divisor /= 10
    }
  }

  private mutating func add(whole: UInt128) {
    var divisor: UInt128 = 1
    while whole / divisor >= 10 { divisor *= 10 }
    var rest = whole
    repeat {
      add(byte: UInt8(ascii: "0") + UInt8(rest / divisor))
      rest %= divisor
      divisor /= 10
    } while divisor > 0
  }

  /// A whole number without grouping: "15".
  mutating func add(_ value: Int) {
    if value < 0 { add(byte: UInt8(ascii: "-")) }
    add(whole: UInt128(value.magnitude))
  }

  private mutating func add(byte: UInt8) {
    guard count < buffer.count else { return }
    buffer[count] = byte
    count += 1
  }

  private mutating func add(bytes: UnsafeBufferPointer<UInt8>) {
    let size = min(bytes.count, buffer.count - count)
    guard size > 0, let source = bytes.baseAddress, let target = buffer.baseAddress else { return }
    (target + count).update(from: source, count: size)
    count += size
  }
}
