#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A calendar day (Beijing day, as the exports give them), stored as days since 1970-01-01 so days
/// sort, subtract and store as one small integer.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// Days since 1970-01-01, which is day 0; earlier days are negative.
  public let daysSinceEpoch: Int32

  /// Wraps a stored day number, such as the `day` column of the ledger.
  public init(daysSinceEpoch: Int32) {
    self.daysSinceEpoch = daysSinceEpoch
  }

  /// Makes the day from its parts, or nil when they are not a real calendar day.
  ///
  /// 2026-02-29 is nil, 2028-02-29 is not; years outside 1...9999 are nil too.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month),
      day >= 1, day <= Day.daysIn(month: month, year: year)
    else { return nil }
    self.daysSinceEpoch = Int32(Day.daysFromCivil(year: year, month: month, day: day))
  }

  /// Parses `YYYY-MM-DD` or `YYYY/MM/DD` (single-digit month and day allowed, as Excel writes them)
  /// and refuses anything that is not a real calendar day.
  public static func parse(_ text: String) throws(ValueError) -> Day {
    try UnitText.withBytes(of: text) { (bytes) throws(ValueError) in try parse(utf8: bytes) }
  }

  /// Parses a day from raw UTF-8 bytes exactly like `parse(_:)`, so the importer can read a field
  /// slice without first making a String.
  package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ValueError) -> Day {
    let (start, end) = UnitText.trimmed(bytes)
    guard start < end else { throw ValueError("empty date; expected YYYY-MM-DD") }
    guard let date = DateScan.date(bytes, from: start, end: end), date.end == end else {
      throw ValueError("\(UnitText.quoted(bytes)) is not a date; expected YYYY-MM-DD")
    }
    guard let day = Day(year: date.year, month: date.month, day: date.day) else {
      throw ValueError("\(UnitText.quoted(bytes)) is not a calendar day; expected YYYY-MM-DD")
    }
    return day
  }

  /// The year, such as 2026.
  public var year: Int { civil.year }
  /// The month, 1 (January) to 12.
  public var month: Int { civil.month }
  /// The day of the month, 1 to 31.
  public var day: Int { civil.day }

  /// The day as `YYYY-MM-DD` ("2026-05-01"), the form stored in text and shown to users.
  public var description: String {
    let parts = civil
    let year =
      parts.year < 0
      ? "-" + UnitText.padded(-parts.year, width: 4) : UnitText.padded(parts.year, width: 4)
    return year + "-" + UnitText.padded(parts.month, width: 2) + "-"
      + UnitText.padded(parts.day, width: 2)
  }

  /// The day `days` later (or earlier when negative); clamps at the ends of the stored range.
  public func adding(days: Int) -> Day {
    let (sum, overflowed) = Int(daysSinceEpoch).addingReportingOverflow(days)
    if overflowed { return Day(daysSinceEpoch: days > 0 ? .max : .min) }
    return Day(daysSinceEpoch: Int32(clamping: sum))
  }

  /// The number of days from `rhs` to `lhs`, so 2026-05-03 - 2026-05-01 == 2.
  public static func - (lhs: Day, rhs: Day) -> Int {
    Int(lhs.daysSinceEpoch) - Int(rhs.daysSinceEpoch)
  }

  /// Orders days from earlier to later.
  public static func < (lhs: Day, rhs: Day) -> Bool {
    lhs.daysSinceEpoch < rhs.daysSinceEpoch
  }

  /// Today in Beijing (UTC+8), from the system clock; the default "as of" day for new records.
  public static func todayInBeijing() -> Day {
    let beijing = Int64(time(nil)) + 8 * 3600
    let (quotient, remainder) = beijing.quotientAndRemainder(dividingBy: 86_400)
    let days = remainder < 0 ? quotient - 1 : quotient
    return Day(daysSinceEpoch: Int32(clamping: days))
  }

  private var civil: (year: Int, month: Int, day: Int) {
    Day.civilFromDays(Int(daysSinceEpoch))
  }

  static func isLeap(_ year: Int) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// Howard Hinnant's civil_from_days: days since 1970-01-01 to a proleptic Gregorian date.
  static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra =
      (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
  }
}

