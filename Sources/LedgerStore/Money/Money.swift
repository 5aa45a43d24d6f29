/// A value the user typed or imported that cannot be accepted, such as a malformed amount or date.
///
/// `message` is lowercase, quotes the offending text and says what is expected instead.
public struct ValueError: Error, Sendable, Equatable {
  /// What is wrong and what is expected, like `negative amount "-5"; money must be zero or more`.
  public var message: String

  /// Creates the error from a ready-made, lowercase message.
  public init(_ message: String) {
    self.message = message
  }
}

/// Money in the ledger: yuan as people write it on the way in, exact integer fen (1/100 yuan)
/// everywhere inside, so sums never drift.
public enum Money {
  /// Parses yuan text (`1234.5`, `1,234.50`, `¥1234.50`, `￥1234`, `1234.50元`) into fen exactly.
  ///
  /// Negative amounts, more than two decimals and anything malformed are refused.
  public static func parseYuan(_ text: String) throws(ValueError) -> Int64 {
    try UnitText.withBytes(of: text) { (bytes) throws(ValueError) in try parseYuan(utf8: bytes) }
  }

  /// Parses yuan from raw UTF-8 bytes exactly like `parseYuan(_:)`, so the importer can read a
  /// field slice without first making a String.
  package static func parseYuan(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ValueError) -> Int64
  {
    let (start, end) = UnitText.trimmed(bytes)
    guard start < end else { throw ValueError("empty amount; expected yuan like 1234.50") }
    var index = start
    var limit = end
    var negative = false
    if bytes[index] == UnitText.minus {
      negative = true
      index += 1
    }
    if let length = UnitText.currencySignLength(bytes, at: index, end: limit) {
      index += length
      if !negative, index < limit, bytes[index] == UnitText.minus {
        negative = true
        index += 1
      }
    }
    if UnitText.hasYuanSuffix(bytes, from: index, end: limit) {
      limit -= UnitText.yuanSuffixLength
    }
    if let magnitude = Magnitude.suffix(bytes, from: index, end: limit) {
      // 1.5万 (yuan) is 15,000 yuan, exactly (docs/data-model.md, "Units").
      let unit = String(
        decoding: UnsafeBufferPointer(rebasing: bytes[(limit - magnitude.length)..<limit]),
        as: UTF8.self)
      let fen = try UnitText.scaledDecimal(
        bytes, from: index, end: limit - magnitude.length, power: 2 + magnitude.power,
        unit: unit + "元", what: "money is whole fen")
      guard let fen else { throw malformed(bytes) }
      if negative {
        throw ValueError("negative amount \(UnitText.quoted(bytes)); money must be zero or more")
      }
      return fen
    }
    guard let whole = UnitText.scanGroupedDigits(bytes, from: index, end: limit) else {
      throw malformed(bytes)
    }
    index = whole.end
    var fraction: Int64 = 0
    var decimals = 0
    if index < limit, bytes[index] == UnitText.point {
      index += 1
      while index < limit, let digit = UnitText.digit(bytes[index]) {
        if decimals < 2 { fraction = fraction * 10 + digit }
        decimals += 1
        index += 1
      }
      guard decimals > 0 else { throw malformed(bytes) }
    }
    guard index == limit else { throw malformed(bytes) }
    if negative {
      throw ValueError("negative amount \(UnitText.quoted(bytes)); money must be zero or more")
    }
    guard decimals <= 2 else {
      throw ValueError(
        "more than two decimals in \(UnitText.quoted(bytes)); "
          + "money is yuan with at most two decimals (fen)")
    }
    if decimals == 1 { fraction *= 10 }
    let (scaled, overflowed) = whole.value.multipliedReportingOverflow(by: 100)
    let (fen, carried) = scaled.addingReportingOverflow(fraction)
    guard !whole.overflowed, !overflowed, !carried else {
      throw ValueError(
        "amount \(UnitText.quoted(bytes)) is too large; the most is "
          + "\(yuanGrouped(Int64.max)) yuan")
    }
    return fen
  }

  /// Parses yuan in a unit of `power` powers of ten (a column headed 金额(万元) has `power` 4)
  /// into fen exactly: `1.5` in 万元 is 1,500,000 fen; a result with a fraction of a fen is
  /// refused, never rounded.
  package static func parseYuan(
    utf8 bytes: UnsafeBufferPointer<UInt8>, power: Int
  ) throws(ValueError) -> Int64 {
    guard power > 0 else { return try parseYuan(utf8: bytes) }
    let (start, end) = UnitText.trimmed(bytes)
    guard start < end else { throw ValueError("empty amount; expected yuan like 1234.50") }
    let negative = bytes[start] == UnitText.minus
    if Magnitude.suffix(bytes, from: start, end: end) != nil {
      throw ValueError(
        "\(UnitText.quoted(bytes)) carries its own unit in a column already in "
          + "\(Magnitude.name(power: power))元; write the number alone")
    }
    let fen = try UnitText.scaledDecimal(
      bytes, from: negative ? start + 1 : start, end: end, power: 2 + power,
      unit: Magnitude.name(power: power) + "元", what: "money is whole fen")
    guard let fen else { throw malformed(bytes) }
    if negative {
      throw ValueError("negative amount \(UnitText.quoted(bytes)); money must be zero or more")
    }
    return fen
  }

