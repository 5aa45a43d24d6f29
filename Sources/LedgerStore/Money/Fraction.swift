/// An exact non-negative ratio of two integers, such as a traffic ROI model built from fen and
/// impression sums.
///
/// Reports compute every ratio from exact integer sums once, at the end, and compare ratios
/// (against a floor, against the previous window) exactly by cross-multiplying in 256 bits, so
/// a model of exactly 80% of the previous one is "flat", never "down" by a rounding error.
/// ``value`` is the nearest Double, for printing only.
public struct Fraction: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The numerator, at least 0.
  public let numerator: Int128
  /// The denominator, above 0.
  public let denominator: Int128

  /// The ratio `numerator / denominator`, or nil when the denominator is 0 (the SPEC's null).
  public init?(_ numerator: Int128, over denominator: Int128) {
    guard denominator != 0 else { return nil }
    precondition(numerator >= 0 && denominator > 0, "fractions in aimt are non-negative")
    let divisor = Fraction.gcd(numerator, denominator)
    self.numerator = numerator / divisor
    self.denominator = denominator / divisor
  }

  /// The whole number `value`.
  public init(_ value: Int64) {
    numerator = Int128(value)
    denominator = 1
  }

  /// The nearest Double, for output.
  public var value: Double { Double(numerator) / Double(denominator) }

  /// The decimal text of the nearest Double ("2.0", "0.8").
  public var description: String { value.description }

  /// `self × other`.
  public func times(_ other: Fraction) -> Fraction {
    // Cross-reduce first so the products stay small.
    let a = Fraction.gcd(numerator, other.denominator)
    let b = Fraction.gcd(other.numerator, denominator)
    return Fraction(
      unreduced: (numerator / a) * (other.numerator / b),
      (denominator / b) * (other.denominator / a))
  }

  /// `self ÷ other`, or nil when `other` is 0.
  public func dividedBy(_ other: Fraction) -> Fraction? {
    guard other.numerator != 0 else { return nil }
    return times(Fraction(unreduced: other.denominator, other.numerator))
  }

  /// Compares exactly: `a/b < c/d` iff `a·d < c·b`, computed in full width.
  public static func < (lhs: Fraction, rhs: Fraction) -> Bool {
    let left = lhs.numerator.multipliedFullWidth(by: rhs.denominator)
    let right = rhs.numerator.multipliedFullWidth(by: lhs.denominator)
    return (left.high, left.low) < (right.high, right.low)
  }

  /// Parses a plain decimal such as `1.2`, `0.8` or `40` exactly (12/10, not the Double 1.2).
  ///
  /// Returns nil for anything else: signs, exponents, separators, more than 12 decimals.
  public static func parseDecimal(_ text: String) -> Fraction? {
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = parts.first, !text.isEmpty, text.count <= 30 else { return nil }
    let decimals = parts.count == 2 ? parts[1] : ""
    guard !(whole.isEmpty && decimals.isEmpty), decimals.count <= 12,
      (whole + decimals).allSatisfy({ $0.isASCII && $0.isNumber }),
      parts.count == 1 || !decimals.isEmpty
    else { return nil }
    var scale: Int128 = 1
    for _ in 0..<decimals.count { scale *= 10 }
    guard let digits = Int128(whole + decimals) else { return nil }
    return Fraction(digits, over: scale)
  }

  private init(unreduced numerator: Int128, _ denominator: Int128) {
    self.numerator = numerator
    self.denominator = denominator
  }

  private static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
    // Report sums fit in 64 bits: Euclid there uses the hardware divider, not 128-bit software.
    if a >= 0, b >= 0, a <= Int128(UInt64.max), b <= Int128(UInt64.max) {
      var (x, y) = (UInt64(a), UInt64(b))
      while y != 0 { (x, y) = (y, x % y) }
      return x == 0 ? 1 : Int128(x)
    }
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x == 0 ? 1 : x
  }
}
