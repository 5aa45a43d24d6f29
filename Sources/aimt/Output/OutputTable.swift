import LedgerStore
import Synchronization

/// One cell value, kept typed until a renderer turns it into text so every format can
/// print it its own way (money as yuan, `null` as `—` or an empty field or JSON `null`).
enum Cell: Sendable, Equatable {
  /// No value (SQL NULL, an unset field).
  case null
  /// Free text, printed as is (escaped as each format needs).
  case text(String)
  /// A whole number, printed as plain digits.
  case int(Int64)
  /// An amount of money in fen (1 yuan = 100 fen), printed as yuan with two decimals computed
  /// from the integer, never through a Double.
  case money(Int64)
  /// An exact ratio, printed rounded half up to `digits` decimals in text formats (computed
  /// from its integers) and as the nearest Double in JSON.
  case ratio(Fraction, digits: Int)
  /// A real number from SQL (`aimt sql`), printed in its shortest round-trip form
  /// (`1234.5`, `5.0`); NaN and infinity print as null.
  case real(Double)
  /// A yes/no flag, printed as `true` / `false`.
  case bool(Bool)
}

/// A column of an output table.
struct Column: Sendable, Equatable {
  /// The JSON key and CSV header: snake_case, as docs/data-model.md names the field.
  var key: String

  /// Makes a column keyed `key` (usable as `names.map(Column.init)`).
  init(_ key: String) { self.key = key }
}

/// Rows ready to print: what every row-printing command builds and hands to `render`.
///
/// A row shorter than `columns` is padded with `.null`; cells beyond the last column are ignored.
struct OutputTable: Sendable, Equatable {
  /// The columns, in print order.
  var columns: [Column]
  /// The rows, each one cell per column.
  var rows: [[Cell]] = []
  /// An optional caption, shown above the `table` format only.
  var title: String? = nil

  /// Rows made while printing, after `rows`.
  ///
  /// A long report's rows are computed one at a time instead of being held as a million cell
  /// arrays; the stream is called once per pass over the table.
  var stream: RowStream? = nil

  /// The keys a `table` shows by default, when the report has more columns than fit a terminal
  /// of 100 characters (`--wide` shows all, `--columns` chooses); nil: every column.
  var compact: [String]? = nil
  /// A line printed under a `table` (what was left out and how to see it).
  var footnote: String? = nil
  /// How many columns a projection left out.
  var hidden = 0

  /// Adds one row at the end.
  mutating func append(_ row: [Cell]) { rows.append(row) }

  /// The table with only the columns keyed `keys`, in that order (unknown keys are skipped);
  /// streamed rows are projected as they come.
  func projected(onto keys: [String]) -> OutputTable {
    let indices = keys.compactMap { key in columns.firstIndex { $0.key == key } }
    let pick = { @Sendable (row: [Cell]) -> [Cell] in
      indices.map { $0 < row.count ? row[$0] : .null }
    }
    var table = OutputTable(columns: indices.map { columns[$0] }, title: title)
    table.rows = rows.map(pick)
    table.hidden = columns.count - indices.count
    if let stream {
      var projected = RowStream { emit in stream.produce { emit(pick($0)) } }
      projected.failure = stream.failure
      if let produceText = stream.produceText {
        projected.produceText = { render, emit in
          produceText({ row, index, text in render(pick(row), index, &text) }, emit)
        }
      }
      table.stream = projected
    }
    return table
  }

  /// The table turned on its side: one `field`, `value` row per column of the first row (a
  /// one-record table reads better that way on a terminal).
  func transposed() -> OutputTable {
    var table = OutputTable(columns: [Column("field"), Column("value")], title: title)
    guard let first = rows.first else { return table }
    for (column, cell) in zip(columns, first) where cell != .null {
      table.append([.text(column.key), .text(cell.humanText)])
    }
    return table
  }

  /// Calls `body` with every row: `rows`, then the streamed ones.
  func forEachRow(_ body: ([Cell]) -> Void) {
    rows.forEach(body)
    stream?.produce(body)
  }

