import Foundation
import TestSupport
import Testing

@testable import LedgerStore

// MARK: - Helpers

/// Runs a byte-level parser on the UTF-8 of `text`, placed in the middle of a larger buffer the way
/// the importer hands over a field slice, and returns what it produced.
private func throughBytes<T>(
  _ text: String, _ parse: (UnsafeBufferPointer<UInt8>) throws(ValueError) -> T
) -> Result<T, ValueError> {
  let line = Array("x,".utf8) + Array(text.utf8) + Array(",y".utf8)
  return line.withUnsafeBufferPointer { whole in
    let field = UnsafeBufferPointer(rebasing: whole[2..<(whole.count - 2)])
    return Result { () throws(ValueError) -> T in try parse(field) }
  }
}

private func throughString<T>(
  _ text: String, _ parse: (String) throws(ValueError) -> T
) -> Result<T, ValueError> {
  Result { () throws(ValueError) -> T in try parse(text) }
}

private func errorMessage<T>(_ result: Result<T, ValueError>) -> String? {
  if case .failure(let error) = result { return error.message }
  return nil
}

/// A small deterministic generator (SplitMix64) so the round-trip loops are repeatable.
typealias SeededGenerator = SplitMix64

// MARK: - Money: accepted forms

private let acceptedYuan: [(String, Int64)] = [
  ("1234.5", 123_450),
  ("1234.50", 123_450),
  ("1,234.50", 123_450),
  ("¥1234.50", 123_450),
  ("￥1234", 123_400),
  ("¥1,234.50", 123_450),
  ("￥1,234.5", 123_450),
  ("1234.50元", 123_450),
  ("1234元", 123_400),
  ("¥1234.50元", 123_450),
  ("  1234.50  ", 123_450),
  ("\t¥12\t", 1_200),
  (" ￥1,234 ", 123_400),
  ("20000", 2_000_000),
  ("0", 0),
  ("0.0", 0),
  ("0.00", 0),
  ("0.05", 5),
  ("0.5", 50),
  ("1", 100),
  ("12,345.6", 1_234_560),
  ("123,456,789.01", 12_345_678_901),
  ("1,000", 100_000),
  ("999", 99_900),
  ("007", 700),
  ("92233720368547758.07", Int64.max),
  ("92,233,720,368,547,758.07", Int64.max),
  ("92233720368547758", 9_223_372_036_854_775_800),
]

@Test(arguments: acceptedYuan)
func everyAcceptedYuanFormGivesExactFen(text: String, fen: Int64) throws {
  #expect(try Money.parseYuan(text) == fen)
}

@Test(arguments: acceptedYuan)
func yuanBytesEntryPointAgreesOnAcceptedForms(text: String, fen: Int64) throws {
  #expect(try throughBytes(text, Money.parseYuan(utf8:)).get() == fen)
}

@Test func workedExamplesFromTheSpecAreExact() throws {
  #expect(try Money.parseYuan("¥1234.50") == 123_450)
  #expect(try Money.parseYuan("￥1234") == 123_400)
  #expect(try Money.parseYuan("1,234.50") == 123_450)
  #expect(try Money.parseYuan("1234.5") == 123_450)
  #expect(try Money.parseYuan("20000") == 2_000_000)
  #expect(try Money.parseYuan("0") == 0)
}

@Test func largestAmountIsInt64MaxAndOneFenMoreIsRefused() throws {
  #expect(try Money.parseYuan("92233720368547758.07") == Int64.max)
  #expect(throws: ValueError.self) { try Money.parseYuan("92233720368547758.08") }
  #expect(throws: ValueError.self) { try Money.parseYuan("92233720368547759") }
  #expect(throws: ValueError.self) { try Money.parseYuan("99999999999999999999999") }
  #expect(throws: ValueError.self) { try Money.parseYuan("92,233,720,368,547,758.08") }
}

// MARK: - Money: refused forms

