import Foundation
import LedgerStore

/// Reads the records of a metrics file into batches.
///
/// It runs on a thread of its own while the importer writes: handed over through a
/// ``BatchChannel``, the reader and its record source are only touched by that thread until it
/// has finished.
final class MetricBatchReader: @unchecked Sendable {
  private let source: ShapedSource
  private var reader: RowReader
  private let file: String
  private let columns: Int
  private var records = 0

  init(source: ShapedSource, reader: RowReader, file: String, columns: Int) {
    self.source = source
    self.reader = reader
    self.file = file
    self.columns = columns
  }

  /// Fills `batch` with the next rows (or the problems that keep them out), up to its capacity
  /// or the end of the file.
  func fill(_ batch: MetricBatch) {
    batch.reset()
    while batch.rows.count < MetricBatch.capacity {
      let more: Bool
      do {
        more = try source.next()
      } catch {
        batch.report(
          SourceLocation(file: file, line: error.line).problem(
            "file", error.message, remedy: error.remedy))
        batch.isLast = true
        break
      }
      guard more else {
        batch.isLast = true
        break
      }
      records += 1
      let line = source.line
      let row = source.rowSource
      if let message = extraFieldsMessage(row, columns: columns) {
        batch.report(SourceLocation(file: file, line: line).problem("row", message))
        continue
      }
      reader.parseMetric(row, line: line, file: file, into: batch)
    }
    batch.recordsRead = records
    batch.bytesRead = batch.isLast ? source.totalBytes : source.bytesRead
  }

  /// Fills batches on a new thread and sends them into `channel` until the end of the file or
  /// until the channel is stopped; `finished` is signalled when the thread is done.
  func start(into channel: BatchChannel, finished: DispatchSemaphore) {
    let thread = Thread { [self] in
      #if os(Linux) && canImport(Glibc)
      // Below the writing thread, which sets the import's pace: on Linux a thread's own
      // priority, taken where the cores are short (docs/internals.md, "Pages written behind").
      _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
      #endif
      while let batch = channel.nextFree() {
        fill(batch)
        channel.send(batch)
        if batch.isLast { break }
      }
      finished.signal()
    }
    // Generous for the JSON reader's nesting; Foundation's default on Linux is small.
    thread.stackSize = 8 << 20
    thread.name = "aimt-reader"
    thread.start()
  }
}

/// Hands batches between the reading thread and the writing one: three batches go round, so
/// that one is read while one is written and one waits.
final class BatchChannel: @unchecked Sendable {
  private let condition = NSCondition()
  private var free: [MetricBatch]
  private var full: [MetricBatch] = []
  private var stopped = false

  init(batches: Int = 3) {
    free = (0..<batches).map { _ in MetricBatch() }
  }

  /// A batch to fill, once one is free; nil when the channel has been stopped.
  func nextFree() -> MetricBatch? {
    condition.lock()
    defer { condition.unlock() }
    while free.isEmpty, !stopped { condition.wait() }
    return stopped ? nil : free.removeLast()
  }

  /// Sends a filled batch.
  func send(_ batch: MetricBatch) {
    condition.lock()
    full.append(batch)
    condition.broadcast()
    condition.unlock()
  }

  /// The next filled batch, in the order they were sent (waits for it).
  func receive() -> MetricBatch {
    condition.lock()
    defer { condition.unlock() }
    while full.isEmpty { condition.wait() }
    return full.removeFirst()
  }

  /// Rows the writing thread merges between two looks for a batch: about a millisecond's
  /// work, short of the time the reading thread takes to fill the batches it may run ahead.
  static let rowsAhead = 512

  /// The next filled batch; while none is ready, calls `work` (the writing thread's merge of
  /// rows kept for key order: docs/internals.md, "Writing a file in key order") for as long
  /// as it has done something, then waits.
  func receive(whileWaiting work: () throws -> Bool) rethrows -> MetricBatch {
    while true {
      condition.lock()
      if !full.isEmpty {
        defer { condition.unlock() }
        return full.removeFirst()
      }
      condition.unlock()
      guard try work() else { return receive() }
    }
  }

  /// Gives a written batch back to be filled again.
  func recycle(_ batch: MetricBatch) {
    condition.lock()
    free.append(batch)
    condition.broadcast()
    condition.unlock()
  }

  /// Tells the reading thread to stop at its next batch.
  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }
}
