import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The metric rows of a file written in the metric table's key order, whatever the file's
// order: sorted runs spilled to a temporary file and merged (docs/internals.md, "Writing a
// file in key order").

/// A checked metric row without an order id, waiting to be written in key order.
struct SortedMetric {
  /// ``MetricKey/packed``: ordering by it is the metric table's order.
  var key: UInt64
  var values: MetricValues
  /// The row's import batch, as its place in ``WriteSummary/batchIDs``.
  ///
  /// The files of one import are written as one stream, so a run holds rows of several. It
  /// lies in the row's padding: 88 bytes with it or without.
  var batch: UInt32
}

/// Checked metric rows without an order id, written to the metric table in key order.
///
/// Rows that come in key order (a file sorted by video, one day's export) are written as they
/// come. From the first row out of order on, rows are kept in a run; a full run is sorted and
/// appended to a temporary file on a thread of its own (``RunSpiller``). Whenever the writing
/// thread has no batch of rows to check, it merges the spilled runs not yet written as a group
/// and writes them (``LedgerWriter/writeSortedAhead(rows:)``): the first group is the first
/// run, and since writing is slower than reading, each next group holds the runs read while
/// the one before was written, so groups grow and the writing thread is never idle once the
/// first run is spilled. When the write's last file of metrics ends, the runs left and the last
/// one are merged and written: the files of one import are one stream (a day's export each,
/// put together, is written as the same rows in one file sorted by date). A file sorted by
/// date touches each page of the table once a group (three or four groups at 1.4M rows), not
/// once a day, with memory bounded by two runs and the merge's read-ahead, whatever the
/// file's size.
struct SortedMetrics {
  /// Rows in a run: 131,072 rows, 11.5 MB.
  static let runRows = 1 << 17
  /// The most rows a run holds; 0 writes every row at once (the one-row path).
  var capacity = 0
  /// The fewest rows of spilled runs merged as a group while reading goes on.
  var groupRows = Int.max
  /// The rows of the run being filled, in file order.
  var run: [SortedMetric] = []
  /// True while every row so far came in key order.
  var streaming = true
  /// True until a video came with a second day or a whole run came, all in key order: the
  /// rows are held in the run until then (a file sorted by date starts with a day in key
  /// order), and written as they come after.
  var holding = true
  /// The key of the last row that came in key order (held or written).
  var lastKey: UInt64 = 0
  /// Sorts and spills the full runs on a thread of its own, once the first is full.
  var spiller: RunSpiller?
  /// The runs sorted so far (those settled: see ``RunSpiller``).
  var spill: MetricSpill? { spiller?.spill }
  /// The spilled runs before this one are in a group (written, or being written by `merging`).
  var groupedRuns = 0
  /// The group being written while reading goes on.
  var merging: MetricMerge?
  /// True once the temporary file could not be made or written: full runs are then written
  /// as they fill, in key order within each run (slower, the same ledger).
  var spillFailed = false

  /// Forgets every row kept and the file of runs, once they are written.
  mutating func reset() {
    run.removeAll(keepingCapacity: true)
    streaming = true
    holding = true
    lastKey = 0
    spiller?.settle { _ in }
    spiller = nil
    groupedRuns = 0
    merging = nil
    spillFailed = false
  }
}

/// Sorted runs of metric rows in a temporary file, removed from its folder as soon as it is
/// made: the open file is all there is, so no exit, crash or kill leaves it behind.
final class MetricSpill {
  private let descriptor: Int32
  /// Where each run starts in the file, and how many rows it holds.
  private(set) var runs: [(offset: Int, rows: Int)] = []
  private var end = 0
  /// The bytes of one row: the rows are plain values, written and read as they lie in memory.
  static let rowBytes = MemoryLayout<SortedMetric>.stride
  /// The bytes the merge reads ahead, shared by the runs: 8 MiB.
  static let mergeBytes = 8 << 20

  /// The most rows the file takes (nil: as many as the disk does).
  private let rowLimit: Int?

  /// A new, empty file in the temporary folder (`TMPDIR`); nil if none can be made.
  ///
  /// With a `rowLimit`, appends past that many rows fail, as on a full disk (tests).
  init?(directory: String = FileManager.default.temporaryDirectory.path, rowLimit: Int? = nil) {
    self.rowLimit = rowLimit
    guard let descriptor = MetricSpill.unnamedFile(in: directory, prefix: "aimt-sort") else {
      return nil
    }
    self.descriptor = descriptor
  }

