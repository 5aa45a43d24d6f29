/// A small seeded pseudo-random generator (SplitMix64) for the demo data.
///
/// The demo must print the same numbers on every machine and every run, so it never uses the
/// system's random source: every draw comes from a stream seeded from the demo's seed and what
/// is being drawn (a KOL, a video, a video's metrics). Only `+`, `*` and shifts on integers, and
/// IEEE-exact arithmetic on doubles, so the stream is the same everywhere.
struct DemoRandom {
  private var state: UInt64

  /// A stream for `seed`, told apart from other streams of the same seed by `stream` and `index`.
  init(seed: UInt64, stream: UInt64, index: UInt64 = 0) {
    state = seed
    state = Self.mix(state &+ 0x9E37_79B9_7F4A_7C15 &* (stream &+ 1))
    state = Self.mix(state ^ (index &* 0xD6E8_FEB8_6659_FD93))
  }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    state = state &+ 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// A number in `0..<bound` (`bound` > 0); the tiny modulo bias does not matter for demo data.
  mutating func below(_ bound: Int) -> Int {
    Int(next() % UInt64(max(bound, 1)))
  }

  /// A number in `low...high`.
  mutating func between(_ low: Int64, _ high: Int64) -> Int64 {
    low + Int64(next() % UInt64(high - low + 1))
  }

  /// A fraction in `0..<1` with 53 random bits.
  mutating func unit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A fraction in `low..<high`.
  mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * unit()
  }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { unit() < p }

  /// One element of a non-empty array.
  mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

  private static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
