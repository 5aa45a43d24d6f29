import LedgerStore

/// Renders the whole table to one String (for small outputs and tests).
///
/// It is the streaming variant collected into a String, so both always print the same text.
func render(
  _ table: OutputTable, as format: OutputFormat, options: RenderOptions = .init()
) -> String {
  var bytes: [UInt8] = []
  render(table, as: format, options: options) { bytes += $0 }
  return String(decoding: bytes, as: UTF8.self)
}

/// Renders the table chunk by chunk through `write`, as UTF-8 bytes.
///
/// Every format except `table` formats one row at a time and hands over a chunk whenever about
/// 64 KiB have built up, so the printed text is never held whole in memory. `table` measures
/// every row first (column widths need them all), then writes the same way.
func render(
  _ table: OutputTable, as format: OutputFormat, options: RenderOptions,
  write: ([UInt8]) -> Void
) {
  var out = TextBuffer()
  defer { out.free() }
  func flush(_ out: inout TextBuffer) {
    guard out.isFull else { return }
    write(out.bytes)
    out.clear()
  }
  switch format {
  case .table:
    TableFormat.render(table, color: options.color) {
      out.append($0)
      flush(&out)
    }
  case .markdown:
    MarkdownFormat.render(table, escapeControls: options.escapeControls) {
      out.append($0)
      flush(&out)
    }
  case .csv, .tsv, .json, .ndjson:
    let renderer = RowRenderer(table, as: format, options: options)
    renderer.head(into: &out)
    var index = 0
    if renderer.readsRows {
      table.forEachRow { row in
        renderer.row(row, index: index, into: &out)
        index += 1
        flush(&out)
      }
    }
    renderer.tail(rows: index, into: &out)
  }
  if !out.isEmpty { write(out.bytes) }
}

/// The machine formats (csv, tsv, json, ndjson) a row at a time.
///
/// What comes before the rows, each row (by its index: json separates rows), what comes after.
/// ``render(_:as:options:write:)`` and ``renderPipelined(_:as:options:cores:printHereFrom:write:)``
/// both print through it, so the text is the same whichever thread writes which row.
struct RowRenderer: Sendable {
  private let format: OutputFormat
  private let options: RenderOptions
  private let columns: Int
  /// csv and tsv: the header line (the BOM, when asked, goes before it).
  private let header: String
  /// json and ndjson: the `"key":` prefixes, in column order.
  private let keys: [String]

  /// The renderer of `format`, which must be one of the machine formats.
  init(_ table: OutputTable, as format: OutputFormat, options: RenderOptions) {
    precondition(pipelines(format), "a row at a time: csv, tsv, json and ndjson only")
    self.format = format
    self.options = options
    columns = table.columns.count
    switch format {
    case .csv, .tsv:
      keys = []
      let names = table.columns.map { DelimitedFormat.field($0.key, format, options) }
      header =
        names.joined(separator: format == .csv ? "," : "\t") + (format == .csv ? "\r\n" : "\n")
    default:
      header = ""
      keys = table.columns.map {
        JSONFormat.string($0.key, escapeControls: options.escapeControls) + ":"
      }
    }
  }

  /// The bytes a buffer for one row starts with (it grows for a longer row).
  static let lineCapacity = 512

  /// Whether rows are printed at all: csv and tsv print nothing for a table without columns.
  var readsRows: Bool { columns > 0 || format == .json || format == .ndjson }

  /// What comes before the first row.
  func head(into out: inout TextBuffer) {
    guard format == .csv || format == .tsv, columns > 0 else { return }
    if format == .csv, options.csvBOM { out.append("\u{FEFF}") }
    out.append(header)
  }

  /// Row `index` (0 for the first row printed).
  func row(_ row: [Cell], index: Int, into out: inout TextBuffer) {
    switch format {
    case .csv, .tsv:
      DelimitedFormat.line(row, columns: columns, format: format, options: options, into: &out)
    case .json:
      out.append(index == 0 ? "[\n" : ",\n")
      JSONFormat.object(row, keys: keys, escapeControls: options.escapeControls, into: &out)
    default:
      JSONFormat.object(row, keys: keys, escapeControls: options.escapeControls, into: &out)
      out.append(ascii: "\n")
    }
  }

  /// What comes after the last of `rows` rows: json closes its array (`[`, one object per
  /// line separated by commas, `]`; `[]` when there were none); csv, tsv and ndjson end with
  /// their last row (ndjson prints nothing at all for no rows).
  func tail(rows: Int, into out: inout TextBuffer) {
    if format == .json { out.append(rows == 0 ? "[]\n" : "\n]\n") }
  }
}

