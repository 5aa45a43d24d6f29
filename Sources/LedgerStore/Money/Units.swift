/// Counts from the exports (impressions, plays, orders, likes, comments, shares, follows,
/// followers): whole numbers of zero or more, optionally with thousands separators.
package enum Count {
  /// Renders a count with thousands separators, as people read it (1200000 → "1,200,000").
  package static func grouped(_ value: Int64) -> String {
    // Written from the end into one buffer (no intermediate Strings: every advised video's
    // reasons print a count or two). 19 digits, 6 commas and a sign.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 26) { buffer in
      var magnitude = value.magnitude
      var start = buffer.count
      var digits = 0
      repeat {
        if digits > 0, digits % 3 == 0 {
          start -= 1
          buffer[start] = UInt8(ascii: ",")
        }
        start -= 1
        buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
        digits += 1
      } while magnitude > 0
      if value < 0 {
        start -= 1
        buffer[start] = UInt8(ascii: "-")
      }
      return String(decoding: UnsafeMutableBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
    }
  }

  /// Parses a count such as `12345` or `12,345`; decimals, signs, exponents and overflow are
  /// refused.
  package static func parse(_ text: String) throws(ValueError) -> Int64 {
    try UnitText.withBytes(of: text) { (bytes) throws(ValueError) in try parse(utf8: bytes) }
  }

  /// Parses a count from raw UTF-8 bytes exactly like `parse(_:)`, so the importer can read a
  /// field slice without first making a String.
  package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ValueError) -> Int64 {
    let (start, end) = UnitText.trimmed(bytes)
    guard start < end else {
      throw ValueError("empty count; expected a whole number like 12345 or 12,345")
    }
    let negative = bytes[start] == UnitText.minus
    let digitsStart = negative ? start + 1 : start
    guard let scan = UnitText.scanGroupedDigits(bytes, from: digitsStart, end: end) else {
      throw malformed(bytes)
    }
    if scan.end < end, Magnitude.suffix(bytes, from: digitsStart, end: end) != nil {
      return try scaled(bytes, power: 0)
    }
    if scan.end < end {
      guard bytes[scan.end] == UnitText.point, isDigits(bytes, from: scan.end + 1, end: end) else {
        throw malformed(bytes)
      }
      throw ValueError(
        "\(UnitText.quoted(bytes)) is not a whole number; counts are whole numbers like 12345")
    }
    if negative {
      throw ValueError("negative count \(UnitText.quoted(bytes)); counts must be zero or more")
    }
    guard !scan.overflowed else {
      throw ValueError(
        "count \(UnitText.quoted(bytes)) is too large; the most is "
          + UnitText.grouped(String(Int64.max)))
    }
    return scan.value
  }

  /// Parses a count given in a unit of `power` powers of ten, exactly.
  ///
  /// A column headed 粉丝(万) has `power` 4: `120.5` in 万 is 1,205,000. A cell may carry its own magnitude,
  /// `120.5万`, `1.2亿` or `3.5w` (docs/data-model.md, "Units"); a result that is not a whole
  /// number, a negative value and overflow are refused, never rounded.
  package static func parse(
    utf8 bytes: UnsafeBufferPointer<UInt8>, power: Int
  ) throws(ValueError) -> Int64 {
    power == 0 ? try parse(utf8: bytes) : try scaled(bytes, power: power)
  }

  /// A count in 10^`power`, or with a magnitude word of its own.
  private static func scaled(
    _ bytes: UnsafeBufferPointer<UInt8>, power: Int
  ) throws(ValueError) -> Int64 {
    let (start, end) = UnitText.trimmed(bytes)
    guard start < end else {
      throw ValueError("empty count; expected a whole number like 12345 or 12,345")
    }
    var limit = end
    var total = power
    var unit = Magnitude.name(power: power)
    if let magnitude = Magnitude.suffix(bytes, from: start, end: end) {
      guard power == 0 else {
        throw ValueError(
          "\(UnitText.quoted(bytes)) carries its own unit in a column already in \(unit); "
            + "write the number alone")
      }
      limit -= magnitude.length
      total += magnitude.power
      unit = String(decoding: UnsafeBufferPointer(rebasing: bytes[limit..<end]), as: UTF8.self)
    }
    let negative = bytes[start] == UnitText.minus
    let value = try UnitText.scaledDecimal(
      bytes, from: negative ? start + 1 : start, end: limit, power: total, unit: unit,
      what: "counts are whole numbers")
    guard let value else { throw malformed(bytes) }
    if negative {
      throw ValueError("negative count \(UnitText.quoted(bytes)); counts must be zero or more")
    }
    return value
  }

  /// Parses a count with a unit as text (see ``parse(utf8:power:)``).
  package static func parse(_ text: String, power: Int) throws(ValueError) -> Int64 {
    try UnitText.withBytes(of: text) { (bytes) throws(ValueError) in
      try parse(utf8: bytes, power: power)
    }
  }

  private static func isDigits(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
  ) -> Bool {
    guard start < end else { return false }
    for index in start..<end where UnitText.digit(bytes[index]) == nil { return false }
    return true
  }

  private static func malformed(_ bytes: UnsafeBufferPointer<UInt8>) -> ValueError {
    ValueError(
      "\(UnitText.quoted(bytes)) is not a valid count; "
        + "expected a whole number like 12345 or 12,345")
  }
}