private let refusedYuan: [String] = [
  "12.345",  // three decimals
  "0.001",
  "1,234.567",
  "12.340",
  "-5",  // negative
  "-0.01",
  "¥-5",
  "-¥5",
  "-1,234.50",
  "",  // empty
  "   ",
  "1 234",  // spaces inside
  "12 .5",
  "12. 5",
  "¥ 12",
  "12 元",
  "1,23",  // misplaced separators
  "1,23,4",
  "12,34",
  "1234,567",
  "1,2345",
  ",123",
  "123,",
  "1,,234",
  "0,123",
  "1,234,56",
  ".5",  // a digit on both sides of the point
  "5.",
  ".",
  "¥.5",
  "1e3",  // garbage
  "1E3",
  "abc",
  "¥",
  "￥",
  "元",
  "¥元",
  "12.3.4",
  "+5",
  "--5",
  "5-",
  "0x10",
  "12..3",
  "1.2e3",
  "５",  // full-width digit
  "12 34",
  "12元元",
  "元12",
  "12¥",
  "$12",
  "12.5%",
  "9223372036854775808",  // overflow
  "92233720368547758.08",
  "100000000000000000",
  "99999999999999999999999",
]

@Test(arguments: refusedYuan)
func everyRefusedYuanFormIsAnError(text: String) {
  #expect(throws: ValueError.self) { try Money.parseYuan(text) }
}

@Test(arguments: refusedYuan)
func yuanBytesEntryPointRefusesWithTheSameMessage(text: String) {
  let viaBytes = errorMessage(throughBytes(text, Money.parseYuan(utf8:)))
  let viaString = errorMessage(throughString(text, Money.parseYuan))
  #expect(viaBytes != nil)
  #expect(viaBytes == viaString)
}

@Test func moreThanTwoDecimalsIsRefused() {
  #expect(
    throws: ValueError(
      "more than two decimals in \"12.345\"; money is yuan with at most two decimals (fen)")
  ) { try Money.parseYuan("12.345") }
}

@Test func negativeAmountIsRefused() {
  #expect(throws: ValueError("negative amount \"-5\"; money must be zero or more")) {
    try Money.parseYuan("-5")
  }
  #expect(throws: ValueError("negative amount \"¥-1.50\"; money must be zero or more")) {
    try Money.parseYuan("¥-1.50")
  }
}

@Test func malformedAmountSaysWhatIsExpected() {
  #expect(
    throws: ValueError(
      "\"12,34\" is not a valid amount; expected yuan like 1234.50, 1,234.50 or ¥1234.50")
  ) { try Money.parseYuan("12,34") }
  #expect(
    throws: ValueError(
      "\".5\" is not a valid amount; expected yuan like 1234.50, 1,234.50 or ¥1234.50")
  ) { try Money.parseYuan(".5") }
}

@Test func emptyAmountIsRefused() {
  #expect(throws: ValueError("empty amount; expected yuan like 1234.50")) {
    try Money.parseYuan("")
  }
  #expect(throws: ValueError("empty amount; expected yuan like 1234.50")) {
    try Money.parseYuan("  ")
  }
}

@Test func overflowingAmountNamesTheLargestAllowed() {
  #expect(
    throws: ValueError(
      "amount \"92233720368547758.08\" is too large; the most is 92,233,720,368,547,758.07 yuan")
  ) { try Money.parseYuan("92233720368547758.08") }
}

@Test func invalidUTF8BytesAreRefusedNotCrashed() {
  let bytes: [UInt8] = [0x31, 0xFF, 0x32]
  let result = bytes.withUnsafeBufferPointer { buffer in
    Result { () throws(ValueError) -> Int64 in try Money.parseYuan(utf8: buffer) }
  }
  #expect(errorMessage(result)?.contains("is not a valid amount") == true)
  let truncatedSign: [UInt8] = [0xEF, 0xBF]
  let signResult = truncatedSign.withUnsafeBufferPointer { buffer in
    Result { () throws(ValueError) -> Int64 in try Money.parseYuan(utf8: buffer) }
  }
  #expect(errorMessage(signResult) != nil)
}

