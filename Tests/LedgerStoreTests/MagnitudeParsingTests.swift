import Testing

@testable import LedgerStore

// 万/亿 and header units, exactly (docs/data-model.md, "Units").

private func count(_ text: String, power: Int = 0) -> Result<Int64, ValueError> {
  Result { () throws(ValueError) -> Int64 in try Count.parse(text, power: power) }
}

private func yuan(_ text: String) -> Result<Int64, ValueError> {
  Result { () throws(ValueError) -> Int64 in try Money.parseYuan(text) }
}

private func scaledYuan(_ text: String, power: Int) -> Result<Int64, ValueError> {
  Result { () throws(ValueError) -> Int64 in
    try Array(text.utf8).withUnsafeBufferPointer { (bytes) throws(ValueError) in
      try Money.parseYuan(utf8: bytes, power: power)
    }
  }
}

private func message<T>(_ result: Result<T, ValueError>) -> String? {
  if case .failure(let error) = result { return error.message }
  return nil
}

@Test func countsWithMagnitudeWordsAreExact() throws {
  #expect(try count("120.5万").get() == 1_205_000)
  #expect(try count("120.5萬").get() == 1_205_000)
  #expect(try count("1.2亿").get() == 120_000_000)
  #expect(try count("1.2億").get() == 120_000_000)
  #expect(try count("3.5w").get() == 35_000)
  #expect(try count("3.5W").get() == 35_000)
  #expect(try count("1,234.5万").get() == 12_345_000)
  #expect(try count("0.00000001亿").get() == 1)
  #expect(try count("1.23450万").get() == 12_345)
  #expect(try count(" 2万 ").get() == 20_000)
  #expect(try count("12,345").get() == 12_345)
}

@Test func countsBeyondTheirUnitsPrecisionOrNegativeOrHugeAreRefused() {
  #expect(message(count("1.23456万"))?.contains("not whole once its unit 万") == true)
  #expect(message(count("0.000000001亿"))?.contains("at most 8 decimals") == true)
  #expect(message(count("-1万"))?.contains("negative count") == true)
  #expect(message(count("922337203685478万"))?.contains("too large") == true)
  #expect(message(count("万")) != nil)
  #expect(message(count("1.万")) != nil)
  #expect(message(count(".5万")) != nil)
  #expect(message(count("1.5亿万")) != nil)
  #expect(message(count("12.5")) != nil)
  #expect(message(count("w")) != nil)
}

@Test func aHeaderUnitScalesCountsAndRefusesASecondUnit() throws {
  #expect(try count("120.5", power: 4).get() == 1_205_000)
  #expect(try count("3", power: 3).get() == 3000)
  #expect(try count("922337203685477.5807", power: 4).get() == Int64.max)
  #expect(message(count("922337203685477.5808", power: 4))?.contains("too large") == true)
  #expect(message(count("1.23456", power: 4))?.contains("at most 4 decimals") == true)
  #expect(message(count("1万", power: 4))?.contains("already in 万") == true)
  #expect(message(count("-1", power: 4))?.contains("negative") == true)
}

@Test func moneyWithMagnitudeWordsIsExactFen() throws {
  #expect(try yuan("1.5万").get() == 1_500_000)
  #expect(try yuan("¥1.5万元").get() == 1_500_000)
  #expect(try yuan("0.000001万").get() == 1)
  #expect(try yuan("2亿").get() == 20_000_000_000)
  #expect(message(yuan("0.0000001万"))?.contains("money is whole fen") == true)
  #expect(message(yuan("-1万"))?.contains("negative amount") == true)
  #expect(try scaledYuan("1.5", power: 4).get() == 1_500_000)
  #expect(try scaledYuan("12.34", power: 0).get() == 1234)
  #expect(message(scaledYuan("1.5万", power: 4))?.contains("already in 万元") == true)
  #expect(message(scaledYuan("-1", power: 4))?.contains("negative") == true)
  #expect(message(scaledYuan("", power: 4))?.contains("empty") == true)
  #expect(message(scaledYuan("abc", power: 4)) != nil)
}

@Test func ratesAreKeptPerMillionExactly() throws {
  func rate(_ text: String) -> Result<Int64, ValueError> {
    Result { () throws(ValueError) -> Int64 in try Rate.parsePerMillion(text) }
  }
  #expect(try rate("3.25%").get() == 32_500)
  #expect(try rate("3.25 ％").get() == 32_500)
  #expect(try rate("0.0325").get() == 32_500)
  #expect(try rate("100%").get() == 1_000_000)
  #expect(try rate("1").get() == 1_000_000)
  #expect(try rate("0.0001%").get() == 1)
  #expect(message(rate("0.00001%"))?.contains("part per million") == true)
  #expect(message(rate("101%"))?.contains("above 100%") == true)
  #expect(message(rate("3.25"))?.contains("above 1") == true)
  #expect(message(rate("-1%"))?.contains("negative") == true)
  #expect(message(rate(""))?.contains("empty") == true)
  #expect(message(rate("abc%"))?.contains("not a valid rate") == true)
  #expect(Rate.percent(perMillion: 32_500) == "3.25%")
  #expect(Rate.percent(perMillion: 1_000_000) == "100%")
  #expect(Rate.percent(perMillion: 1) == "0.0001%")
}
