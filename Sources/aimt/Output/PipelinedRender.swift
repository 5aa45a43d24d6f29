import Dispatch
import Foundation
import Synchronization

/// Whether ``renderPipelined(_:as:options:write:)`` prints `format` on a second thread: the
/// formats that print each row as it comes (a `table` or `markdown` measures every row first).
func pipelines(_ format: OutputFormat) -> Bool {
  switch format {
  case .csv, .tsv, .json, .ndjson: true
  case .table, .markdown: false
  }
}

/// ``render(_:as:options:write:)`` with the table's streamed rows made on this thread and
/// printed on another, so that the two halves of a long listing's work (the report making each
/// row, the format turning its cells into text) run on two cores at once: `advise` at 16× of
/// the benchmark makes 224,000 videos' advice and prints 42 MB (docs/internals.md, "Rows made
/// on one core, printed on the other").
///
/// The rows pass in batches through a ``RowPipe`` that holds at most a few batches, so memory
/// stays bounded whatever the number of rows; the text is byte for byte what `render` prints
/// (the printing thread runs `render` itself on the rows as they arrive). A table without a
/// stream, a format that measures every row first, or one core: `render` on this thread.
func renderPipelined(
  _ table: OutputTable, as format: OutputFormat, options: RenderOptions,
  cores: Int = ProcessInfo.processInfo.activeProcessorCount,
  write: @escaping @Sendable ([UInt8]) -> Void
) {
  guard let stream = table.stream, pipelines(format), cores > 1 else {
    render(table, as: format, options: options, write: write)
    return
  }
  let pipe = RowPipe(capacity: RowPipe.batchesWaiting)
  var printed = table
  printed.stream = RowStream { emit in
    while let batch = pipe.take() {
      for row in batch { emit(row) }
    }
  }
  let done = DispatchSemaphore(value: 0)
  DispatchQueue.global().async { [printed] in
    render(printed, as: format, options: options, write: write)
    // A format that printed without reading every row (no columns) still lets the maker
    // finish.
    while pipe.take() != nil {}
    done.signal()
  }
  var batch: [[Cell]] = []
  batch.reserveCapacity(RowPipe.batchRows)
  stream.produce { row in
    batch.append(row)
    if batch.count == RowPipe.batchRows {
      pipe.put(batch)
      batch.removeAll(keepingCapacity: true)
    }
  }
  if !batch.isEmpty { pipe.put(batch) }
  pipe.close()
  done.wait()
}

/// Rows handed from the thread that makes them to the one that prints them, in batches, with
/// at most `capacity` batches waiting: the maker waits when the printer is behind.
final class RowPipe: Sendable {
  /// Rows per batch: large enough that the hand-over costs nothing per row, small enough that
  /// the printer starts at once.
  static let batchRows = 1024
  /// Batches waiting at most.
  static let batchesWaiting = 8

  private struct State {
    var batches: [[[Cell]]] = []
    var closed = false
  }
  private let state = Mutex(State())
  /// Counts the free places.
  private let free: DispatchSemaphore
  /// Counts the batches waiting, plus one when closed.
  private let ready = DispatchSemaphore(value: 0)

  init(capacity: Int) {
    free = DispatchSemaphore(value: capacity)
  }

  /// Adds a batch, waiting for a free place.
  func put(_ batch: [[Cell]]) {
    free.wait()
    state.withLock { $0.batches.append(batch) }
    ready.signal()
  }

  /// Says no batch follows.
  func close() {
    state.withLock { $0.closed = true }
    ready.signal()
  }

  /// The next batch, waiting for one; nil once the pipe is closed and empty (and for every call
  /// after).
  func take() -> [[Cell]]? {
    let closedAndEmpty = state.withLock { $0.closed && $0.batches.isEmpty }
    if closedAndEmpty { return nil }
    ready.wait()
    // Each put signals after its batch is in and close signals after the last put, so a
    // signal that finds no batch is the close's.
    let batch = state.withLock { state -> [[Cell]]? in
      state.batches.isEmpty ? nil : state.batches.removeFirst()
    }
    if batch != nil { free.signal() }
    return batch
  }
}
