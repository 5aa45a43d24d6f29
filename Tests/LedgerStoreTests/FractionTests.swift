import Testing

@testable import LedgerStore

@Test func fractionsReduceAndCompareExactly() throws {
  let twoFifths = try #require(Fraction(4, over: 10))
  #expect(twoFifths.numerator == 2 && twoFifths.denominator == 5)
  #expect(Fraction(1, over: 0) == nil)
  #expect(twoFifths == Fraction(2, over: 5))
  #expect(try #require(Fraction(1, over: 3)) < twoFifths)
  // Double would call these equal; the cross-multiplication does not.
  let a = try #require(Fraction(10_000_000_000_000_001, over: 10_000_000_000_000_000))
  #expect(Fraction(1) < a)
  // Products beyond 128 bits still compare (full-width multiplication).
  let big = Int128(Int64.max) * Int128(Int64.max)
  let huge = try #require(Fraction(big, over: big - 1))
  let hugeToo = try #require(Fraction(big - 1, over: big - 2))
  #expect(huge < hugeToo)
}

@Test func fractionArithmeticStaysExact() throws {
  let model = try #require(Fraction(80).dividedBy(Fraction(40)))
  #expect(model == Fraction(2))
  #expect(Fraction(2).times(try #require(Fraction(8, over: 10))) == Fraction(8, over: 5))
  #expect(Fraction(3).dividedBy(Fraction(0)) == nil)
}

@Test func decimalsParseExactlyOrNotAtAll() {
  #expect(Fraction.parseDecimal("1.2") == Fraction(6, over: 5))
  #expect(Fraction.parseDecimal("0.8") == Fraction(4, over: 5))
  #expect(Fraction.parseDecimal("40") == Fraction(40))
  #expect(Fraction.parseDecimal(".5") == Fraction(1, over: 2))
  #expect(Fraction.parseDecimal("0.03") == Fraction(3, over: 100))
  for bad in ["", ".", "1.", "-1", "+1", "1e3", "1,2", "1.2.3", "abc", "１.２", "0.1234567890123"] {
    #expect(Fraction.parseDecimal(bad) == nil, "\(bad)")
  }
}