/// A moment as the exports write it, without time zone (Beijing wall-clock time), to the second;
/// used for publish times and placement start and end.
public struct DateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The calendar day of the moment.
  public let day: Day
  /// Seconds since midnight of `day`, 0 to 86399.
  public let secondOfDay: Int32

  /// Makes a moment from a day and the seconds since its midnight; seconds outside 0...86399
  /// carry into the previous or following days rather than making an impossible time.
  public init(day: Day, secondOfDay: Int32) {
    let (quotient, remainder) = secondOfDay.quotientAndRemainder(dividingBy: 86_400)
    let carry = remainder < 0 ? quotient - 1 : quotient
    self.day = carry == 0 ? day : day.adding(days: Int(carry))
    self.secondOfDay = remainder < 0 ? remainder + 86_400 : remainder
  }

  /// Parses `YYYY-MM-DD HH:MM[:SS]` (also with `/` in the date, or `T` before the time);
  /// a date alone is accepted as 00:00:00.
  public static func parse(_ text: String) throws(ValueError) -> DateTime {
    try UnitText.withBytes(of: text) { (bytes) throws(ValueError) in try parse(utf8: bytes) }
  }

  /// Parses a moment from raw UTF-8 bytes exactly like `parse(_:)`, so the importer can read a
  /// field slice without first making a String.
  package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ValueError) -> DateTime {
    let (start, end) = UnitText.trimmed(bytes)
    guard start < end else { throw ValueError("empty date and time; expected \(expected)") }
    guard let date = DateScan.date(bytes, from: start, end: end) else { throw malformed(bytes) }
    var second = 0
    if date.end < end {
      var index = date.end
      if bytes[index] == DateScan.letterT {
        index += 1
      } else {
        while index < end, bytes[index] == UnitText.space { index += 1 }
        guard index > date.end else { throw malformed(bytes) }
      }
      guard let time = DateScan.time(bytes, from: index, end: end) else { throw malformed(bytes) }
      guard time.hour < 24, time.minute < 60, time.second < 60 else {
        throw ValueError(
          "\(UnitText.quoted(bytes)) has an impossible time; "
            + "expected HH:MM or HH:MM:SS with hours 0-23 and minutes and seconds 0-59")
      }
      second = time.hour * 3600 + time.minute * 60 + time.second
    }
    guard let day = Day(year: date.year, month: date.month, day: date.day) else {
      throw ValueError("\(UnitText.quoted(bytes)) is not a calendar day; expected \(expected)")
    }
    return DateTime(day: day, secondOfDay: Int32(second))
  }

  /// The last second of the day (23:59:59), used when a placement's end is given as a date alone.
  public static func endOfDay(_ day: Day) -> DateTime {
    DateTime(day: day, secondOfDay: 86_399)
  }

  /// Wall-clock seconds since 1970-01-01 00:00:00 on the same (Beijing) clock, for arithmetic
  /// and storage; not shifted to UTC.
  public var secondsSinceEpoch: Int64 {
    Int64(day.daysSinceEpoch) * 86_400 + Int64(secondOfDay)
  }

  /// The moment as `YYYY-MM-DD HH:MM:SS`, always with seconds ("2026-05-01 20:00:00").
  public var description: String {
    let seconds = Int(secondOfDay)
    return day.description + " " + UnitText.padded(seconds / 3600, width: 2) + ":"
      + UnitText.padded(seconds / 60 % 60, width: 2) + ":"
      + UnitText.padded(seconds % 60, width: 2)
  }

  /// Orders moments from earlier to later.
  public static func < (lhs: DateTime, rhs: DateTime) -> Bool {
    (lhs.day, lhs.secondOfDay) < (rhs.day, rhs.secondOfDay)
  }

  private static let expected = "YYYY-MM-DD HH:MM[:SS]"

  private static func malformed(_ bytes: UnsafeBufferPointer<UInt8>) -> ValueError {
    ValueError("\(UnitText.quoted(bytes)) is not a date and time; expected \(expected)")
  }
}

/// Byte scanners for the date and time shapes; they check the shape only, not the calendar.
enum DateScan {
  static let slash: UInt8 = 0x2F  // /
  static let colon: UInt8 = 0x3A  // :
  static let letterT: UInt8 = 0x54  // T

  /// `YYYY-M[M]-D[D]` or `YYYY/M[M]/D[D]` from `start` (the same separator twice), stopping
  /// after the day's digits.
  static func date(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
  ) -> (year: Int, month: Int, day: Int, end: Int)? {
    guard let year = number(bytes, from: start, end: end, digits: 4...4) else { return nil }
    var index = year.end
    guard index < end, bytes[index] == UnitText.minus || bytes[index] == slash else { return nil }
    let separator = bytes[index]
    index += 1
    guard let month = number(bytes, from: index, end: end, digits: 1...2) else { return nil }
    index = month.end
    guard index < end, bytes[index] == separator else { return nil }
    index += 1
    guard let day = number(bytes, from: index, end: end, digits: 1...2) else { return nil }
    return (year.value, month.value, day.value, day.end)
  }

  /// `H[H]:MM` or `H[H]:MM:SS` filling exactly `start..<end`; ranges are checked by the caller.
  static func time(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
  ) -> (hour: Int, minute: Int, second: Int)? {
    guard let hour = number(bytes, from: start, end: end, digits: 1...2) else { return nil }
    var index = hour.end
    guard index < end, bytes[index] == colon else { return nil }
    guard let minute = number(bytes, from: index + 1, end: end, digits: 2...2) else { return nil }
    index = minute.end
    if index == end { return (hour.value, minute.value, 0) }
    guard bytes[index] == colon,
      let second = number(bytes, from: index + 1, end: end, digits: 2...2), second.end == end
    else { return nil }
    return (hour.value, minute.value, second.value)
  }

  /// A run of ASCII digits whose length is within `digits`, followed by a non-digit or the end.
  private static func number(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, digits: ClosedRange<Int>
  ) -> (value: Int, end: Int)? {
    var index = start
    var value = 0
    while index < end, index - start < digits.upperBound, let digit = UnitText.digit(bytes[index]) {
      value = value * 10 + Int(digit)
      index += 1
    }
    guard digits.contains(index - start) else { return nil }
    if index < end, UnitText.digit(bytes[index]) != nil { return nil }
    return (value, index)
  }
}