@Test func emptyBufferIsAnEmptyAmount() {
  let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
  let result = Result { () throws(ValueError) -> Int64 in try Money.parseYuan(utf8: empty) }
  #expect(errorMessage(result) == "empty amount; expected yuan like 1234.50")
}

@Test func parsersCanBePassedAsStringFunctions() throws {
  let money: (String) throws(ValueError) -> Int64 = Money.parseYuan
  let count: (String) throws(ValueError) -> Int64 = Count.parse
  let flag: (String) throws(ValueError) -> Bool = YesNo.parse
  let day: (String) throws(ValueError) -> Day = Day.parse
  let moment: (String) throws(ValueError) -> DateTime = DateTime.parse
  #expect(try money("1.00") == 100)
  #expect(try count("7") == 7)
  #expect(try flag("yes"))
  #expect(try day("1970-01-01").daysSinceEpoch == 0)
  #expect(try moment("1970-01-01").secondsSinceEpoch == 0)
}

// MARK: - Money: rendering

/// Fen → yuan text, plain and grouped by thousands, at the edges of Int64.
private let renderedYuan: [(fen: Int64, plain: String, grouped: String)] = [
  (0, "0.00", "0.00"),
  (5, "0.05", "0.05"),
  (50, "0.50", "0.50"),
  (100, "1.00", "1.00"),
  (99_999, "999.99", "999.99"),
  (100_000, "1000.00", "1,000.00"),
  (123_450, "1234.50", "1,234.50"),
  (2_000_000, "20000.00", "20,000.00"),
  (10_000_000, "100000.00", "100,000.00"),
  (123_456_789, "1234567.89", "1,234,567.89"),
  (-5, "-0.05", "-0.05"),
  (-150, "-1.50", "-1.50"),
  (-123_456_789, "-1234567.89", "-1,234,567.89"),
  (Int64.max, "92233720368547758.07", "92,233,720,368,547,758.07"),
  (Int64.min, "-92233720368547758.08", "-92,233,720,368,547,758.08"),
]

@Test(arguments: renderedYuan)
func yuanRendersExactlyTwoDecimalsPlainAndGrouped(fen: Int64, plain: String, grouped: String) {
  #expect(Money.yuan(fen) == plain)
  #expect(Money.yuanGrouped(fen) == grouped)
}

@Test func renderedYuanParsesBackToTheSameFen() throws {
  var generator = SeededGenerator(state: 20_260_501)
  var values: [Int64] = [
    0, 1, 5, 9, 10, 99, 100, 101, 999, 1_000, 123_450, Int64.max, Int64.max - 1,
  ]
  for _ in 0..<2_000 {
    values.append(Int64.random(in: 0...Int64.max, using: &generator))
    values.append(Int64.random(in: 0...10_000_000, using: &generator))
  }
  for fen in values {
    #expect(try Money.parseYuan(Money.yuan(fen)) == fen)
    #expect(try Money.parseYuan(Money.yuanGrouped(fen)) == fen)
    #expect(try Money.parseYuan("¥" + Money.yuanGrouped(fen) + "元") == fen)
    #expect(try throughBytes(Money.yuanGrouped(fen), Money.parseYuan(utf8:)).get() == fen)
  }
}

// MARK: - Counts

private let acceptedCounts: [(String, Int64)] = [
  ("0", 0),
  ("7", 7),
  ("12345", 12_345),
  ("12,345", 12_345),
  ("1,234,567", 1_234_567),
  (" 42 ", 42),
  ("\t1,000\t", 1_000),
  ("9223372036854775807", Int64.max),
  ("9,223,372,036,854,775,807", Int64.max),
]