/// Yes/no cells such as "bidding authorized", written in whichever way the sheet's author liked.
package enum YesNo {
  /// Parses a boolean cell: true/false, yes/no, 1/0, y/n, 是/否 (case-insensitive for ASCII),
  /// with optional surrounding spaces.
  package static func parse(_ text: String) throws(ValueError) -> Bool {
    var word = ""
    for scalar in text.unicodeScalars {
      if scalar.value >= 0x41, scalar.value <= 0x5A {
        word.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value + 0x20)))
      } else {
        word.unicodeScalars.append(scalar)
      }
    }
    while word.hasPrefix(" ") || word.hasPrefix("\t") { word.removeFirst() }
    while word.hasSuffix(" ") || word.hasSuffix("\t") { word.removeLast() }
    switch word {
    case "true", "yes", "1", "y", "是": return true
    case "false", "no", "0", "n", "否": return false
    case "": throw ValueError("empty yes/no value; expected \(expected)")
    default: throw ValueError("\"\(text)\" is not a yes/no value; expected \(expected)")
    }
  }

  private static let expected = "true/false, yes/no, 1/0, y/n or 是/否"
}

/// The magnitude words of Chinese exports: 万 (10^4), 亿 (10^8), in Simplified or Traditional
/// characters, and the `w`/`W` shorthand for 万 seen in Douyin's own numbers.
package enum Magnitude {
  /// The power of ten and UTF-8 length of a magnitude word ending `bytes[start..<end]`; nil
  /// when the range ends with none (or is only the word).
  static func suffix(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
  ) -> (power: Int, length: Int)? {
    guard end - start >= 2 else { return nil }
    let last = bytes[end - 1]
    if last == 0x77 || last == 0x57 {  // w, W
      return UnitText.digit(bytes[end - 2]) != nil ? (4, 1) : nil
    }
    guard end - start >= 4 else { return nil }
    switch (bytes[end - 3], bytes[end - 2], last) {
    case (0xE4, 0xB8, 0x87), (0xE8, 0x90, 0xAC): return (4, 3)  // 万 萬
    case (0xE4, 0xBA, 0xBF), (0xE5, 0x84, 0x84): return (8, 3)  // 亿 億
    default: return nil
    }
  }

  /// How a unit of `power` powers of ten is named in messages (万, 亿, 千, 10^N).
  static func name(power: Int) -> String {
    switch power {
    case 3: "千"
    case 4: "万"
    case 6: "百万"
    case 8: "亿"
    default: "10^\(power)"
    }
  }
}

