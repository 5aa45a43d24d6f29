internal import GRDB
internal import LedgerStore

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
}

/// One value per slot (a video's place in a directory, a group) that the parts of a split read
/// fill in, each part its own slots, with no copy of the table per part.
final class SlotTable<Element> {
  private let buffer: UnsafeMutableBufferPointer<Element>

  init(repeating value: Element, count: Int) {
    buffer = .allocate(capacity: count)
    buffer.initialize(repeating: value)
  }

  /// A table holding `values`.
  init(_ values: [Element]) {
    buffer = .allocate(capacity: values.count)
    _ = buffer.initialize(from: values)
  }

  /// How many slots.
  var count: Int { buffer.count }

  /// A copy of the values, in slot order.
  var array: [Element] { Array(buffer) }

  deinit {
    buffer.deinitialize()
    buffer.deallocate()
  }

  subscript(slot: Int) -> Element {
    get { buffer[slot] }
    set { buffer[slot] = newValue }
  }
}
