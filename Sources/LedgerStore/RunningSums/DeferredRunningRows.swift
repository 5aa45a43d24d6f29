import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The days of running sums built while a file sorted by date is written in merged groups,
/// kept in a temporary file and written once, in key order, when the write finishes
/// (docs/internals.md, "Running rows of merged groups written once").
///
/// Each group adds a stretch of every video's days, so written as they were built the days of
/// each group went into the middle of `metric_running`, every page split once a group; kept
/// here, each group's days are one stretch of the file in key order, and the stretches merged
/// at the end are appended to the table as chunks. A record holds the day's own totals, which
/// a chunk keeps as they are; the running sums through the last day kept of each video stay in
/// memory (``noteLast(_:_:_:)``, ``withLast(of:_:)``): the next group's days of that video
/// continue from them.
///
/// The file is removed from its folder as soon as it is made (as ``MetricSpill``'s), so no
/// exit, crash or kill leaves it behind; rows not inserted are lost with the transaction.
///
/// A full buffer of records is written to the file on a thread of its own
/// (``BufferWriter``) while the writing thread fills the other one: copying 75 MB into the
/// kernel's page cache at 1× took the writing thread, which sets an import's pace, about 5 %
/// of its time.
final class DeferredRunningRows {
  private let descriptor: Int32
  /// Records kept and not yet written to the file (`pendingCount` bytes).
  ///
  /// Each is the video (8 bytes), the day (4), the length of the encoding (2), then the
  /// encoding of the day's own totals (``RunningCodec``). Raw memory: a record is written a row, where an array's
  /// appends cost 600 instructions.
  // Touched a row by the writing thread alone: unchecked for exclusivity (a dynamic check at
  // every access of a class's property otherwise).
  @exclusivity(unchecked) private var pending: UnsafeMutableRawPointer
  @exclusivity(unchecked) private var pendingCount = 0
  /// Writes the buffer filled before `pending` to the file; `pending` and its buffer
  /// change places at each write.
  private let writer: BufferWriter
  /// Bytes written to the file.
  @exclusivity(unchecked) private var written = 0
  /// Where each stretch of records in key order starts in the file (its end is the next one's
  /// start, or the file's end).
  @exclusivity(unchecked) private var stretches: [Int] = []
  /// The key of the last record kept.
  @exclusivity(unchecked) private var lastKey: (ref: Int64, day: Int32)?
  /// Per video: the day of its last row kept, and where the encoding of its running sums
  /// through that day lies in `arena`, in
  /// room for `capacity` bytes (overwritten in place while it fits: no allocation per video
  /// and group).
  @exclusivity(unchecked) private var lastRows:
    [Int64: (day: Int32, start: Int, count: Int, capacity: Int)] = [:]
  @exclusivity(unchecked) private var arena: [UInt8] = []
  /// The most bytes the file takes (nil: as many as the disk does; tests).
  private let byteLimit: Int?

  /// The bytes kept in memory before they are written to the file.
  static let pendingBytes = 1 << 20
  /// The most bytes of a record: its header and the encoding of every source.
  static let recordBytes = headerBytes + RunningCodec.mostBytes
  /// The bytes of a record before its encoding.
  static let headerBytes = 14

  /// A new, empty file in `directory`; nil if none can be made.
  init?(directory: String, byteLimit: Int? = nil) {
    guard let descriptor = MetricSpill.unnamedFile(in: directory, prefix: "aimt-running") else {
      return nil
    }
    self.descriptor = descriptor
    self.byteLimit = byteLimit
    pending = .allocate(byteCount: Self.pendingBytes + Self.recordBytes, alignment: 8)
    writer = BufferWriter(
      descriptor: descriptor,
      buffer: .allocate(byteCount: Self.pendingBytes + Self.recordBytes, alignment: 8))
  }

  deinit {
    // The buffer in flight is the writer's until its write is done.
    _ = writer.settle()
    writer.buffer.deallocate()
    close(descriptor)
    pending.deallocate()
  }

  /// Calls `body` with the day of the last row kept of video `ref` and the encoding of its
  /// running sums through it, and returns its result; nil when none was kept.
  func withLast<Result>(
    of ref: Int64, _ body: (Int32, UnsafeRawBufferPointer) throws -> Result
  ) rethrows -> Result? {
    guard let row = lastRows[ref] else { return nil }
    return try arena.withUnsafeBytes { raw in
      try body(row.day, UnsafeRawBufferPointer(rebasing: raw[row.start..<row.start + row.count]))
    }
  }