  /// Equal when columns, stored rows and title are; a stream and the presentation hints are
  /// not compared.
  static func == (a: OutputTable, b: OutputTable) -> Bool {
    a.columns == b.columns && a.rows == b.rows && a.title == b.title
  }
}

/// Rows produced on demand: `produce` calls its argument once per row, in order, each time it
/// is called; an error reading them is kept in `failure` for the command to report.
struct RowStream: Sendable {
  var produce: @Sendable (([Cell]) -> Void) -> Void
  /// The same rows turned into text on the threads that make them, for a report that makes its
  /// rows on two (`advise`); nil: cells only.
  ///
  /// `render` is called on either thread with a row's cells and its position among the
  /// streamed rows (0 for the first), and appends its text to the bytes it is given; `emit` is
  /// called on this thread with the texts in order, in runs of rows (the bytes of a run and
  /// how many rows they hold), so that a run crosses threads as one array.
  var produceText: ProduceText? = nil
  var failure = StreamFailure()

  typealias Render = @Sendable ([Cell], _ index: Int, _ text: inout [UInt8]) -> Void
  typealias Emit = (_ text: [UInt8], _ rows: Int) -> Void
  typealias ProduceText = @Sendable (_ render: @escaping Render, _ emit: Emit) -> Void

  /// A stream of the rows `produce` makes.
  init(produce: @escaping @Sendable (([Cell]) -> Void) -> Void) {
    self.produce = produce
  }

  /// A stream of rows whose making can fail (reading the ledger while printing).
  init(throwing produce: @escaping @Sendable (([Cell]) -> Void) throws(LedgerError) -> Void) {
    let failure = StreamFailure()
    self.produce = { emit in
      do throws(LedgerError) { try produce(emit) } catch { failure.record(error) }
    }
    self.failure = failure
  }

  /// A stream of rows whose making can fail, offered as cells by `produce` and as text by
  /// `produceText` (see ``produceText``).
  init(
    throwing produce: @escaping @Sendable (([Cell]) -> Void) throws(LedgerError) -> Void,
    text produceText:
      @escaping @Sendable (_ render: @escaping Render, _ emit: Emit) throws(LedgerError) -> Void
  ) {
    self.init(throwing: produce)
    let failure = self.failure
    self.produceText = { render, emit in
      do throws(LedgerError) { try produceText(render, emit) } catch { failure.record(error) }
    }
  }
}

/// The first error met while streaming rows.
final class StreamFailure: Sendable {
  private let stored = Mutex<LedgerError?>(nil)

  /// Keeps `error` unless an earlier one is kept.
  func record(_ error: LedgerError) {
    stored.withLock { if $0 == nil { $0 = error } }
  }

  /// The error met, if any.
  var error: LedgerError? { stored.withLock { $0 } }
}

/// The `--format` choices.
enum OutputFormat: String, CaseIterable, Sendable {
  /// Aligned columns for a terminal.
  case table
  /// RFC 4180 comma-separated values.
  case csv
  /// Tab-separated values.
  case tsv
  /// One JSON array of objects.
  case json
  /// One JSON object per line.
  case ndjson
  /// A GitHub pipe table.
  case markdown
}

/// Presentation switches that do not change what is printed, only how.
struct RenderOptions: Sendable {
  /// Start CSV output with a UTF-8 byte order mark, so Excel on Windows reads Chinese text.
  var csvBOM: Bool = false
  /// Bold the table header with ANSI escapes (only for a table on a colour terminal).
  var color: Bool = false
  /// Put a `'` before csv and tsv text that a spreadsheet would run as a formula (`=…`,
  /// `+…`, `-…`, `@…`, tab, CR), numbers excepted; `--raw` turns it off.
  var neutraliseFormulas: Bool = true
  /// Show control characters and bidi overrides of the data as `\u{1b}`-style text (json:
  /// `\u001b`), for output to a terminal; files and pipes get the bytes.
  var escapeControls: Bool = false
}