private let refusedCounts: [String] = [
  "", "  ", "1.0", "1.5", "-3", "-0", "1e5", "1E5", "+3", "abc", "1,23", "1234,567", "12,34",
  ",123", "123,", "1 000", "1.", ".1", "9223372036854775808", "99999999999999999999",
  "18446744073709551617",  // 2^64 + 1: wraps to 1
  "¥5", "5元", "0x10", "１２",
]

@Test(arguments: acceptedCounts)
func everyAcceptedCountFormGivesItsValue(text: String, value: Int64) throws {
  #expect(try Count.parse(text) == value)
  #expect(try throughBytes(text, Count.parse(utf8:)).get() == value)
}

@Test(arguments: refusedCounts)
func everyRefusedCountFormIsAnErrorOnBothEntryPoints(text: String) {
  let viaString = errorMessage(throughString(text, Count.parse))
  let viaBytes = errorMessage(throughBytes(text, Count.parse(utf8:)))
  #expect(viaString != nil)
  #expect(viaBytes == viaString)
}

@Test func countErrorsSayWhatIsWrong() {
  #expect(
    errorMessage(throughString("-3", Count.parse))
      == "negative count \"-3\"; counts must be zero or more")
  #expect(
    errorMessage(throughString("1.0", Count.parse))
      == "\"1.0\" is not a whole number; counts are whole numbers like 12345")
  #expect(
    errorMessage(throughString("1e5", Count.parse))
      == "\"1e5\" is not a valid count; expected a whole number like 12345 or 12,345")
  #expect(
    errorMessage(throughString("", Count.parse))
      == "empty count; expected a whole number like 12345 or 12,345")
  #expect(
    errorMessage(throughString("9223372036854775808", Count.parse))
      == "count \"9223372036854775808\" is too large; the most is 9,223,372,036,854,775,807")
}

@Test func countsRoundTripThroughGroupedText() throws {
  var generator = SeededGenerator(state: 7)
  for _ in 0..<1_000 {
    let value = Int64.random(in: 0...Int64.max, using: &generator)
    #expect(try Count.parse(String(value)) == value)
    #expect(try Count.parse(UnitText.grouped(String(value))) == value)
  }
}

// MARK: - Flags

@Test(arguments: [
  "true", "TRUE", "True", "yes", "YES", "Yes", "1", "y", "Y", "是", " yes ", "\ttrue",
])
func trueFlagsAreRead(text: String) throws {
  #expect(try YesNo.parse(text) == true)
}

@Test(arguments: [
  "false", "FALSE", "False", "no", "NO", "No", "0", "n", "N", "否", " no ", "0\t",
])
func falseFlagsAreRead(text: String) throws {
  #expect(try YesNo.parse(text) == false)
}

@Test(arguments: [
  "", " ", "maybe", "2", "yess", "t", "f", "是的", "对", "ｙｅｓ", "on", "off", "-1",
])
func otherFlagTextIsRefused(text: String) {
  #expect(throws: ValueError.self) { try YesNo.parse(text) }
}

@Test func refusedFlagListsTheAcceptedWords() {
  #expect(
    throws: ValueError(
      "\"maybe\" is not a yes/no value; expected true/false, yes/no, 1/0, y/n or 是/否")
  ) { try YesNo.parse("maybe") }
}

// MARK: - Day

private let acceptedDays: [(String, Int, Int, Int)] = [
  ("2026-05-01", 2026, 5, 1),
  ("2026/05/01", 2026, 5, 1),
  ("2026-5-1", 2026, 5, 1),
  ("2026/5/1", 2026, 5, 1),
  ("2026-12-31", 2026, 12, 31),
  ("2026/1/31", 2026, 1, 31),
  (" 2026-05-01 ", 2026, 5, 1),
  ("2028-02-29", 2028, 2, 29),
  ("2000-02-29", 2000, 2, 29),
  ("1970-01-01", 1970, 1, 1),
  ("1969-12-31", 1969, 12, 31),
  ("2100-03-01", 2100, 3, 1),
  ("0001-01-01", 1, 1, 1),
  ("9999-12-31", 9999, 12, 31),
]

