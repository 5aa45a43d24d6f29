/// The row ids of the videos a write's metric rows named so far, found by the id's bytes as
/// the parser left them: no String made and hashed a row.
///
/// A file sorted by video names the same video row after row (the last one is compared
/// first); a file sorted by date names another video each row, and the same ones again, in
/// the same order, each day: the video added after the last one found is compared next, so
/// that such a file walks the entries in the order they were added (memory read in order, not
/// a probe of the table a row; docs/internals.md, "Writing a file in key order"). Any other
/// id is found through an open-addressing table of the ids' hashes. The ids' bytes lie end to
/// end in one array: memory grows with the videos named, not with the rows.
struct VideoRefCache {
  /// Per slot of the table: the hash (0: empty) and the entry it holds.
  private var hashes: [UInt64] = []
  private var slotEntries: [Int] = []
  /// Per entry, in the order added: where the id starts in `bytes`, its length, its row id.
  private var starts: [Int] = []
  private var lengths: [Int] = []
  private var refs: [Int64] = []
  private var bytes: [UInt8] = []
  /// The entry found or added last (-1: none), compared first; the one after it next.
  private var last = -1

  /// The row id of the video whose id is `id`; nil when it was not added.
  mutating func ref(_ id: UnsafeBufferPointer<UInt8>) -> Int64? {
    if last >= 0 {
      if matches(last, id) { return refs[last] }
      let next = last + 1
      if next < refs.count, matches(next, id) {
        last = next
        return refs[next]
      }
    }
    guard !hashes.isEmpty else { return nil }
    let hash = Self.hash(id)
    let mask = hashes.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while hashes[slot] != 0 {
      if hashes[slot] == hash, matches(slotEntries[slot], id) {
        last = slotEntries[slot]
        return refs[last]
      }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// Adds video `id` with row id `ref` (not already added).
  mutating func add(_ id: UnsafeBufferPointer<UInt8>, ref: Int64) {
    if 2 * (refs.count + 1) > hashes.count { grow() }
    let entry = refs.count
    starts.append(bytes.count)
    lengths.append(id.count)
    refs.append(ref)
    bytes.append(contentsOf: id)
    insert(hash: Self.hash(id), entry: entry)
    last = entry
  }

  /// True when entry `entry` is the id `id`.
  private func matches(_ entry: Int, _ id: UnsafeBufferPointer<UInt8>) -> Bool {
    guard lengths[entry] == id.count else { return false }
    return bytes.withUnsafeBufferPointer { stored in
      let start = starts[entry]
      for index in 0..<id.count where stored[start + index] != id[index] { return false }
      return true
    }
  }

  /// Puts an entry in the first free slot from its hash's.
  private mutating func insert(hash: UInt64, entry: Int) {
    let mask = hashes.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while hashes[slot] != 0 { slot = (slot + 1) & mask }
    hashes[slot] = hash
    slotEntries[slot] = entry
  }

  private mutating func grow() {
    let old = (hashes, slotEntries)
    let capacity = max(hashes.count * 2, 1024)
    hashes = Array(repeating: 0, count: capacity)
    slotEntries = Array(repeating: 0, count: capacity)
    for slot in old.0.indices where old.0[slot] != 0 {
      insert(hash: old.0[slot], entry: old.1[slot])
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
