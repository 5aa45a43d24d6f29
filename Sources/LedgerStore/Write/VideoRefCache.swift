/// The row ids of the videos a write's metric rows named so far, found by the id's bytes as
/// the parser left them: no String made and hashed a row.
///
/// A file sorted by video names the same video row after row (the writer remembers the last
/// one); a file sorted by date names another video each row, and the same ones again each
/// day. An open-addressing table of the ids' hashes, with the ids' bytes end to end in one
/// array: memory grows with the videos named, not with the rows.
struct VideoRefCache {
  /// Per slot: the hash (0: empty), where the id starts in `bytes`, its length, its row id.
  private var hashes: [UInt64] = []
  private var starts: [Int] = []
  private var lengths: [Int] = []
  private var refs: [Int64] = []
  private var bytes: [UInt8] = []
  private var count = 0
  /// The slot found or added last (-1: none), compared first.
  private var last = -1

  /// The row id of the video whose id is `id`; nil when it was not added.
  mutating func ref(_ id: UnsafeBufferPointer<UInt8>) -> Int64? {
    if last >= 0, lengths[last] == id.count, equal(last, id) { return refs[last] }
    guard !hashes.isEmpty else { return nil }
    let hash = Self.hash(id)
    let mask = hashes.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while hashes[slot] != 0 {
      if hashes[slot] == hash, lengths[slot] == id.count, equal(slot, id) {
        last = slot
        return refs[slot]
      }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// Adds video `id` with row id `ref` (not already added).
  mutating func add(_ id: UnsafeBufferPointer<UInt8>, ref: Int64) {
    if 2 * (count + 1) > hashes.count { grow() }
    let hash = Self.hash(id)
    let start = bytes.count
    bytes.append(contentsOf: id)
    last = insert(hash: hash, start: start, length: id.count, ref: ref)
    count += 1
  }

  private func equal(_ slot: Int, _ id: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.withUnsafeBufferPointer { stored in
      let start = starts[slot]
      for index in 0..<id.count where stored[start + index] != id[index] { return false }
      return true
    }
  }

  /// Puts an id in the first free slot from its hash's; returns the slot.
  @discardableResult
  private mutating func insert(hash: UInt64, start: Int, length: Int, ref: Int64) -> Int {
    let mask = hashes.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while hashes[slot] != 0 { slot = (slot + 1) & mask }
    hashes[slot] = hash
    starts[slot] = start
    lengths[slot] = length
    refs[slot] = ref
    return slot
  }

  private mutating func grow() {
    let old = (hashes, starts, lengths, refs)
    let capacity = max(hashes.count * 2, 1024)
    hashes = Array(repeating: 0, count: capacity)
    starts = Array(repeating: 0, count: capacity)
    lengths = Array(repeating: 0, count: capacity)
    refs = Array(repeating: 0, count: capacity)
    last = -1
    for slot in old.0.indices where old.0[slot] != 0 {
      insert(hash: old.0[slot], start: old.1[slot], length: old.2[slot], ref: old.3[slot])
    }
  }

  /// FNV-1a over the bytes, never 0 (the empty slot's mark).
  static func hash(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in id { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    // Mixed so that the low bits, the slot, depend on every byte.
    hash ^= hash >> 29
    return hash == 0 ? 1 : hash
  }
}