@Test(arguments: acceptedDays)
func acceptedDayFormsGiveTheirParts(text: String, year: Int, month: Int, day: Int) throws {
  let parsed = try Day.parse(text)
  #expect(parsed.year == year)
  #expect(parsed.month == month)
  #expect(parsed.day == day)
  #expect(parsed == Day(year: year, month: month, day: day))
  #expect(try throughBytes(text, Day.parse(utf8:)).get() == parsed)
}

private let refusedDays: [String] = [
  "2026-02-29",  // not leap
  "2100-02-29",  // century, not leap
  "2026-02-30",
  "2026-04-31",
  "2026-13-01",
  "2026-00-10",
  "2026-05-00",
  "2026-05-32",
  "0000-01-01",
  "",  // shape
  "  ",
  "2026-05",
  "2026-05-01-",
  "2026-05-01x",
  "26-05-01",
  "20260-05-01",
  "2026-005-01",
  "2026-05-001",
  "2026-05/01",
  "2026/05-01",
  "2026.05.01",
  "20260501",
  "2026-5-1 10:00",
  "2026-05-01T00:00",
  "2026 - 05 - 01",
  "2026-0５-01",
  "abc",
  "01/05/2026",
]

@Test(arguments: refusedDays)
func refusedDaysAreErrorsOnBothEntryPoints(text: String) {
  let viaString = errorMessage(throughString(text, Day.parse))
  let viaBytes = errorMessage(throughBytes(text, Day.parse(utf8:)))
  #expect(viaString != nil)
  #expect(viaBytes == viaString)
}

@Test func impossibleCalendarDaySaysSo() {
  #expect(throws: ValueError("\"2026-02-30\" is not a calendar day; expected YYYY-MM-DD")) {
    try Day.parse("2026-02-30")
  }
  #expect(throws: ValueError("\"2026-02-29\" is not a calendar day; expected YYYY-MM-DD")) {
    try Day.parse("2026-02-29")
  }
  #expect(throws: ValueError("\"May 1\" is not a date; expected YYYY-MM-DD")) {
    try Day.parse("May 1")
  }
}

@Test func epochIsDayZeroAndFarDaysAreCorrect() throws {
  #expect(try Day.parse("1970-01-01").daysSinceEpoch == 0)
  #expect(try Day.parse("1970-01-02").daysSinceEpoch == 1)
  #expect(try Day.parse("1969-12-31").daysSinceEpoch == -1)
  #expect(try Day.parse("2000-03-01").daysSinceEpoch == 11_017)
  #expect(try Day.parse("2026-05-01").daysSinceEpoch == 20_574)
  #expect(try Day.parse("2100-03-01").daysSinceEpoch == 47_541)
  #expect(try Day.parse("1900-01-01").daysSinceEpoch == -25_567)
  #expect(try Day.parse("0001-01-01").daysSinceEpoch == -719_162)
  #expect(try Day.parse("9999-12-31").daysSinceEpoch == 2_932_896)
  #expect(Day(daysSinceEpoch: 47_541).description == "2100-03-01")
  #expect(Day(daysSinceEpoch: 0).description == "1970-01-01")
}

@Test func dayFormatsAsZeroPaddedIsoDate() throws {
  #expect(try Day.parse("2026/5/1").description == "2026-05-01")
  #expect(try Day.parse("2026-12-31").description == "2026-12-31")
  #expect(try Day.parse("0001-01-01").description == "0001-01-01")
  #expect(Day(year: 2026, month: 5, day: 1)?.description == "2026-05-01")
}