// MARK: - Cell text

extension Cell {
  /// The cell as a person reads it in a table (`1,234.50`, `—` for no value).
  var humanText: String { rendered() ?? TableFormat.empty }

  /// The cell's text for a person (`table`, `markdown`: money with thousands separators), or
  /// nil when it has no value (`null`, or a real that is NaN or infinite), which each format
  /// shows its own way.
  fileprivate func rendered() -> String? {
    switch self {
    case .null: nil
    case .text(let text): text
    case .int(let int): String(int)
    case .money(let fen): Money.yuanGrouped(fen)
    case .ratio(let value, let digits): value.decimal(digits: digits)
    case .real(let value): value.isFinite ? value.description : nil
    case .bool(let bool): bool ? "true" : "false"
    }
  }

  /// Whether the cell is a number with a value, which a `table` right-aligns.
  fileprivate var isNumber: Bool {
    switch self {
    case .int, .money, .ratio: true
    case .real(let value): value.isFinite
    case .null, .text, .bool: false
    }
  }

  /// Whether the cell has no value to print.
  fileprivate var isEmpty: Bool {
    switch self {
    case .null: true
    case .real(let value): !value.isFinite
    case .text, .int, .money, .ratio, .bool: false
    }
  }
}

extension TextBuffer {
  /// Writes a cell as csv and tsv print it (plain digits, yuan without separators), text
  /// through `field`; nothing for no value.
  fileprivate mutating func appendPlain(_ cell: Cell, field: (String) -> String) {
    switch cell {
    case .null: break
    case .text(let text): append(field(text))
    case .int(let int): append(int)
    case .money(let fen): append(yuanFromFen: fen)
    case .ratio(let value, let digits): append(value, digits: digits)
    case .real(let value): if value.isFinite { append(value.description) }
    case .bool(let bool): append(bool ? "true" : "false")
    }
  }

  /// Writes fen as an exact JSON number, the fraction's trailing zeros trimmed:
  /// 2000000 → `20000`, 2000050 → `20000.5`, 5 → `0.05`.
  fileprivate mutating func appendJSON(fen: Int64) {
    if fen < 0 { append(ascii: "-") }
    append(digits: fen.magnitude / 100)
    let cents = fen.magnitude % 100
    guard cents != 0 else { return }
    append(ascii: ".")
    if cents % 10 == 0 {
      append(digits: cents / 10)
    } else {
      append(digits: cents, width: 2)
    }
  }
}

/// The row's cells, one per column: a short row is padded with `.null`, extra cells dropped.
private func cells(_ row: [Cell], count: Int) -> [Cell] {
  if row.count == count { return row }
  if row.count > count { return Array(row.prefix(count)) }
  return row + Array(repeating: .null, count: count - row.count)
}

/// Whether each column holds numbers only (and at least one), so `table` and `markdown`
/// right-align it, header and empty cells included; with `dashesOnly` (the `table`), a column
/// with no value at all counts too.
private func numericColumns(_ table: OutputTable, dashesOnly: Bool = false) -> [Bool] {
  let count = table.columns.count
  var sawNumber = [Bool](repeating: false, count: count)
  var sawText = [Bool](repeating: false, count: count)
  table.forEachRow { row in
    for (column, cell) in row.prefix(count).enumerated() {
      if cell.isNumber {
        sawNumber[column] = true
      } else if !cell.isEmpty {
        sawText[column] = true
      }
    }
  }
  // A column of numbers and dashes, or (in a table) of dashes only, such as paid_cpm where no
  // row had paid traffic, lines its dashes up on the right like the numbers.
  return (0..<count).map { !sawText[$0] && (sawNumber[$0] || dashesOnly) }
}

/// `text` with each scalar for which `replace` returns a string swapped for that string.
///
/// Works on Unicode scalars, not Characters, so "\r\n" (one Character) and a quote followed by
/// a combining mark are still seen.
private func replacingScalars(_ text: String, _ replace: (Unicode.Scalar) -> String?) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for scalar in text.unicodeScalars {
    if let replacement = replace(scalar) {
      result += replacement
    } else {
      result.unicodeScalars.append(scalar)
    }
  }
  return result
}

// MARK: - table

/// Aligned columns for a terminal: header, a `─` rule, then the rows, columns two spaces apart.
private enum TableFormat {
  /// What an empty cell shows.
  static let empty = "\u{2014}"

  /// One cell ready to pad: its text, its display width, and whether it is right-aligned.
  struct Laid {
    /// The cell's text, with control characters blanked.
    var text: String
    /// `displayWidth(text)`, measured once.
    var width: Int
    /// Right-aligned (numbers; empty cells of a numeric column).
    var right: Bool
  }

