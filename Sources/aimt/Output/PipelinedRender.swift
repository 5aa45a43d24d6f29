import Dispatch
import Foundation
import LedgerStore
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
/// stays bounded whatever the number of rows. When the printer falls behind (a report whose
/// rows cost less to make than to print), this thread turns a batch into text itself and hands
/// over the text, which the printer writes in its turn. Both threads print through one
/// ``RowRenderer``, so the text is byte for byte what `render` prints. A stream that turns its
/// rows into text where it makes them (``RowStream/produceText``) needs no printer: this thread
/// writes the text as it comes. A table without a stream, a format that measures every row
/// first, or one core: `render` on this thread.
/// `printHereFrom`: how many batches must wait for this thread to print the next one itself
/// (0: every batch, `Int.max`: none; tests choose).
func renderPipelined(
  _ table: OutputTable, as format: OutputFormat, options: RenderOptions,
  cores: Int = Ledger.workThreads,
  printHereFrom: Int = RowPipe.printHereFrom,
  write: @escaping @Sendable ([UInt8]) -> Void
) {
  guard let stream = table.stream, pipelines(format), cores > 1 else {
    render(table, as: format, options: options, write: write)
    return
  }
  let renderer = RowRenderer(table, as: format, options: options)
  guard renderer.readsRows else {
    render(table, as: format, options: options, write: write)
    return
  }
  if let produceText = stream.produceText {
    printText(table.rows, produceText, renderer: renderer, write: write)
    return
  }
  let pipe = RowPipe(capacity: RowPipe.batchesWaiting)
  let done = DispatchSemaphore(value: 0)
  let stored = table.rows
  DispatchQueue.global().async {
    var out = TextBuffer()
    defer { out.free() }
    renderer.head(into: &out)
    var index = 0
    func printRow(_ row: [Cell]) {
      renderer.row(row, index: index, into: &out)
      index += 1
      if out.isFull {
        write(out.bytes)
        out.clear()
      }
    }
    for row in stored { printRow(row) }
    while let piece = pipe.take() {
      switch piece {
      case .rows(let rows):
        for row in rows { printRow(row) }
      case .text(let text, let rows):
        if !out.isEmpty {
          write(out.bytes)
          out.clear()
        }
        write(text)
        index += rows
      }
    }
    renderer.tail(rows: index, into: &out)
    if !out.isEmpty { write(out.bytes) }
    done.signal()
  }
  var batch: [[Cell]] = []
  batch.reserveCapacity(RowPipe.batchRows)
  var next = stored.count
  var text = TextBuffer()
  defer { text.free() }
  func handOver() {
    if pipe.waiting >= printHereFrom {
      for (offset, row) in batch.enumerated() {
        renderer.row(row, index: next + offset, into: &text)
      }
      pipe.put(.text(text.bytes, rows: batch.count))
      text.clear()
    } else {
      pipe.put(.rows(batch))
    }
    next += batch.count
    batch.removeAll(keepingCapacity: true)
  }
  stream.produce { row in
    batch.append(row)
    if batch.count == RowPipe.batchRows { handOver() }
  }
  if !batch.isEmpty { handOver() }
  pipe.close()
  done.wait()
}

/// The rows of a stream that turns them into text on the threads that make them
/// (``RowStream/produceText``): `stored` first, then the streamed rows' text as it comes, in
/// runs of rows, written in chunks from this thread, which only copies the bytes.
private func printText(
  _ stored: [[Cell]], _ produceText: RowStream.ProduceText, renderer: RowRenderer,
  write: @escaping ([UInt8]) -> Void
) {
  var out = TextBuffer()
  defer { out.free() }
  func flush() {
    guard out.isFull else { return }
    write(out.bytes)
    out.clear()
  }
  renderer.head(into: &out)
  for (index, row) in stored.enumerated() {
    renderer.row(row, index: index, into: &out)
    flush()
  }
  let first = stored.count
  var printed = first
  produceText(
    { row, index, text in
      var line = TextBuffer(capacity: RowRenderer.lineCapacity)
      defer { line.free() }
      renderer.row(row, index: first + index, into: &line)
      line.copy(appendingTo: &text)
    },
    { text, rows in
      out.append(bytes: text)
      printed += rows
      flush()
    })
  renderer.tail(rows: printed, into: &out)
  if !out.isEmpty { write(out.bytes) }
}

/// What passes from the maker to the printer: rows to print, or rows the maker printed itself.
enum RowPiece: Sendable {
  case rows([[Cell]])
  case text([UInt8], rows: Int)
}

/// Rows handed from the thread that makes them to the one that prints them, in batches, with
/// at most `capacity` batches waiting: the maker waits when the printer is behind.
final class RowPipe: Sendable {
  /// Rows per batch: large enough that the hand-over costs nothing per row, small enough that
  /// the printer starts at once.
  static let batchRows = 1024
  /// Batches waiting at most.
  static let batchesWaiting = 8
  /// From this many batches waiting, the maker prints the next batch itself.
  static let printHereFrom = 2

  private struct State {
    var batches: [RowPiece] = []
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
  func put(_ batch: RowPiece) {
    free.wait()
    state.withLock { $0.batches.append(batch) }
    ready.signal()
  }

  /// How many batches wait.
  var waiting: Int { state.withLock { $0.batches.count } }

  /// Says no batch follows.
  func close() {
    state.withLock { $0.closed = true }
    ready.signal()
  }

  /// The next batch, waiting for one; nil once the pipe is closed and empty (and for every call
  /// after).
  func take() -> RowPiece? {
    let closedAndEmpty = state.withLock { $0.closed && $0.batches.isEmpty }
    if closedAndEmpty { return nil }
    ready.wait()
    // Each put signals after its batch is in and close signals after the last put, so a
    // signal that finds no batch is the close's.
    let batch = state.withLock { state -> RowPiece? in
      state.batches.isEmpty ? nil : state.batches.removeFirst()
    }
    if batch != nil { free.signal() }
    return batch
  }
}