@Test func dayFromPartsRefusesImpossibleDays() {
  #expect(Day(year: 2026, month: 2, day: 29) == nil)
  #expect(Day(year: 2028, month: 2, day: 29) != nil)
  #expect(Day(year: 1900, month: 2, day: 29) == nil)
  #expect(Day(year: 2000, month: 2, day: 29) != nil)
  #expect(Day(year: 2026, month: 4, day: 31) == nil)
  #expect(Day(year: 2026, month: 0, day: 1) == nil)
  #expect(Day(year: 2026, month: 13, day: 1) == nil)
  #expect(Day(year: 2026, month: 1, day: 0) == nil)
  #expect(Day(year: 2026, month: 1, day: -1) == nil)
  #expect(Day(year: 0, month: 1, day: 1) == nil)
  #expect(Day(year: 10_000, month: 1, day: 1) == nil)
}

@Test func addingDaysCrossesMonthYearAndLeapEdges() throws {
  func day(_ text: String) throws -> Day { try Day.parse(text) }
  #expect(try day("2026-01-31").adding(days: 1) == day("2026-02-01"))
  #expect(try day("2026-02-28").adding(days: 1) == day("2026-03-01"))
  #expect(try day("2028-02-28").adding(days: 1) == day("2028-02-29"))
  #expect(try day("2028-02-29").adding(days: 1) == day("2028-03-01"))
  #expect(try day("2026-12-31").adding(days: 1) == day("2027-01-01"))
  #expect(try day("2027-01-01").adding(days: -1) == day("2026-12-31"))
  #expect(try day("2026-03-01").adding(days: -1) == day("2026-02-28"))
  #expect(try day("2100-02-28").adding(days: 1) == day("2100-03-01"))
  #expect(try day("2026-05-01").adding(days: 0) == day("2026-05-01"))
  #expect(try day("2026-05-01").adding(days: 365) == day("2027-05-01"))
  #expect(try day("2028-01-01").adding(days: 366) == day("2029-01-01"))
  #expect(try day("1970-01-01").adding(days: -1) == day("1969-12-31"))
  #expect(Day(daysSinceEpoch: .max).adding(days: 1).daysSinceEpoch == .max)
  #expect(Day(daysSinceEpoch: .min).adding(days: Int.min).daysSinceEpoch == .min)
}

@Test func subtractingDaysCountsTheDaysBetween() throws {
  func day(_ text: String) throws -> Day { try Day.parse(text) }
  #expect(try day("2026-05-03") - day("2026-05-01") == 2)
  #expect(try day("2026-05-01") - day("2026-05-03") == -2)
  #expect(try day("2026-03-01") - day("2026-02-28") == 1)
  #expect(try day("2028-03-01") - day("2028-02-28") == 2)
  #expect(try day("2027-01-01") - day("2026-01-01") == 365)
  #expect(try day("2029-01-01") - day("2028-01-01") == 366)
  #expect(try day("2100-03-01") - day("1970-01-01") == 47_541)
  #expect(Day(daysSinceEpoch: .max) - Day(daysSinceEpoch: .min) == Int(Int32.max) - Int(Int32.min))
}

@Test func daysOrderByDate() throws {
  #expect(try Day.parse("2026-04-30") < Day.parse("2026-05-01"))
  #expect(try Day.parse("2025-12-31") < Day.parse("2026-01-01"))
  #expect(try !(Day.parse("2026-05-01") < Day.parse("2026-05-01")))
  #expect(try Day.parse("2026/5/1") == Day.parse("2026-05-01"))
  #expect(Set([try Day.parse("2026/5/1"), try Day.parse("2026-05-01")]).count == 1)
}

@Test func everyDayRoundTripsThroughItsParts() throws {
  var previous = try #require(Day(year: 1899, month: 12, day: 31))
  for number in -25_567...47_600 {
    let day = Day(daysSinceEpoch: Int32(number))
    let rebuilt = try #require(Day(year: day.year, month: day.month, day: day.day))
    #expect(rebuilt == day)
    #expect(try Day.parse(day.description) == day)
    if number > -25_567 {
      #expect(day - previous == 1)
    }
    previous = day
  }
  #expect(previous.description == "2100-04-29")
}

