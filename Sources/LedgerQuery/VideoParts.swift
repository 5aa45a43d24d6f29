internal import GRDB
internal import LedgerStore
import Synchronization

/// The videos of a read split in two by row id, each half read on its own connection and core
/// (``ParallelRead``; docs/internals.md, "Two cores, one snapshot").
///
/// Only a read over many videos is split: a filter on a KOL or a video selects few, through
/// the `video` table's indexes, which a range of row ids would compete with.
struct VideoParts {
  /// Per part, the row ids it reads (inclusive); empty: one part, every row id.
  private let bounds: [(low: Int64, high: Int64)]

  /// One part, every video.
  static let whole = VideoParts(bounds: [])

  private init(bounds: [(low: Int64, high: Int64)]) { self.bounds = bounds }

  /// Two halves of the row ids of `video` when `db` can be read in two parts and `filter`
  /// selects more than one KOL's videos; else ``whole``.
  init(_ db: Database, filter: VideoFilter) throws {
    guard filter.kolID == nil, filter.videoID == nil, ParallelRead.parts(db) == 2,
      let row = try Row.fetchOne(db, sql: VideoParts.idRange),
      let low = row[0] as Int64?, let high = row[1] as Int64?, low < high
    else {
      self = .whole
      return
    }
    // The middle of low…high, without overflow whatever the ids.
    let middle = Int64(Int128(low) + (Int128(high) - Int128(low)) / 2)
    self.init(bounds: [(.min, middle), (middle + 1, .max)])
  }

  /// The lowest and the highest row id of `video`, in two seeks.
  ///
  /// `min(id), max(id)` in one `SELECT` is a scan of every video (SQLite seeks for a lone `min`
  /// or `max` only): 27 ms at 224,000 videos before every split read.
  static let idRange = "SELECT (SELECT min(id) FROM video), (SELECT max(id) FROM video)"

  /// How many parts: 1 or 2.
  var count: Int { max(bounds.count, 1) }

  /// Whether the read is split (its statement then has the range term).
  var isSplit: Bool { !bounds.isEmpty }

  /// The condition added to a statement's `WHERE` that keeps a part's videos (` AND v.id
  /// BETWEEN ?first AND ?first+1`), or nothing when the read is not split.
  static func sqlTerm(split: Bool, from first: Int) -> String {
    split ? " AND v.id BETWEEN ?\(first) AND ?\(first + 1)" : ""
  }

  /// The values of ``sqlTerm(split:from:)``'s placeholders for `part`; none when not split.
  func arguments(_ part: Int) -> [Int64] {
    isSplit ? [bounds[part].low, bounds[part].high] : []
  }

  /// Calls `body` for each part, in parallel when split, and returns the results by part.
  func run<T>(_ db: Database, _ body: (Database, _ part: Int) throws -> T) throws -> [T] {
    try ParallelRead.run(db, parts: count, body)
  }

  /// The slots of `directory` whose videos `part` reads (the directory is in row id order, so
  /// they follow one another); the parts' slots together are every slot, each once.
  func slots(of part: Int, in directory: VideoDirectory) -> Range<Int> {
    let videos = directory.videos
    guard isSplit else { return 0..<videos.count }
    let (low, high) = bounds[part]
    let first = videos.partitioningIndex { $0.ref >= low }
    let end = videos[first...].partitioningIndex { $0.ref > high }
    return first..<end
  }
}

extension Collection {
  /// The first index whose element `belongs` (every element before it does not, every one from
  /// it on does): a binary search.
  fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Index {
    var low = startIndex
    var count = self.count
    while count > 0 {
      let half = count / 2
      let middle = index(low, offsetBy: half)
      if belongs(self[middle]) {
        count = half
      } else {
        low = index(after: middle)
        count -= half + 1
      }
    }
    return low
  }
}

/// One value per slot (a video's place in a directory, a group) that the parts of a split read
/// fill in, each part its own slots, with no copy of the table per part.
final class SlotTable<Element> {
  private let buffer: UnsafeMutableBufferPointer<Element>
  /// How many slots hold a value (all of them, once the parts that fill it are done).
  private let filled: Atomic<Int>

  init(repeating value: Element, count: Int) {
    buffer = .allocate(capacity: count)
    buffer.initialize(repeating: value)
    filled = Atomic(count)
  }

  /// A table of `count` slots that hold nothing yet.
  ///
  /// Each part of a split read fills its own slots first (``fill(_:with:)``), on its own core,
  /// where this thread wrote every slot before the read began (60 MB at 16× for `advise`, on
  /// one core). ``isFilled`` must be true before any slot is read outside the parts.
  init(unfilled count: Int) where Element: BitwiseCopyable {
    buffer = .allocate(capacity: count)
    filled = Atomic(0)
  }

  /// Sets `slots` to `value`: a part's own slots of a table made ``init(unfilled:)``, before
  /// the part reads or changes any of them.
  func fill(_ slots: Range<Int>, with value: Element) where Element: BitwiseCopyable {
    UnsafeMutableBufferPointer(rebasing: buffer[slots]).initialize(repeating: value)
    filled.add(slots.count, ordering: .relaxed)
  }

  /// Whether every slot holds a value.
  var isFilled: Bool { filled.load(ordering: .relaxed) == buffer.count }

  /// A table holding `values`.
  init(_ values: [Element]) {
    buffer = .allocate(capacity: values.count)
    _ = buffer.initialize(from: values)
    filled = Atomic(values.count)
  }

  /// How many slots.
  var count: Int { buffer.count }

  /// A copy of the values, in slot order.
  var array: [Element] { Array(buffer) }

  deinit {
    // A table made unfilled holds values of a trivial type: nothing to deinitialize, filled or
    // not (a read that failed midway).
    if filled.load(ordering: .relaxed) == buffer.count { buffer.deinitialize() }
    buffer.deallocate()
  }

  subscript(slot: Int) -> Element {
    get { buffer[slot] }
    set { buffer[slot] = newValue }
  }
}
