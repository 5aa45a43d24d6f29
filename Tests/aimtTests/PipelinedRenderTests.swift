import Foundation
import LedgerQuery
import LedgerStore
import Synchronization
import Testing

@testable import aimt

// Rows made on one thread and printed on another (`renderPipelined`) print exactly what one
// thread prints, whatever the number of rows, and never leave the maker waiting.
//
// The time limits only stop a deadlock: they are minutes, since these threads share two cores
// with the suite's heaviest tests (one minute was exceeded once, on a loaded machine, by tests
// that take a second alone).

/// A table of `stored` rows kept and `streamed` rows made while printing (text that needs
/// escaping in every format, money, ratios and nulls), failing after `failAfter` streamed rows
/// when given.
private func table(stored: Int, streamed: Int, failAfter: Int? = nil, columns: Int = 5)
  -> OutputTable
{
  @Sendable func row(_ index: Int) -> [Cell] {
    let cells: [Cell] = [
      .text("v\(index)"), .text(index % 7 == 0 ? "a,\"b\"\tc\n=d" : "视频 \(index)"),
      .money(Int64(index) * 12_345 - 500_000),
      .ratio(Fraction(Int128(index), over: 7) ?? Fraction(0), digits: 2),
      index % 5 == 0 ? .null : .int(Int64(index)),
    ]
    return Array(cells.prefix(columns))
  }
  var table = OutputTable(
    columns: ["video_id", "title", "cost", "roi", "plays"].prefix(columns).map(Column.init))
  for index in 0..<stored { table.append(row(index)) }
  table.stream = RowStream { (emit) throws(LedgerError) in
    for index in stored..<(stored + streamed) {
      if let failAfter, index - stored == failAfter {
        throw LedgerError.storage(message: "the disk went away")
      }
      emit(row(index))
    }
  }
  return table
}

/// ``table(stored:streamed:failAfter:columns:)`` whose stream also offers its rows as text
/// (``RowStream/produceText``), each chunk of 7 rows turned into text on one of two threads at
/// once, as `advise` makes them, and emitted in order: a chunk's rows in runs of one to three.
private func textTable(stored: Int, streamed: Int, failAfter: Int? = nil) -> OutputTable {
  var table = table(stored: stored, streamed: streamed, failAfter: failAfter)
  guard let cells = table.stream?.produce else { preconditionFailure("the table streams") }
  table.stream = RowStream(
    throwing: { emit in cells(emit) },
    text: { (render, emit) throws(LedgerError) in
      var rows: [[Cell]] = []
      cells { rows.append($0) }
      let made = rows
      let runs = stride(from: 0, to: made.count, by: 7).flatMap { chunk in
        // Runs of 1, 2, 3, 1 rows within each chunk of 7.
        [0..<1, 1..<3, 3..<6, 6..<7].map {
          min(chunk + $0.lowerBound, made.count)..<min(chunk + $0.upperBound, made.count)
        }
        .filter { !$0.isEmpty }
      }
      let texts = Mutex([[UInt8]](repeating: [], count: runs.count))
      DispatchQueue.concurrentPerform(iterations: runs.count) { run in
        var text: [UInt8] = []
        for index in runs[run] { render(made[index], index, &text) }
        texts.withLock { $0[run] = text }
      }
      for (run, text) in texts.withLock({ $0 }).enumerated() { emit(text, runs[run].count) }
      if let failAfter, failAfter < streamed {
        throw LedgerError.storage(message: "the disk went away")
      }
    })
  return table
}

/// What `renderPipelined` writes, collected.
private func pipelined(
  _ table: OutputTable, _ format: OutputFormat, cores: Int = 2,
  printHereFrom: Int = RowPipe.printHereFrom, options: RenderOptions = RenderOptions()
) -> String {
  let bytes = Mutex<[UInt8]>([])
  renderPipelined(
    table, as: format, options: options, cores: cores, printHereFrom: printHereFrom
  ) { chunk in
    bytes.withLock { $0 += chunk }
  }
  return bytes.withLock { String(decoding: $0, as: UTF8.self) }
}

@Test(.timeLimit(.minutes(10)), arguments: [OutputFormat.csv, .tsv, .json, .ndjson])
func rowsPrintedOnAnotherThreadAreByteForByteWhatOneThreadPrints(_ format: OutputFormat) {
  // Fewer rows than a batch, exactly a batch, and many more than the pipe holds (the maker
  // waits for the printer).
  let batch = RowPipe.batchRows
  for (stored, streamed) in [
    (0, 0), (3, 0), (0, 5), (2, batch), (1, batch * RowPipe.batchesWaiting * 3 + 17),
  ] {
    let table = table(stored: stored, streamed: streamed)
    let expected = render(table, as: format)
    #expect(pipelined(table, format) == expected, "\(format), \(stored) + \(streamed) rows")
    #expect(pipelined(table, format, cores: 1) == expected)
    // The maker printing every batch itself, and none.
    #expect(pipelined(table, format, printHereFrom: 0) == expected, "maker prints, \(format)")
    #expect(pipelined(table, format, printHereFrom: .max) == expected, "printer prints")
  }
}

