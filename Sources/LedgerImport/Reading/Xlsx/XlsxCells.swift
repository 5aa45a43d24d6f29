import LedgerStore

/// The values of SpreadsheetML cells as the text the row parser reads (docs/decisions.md,
/// "xlsx"): cell references, numbers as exact decimal text, date serials as dates.
enum XlsxCells {
  /// The last column of a sheet, XFD, as a 0-based index.
  static let maxColumn = 16_383
  /// The last row of a sheet.
  static let maxRow = 1_048_576

  /// `A` for 0, `Z` for 25, `AA` for 26, … `XFD` for 16383.
  static func letters(_ column: Int) -> String {
    var n = column + 1
    var out: [UInt8] = []
    while n > 0 {
      let digit = (n - 1) % 26
      out.append(UInt8(ascii: "A") + UInt8(digit))
      n = (n - 1) / 26
    }
    return String(decoding: out.reversed(), as: UTF8.self)
  }

  /// A reference such as `B12`: its 0-based column and 1-based row (nil when malformed; the
  /// column or row may be beyond the sheet's limits, which the caller checks).
  static func reference(_ bytes: UnsafeBufferPointer<UInt8>) -> (column: Int, row: Int)? {
    var index = 0
    var column = 0
    while index < bytes.count, index < 4 {
      var byte = bytes[index]
      if byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { byte -= 32 }
      guard byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") else { break }
      column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
      index += 1
    }
    guard index > 0, index < bytes.count else { return nil }
    var row = 0
    while index < bytes.count {
      let byte = bytes[index]
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), row < 100_000_000 else {
        return nil
      }
      row = row * 10 + Int(byte - UInt8(ascii: "0"))
      index += 1
    }
    return (column - 1, row)
  }

  /// A plain number (`12`, `-3`) such as a row's `r`, or nil.
  static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard !bytes.isEmpty, bytes.count < 10 else { return nil }
    var value = 0
    for byte in bytes {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
  }

  /// The decimal digits of a number's text (`-1.25E-3`), without exponent.
  struct Decimal {
    var negative = false
    /// The digits, leading and trailing zeros removed (empty for zero).
    var digits: [UInt8] = []
    /// Where the decimal point goes: the number is 0.DIGITS × 10^point.
    var point = 0

    /// Reads `[-]digits[.digits][E[+-]digits]`; nil for anything else or an exponent beyond
    /// ±400 (no such number is a value a ledger holds).
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
      var index = 0
      if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")
      {
        negative = bytes[index] == UInt8(ascii: "-")
        index += 1
      }
      var sawDigit = false
      var sawPoint = false
      var integerDigits = 0
      while index < bytes.count {
        let byte = bytes[index]
        if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
          sawDigit = true
          if digits.isEmpty, byte == UInt8(ascii: "0") {
            if sawPoint { point -= 1 }
          } else {
            digits.append(byte)
            if !sawPoint { integerDigits += 1 }
          }
        } else if byte == UInt8(ascii: "."), !sawPoint {
          sawPoint = true
        } else {
          break
        }
        index += 1
      }
      guard sawDigit else { return nil }
      point += integerDigits
      if index < bytes.count {
        guard bytes[index] == UInt8(ascii: "E") || bytes[index] == UInt8(ascii: "e") else {
          return nil
        }
        index += 1
        var exponentNegative = false
        if index < bytes.count,
          bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")
        {
          exponentNegative = bytes[index] == UInt8(ascii: "-")
          index += 1
        }
        var exponent = 0
        guard index < bytes.count else { return nil }
        while index < bytes.count {
          let byte = bytes[index]
          guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), exponent < 1000 else {
            return nil
          }
          exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
          index += 1
        }
        guard exponent <= 400 else { return nil }
        point += exponentNegative ? -exponent : exponent
      }
      while digits.last == UInt8(ascii: "0") { digits.removeLast() }
      if digits.isEmpty {
        negative = false
        point = 0
      }
    }

    /// Plain decimal text: `-0.00125`, `1200`, `0`.
    func plainText() -> [UInt8] {
      var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
      if digits.isEmpty { return [UInt8(ascii: "0")] }
      if point <= 0 {
        out.append(contentsOf: Array("0.".utf8))
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point))
        out.append(contentsOf: digits)
      } else if point >= digits.count {
        out.append(contentsOf: digits)
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: point - digits.count))
      } else {
        out.append(contentsOf: digits[..<point])
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: digits[point...])
      }
      return out
    }
  }

  /// A number's text as plain decimal text: the text itself when it has no exponent, the
  /// exact expansion when it has one; false (nothing appended) when it is not a number.
  ///
  /// A text of more than 15 significant digits (`9885.700000000001`, as openpyxl and others
  /// print a binary double with 17 digits) stands for that double, whose shortest decimal
  /// that reads back as the same double is what was typed (`9885.7`): that one is used. Up to
  /// 15 digits every decimal reads back as itself, so such a text is kept exactly as written.
  static func appendNumber(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
    var significant = 0
    var exponent = false
    var leading = true
    for byte in bytes {
      if byte == UInt8(ascii: "E") || byte == UInt8(ascii: "e") {
        exponent = true
        break
      }
      if byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9") { leading = false }
      if !leading, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { significant += 1 }
    }
    if !exponent, significant <= 15 {
      out.append(contentsOf: bytes)
      return true
    }
    var text = Array(bytes)
    if significant > 15, let double = Double(String(decoding: bytes, as: UTF8.self)),
      double.isFinite
    {
      text = Array(double.description.utf8)
    }
    // Beyond 30 places either way no ledger value is meant: left as it is, for the parser to
    // refuse.
    guard let decimal = text.withUnsafeBufferPointer({ Decimal($0) }), abs(decimal.point) <= 30
    else { return false }
    out.append(contentsOf: decimal.plainText())
    return true
  }

  /// How a date serial reads.
  enum SerialDate: Equatable {
    /// `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS` with a time of day.
    case text([UInt8])
    /// Not a date; the message says why.
    case refused(String)
  }

  /// A date serial number's text as a date: days since 1899-12-31 in the 1900 system (where
  /// day 60 is the 1900-02-29 that never was, kept by Excel for Lotus 1-2-3), or since
  /// 1904-01-01 in the 1904 system; the fraction is the time of day, rounded to the second.
  static func date(serial bytes: UnsafeBufferPointer<UInt8>, system1904: Bool) -> SerialDate {
    // A whole number of days, the usual date cell, needs no decimal expansion.
    if let days = integer(bytes) {
      return date(days: days, seconds: 0, system1904: system1904, bytes)
    }
    var shown: String { String(decoding: bytes, as: UTF8.self) }
    guard let decimal = Decimal(bytes) else {
      return .refused("'\(shown)' is not a date serial number")
    }
    guard !decimal.negative else {
      return .refused("the date serial \(shown) is negative; enter the date as YYYY-MM-DD")
    }
    // Whole days and the fraction's first 12 digits, without any floating point.
    var days = 0
    var fraction: Int64 = 0
    for (index, digit) in decimal.digits.enumerated() {
      let value = Int(digit - UInt8(ascii: "0"))
      if index < decimal.point {
        days = days * 10 + value
        if days > 3_000_000 { return .refused("the date serial \(shown) is beyond the year 9999") }
      } else if index - decimal.point < 12 {
        fraction += Int64(value) * power(11 - (index - decimal.point))
      }
    }
    if decimal.point > decimal.digits.count {
      for _ in decimal.digits.count..<decimal.point {
        days *= 10
        if days > 3_000_000 { return .refused("the date serial \(shown) is beyond the year 9999") }
      }
    }
    var seconds = Int((fraction * 86_400 + 500_000_000_000) / 1_000_000_000_000)
    if seconds >= 86_400 {
      seconds -= 86_400
      days += 1
    }
    return date(days: days, seconds: seconds, system1904: system1904, bytes)
  }

  /// The date `days` after the system's start (at most 3,000,000), `seconds` into the day.
  private static func date(
    days: Int, seconds: Int, system1904: Bool, _ bytes: UnsafeBufferPointer<UInt8>
  ) -> SerialDate {
    var shown: String { String(decoding: bytes, as: UTF8.self) }
    if days > 3_000_000 { return .refused("the date serial \(shown) is beyond the year 9999") }
    let day: Day?
    if system1904 {
      day = Day(year: 1904, month: 1, day: 1)?.adding(days: days)
    } else if days == 60 {
      return .refused(
        "the date serial 60 is 1900-02-29, a day that never was (excel's 1900 leap-year "
          + "bug); enter the real date")
    } else if days == 0 {
      return .refused(
        "the date serial \(shown) has no day (excel shows it as 1900-01-00); enter the date")
    } else {
      day = Day(year: 1899, month: 12, day: days < 60 ? 31 : 30)?.adding(days: days)
    }
    // Both systems start in 1899 or 1904: a day's year is never below 1000.
    guard let day, day.year <= 9999 else {
      return .refused("the date serial \(shown) is beyond the year 9999")
    }
    var out: [UInt8] = []
    out.reserveCapacity(seconds > 0 ? 19 : 10)
    appendDigits(day.year, 4, to: &out)
    out.append(UInt8(ascii: "-"))
    appendDigits(day.month, 2, to: &out)
    out.append(UInt8(ascii: "-"))
    appendDigits(day.day, 2, to: &out)
    if seconds > 0 {
      out.append(UInt8(ascii: " "))
      appendDigits(seconds / 3600, 2, to: &out)
      out.append(UInt8(ascii: ":"))
      appendDigits(seconds / 60 % 60, 2, to: &out)
      out.append(UInt8(ascii: ":"))
      appendDigits(seconds % 60, 2, to: &out)
    }
    return .text(out)
  }

  /// Appends the last `width` decimal digits of `value` (not negative), zero-padded.
  private static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
    var divisor = 1
    for _ in 1..<width { divisor *= 10 }
    while divisor > 0 {
      out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
      divisor /= 10
    }
  }

  private static func power(_ n: Int) -> Int64 {
    var value: Int64 = 1
    for _ in 0..<max(n, 0) { value *= 10 }
    return value
  }

  /// Whether a number format shows a date or a time: built-in formats 14–22 and 45–47, or a
  /// format code with y, m, d, h or s outside quoted text, escapes and `[…]` (colours,
  /// locales).
  static func isDateFormat(id: Int, code: String?) -> Bool {
    if (14...22).contains(id) || (45...47).contains(id) { return true }
    guard let code else { return false }
    var quoted = false
    var bracket = false
    var skipNext = false
    for character in code.lowercased() {
      if skipNext {
        skipNext = false
        continue
      }
      switch character {
      case "\"": quoted.toggle()
      case "[" where !quoted: bracket = true
      case "]" where !quoted: bracket = false
      case "\\", "_", "*": if !quoted { skipNext = true }
      case "y", "m", "d", "h", "s": if !quoted && !bracket { return true }
      default: break
      }
    }
    return false
  }
}
