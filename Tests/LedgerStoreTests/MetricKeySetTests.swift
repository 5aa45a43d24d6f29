import Testing

@testable import LedgerStore

/// The duplicate check against the plainest possible model: a dictionary from the full key to
/// the numbers given so far.
private struct NaiveKeySet {
  var seen: [MetricKey: UInt8] = [:]

  /// Two rows of one key are the same row given twice when some number is in both, or
  /// neither gives any number; written here bit by bit, apart from the production code.
  static func sameRow(_ first: UInt8, _ second: UInt8) -> Bool {
    if first == 0 && second == 0 { return true }
    for bit in 0..<8 where (first >> bit) & 1 == 1 && (second >> bit) & 1 == 1 { return true }
    return false
  }

  mutating func insert(_ key: MetricKey, given: UInt8) -> Bool {
    if let old = seen[key] {
      if Self.sameRow(old, given) { return true }
      seen[key] = old | given
      return false
    }
    seen[key] = given
    return false
  }
}

/// How a random walk of keys is drawn.
struct KeyWalk: Sendable, CustomStringConvertible {
  var reservedVideos: Int
  /// The numbers a row gives, drawn from these.
  var masks: [UInt8]
  /// Days are drawn from this many.
  var days: Int

  var description: String { "\(reservedVideos) videos, masks \(masks), \(days) days" }
}

@Test(arguments: [
  KeyWalk(reservedVideos: 0, masks: [0, 1, 2, 4, 3, 6, 255], days: 120),
  KeyWalk(reservedVideos: 300, masks: [0, 1, 2, 4, 3, 6, 255], days: 120),
  // Mostly the same numbers, days scattered over more than 128: the bits, their window
  // moving back, and the spill to runs when a day falls outside it or other numbers come.
  KeyWalk(reservedVideos: 300, masks: [3, 3, 3, 3, 3, 3, 3, 3, 3, 4], days: 150),
  KeyWalk(reservedVideos: 300, masks: [3], days: 128),
])
func keySetFindsExactlyTheDuplicatesANaiveSetFinds(walk: KeyWalk) {
  let reservedVideos = walk.reservedVideos
  var random = SeededGenerator(state: UInt64(reservedVideos + walk.days) + 7)
  var keys = MetricKeySet()
  if reservedVideos > 0 { keys.reserve(videoRefsUpTo: reservedVideos) }
  var naive = NaiveKeySet()
  var duplicates = 0
  let noOrder = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
  for round in 0..<20_000 {
    // Mostly daily runs per video, some sparse days, some revisits with other numbers, and
    // video ids past the reservation (videos created during the write, ids set by hand).
    let video: Int64 =
      switch round % 10 {
      case 0: Int64(random.next() % 5_000)
      case 1: Int64(1 << 30) + Int64(random.next() % 3)
      default: Int64(random.next() % 400)
      }
    let day = Int32(20_000 + Int(random.next() % UInt64(walk.days)))
    let source = Int(random.next() % 3)
    let given = walk.masks[Int(random.next() % UInt64(walk.masks.count))]
    let key = MetricKey(videoRef: video, day: day, source: source)
    let found = keys.insert(
      key, placementID: noOrder, given: UInt16(given),
      at: SourceLocation(file: "m.csv", line: round + 2))
    let expected = naive.insert(key, given: given)
    switch found {
    case .new: #expect(!expected, "round \(round): \(key) \(given)")
    case .duplicateSomewhere, .duplicate:
      #expect(expected, "round \(round): \(key) \(given)")
      duplicates += 1
    }
  }
  // The walk above repeats keys, and completes them when it has numbers to complete.
  #expect(duplicates > 1_000)
  if walk.masks.count > 1 { #expect(naive.seen.values.contains { $0 == 7 }) }
}

@Test func consecutiveDaysOfAVideoStayOneRunWhateverTheirNumber() {
  var keys = MetricKeySet()
  keys.reserve(videoRefsUpTo: 10)
  let noOrder = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
  for day in Int32(0)..<70_000 {
    let key = MetricKey(videoRef: 3, day: 20_000 + day, source: 0)
    #expect(keys.insert(key, placementID: noOrder, given: 1, at: .commandLine) == .new)
  }
  #expect(keys.spilledStreams == 1)  // 70,000 days are two runs: a run counts to 65,535
  let again = MetricKey(videoRef: 3, day: 20_000 + 65_535, source: 0)
  #expect(keys.insert(again, placementID: noOrder, given: 1, at: .commandLine) != .new)
}
