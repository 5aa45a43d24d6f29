/// An exact ratio of two integers, such as a traffic ROI model built from fen and impression
/// sums.
///
/// Usually non-negative, but a window whose refunds exceed its GMV has a negative net GMV and
/// so a negative GPM, ROI model or ROI, shown as it is (docs/decisions.md, "Refunds and net
/// GMV"): the sign lives in the numerator, the denominator is always above 0.
///
/// Reports compute every ratio from exact integer sums once, at the end, and compare ratios
/// (against a floor, against the previous window) exactly by cross-multiplying in 256 bits, so
/// a model of exactly 80% of the previous one is "flat", never "down" by a rounding error.
/// ``decimal(digits:)`` prints one exactly; ``value`` is the nearest Double, for JSON only.
public struct Fraction: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The numerator, carrying the sign (not necessarily in lowest terms: `==` and hashing
  /// compare values, so 4/10 equals 2/5).
  public let numerator: Int128
  /// The denominator, above 0.
  public let denominator: Int128

  /// The ratio `numerator / denominator`, or nil when the denominator is 0 (`null` in JSON:
  /// docs/data-model.md, "Units"); a negative denominator moves its sign to the numerator.
  ///
  /// Kept as given: a report makes about ten ratios per row and prints them, and reducing each
  /// by its gcd cost more than all the arithmetic that uses them.
  public init?(_ numerator: Int128, over denominator: Int128) {
    guard denominator != 0 else { return nil }
    if denominator > 0 {
      (self.numerator, self.denominator) = (numerator, denominator)
    } else {
      // -Int128.min does not exist: such a ratio is as undefined as one over 0.
      guard numerator != .min, denominator != .min else { return nil }
      (self.numerator, self.denominator) = (-numerator, -denominator)
    }
  }

  /// True when the value is below 0.
  public var isNegative: Bool { numerator < 0 }

  /// The whole number `value`.
  public init(_ value: Int64) {
    numerator = Int128(value)
    denominator = 1
  }

  /// The nearest Double, for output.
  public var value: Double {
    // Int64 → Double is one instruction; the generic Int128 conversion is a library loop.
    if let small = Fraction.small(numerator, denominator) {
      return Double(small.numerator) / Double(small.denominator)
    }
    return Double(numerator) / Double(denominator)
  }

  /// The decimal text of the nearest Double ("2.0", "0.8").
  public var description: String { value.description }

  /// The value rounded half away from zero to `digits` decimals (clamped to 0...18), computed
  /// from the integers alone: 2/3 → `0.67`, 1/8 → `0.13` (2 digits), 5/2 → `3` (0 digits),
  /// -2/3 → `-0.67`; a negative value that rounds to zero prints without its sign.
  public func decimal(digits: Int) -> String {
    let (negative, whole, decimals, digits) = rounded(digits: digits)
    let sign = negative ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    let fractionText = String(decimals)
    return sign + String(whole) + "."
      + String(repeating: "0", count: digits - fractionText.count) + fractionText
  }

  /// The value rounded half away from zero to `digits` decimals, as a sign and digits.
  ///
  /// `digits` is clamped to 0...18; `whole` and `decimals` are the magnitude's (2/3 to 2 digits
  /// → false, 0 and 67; -5/2 to 0 digits → true, 3 and 0), for printers that write digits
  /// themselves. `negative` is false when the rounded value is 0.
  public func rounded(digits: Int) -> (
    negative: Bool, whole: UInt128, decimals: UInt64, digits: Int
  ) {
    let digits = min(max(digits, 0), 18)
    var scale: UInt64 = 1
    for _ in 0..<digits { scale *= 10 }
    // decimals = round(remainder · scale / denominator), the product in double width.
    var whole: UInt128
    var decimals: UInt64
    let roundsUp: Bool
    if let small = Fraction.small(numerator, denominator) {
      let (numerator, denominator) = (small.numerator.magnitude, UInt64(small.denominator))
      whole = UInt128(numerator / denominator)
      let product = scale.multipliedFullWidth(by: numerator % denominator)
      let (quotient, rest) = denominator.dividingFullWidth(product)
      decimals = quotient
      roundsUp = rest >= denominator - rest
    } else {
      let (numerator, denominator) = (numerator.magnitude, denominator.magnitude)
      whole = numerator / denominator
      let product = UInt128(scale).multipliedFullWidth(by: numerator % denominator)
      let (quotient, rest) = denominator.dividingFullWidth(product)
      decimals = UInt64(quotient)
      roundsUp = rest >= denominator - rest
    }
    if roundsUp { decimals += 1 }
    if decimals == scale {
      whole += 1
      decimals = 0
    }
    return (isNegative && (whole != 0 || decimals != 0), whole, decimals, digits)
  }

  /// `self × other`.
  public func times(_ other: Fraction) -> Fraction {
    // Parts within 64 bits multiply within 128; otherwise cross-reduce first so the products
    // stay small.
    if Fraction.small(numerator, denominator) != nil,
      Fraction.small(other.numerator, other.denominator) != nil
    {
      return Fraction(
        unreduced: numerator * other.numerator, denominator * other.denominator)
    }
    let a = Fraction.gcd(numerator, other.denominator)
    let b = Fraction.gcd(other.numerator, denominator)
    return Fraction(
      unreduced: (numerator / a) * (other.numerator / b),
      (denominator / b) * (other.denominator / a))
  }

  /// `self ÷ other`, or nil when `other` is 0.
  public func dividedBy(_ other: Fraction) -> Fraction? {
    guard other.numerator != 0 else { return nil }
    let inverse =
      other.numerator > 0
      ? Fraction(unreduced: other.denominator, other.numerator)
      : Fraction(unreduced: 0 - other.denominator, 0 - other.numerator)
    return times(inverse)
  }

  /// Equal values, whatever their terms: `a/b == c/d` iff `a·d == c·b`, in full width.
  public static func == (lhs: Fraction, rhs: Fraction) -> Bool { compare(lhs, rhs) == 0 }

  /// Hashes the value in lowest terms, so equal fractions hash alike.
  public func hash(into hasher: inout Hasher) {
    let divisor = Fraction.gcd(numerator, denominator)
    hasher.combine(numerator / divisor)
    hasher.combine(denominator / divisor)
  }

  /// Compares exactly: `a/b < c/d` iff `a·d < c·b` (the denominators are positive).
  public static func < (lhs: Fraction, rhs: Fraction) -> Bool { compare(lhs, rhs) < 0 }

  /// -1, 0 or 1 as `lhs` is below, equal to or above `rhs`, exactly.
  ///
  /// The sign of `a·d − c·b` (the denominators are positive). Parts within 64 bits multiply
  /// within 128 (report sums nearly always do: one comparison of a sort over every video);
  /// otherwise in full width, a signed high half, then the unsigned low half.
  package static func compare(_ lhs: Fraction, _ rhs: Fraction) -> Int {
    if let left = small(lhs.numerator, lhs.denominator),
      let right = small(rhs.numerator, rhs.denominator)
    {
      let a = Int128(left.numerator) * Int128(right.denominator)
      let b = Int128(right.numerator) * Int128(left.denominator)
      return a < b ? -1 : a == b ? 0 : 1
    }
    let a = lhs.numerator.multipliedFullWidth(by: rhs.denominator)
    let b = rhs.numerator.multipliedFullWidth(by: lhs.denominator)
    if a.high != b.high { return a.high < b.high ? -1 : 1 }
    return a.low < b.low ? -1 : a.low == b.low ? 0 : 1
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

  /// Both parts as Int64 when they fit (report sums nearly always do).
  private static func small(
    _ numerator: Int128, _ denominator: Int128
  ) -> (numerator: Int64, denominator: Int64)? {
    guard let numerator = Int64(exactly: numerator), let denominator = Int64(exactly: denominator)
    else { return nil }
    return (numerator, denominator)
  }

  /// The greatest common divisor of the magnitudes, at least 1.
  private static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
    // Report sums fit in 64 bits: no 128-bit software division there.
    let (a, b) = (a.magnitude, b.magnitude)
    if a <= UInt128(UInt64.max), b <= UInt128(UInt64.max) {
      return Int128(binaryGCD(UInt64(a), UInt64(b)))
    }
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    // Both magnitudes are at most 2^127 (sums of Int64 values), and so is their divisor.
    return x == 0 ? 1 : Int128(x)
  }

  /// Stein's binary gcd (shifts and subtractions, no division); 1 when both are 0.
  private static func binaryGCD(_ a: UInt64, _ b: UInt64) -> UInt64 {
    if a == 0 || b == 0 { return max(a | b, 1) }
    let shift = (a | b).trailingZeroBitCount
    var u = a >> a.trailingZeroBitCount
    var v = b
    repeat {
      v >>= v.trailingZeroBitCount
      if u > v { swap(&u, &v) }
      v -= u
    } while v != 0
    return u << shift
  }
}