@Test(.timeLimit(.minutes(10)), arguments: [OutputFormat.csv, .tsv, .json, .ndjson])
func batchesPrintedByEitherThreadKeepTheOptionsAndTheOrder(_ format: OutputFormat) {
  // A BOM, formulas kept, control characters shown: the maker's text and the printer's come
  // from one renderer; every row once, in order.
  let options = RenderOptions(csvBOM: true, neutraliseFormulas: false, escapeControls: true)
  let table = table(stored: 5, streamed: RowPipe.batchRows * 5 + 3)
  let expected = render(table, as: format, options: options)
  for from in [0, 1, RowPipe.printHereFrom, .max] {
    #expect(pipelined(table, format, printHereFrom: from, options: options) == expected)
  }
  let lines = pipelined(table, .ndjson, printHereFrom: 0).split(separator: "\n")
  #expect(lines.count == 5 + RowPipe.batchRows * 5 + 3)
  #expect(lines.enumerated().allSatisfy { $1.hasPrefix("{\"video_id\":\"v\($0)\"") })
}

@Test(.timeLimit(.minutes(10))) func aStreamThatFailsMidwayPrintsTheRowsBeforeAndKeepsItsError() {
  let table = table(stored: 1, streamed: 5_000, failAfter: 3_000)
  let text = pipelined(table, .ndjson)
  #expect(text.split(separator: "\n").count == 3_001)
  #expect(text == render(table, as: .ndjson))
  #expect(table.stream?.failure.error != nil)
}

@Test(.timeLimit(.minutes(10))) func aTableWithoutColumnsPrintsWhatOneThreadPrints() {
  // csv prints nothing for a table without columns and reads no row, as on one thread; json
  // prints an empty object per row.
  var table = OutputTable(columns: [])
  let made = Mutex(0)
  table.stream = RowStream { emit in
    for _ in 0..<(RowPipe.batchRows * RowPipe.batchesWaiting * 4) {
      made.withLock { $0 += 1 }
      emit([.int(1)])
    }
  }
  #expect(pipelined(table, .csv) == "")
  #expect(made.withLock { $0 } == 0)
  #expect(pipelined(table, .json) == render(table, as: .json))
  #expect(made.withLock { $0 } == 2 * RowPipe.batchRows * RowPipe.batchesWaiting * 4)
}

@Test func tableAndMarkdownAreNotPipelined() {
  #expect(!pipelines(.table) && !pipelines(.markdown))
  let table = table(stored: 2, streamed: 40)
  #expect(pipelined(table, .markdown) == render(table, as: .markdown))
  #expect(pipelined(table, .table) == render(table, as: .table))
}

@Test(.timeLimit(.minutes(10)), arguments: [OutputFormat.csv, .tsv, .json, .ndjson])
func rowsTurnedIntoTextWhereTheyAreMadePrintWhatOneThreadPrints(_ format: OutputFormat) {
  // Stored rows first, then the streamed ones' texts in order, with their positions among all
  // rows (json's commas), the options kept, and a projection applied before the text is made.
  let options = RenderOptions(csvBOM: true, neutraliseFormulas: false, escapeControls: true)
  for (stored, streamed) in [(0, 0), (0, 1), (3, 0), (2, 50), (0, RowPipe.batchRows * 3 + 5)] {
    let table = textTable(stored: stored, streamed: streamed)
    #expect(table.stream?.produceText != nil)
    #expect(pipelined(table, format) == render(table, as: format), "\(stored) + \(streamed)")
    #expect(pipelined(table, format, cores: 1) == render(table, as: format))
    #expect(
      pipelined(table, format, options: options) == render(table, as: format, options: options))
    let projected = table.projected(onto: ["roi", "video_id", "nothing"])
    #expect(projected.stream?.produceText != nil)
    #expect(pipelined(projected, format) == render(projected, as: format))
    #expect(render(projected, as: .ndjson).split(separator: "\n").count == stored + streamed)
  }
}

@Test(.timeLimit(.minutes(10)))
func rowsMadeAsTextThatFailMidwayPrintTheRowsBeforeAndKeepTheError() {
  let table = textTable(stored: 1, streamed: 500, failAfter: 300)
  let text = pipelined(table, .ndjson)
  #expect(text.split(separator: "\n").count == 301)
  #expect(text == render(table, as: .ndjson))
  #expect(table.stream?.failure.error != nil)
}

@Test func everyVideosAdviceTurnedIntoTextOnTwoThreadsIsWhatTheListPrints() throws {
  // The demo's 500 videos, two chunks: two threads make the advice and turn each into its line
  // there; the text is byte for byte the list's, in every format that prints a row at a time.
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db")
  let ledger = try Ledger.open(path: cli.path("d.db"))
  let list = QueryTables.advice(try ledger.advise(AdviseQuery()))
  #expect(list.rows.count > ChunkPlan.automatic.chunk)
  let streamed = QueryTables.advice(of: ledger, AdviseQuery())
  #expect(streamed.stream?.produceText != nil)
  for format in [OutputFormat.csv, .tsv, .json, .ndjson] {
    #expect(pipelined(streamed, format) == render(list, as: format), "\(format)")
  }
  #expect(streamed.stream?.failure.error == nil)
}