  /// Writes the title (if any), header, rule and rows, or `(no rows)` under the header.
  static func render(_ table: OutputTable, color: Bool, emit: (String) -> Void) {
    if let title = table.title {
      // A long title is given as lines; each is cleaned on its own.
      for line in title.split(separator: "\n") { emit(clean(String(line)) + "\n") }
    }
    let count = table.columns.count
    guard count > 0 else {
      emit("(no rows)\n")
      return
    }
    let numeric = numericColumns(table, dashesOnly: true)
    let header = table.columns.indices.map { index in
      laid(clean(table.columns[index].key), right: numeric[index])
    }
    var body: [[Laid]] = []
    table.forEachRow { row in
      body.append(
        cells(row, count: count).enumerated().map { index, cell in
          laid(
            cell.rendered().map(clean) ?? empty, right: cell.isNumber || numeric[index])
        })
    }
    var widths = header.map(\.width)
    for row in body {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.width) }
    }
    let headerLine = line(header, widths)
    emit(color ? "\u{1B}[1m" + headerLine + "\u{1B}[0m\n" : headerLine + "\n")
    emit(widths.map { String(repeating: "\u{2500}", count: $0) }.joined(separator: "  ") + "\n")
    if body.isEmpty { emit("(no rows)\n") }
    for row in body { emit(line(row, widths) + "\n") }
    if let footnote = table.footnote { emit(clean(footnote) + "\n") }
  }

  /// Measures one cell.
  static func laid(_ text: String, right: Bool) -> Laid {
    Laid(text: text, width: displayWidth(text), right: right)
  }

  /// One line: each cell padded to its column's width, two spaces apart, no trailing spaces.
  static func line(_ row: [Laid], _ widths: [Int]) -> String {
    var parts: [String] = []
    for (cell, width) in zip(row, widths) {
      let padding = String(repeating: " ", count: max(width - cell.width, 0))
      parts.append(cell.right ? padding + cell.text : cell.text + padding)
    }
    var text = parts.joined(separator: "  ")
    while text.last == " " { text.removeLast() }
    return text
  }

  /// Blanks control characters (tab, newline, escape, …) and bidi overrides so a cell stays
  /// on its line, reads as it is stored and cannot send escape sequences to the terminal.
  static func clean(_ text: String) -> String {
    guard ControlEscaping.mayBeUnsafe(text),
      text.unicodeScalars.contains(where: ControlEscaping.isUnsafe)
    else { return text }
    return replacingScalars(text) { ControlEscaping.isUnsafe($0) ? " " : nil }
  }
}

// MARK: - csv, tsv

/// Comma- and tab-separated values, header row first.
private enum DelimitedFormat {
  /// One row of csv or tsv: one field per column (missing cells empty), then the line end.
  ///
  /// csv is RFC 4180: commas, CRLF line ends, a field quoted only when it holds a comma,
  /// quote, CR or LF, quotes doubled (a UTF-8 BOM first with `csvBOM`, so Excel on Windows
  /// reads Chinese text). TSV has no quoting, so a tab, CR or LF inside a field becomes a
  /// space (as sqlite-utils does); each row then stays one line with the right number of
  /// fields. In both, text a spreadsheet would run as a formula gets a `'` in front (unless
  /// `neutraliseFormulas` is off); for a terminal, control characters are shown as `\u{1b}`
  /// text (csv keeps line feeds, which it quotes).
  static func line(
    _ row: [Cell], columns: Int, format: OutputFormat, options: RenderOptions,
    into out: inout TextBuffer
  ) {
    let separator: Unicode.Scalar = format == .csv ? "," : "\t"
    for index in 0..<columns {
      if index > 0 { out.append(ascii: separator) }
      if index < row.count {
        out.appendPlain(row[index]) { field($0, format, options) }
      }
    }
    if format == .csv { out.append(ascii: "\r") }
    out.append(ascii: "\n")
  }

  /// A text field of csv or tsv as printed.
  static func field(_ text: String, _ format: OutputFormat, _ options: RenderOptions) -> String {
    let neutralised = options.neutraliseFormulas ? ControlEscaping.neutralised(text) : text
    if format == .csv {
      let text =
        options.escapeControls ? ControlEscaping.escaped(neutralised, keeping: "\n") : neutralised
      return csvField(text)
    }
    let field = tsvField(neutralised)
    return options.escapeControls ? ControlEscaping.escaped(field) : field
  }

  /// One CSV field, quoted when it must be.
  static func csvField(_ text: String) -> String {
    guard contains(text, where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
      return text
    }
    return "\"" + replacingScalars(text) { $0 == "\"" ? "\"\"" : nil } + "\""
  }

