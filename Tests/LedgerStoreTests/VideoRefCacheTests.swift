import TestSupport
import Testing

@testable import LedgerStore

// The metric batches find a video's row id by its id's bytes (VideoRefCache): every id added
// is found again with its own row id, through the table's growth, and no other id is.

private func withBytes<T>(_ id: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
  var id = id
  return id.withUTF8(body)
}

@Test func everyVideoIdAddedIsFoundWithItsRowIdAndNoOther() {
  var cache = VideoRefCache()
  var random = SplitMix64(state: 3)
  #expect(withBytes("v1") { cache.ref($0) } == nil)
  // Ids of every length from 1 byte, some sharing prefixes, past several doublings.
  var ids: [String] = []
  for index in 0..<5_000 {
    let id =
      index % 3 == 0
      ? "v\(String(index, radix: 36))" : String(repeating: "x", count: 1 + index % 40) + "\(index)"
    ids.append(id)
  }
  for (index, id) in ids.enumerated() {
    withBytes(id) { cache.add($0, ref: Int64(index + 1)) }
    // The one just added is found (the last one), and an earlier one by its hash.
    #expect(withBytes(id) { cache.ref($0) } == Int64(index + 1))
    let earlier = Int(random.next() % UInt64(index + 1))
    #expect(withBytes(ids[earlier]) { cache.ref($0) } == Int64(earlier + 1))
  }
  for (index, id) in ids.enumerated().shuffled(using: &random) {
    #expect(withBytes(id) { cache.ref($0) } == Int64(index + 1), "\(id)")
  }
  // None of these was added: "x1" would be index 1 with one x (it has two), 41 x's is past
  // the longest prefix.
  for missing in ["", "v", "x", "w1", "x1", "vv", String(repeating: "x", count: 41)] {
    #expect(withBytes(missing) { cache.ref($0) } == nil, "\(missing)")
  }
  // Bytes beyond ASCII, as a Chinese id would have.
  withBytes("视频01") { cache.add($0, ref: 9_999) }
  #expect(withBytes("视频01") { cache.ref($0) } == 9_999)
  #expect(withBytes("视频02") { cache.ref($0) } == nil)
}

@Test func idsNamedAgainInTheOrderAddedAreFoundInTurnAndOthersStillByHash() {
  // A file sorted by date names the same videos in the same order each day: each is found
  // as the one after the last found. Ids of one length that differ in their last byte only,
  // so that a guess that compared too little would show.
  var cache = VideoRefCache()
  let ids = (0..<3_000).map { "v" + String(repeating: "0", count: 6) + String($0 % 10) + "\($0)" }
  for (index, id) in ids.enumerated() { withBytes(id) { cache.add($0, ref: Int64(index + 1)) } }
  for _ in 0..<3 {
    for (index, id) in ids.enumerated() {
      #expect(withBytes(id) { cache.ref($0) } == Int64(index + 1), "\(id)")
    }
  }
  // A day with videos missing, one new, and two out of turn.
  var day = ids.enumerated().filter { $0.offset % 7 != 3 }
  day.swapAt(10, 500)
  for (index, id) in day { #expect(withBytes(id) { cache.ref($0) } == Int64(index + 1), "\(id)") }
  #expect(withBytes("v0000000") { cache.ref($0) } == nil)
  withBytes("new") { cache.add($0, ref: 77) }
  #expect(withBytes(ids[0]) { cache.ref($0) } == 1)
  #expect(withBytes("new") { cache.ref($0) } == 77)
}
