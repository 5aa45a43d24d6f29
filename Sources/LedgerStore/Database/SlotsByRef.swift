/// Small numbers (a video's slot in a directory, its group in a report) by video row id.
///
/// aimt gives its videos the row ids 1, 2, 3, …, so a table indexed by the id is the lookup of
/// choice: one load per running row or metric row read. But the ledger is a plain SQLite file,
/// and an id set by hand can be anything an `INTEGER PRIMARY KEY` holds, negative or near 2^63:
/// a table up to it would take gigabytes or overflow. Ids below zero or spread wider than four
/// per video (beyond a floor of 65,536) are kept in a dictionary instead (docs/internals.md,
/// "Video row ids").
package struct SlotsByRef {
  /// The slot of each id from 0, -1 where none (used when ``isTable``).
  private var table: [Int32] = []
  /// The slot of each id (used otherwise).
  private var dictionary: [Int64: Int32] = [:]
  /// Whether the ids are looked up in a table (else in a dictionary).
  package let isTable: Bool

  /// Room for `count` videos whose ids run from `lowest` through `highest` (none: `highest` <
  /// `lowest`).
  package init(lowest: Int64, highest: Int64, count: Int) {
    isTable = SlotsByRef.fitTable(lowest: lowest, highest: highest, count: count)
    if isTable {
      table = [Int32](repeating: -1, count: highest < lowest ? 0 : Int(highest) + 1)
    } else {
      dictionary.reserveCapacity(count)
    }
  }

  /// Whether `count` videos with ids `lowest…highest` fit a table indexed by the id.
  package static func fitTable(lowest: Int64, highest: Int64, count: Int) -> Bool {
    highest < lowest || (lowest >= 0 && highest < Int64(min(count, 1 << 40)) * 4 + 65_536)
  }

  /// The slot of `ref`, nil when none was set.
  package subscript(ref: Int64) -> Int? {
    if isTable {
      guard ref >= 0, ref < table.count else { return nil }
      let slot = table[Int(ref)]
      return slot < 0 ? nil : Int(slot)
    }
    return dictionary[ref].map(Int.init)
  }

  /// Sets the slot of `ref` (an id within the range given at creation).
  package mutating func set(_ slot: Int, ref: Int64) {
    if isTable {
      table[Int(ref)] = Int32(slot)
    } else {
      dictionary[ref] = Int32(slot)
    }
  }
}
