/// Counts from the exports (impressions, plays, orders, likes, comments, shares, follows,
/// followers): whole numbers of zero or more, optionally with thousands separators.
package enum Count {
  /// Renders a count with thousands separators, as people read it (1200000 → "1,200,000").
  package static func grouped(_ value: Int64) -> String {
    (value < 0 ? "-" : "") + UnitText.grouped(String(value.magnitude))
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