extension UnitText {
  /// The decimal in `bytes[start..<end]` (grouped digits, optionally `.` and more digits)
  /// times 10^`power`, exactly; nil when the text is no such decimal.
  ///
  /// Throws when the product is not a whole number (naming `unit` and how many decimals it
  /// takes) or does not fit Int64. `what` ends the not-whole message.
  static func scaledDecimal(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, power: Int, unit: String,
    what: String
  ) throws(ValueError) -> Int64? {
    guard power >= 0, power <= 18,
      let whole = scanGroupedDigits(bytes, from: start, end: end)
    else { return nil }
    var index = whole.end
    var fraction: [Int64] = []
    if index < end {
      guard bytes[index] == point else { return nil }
      index += 1
      while index < end, let digit = digit(bytes[index]) {
        fraction.append(digit)
        index += 1
      }
      guard index == end, !fraction.isEmpty else { return nil }
    }
    while fraction.last == 0 { fraction.removeLast() }
    guard fraction.count <= power else {
      let allowed = power == 0 ? "no decimals" : "at most \(power) decimals"
      throw ValueError(
        "\(quoted(bytes)) is not whole once its unit \(unit) is applied "
          + "(a value in \(unit) takes \(allowed)); \(what), never rounded")
    }
    var scale: Int128 = 1
    for _ in 0..<power { scale *= 10 }
    var value = Int128(whole.value) * scale
    var place = scale
    for digit in fraction {
      place /= 10
      value += Int128(digit) * place
    }
    guard !whole.overflowed, value <= Int128(Int64.max) else {
      throw ValueError(
        "\(quoted(bytes)) is too large; the most is \(grouped(String(Int64.max)))")
    }
    return Int64(value)
  }
}

/// Rates from the exports (互动率, 完播率), kept exactly as parts per million: `3.25%` and
/// `0.0325` are both 32,500 (docs/data-model.md, "Units").
package enum Rate {
  /// Parses a percentage (`3.25%`, at most four decimals) or a fraction of one (`0.0325`, at
  /// most six decimals) into parts per million; beyond 100%, more decimals than a part per
  /// million, a negative or a malformed rate is refused, never rounded.
  package static func parsePerMillion(_ text: String) throws(ValueError) -> Int64 {
    try UnitText.withBytes(of: text) { (bytes) throws(ValueError) -> Int64 in
      let (start, end) = UnitText.trimmed(bytes)
      guard start < end else { throw ValueError("empty rate; expected a percentage like 3.25%") }
      var limit = end
      var percent = false
      if bytes[limit - 1] == 0x25 {  // %
        percent = true
        limit -= 1
      } else if limit - start >= 3, bytes[limit - 3] == 0xEF, bytes[limit - 2] == 0xBC,
        bytes[limit - 1] == 0x85
      {  // ％
        percent = true
        limit -= 3
      }
      while limit > start, bytes[limit - 1] == UnitText.space { limit -= 1 }
      let negative = bytes[start] == UnitText.minus
      let value = try UnitText.scaledDecimal(
        bytes, from: negative ? start + 1 : start, end: limit, power: percent ? 4 : 6,
        unit: percent ? "%" : "1", what: "rates are kept to a part per million")
      guard let value else {
        throw ValueError(
          "\(UnitText.quoted(bytes)) is not a valid rate; expected a percentage like 3.25% "
            + "or a fraction like 0.0325")
      }
      if negative {
        throw ValueError("negative rate \(UnitText.quoted(bytes)); rates are 0 to 100%")
      }
      guard value <= 1_000_000 else {
        throw ValueError(
          percent
            ? "rate \(UnitText.quoted(bytes)) is above 100%"
            : "rate \(UnitText.quoted(bytes)) is above 1; write a percentage with its % "
              + "(3.25%) or a fraction of one (0.0325)")
      }
      return value
    }
  }

  /// Renders parts per million as a percentage with up to four decimals (32500 → "3.25%").
  package static func percent(perMillion value: Int64) -> String {
    let whole = value / 10_000
    var fraction = String(UnitText.padded(Int(value % 10_000), width: 4))
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return String(whole) + (fraction.isEmpty ? "" : "." + fraction) + "%"
  }
}