@Test func civilConversionAgreesWithACountedCalendar() {
  var days = Day.daysFromCivil(year: 1600, month: 1, day: 1)
  for year in 1600...2400 {
    for month in 1...12 {
      let length = [31, Day.isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][
        month - 1]
      for dayOfMonth in 1...length {
        #expect(Day.daysFromCivil(year: year, month: month, day: dayOfMonth) == days)
        days += 1
      }
    }
  }
}

@Test func todayInBeijingIsTheCalendarDayInShanghaiNow() throws {
  // Foundation's calendar, asked before and after: the day may turn in between.
  var calendar = Calendar(identifier: .gregorian)
  calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
  func foundationDay() throws -> Day {
    let parts = calendar.dateComponents([.year, .month, .day], from: Date())
    let day = parts.year.flatMap { year in
      parts.month.flatMap { month in parts.day.flatMap { Day(year: year, month: month, day: $0) } }
    }
    return try #require(day, "\(parts)")
  }
  let before = try foundationDay()
  let today = Day.todayInBeijing()
  let after = try foundationDay()
  #expect(today == before || today == after, "\(today) is neither \(before) nor \(after)")
}

// MARK: - DateTime

private let acceptedMoments: [(String, String)] = [
  ("2026-05-01 20:00:00", "2026-05-01 20:00:00"),
  ("2026-05-01 20:00", "2026-05-01 20:00:00"),
  ("2026/05/01 20:00", "2026-05-01 20:00:00"),
  ("2026/5/1 8:05", "2026-05-01 08:05:00"),
  ("2026-5-1 08:05:09", "2026-05-01 08:05:09"),
  ("2026-05-01T20:00:00", "2026-05-01 20:00:00"),
  ("2026-05-01T20:00", "2026-05-01 20:00:00"),
  ("2026-05-01", "2026-05-01 00:00:00"),
  ("2026/5/1", "2026-05-01 00:00:00"),
  (" 2026-05-01 23:59:59 ", "2026-05-01 23:59:59"),
  ("2026-05-01  20:00", "2026-05-01 20:00:00"),
  ("2026-05-01 0:00", "2026-05-01 00:00:00"),
  ("2028-02-29 12:30:45", "2028-02-29 12:30:45"),
]

@Test(arguments: acceptedMoments)
func acceptedMomentFormsParse(text: String, rendered: String) throws {
  #expect(try DateTime.parse(text).description == rendered)
  #expect(try throughBytes(text, DateTime.parse(utf8:)).get().description == rendered)
  #expect(try DateTime.parse(rendered).description == rendered)
}

private let refusedMoments: [String] = [
  "",
  "2026-05-01 24:00",
  "2026-05-01 25:00:00",
  "2026-05-01 23:60",
  "2026-05-01 23:59:60",
  "2026-05-01 99:99",
  "2026-02-29 10:00",
  "2026-05-01 10",
  "2026-05-01 10:",
  "2026-05-01 10:0",
  "2026-05-01 10:00:0",
  "2026-05-01 10:00:00.5",
  "2026-05-01 10:00:00Z",
  "2026-05-01 10:00:00+08:00",
  "2026-05-01 100:00",
  "2026-05-01T",
  "2026-05-01t10:00",
  "2026-05-01T 10:00",
  "2026-05-0110:00",
  "2026-05-01 10:00 PM",
  "10:00",
  "now",
]

@Test(arguments: refusedMoments)
func refusedMomentsAreErrorsOnBothEntryPoints(text: String) {
  let viaString = errorMessage(throughString(text, DateTime.parse))
  let viaBytes = errorMessage(throughBytes(text, DateTime.parse(utf8:)))
  #expect(viaString != nil)
  #expect(viaBytes == viaString)
}