  /// Notes the last row kept of video `ref` (the one ``keep(_:_:_:)`` kept last for it) and
  /// the running sums through it (`sums`, encoded): the appender calls it when the video's
  /// rows in the order written end, not for every row.
  func noteLast(_ ref: Int64, _ day: Int32, _ sums: [UInt8]) {
    if let row = lastRows[ref], row.capacity >= sums.count {
      arena.withUnsafeMutableBytes { raw in
        UnsafeMutableRawBufferPointer(rebasing: raw[row.start..<row.start + sums.count])
          .copyBytes(from: sums)
      }
      lastRows[ref] = (day, row.start, sums.count, row.capacity)
    } else {
      // Room for a few more bytes: the totals only grow.
      let start = arena.count
      arena.append(contentsOf: sums)
      arena.append(contentsOf: repeatElement(0, count: 16))
      lastRows[ref] = (day, start, sums.count, sums.count + 16)
    }
  }

  /// Keeps day `day` of video `ref` with its own totals, `totals`, encoded straight into the
  /// buffer.
  func keep(_ ref: Int64, _ day: Int32, _ totals: RunningTotals) throws {
    // The first record, or one not after the one before it, starts a stretch.
    if lastKey.map({ ($0.ref, $0.day) >= (ref, day) }) ?? true {
      stretches.append(written + pendingCount)
    }
    lastKey = (ref, day)
    // Below `pendingBytes` before a record, and a record fits in `recordBytes`.
    let record = pending + pendingCount
    record.storeBytes(of: ref.littleEndian, as: Int64.self)
    record.storeBytes(of: day.littleEndian, toByteOffset: 8, as: Int32.self)
    let count = RunningCodec.encode(
      totals,
      to: (record + Self.headerBytes).bindMemory(to: UInt8.self, capacity: RunningCodec.mostBytes))
    record.storeBytes(of: UInt16(count).littleEndian, toByteOffset: 12, as: UInt16.self)
    pendingCount += Self.headerBytes + count
    if pendingCount >= Self.pendingBytes { try writePending() }
  }

  /// Writes every day kept, in key order, through `emitter`, and forgets them; returns how
  /// many days it wrote.
  func insert(into emitter: inout RunningEmitter) throws -> Int {
    try writePending()
    if let failure = writer.settle() { throw Self.failed("writing", failure) }
    let ends = stretches.dropFirst() + [written]
    let readers = zip(stretches, ends).map { start, end in
      Stretch(
        descriptor: descriptor, from: start, to: end,
        bufferBytes: max(MetricSpill.mergeBytes / max(stretches.count, 1), 4096))
    }
    defer { for reader in readers { reader.release() } }
    // Few stretches (one a group): the smallest head is found by looking at each, in an array
    // of their keys (a class reference read from an array is a retain and a release).
    var live = try readers.filter { try $0.advance() }
    var heads = live.map { (ref: $0.ref, day: $0.day) }
    var inserted = 0
    while !heads.isEmpty {
      var smallest = 0
      for index in heads.indices.dropFirst()
      where (heads[index].ref, heads[index].day) < (heads[smallest].ref, heads[smallest].day) {
        smallest = index
      }
      let reader = live[smallest]
      try emitter.emit(reader.ref, reader.day, dayEncoded: reader.sums)
      inserted += 1
      if try reader.advance() {
        heads[smallest] = (reader.ref, reader.day)
      } else {
        live.remove(at: smallest)
        heads.remove(at: smallest)
      }
    }
    try emitter.finish()
    stretches = []
    lastRows = [:]
    arena = []
    lastKey = nil
    return inserted
  }

  /// Hands the records kept in memory to the writer, to be appended to the file, once the
  /// buffer it writes before is written (a failed write throws here).
  private func writePending() throws {
    guard pendingCount > 0 else { return }
    if let byteLimit, written + pendingCount > byteLimit {
      throw Self.failed("writing", "the disk is full")
    }
    if let failure = writer.settle() { throw Self.failed("writing", failure) }
    swap(&pending, &writer.buffer)
    writer.write(count: pendingCount, at: written)
    written += pendingCount
    pendingCount = 0
  }

