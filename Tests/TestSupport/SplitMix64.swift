/// SplitMix64: a small seeded generator for the tests.
///
/// Every random test draws the same cases on every run and machine. Shared by the test
/// targets: one definition, not one per file.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64

  /// A generator whose draws are fixed by `state`.
  public init(state: UInt64) { self.state = state }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A whole number in `range`.
  public mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
    let span = UInt64(range.upperBound - range.lowerBound) + 1
    return range.lowerBound + Int64(next() % span)
  }

  /// True `percent` times in a hundred.
  public mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }

  /// One of `values`.
  public mutating func pick<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }
}