  /// A new, empty file in `directory`, open for reading and writing and already removed from
  /// the folder, so that no exit, crash or kill leaves it behind; nil if none can be made.
  static func unnamedFile(in directory: String, prefix: String) -> Int32? {
    var template = Array((directory + "/" + prefix + "-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
      guard let base = buffer.baseAddress else { return -1 }
      return mkstemp(base)
    }
    guard descriptor >= 0 else { return nil }
    template.withUnsafeBufferPointer { buffer in
      if let base = buffer.baseAddress { _ = unlink(base) }
    }
    return descriptor
  }

  /// Calls `io` (a `pread` or `pwrite` of the bytes from offset `done` on, returning how many
  /// it moved) until `count` bytes are moved, again when a signal interrupts it; nil when all
  /// were, else why not: the system's reason, or `short` when a call moved none.
  static func moveAll(_ count: Int, short: String, _ io: (_ done: Int) -> Int) -> String? {
    var done = 0
    while done < count {
      let moved = io(done)
      if moved < 0, errno == EINTR { continue }
      guard moved > 0 else { return moved < 0 ? String(cString: strerror(errno)) : short }
      done += moved
    }
    return nil
  }

  deinit { close(descriptor) }

  /// Appends a run, sorted by key; false when the file could not take it (a full disk).
  func append(_ run: [SortedMetric]) -> Bool {
    guard !run.isEmpty else { return true }
    if let rowLimit, end / Self.rowBytes + run.count > rowLimit { return false }
    let written = run.withUnsafeBytes { raw -> Bool in
      guard let base = raw.baseAddress else { return false }
      return MetricSpill.moveAll(raw.count, short: "nothing was written") { done in
        pwrite(descriptor, base + done, raw.count - done, off_t(end + done))
      } == nil
    }
    guard written else { return false }
    runs.append((end, run.count))
    end += run.count * Self.rowBytes
    return true
  }

  /// The rows of the runs from `first` on.
  func rows(from first: Int) -> Int { runs[first...].reduce(0) { $0 + $1.rows } }

  /// Reads `count` rows from byte `offset` of the file into `target`.
  func read(at offset: Int, count: Int, into target: UnsafeMutableRawPointer) throws {
    let bytes = count * Self.rowBytes
    let failure = Self.moveAll(bytes, short: "the file is shorter") { done in
      pread(descriptor, target + done, bytes - done, off_t(offset + done))
    }
    if let reason = failure {
      throw LedgerError.storage(
        message: "reading back the rows sorted in a temporary file failed (\(reason)); "
          + "nothing was written. Check the disk of the temporary folder (TMPDIR) and "
          + "import again")
    }
  }
}

/// The rows of some runs of a ``MetricSpill`` and of a last run kept in memory, handed out in
/// key order one at a time; rows of equal keys in the order their runs were made.
final class MetricMerge {
  private let spill: MetricSpill
  /// The spilled runs merged: where each starts in the file and its rows (copied, so that
  /// the spilling thread may append runs meanwhile; see ``RunSpiller``).
  private let runs: [(offset: Int, rows: Int)]
  private let last: [SortedMetric]
  private let blockRows: Int
  /// A block of rows read ahead per spilled run.
  private let blocks: UnsafeMutablePointer<SortedMetric>
  /// Per run (the spilled ones, then `last`): the next row of its block, the rows in its
  /// block, the rows of the run read so far, and the key of its next row.
  ///
  /// Only ever touched by one thread at a time: unchecked for exclusivity, which costs a
  /// dynamic check at every access of a class's property (docs/internals.md, "Writing a file
  /// in key order").
  @exclusivity(unchecked) private var position: [Int]
  @exclusivity(unchecked) private var filled: [Int]
  @exclusivity(unchecked) private var read: [Int]
  @exclusivity(unchecked) private var heads: [UInt64]
  /// The runs with rows left, smallest next key (then earliest run) first.
  @exclusivity(unchecked) private var heap: [Int] = []

  /// A merge of the spill's runs `runs` and of `last` (sorted); each spilled run is read
  /// `blockRows` rows at a time (nil: its share of ``MetricSpill/mergeBytes``).
  init(
    _ spill: MetricSpill, runs: Range<Int>, last: [SortedMetric] = [], blockRows: Int? = nil
  ) throws {
    self.spill = spill
    self.runs = Array(spill.runs[runs])
    self.last = last
    let count = runs.count
    self.blockRows = max(
      blockRows ?? MetricSpill.mergeBytes / MetricSpill.rowBytes / max(count, 1), 1)
    blocks = .allocate(capacity: max(count * self.blockRows, 1))
    position = Array(repeating: 0, count: count + 1)
    filled = Array(repeating: 0, count: count + 1)
    read = Array(repeating: 0, count: count + 1)
    heads = Array(repeating: 0, count: count + 1)
    heap.reserveCapacity(count + 1)
    for index in 0..<count where try refill(index) {
      heap.append(index)
      heads[index] = blocks[index * self.blockRows].key
    }
    if let first = last.first {
      heap.append(count)
      heads[count] = first.key
    }
    for start in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(start) }
  }

  deinit { blocks.deallocate() }

  /// The next row in key order; nil when every row was handed out.
  func next() throws -> SortedMetric? {
    guard let top = heap.first else { return nil }
    let row: SortedMetric
    let more: Bool
    if top == runs.count {
      row = last[position[top]]
      position[top] += 1
      more = position[top] < last.count
      if more { heads[top] = last[position[top]].key }
    } else {
      row = blocks[top * blockRows + position[top]]
      position[top] += 1
      more = try position[top] < filled[top] || refill(top)
      if more { heads[top] = blocks[top * blockRows + position[top]].key }
    }
    if !more {
      heap[0] = heap[heap.count - 1]
      heap.removeLast()
    }
    siftDown(0)
    return row
  }

  /// Reads the next block of spilled run `index`; false when the run has no rows left.
  private func refill(_ index: Int) throws -> Bool {
    let run = runs[index]
    let rows = min(blockRows, run.rows - read[index])
    guard rows > 0 else { return false }
    try spill.read(
      at: run.offset + read[index] * MetricSpill.rowBytes, count: rows,
      into: UnsafeMutableRawPointer(blocks + index * blockRows))
    read[index] += rows
    position[index] = 0
    filled[index] = rows
    return true
  }

  private func less(_ left: Int, _ right: Int) -> Bool {
    heads[left] < heads[right] || (heads[left] == heads[right] && left < right)
  }

  private func siftDown(_ start: Int) {
    var parent = start
    while true {
      let leftChild = 2 * parent + 1
      guard leftChild < heap.count else { return }
      var child = leftChild
      if leftChild + 1 < heap.count, less(heap[leftChild + 1], heap[leftChild]) {
        child = leftChild + 1
      }
      guard less(heap[child], heap[parent]) else { return }
      heap.swapAt(child, parent)
      parent = child
    }
  }
}