  /// Writes a buffer to a file on a thread of its own, one write at a time.
  ///
  /// The caller hands it over with ``write(count:at:)`` and waits for it with ``settle()``
  /// before it touches `buffer` again. The buffer and the failure are so only ever touched by
  /// one thread at a time, the semaphore between the two: unchecked for Sendable on that
  /// ground.
  final class BufferWriter: @unchecked Sendable {
    private let descriptor: Int32
    /// The buffer written, or to be filled and handed over next.
    var buffer: UnsafeMutableRawPointer
    private let queue = DispatchQueue(label: "aimt-running-rows")
    private let done = DispatchSemaphore(value: 0)
    private var inFlight = false
    private var failure: String?

    init(descriptor: Int32, buffer: UnsafeMutableRawPointer) {
      self.descriptor = descriptor
      self.buffer = buffer
    }

    /// Writes the first `count` bytes of `buffer` at byte `offset` of the file.
    ///
    /// The write before must be settled.
    func write(count: Int, at offset: Int) {
      precondition(!inFlight, "the write before is still in flight")
      inFlight = true
      queue.async { [self] in
        failure = MetricSpill.moveAll(count, short: "nothing was written") { done in
          pwrite(descriptor, buffer + done, count - done, off_t(offset + done))
        }
        done.signal()
      }
    }

    /// Waits for the write in flight, if any; the reason it failed, or nil.
    func settle() -> String? {
      if inFlight {
        done.wait()
        inFlight = false
      }
      defer { failure = nil }
      return failure
    }
  }

  /// The error of a failed write (`doing`: "writing") or read of the file: the import is
  /// refused whole.
  static func failed(_ doing: String, _ reason: String) -> LedgerError {
    .storage(
      message: "\(doing) the running sums kept in a temporary file failed (\(reason)); nothing "
        + "was written. Free space in the temporary folder (TMPDIR) and import again")
  }

  /// One stretch of the file read in key order, a buffer at a time.
  private final class Stretch {
    private let descriptor: Int32
    private var offset: Int
    private let end: Int
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var position = 0
    private var filled = 0
    private(set) var ref: Int64 = 0
    private(set) var day: Int32 = 0
    /// The current record's encoding, valid until the next ``advance()``.
    private(set) var sums = UnsafeRawBufferPointer(start: nil, count: 0)

    init(descriptor: Int32, from start: Int, to end: Int, bufferBytes: Int) {
      self.descriptor = descriptor
      offset = start
      self.end = end
      // A record is at most the header and an encoding of every source (see ``keep``).
      capacity = max(bufferBytes, 1 << 16)
      buffer = .allocate(byteCount: capacity, alignment: 8)
    }

    func release() { buffer.deallocate() }

    /// Moves to the next record; false when the stretch has no more.
    func advance() throws -> Bool {
      guard try ensure(DeferredRunningRows.headerBytes) else { return false }
      let header = buffer + position
      ref = Int64(littleEndian: header.loadUnaligned(as: Int64.self))
      day = Int32(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: Int32.self))
      let length = Int(
        UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
      guard try ensure(DeferredRunningRows.headerBytes + length) else {
        throw DeferredRunningRows.failed("reading back", "the file is shorter")
      }
      sums = UnsafeRawBufferPointer(
        start: buffer + position + DeferredRunningRows.headerBytes, count: length)
      position += DeferredRunningRows.headerBytes + length
      return true
    }

    /// Makes `bytes` bytes from `position` on available in the buffer; false when the stretch
    /// ends before them.
    private func ensure(_ bytes: Int) throws -> Bool {
      if filled - position >= bytes { return true }
      // Keep the part of a record already read, at the start of the buffer.
      let kept = filled - position
      if kept > 0 { buffer.copyMemory(from: buffer + position, byteCount: kept) }
      position = 0
      filled = kept
      let wanted = min(capacity - filled, end - offset)
      let (target, at) = (buffer + filled, offset)
      let failure = MetricSpill.moveAll(wanted, short: "the file is shorter") { done in
        pread(descriptor, target + done, wanted - done, off_t(at + done))
      }
      if let failure { throw DeferredRunningRows.failed("reading back", failure) }
      offset += wanted
      filled += wanted
      return filled >= bytes
    }
  }
}
