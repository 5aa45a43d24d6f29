import LedgerStore

/// A metric cell the exports fill with a dash where they have no value.
///
/// The dash is `-`, `--`, `—` or the full-width `－`, alone (spaces and tabs around it aside).
/// The ledger reads it as an empty cell: the number is not given, so a new row stores none (0,
/// and not in its given fields) and a restated row keeps the stored one (docs/decisions.md, "A
/// dash is no value").
enum NoValueDash {
  private static let dashes: [[UInt8]] = ["-", "--", "—", "－"].map { Array($0.utf8) }

  static func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
    while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
    // Most cells are numbers: their first byte is no dash's.
    guard end > start, bytes[start] == 0x2D || bytes[start] == 0xE2 || bytes[start] == 0xEF
    else { return false }
    let cell = UnsafeBufferPointer(rebasing: bytes[start..<end])
    return dashes.contains { $0.elementsEqual(cell) }
  }

  static func matches(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { matches($0) }
  }
}

/// Money cells of the exports in their declared unit, converted exactly to fen.
///
/// An export may give an amount finer than a fen: `5,210.125` yuan, `12.5` fen, `1234.567`
/// thousandths of a fen. The amount is converted exactly (integers, never a binary float) and
/// rounded once to the fen, half to even: `0.125` yuan is 12 fen, `0.135` yuan 14 fen
/// (docs/decisions.md, "Amounts finer than a fen").
enum ExportMoney {
  /// The fen of a money cell written in `unit`.
  static func fen(
    utf8 bytes: UnsafeBufferPointer<UInt8>, unit: HeaderProfile.MoneyUnit
  ) throws(ValueError) -> Int64 {
    // The common cells go through the ledger's own parsers: yuan with at most two decimals,
    // whole fen.
    switch unit {
    case .yuan:
      if let fen = try? Money.parseYuan(utf8: bytes) { return fen }
    case .fen:
      if let fen = try? Count.parse(utf8: bytes) { return fen }
    case .milliFen:
      break
    }
    guard let decimal = Decimal(bytes) else {
      // The ledger's own message says what is wrong with the cell.
      switch unit {
      case .yuan: _ = try Money.parseYuan(utf8: bytes)
      case .fen, .milliFen: _ = try Count.parse(utf8: bytes)
      }
      throw ValueError("\(quoted(bytes)) is not an amount")
    }
    // fen = digits / 10^scale × (100 | 1 | 1/1000)
    var numerator = decimal.digits
    var denominator = power(decimal.scale)
    switch unit {
    case .yuan: numerator *= 100
    case .fen: break
    case .milliFen: denominator *= 1000
    }
    let rounded = halfToEven(numerator, denominator)
    guard rounded <= Int128(Int64.max) else {
      throw ValueError("amount \(quoted(bytes)) is too large")
    }
    return Int64(rounded)
  }

  /// `numerator / denominator` rounded half to even (both at least 0, denominator above 0).
  static func halfToEven(_ numerator: Int128, _ denominator: Int128) -> Int128 {
    let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
    let twice = remainder * 2
    if twice > denominator || (twice == denominator && quotient % 2 == 1) { return quotient + 1 }
    return quotient
  }

  static func power(_ exponent: Int) -> Int128 {
    var result: Int128 = 1
    for _ in 0..<exponent { result *= 10 }
    return result
  }

  /// A decimal amount written as exports write it: optional `¥`/`￥`, digits with optional
  /// thousands commas, an optional fraction of up to 18 digits.
  struct Decimal {
    var digits: Int128
    var scale: Int

    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
      var text = Array(String(decoding: bytes, as: UTF8.self).utf8)
      while let first = text.first, first == 0x20 || first == 0x09 { text.removeFirst() }
      while let last = text.last, last == 0x20 || last == 0x09 { text.removeLast() }
      for prefix: [UInt8] in [[0xC2, 0xA5], [0xEF, 0xBF, 0xA5]] where text.starts(with: prefix) {
        text.removeFirst(prefix.count)
      }
      let point = text.firstIndex(of: 0x2E) ?? text.count
      let whole = text[..<point].filter { $0 != 0x2C }
      let fraction = point < text.count ? Array(text[(point + 1)...]) : []
      guard !whole.isEmpty, whole.count <= 19, fraction.count <= 18,
        whole.allSatisfy({ (0x30...0x39).contains($0) }),
        fraction.allSatisfy({ (0x30...0x39).contains($0) }),
        point == text.count || !fraction.isEmpty
      else { return nil }
      var value: Int128 = 0
      for digit in whole + fraction { value = value * 10 + Int128(digit - 0x30) }
      digits = value
      scale = fraction.count
    }
  }

  static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    "\"\(String(decoding: bytes, as: UTF8.self))\""
  }
}

/// The hours an order ran (`delivery_time`): a whole or decimal number of hours, as seconds;
/// the UI writes `24小时` (or `24h`).
enum DeliveryHours {
  static func seconds(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ValueError) -> Int64 {
    var text = Array(bytes)
    for suffix in ["小时", "小時", "h", "H"].map({ Array($0.utf8) })
    where text.count > suffix.count && text.suffix(suffix.count).elementsEqual(suffix) {
      text.removeLast(suffix.count)
      break
    }
    let parsed = text.withUnsafeBufferPointer { ExportMoney.Decimal($0) }
    guard let decimal = parsed, decimal.scale <= 4 else {
      throw ValueError(
        "\(ExportMoney.quoted(bytes)) is not a number of hours; expected hours like 24 or 0.5")
    }
    let seconds = decimal.digits * 3600 / ExportMoney.power(decimal.scale)
    guard seconds > 0, seconds <= 720 * 3600 else {
      throw ValueError(
        "\(ExportMoney.quoted(bytes)) hours is not an order's run; an order runs from a few "
          + "minutes up to 720 hours")
    }
    return Int64(seconds)
  }
}

/// Books an order's numbers on the days it ran (docs/decisions.md, "DOU+ orders without a
/// date"): from its start over its hours, evenly in time, each number split by the largest
/// remainder so that the days' parts add up exactly to the order's number.
enum OrderSpread {
  /// The days an order starting at `start` and running `seconds` touches, each with the
  /// seconds of the run it holds, in day order.
  static func days(start: DateTime, seconds: Int64) -> [(day: Day, seconds: Int64)] {
    var result: [(Day, Int64)] = []
    var day = start.day
    var left = seconds
    var offset = Int64(start.secondOfDay)
    while left > 0 {
      let inDay = min(left, 86_400 - offset)
      result.append((day, inDay))
      left -= inDay
      offset = 0
      day = day.adding(days: 1)
    }
    return result
  }

  /// `value` split in proportion to `weights` (largest remainder; ties to the earlier part).
  static func split(_ value: Int64, weights: [Int64]) -> [Int64] {
    let total = Int128(weights.reduce(0, +))
    guard total > 0 else { return weights.map { _ in 0 } }
    var parts: [Int64] = []
    var remainders: [(remainder: Int128, index: Int)] = []
    var given: Int128 = 0
    for (index, weight) in weights.enumerated() {
      let (quotient, remainder) = (Int128(value) * Int128(weight)).quotientAndRemainder(
        dividingBy: total)
      parts.append(Int64(quotient))
      given += quotient
      remainders.append((remainder, index))
    }
    remainders.sort {
      $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index
    }
    var left = Int(Int128(value) - given)
    for entry in remainders where left > 0 {
      parts[entry.index] += 1
      left -= 1
    }
    return parts
  }
}