  /// Renders fen as yuan with exactly two decimals (2000000 → "20000.00", -150 → "-1.50").
  ///
  /// This is the form written back to files and read again by `parseYuan`.
  public static func yuan(_ fen: Int64) -> String {
    render(fen, grouped: false)
  }

  /// Renders fen as yuan with thousands separators for tables (123456789 → "1,234,567.89").
  public static func yuanGrouped(_ fen: Int64) -> String {
    render(fen, grouped: true)
  }

  private static func render(_ fen: Int64, grouped: Bool) -> String {
    let magnitude = fen.magnitude
    let cents = magnitude % 100
    let whole = String(magnitude / 100)
    let sign = fen < 0 ? "-" : ""
    let integer = grouped ? UnitText.grouped(whole) : whole
    return sign + integer + (cents < 10 ? ".0" : ".") + String(cents)
  }

  private static func malformed(_ bytes: UnsafeBufferPointer<UInt8>) -> ValueError {
    ValueError(
      "\(UnitText.quoted(bytes)) is not a valid amount; "
        + "expected yuan like 1234.50, 1,234.50 or ¥1234.50")
  }
}

/// Byte-level helpers shared by the money, count, flag and date parsers (standard library only).
enum UnitText {
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let minus: UInt8 = 0x2D  // -
  static let point: UInt8 = 0x2E  // .
  static let comma: UInt8 = 0x2C  // ,
  static let zero: UInt8 = 0x30  // 0
  /// UTF-8 of 元 (U+5143).
  static let yuanSuffixLength = 3

  /// Runs `body` over the UTF-8 bytes of `text`, without copying when the string is native.
  static func withBytes<T, E: Error>(
    of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T
  ) throws(E) -> T {
    let direct = text.utf8.withContiguousStorageIfAvailable { bytes in
      Result { () throws(E) -> T in try body(bytes) }
    }
    if let direct { return try direct.get() }
    let copy = Array(text.utf8)
    return try copy.withUnsafeBufferPointer { bytes in
      Result { () throws(E) -> T in try body(bytes) }
    }.get()
  }

  /// The range left after dropping surrounding ASCII spaces and tabs.
  static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, end: Int) {
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
    while end > start, bytes[end - 1] == space || bytes[end - 1] == tab { end -= 1 }
    return (start, end)
  }

  /// The value of an ASCII digit, or nil for any other byte.
  @inline(__always)
  static func digit(_ byte: UInt8) -> Int64? {
    byte >= 0x30 && byte <= 0x39 ? Int64(byte &- 0x30) : nil
  }

  /// The byte length of ¥ (U+00A5) or ￥ (U+FFE5) at `index`, or nil when neither is there.
  static func currencySignLength(
    _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int
  ) -> Int? {
    if index + 2 <= end, bytes[index] == 0xC2, bytes[index + 1] == 0xA5 { return 2 }
    if index + 3 <= end, bytes[index] == 0xEF, bytes[index + 1] == 0xBF,
      bytes[index + 2] == 0xA5
    {
      return 3
    }
    return nil
  }

  /// Whether the range ends in 元 (U+5143, UTF-8 E5 85 83).
  static func hasYuanSuffix(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
  ) -> Bool {
    end - start >= 3 && bytes[end - 3] == 0xE5 && bytes[end - 2] == 0x85 && bytes[end - 1] == 0x83
  }

  /// Digits from `start`, optionally with thousands separators, up to the first other byte.
  ///
  /// With separators the first group has one to three digits and each later group exactly three.
  /// Nil when there are no digits or
  /// the grouping is wrong; `overflowed` when the value does not fit Int64.
  static func scanGroupedDigits(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
  ) -> (value: Int64, end: Int, overflowed: Bool)? {
    var index = start
    var value: Int64 = 0
    var overflowed = false
    var groupLength = 0
    var grouped = false
    while index < end {
      let byte = bytes[index]
      if let digit = digit(byte) {
        if !overflowed {
          let (shifted, over1) = value.multipliedReportingOverflow(by: 10)
          let (next, over2) = shifted.addingReportingOverflow(digit)
          overflowed = over1 || over2
          value = next
        }
        groupLength += 1
        if grouped, groupLength > 3 { return nil }
      } else if byte == comma {
        if grouped {
          guard groupLength == 3 else { return nil }
        } else {
          guard groupLength >= 1, groupLength <= 3, bytes[start] != zero else { return nil }
          grouped = true
        }
        groupLength = 0
      } else {
        break
      }
      index += 1
    }
    guard groupLength > 0, !grouped || groupLength == 3 else { return nil }
    return (value, index, overflowed)
  }

  /// Inserts a comma every three digits from the right: "1234567" → "1,234,567".
  static func grouped(_ digits: String) -> String {
    let characters = Array(digits)
    var result = ""
    result.reserveCapacity(characters.count + characters.count / 3)
    for (offset, character) in characters.enumerated() {
      if offset > 0, (characters.count - offset) % 3 == 0 { result.append(",") }
      result.append(character)
    }
    return result
  }

  /// The bytes as a double-quoted string for error messages (invalid UTF-8 shown as U+FFFD).
  static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    "\"" + String(decoding: bytes, as: UTF8.self) + "\""
  }

  /// Zero-pads a non-negative number to `width` digits.
  static func padded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    guard digits.count < width else { return digits }
    return String(repeating: "0", count: width - digits.count) + digits
  }
}
