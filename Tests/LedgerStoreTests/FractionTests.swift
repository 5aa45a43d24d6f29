import TestSupport
import Testing

@testable import LedgerStore

@Test func fractionsReduceAndCompareExactly() throws {
  let twoFifths = try #require(Fraction(4, over: 10))
  #expect(twoFifths == Fraction(2, over: 5) && twoFifths != Fraction(2, over: 6))
  #expect(Set([twoFifths, Fraction(2, over: 5), Fraction(40, over: 100)]).count == 1)
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

@Test func aThreeWayComparisonAgreesWithTheFullWidthCrossProductsOnSmallAndLargeParts() throws {
  var random = SplitMix64(state: 16)
  // Parts within 64 bits take the 128-bit products; larger ones the full-width ones. The
  // reference is the sign of a·d − c·b in full width, whatever the path.
  let bounds: [Int128] = [3, 1_000, Int128(Int64.max), Int128(Int64.max) * 4, Int128.max / 2]
  func part(_ bound: Int128, positive: Bool) -> Int128 {
    let bits = UInt128(random.next()) << 64 | UInt128(random.next())
    let magnitude = Int128(bits % UInt128(bound))
    if positive { return magnitude + 1 }
    return random.next() % 2 == 0 ? magnitude : 0 - magnitude
  }
  for _ in 0..<4_000 {
    let bound = bounds[Int(random.next() % UInt64(bounds.count))]
    let a = try #require(Fraction(part(bound, positive: false), over: part(bound, positive: true)))
    var b = a
    if random.next() % 8 != 0 {
      b = try #require(Fraction(part(bound, positive: false), over: part(bound, positive: true)))
    }
    let left = a.numerator.multipliedFullWidth(by: b.denominator)
    let right = b.numerator.multipliedFullWidth(by: a.denominator)
    let expected =
      (left.high, left.low) < (right.high, right.low)
      ? -1 : (left.high, left.low) == (right.high, right.low) ? 0 : 1
    #expect(Fraction.compare(a, b) == expected, "\(a) vs \(b)")
    #expect((a < b) == (expected < 0) && (a == b) == (expected == 0))
  }
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

@Test func decimalTextRoundsHalfUpExactly() throws {
  let cases: [(Int128, Int128, Int, String)] = [
    (2, 1, 2, "2.00"), (2, 3, 2, "0.67"), (1, 3, 4, "0.3333"), (1, 8, 2, "0.13"),
    (2675, 1000, 2, "2.68"), (2674_999, 1_000_000, 2, "2.67"), (9995, 1000, 2, "10.00"),
    (5, 2, 0, "3"), (1, 2000, 2, "0.00"), (1, 200, 2, "0.01"), (0, 7, 2, "0.00"),
    (Int128(Int64.max), 1, 1, "9223372036854775807.0"),
  ]
  for (numerator, denominator, digits, text) in cases {
    let value = try #require(Fraction(numerator, over: denominator))
    #expect(value.decimal(digits: digits) == text, "\(numerator)/\(denominator)")
  }
  // Beyond 64 bits (the 128-bit path): 10^30 / 3 and (2^100 + 1) / 2^101.
  let large = Int128(1_000_000_000_000_000) * 1_000_000_000_000_000
  #expect(
    try #require(Fraction(large, over: 3)).decimal(digits: 2) == "333333333333333333333333333333.33"
  )
  let power = Int128(1) << 100
  #expect(try #require(Fraction(power + 1, over: power * 2)).decimal(digits: 3) == "0.500")
  #expect(try #require(Fraction(power - 1, over: power * 1000)).decimal(digits: 3) == "0.001")
  #expect(
    try #require(Fraction(1, over: 3)).decimal(digits: 99) == "0."
      + String(repeating: "3", count: 18))
}

@Test func aNegativeRatioKeepsItsSignInTheNumeratorAndComparesAndPrintsExactly() throws {
  // Net GMV below zero (refunds above sales) gives a negative GPM, model or ROI.
  let minusTwoFifths = try #require(Fraction(-4, over: 10))
  #expect(minusTwoFifths == Fraction(2, over: -5))
  #expect(try #require(Fraction(2, over: -5)).denominator == 5)
  #expect(Set([minusTwoFifths, Fraction(-2, over: 5), Fraction(4, over: -10)]).count == 1)
  #expect(minusTwoFifths.isNegative && !Fraction(0).isNegative)
  #expect(minusTwoFifths < Fraction(0) && Fraction(-1) < minusTwoFifths)
  #expect(try #require(Fraction(-1, over: 3)) > minusTwoFifths)
  #expect(minusTwoFifths.times(Fraction(-5)) == Fraction(2))
  #expect(Fraction(1).dividedBy(minusTwoFifths) == Fraction(-5, over: 2))
  #expect(minusTwoFifths.dividedBy(try #require(Fraction(-2, over: 5))) == Fraction(1))
  #expect(minusTwoFifths.value == -0.4)
  let cases: [(Int128, Int128, Int, String)] = [
    (-2, 3, 2, "-0.67"), (-5, 2, 0, "-3"), (-1, 2000, 2, "0.00"), (-1, 200, 2, "-0.01"),
    (-9995, 1000, 2, "-10.00"), (7, -2, 1, "-3.5"),
    (-(Int128(1) << 100), 3, 0, "-422550200076076467165567735125"),
  ]
  for (numerator, denominator, digits, text) in cases {
    let value = try #require(Fraction(numerator, over: denominator))
    #expect(value.decimal(digits: digits) == text, "\(numerator)/\(denominator)")
  }
  #expect(try #require(Fraction(-1, over: 2000)).rounded(digits: 2).negative == false)
  // -Int128.min does not exist: such a ratio is undefined, never a trap.
  #expect(Fraction(.min, over: -1) == nil && Fraction(1, over: .min) == nil)
  #expect(Fraction(.min, over: 1)?.isNegative == true)
}