  /// One TSV field: tab, CR and LF replaced by a space.
  static func tsvField(_ text: String) -> String {
    guard contains(text, where: { $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) else {
      return text
    }
    return replacingScalars(text) { ["\t", "\r", "\n"].contains($0) ? " " : nil }
  }

  /// Whether a byte of `text`'s UTF-8 passes `test`: over its contiguous bytes when it has
  /// them (a native string), which a field of every row of a long listing is.
  @inline(__always)
  private static func contains(_ text: String, where test: (UInt8) -> Bool) -> Bool {
    text.utf8.withContiguousStorageIfAvailable { $0.contains(where: test) }
      ?? text.utf8.contains(where: test)
  }
}

// MARK: - json, ndjson

/// JSON written by hand, so keys keep column order and integers and money stay exact
/// (JSONSerialization reorders keys and goes through Double).
private enum JSONFormat {
  /// One row as a compact object keyed by the (already encoded) `"key":` prefixes, in column
  /// order; a missing cell is `null`.
  static func object(
    _ row: [Cell], keys: [String], escapeControls: Bool, into out: inout TextBuffer
  ) {
    out.append(ascii: "{")
    for (index, key) in keys.enumerated() {
      if index > 0 { out.append(ascii: ",") }
      out.append(key)
      value(index < row.count ? row[index] : .null, escapeControls: escapeControls, into: &out)
    }
    out.append(ascii: "}")
  }

  /// A cell as a JSON value: money as an exact decimal number, a ratio as its nearest Double,
  /// NaN and infinity as `null`.
  static func value(_ cell: Cell, escapeControls: Bool, into out: inout TextBuffer) {
    switch cell {
    case .null: out.append("null")
    case .text(let text): out.append(string(text, escapeControls: escapeControls))
    case .int(let int): out.append(int)
    case .money(let fen): out.appendJSON(fen: fen)
    case .ratio(let value, _): out.append(value.value.description)
    case .real(let value): out.append(value.isFinite ? value.description : "null")
    case .bool(let bool): out.append(bool ? "true" : "false")
    }
  }

  /// A JSON string literal per RFC 8259: quote and backslash escaped, control characters as
  /// `\u00XX`, everything else (Chinese, `/`) kept as UTF-8; with `escapeControls` (for a
  /// terminal) DEL, C1 controls and bidi overrides are escaped too, which decodes the same.
  static func string(_ text: String, escapeControls: Bool = false) -> String {
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })
      && !(escapeControls && ControlEscaping.mayBeUnsafe(text))
    {
      return "\"" + text + "\""
    }
    let escaped = replacingScalars(text) { scalar in
      switch scalar {
      case "\"": return "\\\""
      case "\\": return "\\\\"
      case _ where scalar.value < 0x20 || (escapeControls && ControlEscaping.isUnsafe(scalar)):
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: return nil
      }
    }
    return "\"" + escaped + "\""
  }
}

// MARK: - markdown

/// A GitHub pipe table: header, `|---|` row (`---:` for numeric columns), one line per row.
private enum MarkdownFormat {
  /// Writes the table; with no rows, just the header and its `|---|` row.
  ///
  /// With `escapeControls` (for a terminal), control characters other than line breaks are
  /// shown as `\u{1b}` text.
  static func render(_ table: OutputTable, escapeControls: Bool, emit: (String) -> Void) {
    let count = table.columns.count
    guard count > 0 else { return }
    let shown: (String) -> String =
      escapeControls ? { ControlEscaping.escaped($0, keeping: "\r\n") } : { $0 }
    emit(line(table.columns.map { shown($0.key) }))
    let rule = numericColumns(table).map { $0 ? "---:" : "---" }
    emit("|" + rule.joined(separator: "|") + "|\n")
    table.forEachRow { row in
      emit(line(cells(row, count: count).map { shown($0.rendered() ?? TableFormat.empty) }))
    }
  }

  /// One `| a | b |` line with `|` escaped as `\|` and line breaks as `<br>`.
  static func line(_ fields: [String]) -> String {
    "| " + fields.map(escape).joined(separator: " | ") + " |\n"
  }

  /// Escapes one cell: `|` → `\|`; CRLF, CR and LF → `<br>`.
  static func escape(_ text: String) -> String {
    var result = ""
    var afterCR = false
    for scalar in text.unicodeScalars {
      defer { afterCR = scalar == "\r" }
      switch scalar {
      case "|": result += "\\|"
      case "\n" where afterCR: break
      case "\r", "\n": result += "<br>"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }
}