@Test func impossibleHourIsRefusedWithTheAllowedRange() {
  #expect(
    throws: ValueError(
      "\"2026-05-01 24:00\" has an impossible time; "
        + "expected HH:MM or HH:MM:SS with hours 0-23 and minutes and seconds 0-59")
  ) { try DateTime.parse("2026-05-01 24:00") }
  #expect(
    throws: ValueError(
      "\"2026-02-30 10:00\" is not a calendar day; expected YYYY-MM-DD HH:MM[:SS]")
  ) { try DateTime.parse("2026-02-30 10:00") }
  #expect(
    throws: ValueError(
      "\"tomorrow\" is not a date and time; expected YYYY-MM-DD HH:MM[:SS]")
  ) { try DateTime.parse("tomorrow") }
}

@Test func dateAloneIsMidnightAndEndOfDayIsTheLastSecond() throws {
  let day = try Day.parse("2026-06-07")
  let midnight = try DateTime.parse("2026-06-07")
  #expect(midnight.day == day)
  #expect(midnight.secondOfDay == 0)
  let end = DateTime.endOfDay(day)
  #expect(end.day == day)
  #expect(end.secondOfDay == 86_399)
  #expect(end.description == "2026-06-07 23:59:59")
  #expect(end < DateTime(day: day.adding(days: 1), secondOfDay: 0))
}

@Test func momentsOrderByDayThenTime() throws {
  let morning = try DateTime.parse("2026-05-01 08:00")
  let evening = try DateTime.parse("2026-05-01 20:00")
  let nextMidnight = try DateTime.parse("2026-05-02")
  #expect(morning < evening)
  #expect(evening < nextMidnight)
  #expect(!(evening < morning))
  #expect(try DateTime.parse("2026/5/1 8:00") == morning)
  #expect([nextMidnight, morning, evening].sorted() == [morning, evening, nextMidnight])
  #expect(try DateTime.parse("2026-05-01 10:00:01") > DateTime.parse("2026-05-01 10:00"))
}

@Test func secondsSinceEpochCountsWallClockSeconds() throws {
  #expect(try DateTime.parse("1970-01-01 00:00:00").secondsSinceEpoch == 0)
  #expect(try DateTime.parse("1970-01-01 00:00:01").secondsSinceEpoch == 1)
  #expect(try DateTime.parse("1970-01-02").secondsSinceEpoch == 86_400)
  #expect(try DateTime.parse("1969-12-31 23:59:59").secondsSinceEpoch == -1)
  #expect(try DateTime.parse("2026-05-01 20:00").secondsSinceEpoch == 20_574 * 86_400 + 72_000)
}

@Test func secondsOutsideTheDayCarryIntoNeighbouringDays() throws {
  let day = try Day.parse("2026-05-01")
  let late = DateTime(day: day, secondOfDay: 86_400 + 3_600)
  #expect(late.description == "2026-05-02 01:00:00")
  let early = DateTime(day: day, secondOfDay: -1)
  #expect(early.description == "2026-04-30 23:59:59")
  #expect(DateTime(day: day, secondOfDay: 72_000).description == "2026-05-01 20:00:00")
}

@Test func countsAreGroupedByThousandsAtEveryMagnitudeAndSignAndParseBack() throws {
  var random = SplitMix64(state: 9)
  var values: [Int64] = [0, 1, -1, 999, 1_000, -1_000, 999_999, 1_000_000, .max, .min]
  for _ in 0..<2_000 {
    values.append(Int64(bitPattern: random.next()) >> Int64(random.int(0...62)))
  }
  #expect(Count.grouped(1_200_000) == "1,200,000" && Count.grouped(-1_000) == "-1,000")
  #expect(Count.grouped(.min) == "-9,223,372,036,854,775,808")
  for value in values {
    // The reference: the digits of the magnitude grouped as text, after the sign.
    let expected = (value < 0 ? "-" : "") + UnitText.grouped(String(value.magnitude))
    #expect(Count.grouped(value) == expected, "\(value)")
    if value >= 0 { #expect(try Count.parse(Count.grouped(value)) == value) }
  }
}
