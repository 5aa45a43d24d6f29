/// Reads one sheet of an `.xlsx` workbook row by row, streaming (docs/decisions.md, "xlsx").
///
/// Field `i` of a record is column `i` of the sheet (A is 0): a sparse row's missing cells read
/// as empty. Rows with no value are skipped like blank lines; ``line`` is the sheet's row
/// number. Shared and inline strings read as their text, numbers as their exact decimal text
/// (an exponent is expanded, never through floating point), a number styled as a date as
/// `YYYY-MM-DD[ HH:MM:SS]`, booleans as `true`/`false`. A formula's error (`#DIV/0!`) or a date
/// serial that is no day reads as empty, with a ``cellProblems`` entry.
final class XlsxReader: RecordSource {
  // Its stored properties are touched once a byte or a cell, only by the thread that reads the
  // sheet and never while borrowed: `@exclusivity(unchecked)` spares each access Swift's
  // dynamic exclusivity check (19% of an xlsx import's instructions, docs/benchmarks.md).
  @exclusivity(unchecked) private(set) var header: [String] = []
  @exclusivity(unchecked) private(set) var line = 0
  @exclusivity(unchecked) private(set) var fieldCount = 0
  @exclusivity(unchecked) private(set) var cellProblems: [(field: Int, message: String)] = []
  let sheet: String?
  let formatName = "xlsx"
  let encodingName: String
  private let workbook: XlsxWorkbook
  private let stream: PartStream
  private let xml: XMLTokenizer
  private let part: String
  /// The current record's text; field i is text[starts[i]..<ends[i]].
  @exclusivity(unchecked) private var text: [UInt8] = []
  @exclusivity(unchecked) private var starts: [Int] = []
  @exclusivity(unchecked) private var ends: [Int] = []
  @exclusivity(unchecked) private var value: [UInt8] = []
  @exclusivity(unchecked) private var lastRow = 0
  @exclusivity(unchecked) private var sheetEnded = false

  init(workbook: XlsxWorkbook, sheet name: String?) throws(ReadError) {
    self.workbook = workbook
    let chosen = try workbook.sheet(named: name)
    sheet = chosen.name
    part = chosen.part
    encodingName = "sheet '\(chosen.name)'"
    guard let entry = XlsxWorkbook.entry(workbook.archive, chosen.part) else {
      throw XlsxWorkbook.damaged("the sheet '\(chosen.name)' is missing from the archive")
    }
    stream = PartStream(entry, workbook.archive, limit: Int.max)
    xml = XMLTokenizer(refill: stream.refill)
    guard try readRow() else {
      throw ReadError(
        line: 0, message: "the sheet '\(chosen.name)' is empty: there is no header row")
    }
    header = (0..<fieldCount).map { trimmedName(string(at: $0)) }
  }

  deinit { stream.stop() }

  var bytesRead: Int { stream.bytesRead }
  var totalBytes: Int { stream.totalBytes }

  func next() throws(ReadError) -> Bool { try readRow() }

  func string(at i: Int) -> String { withBytes(at: i) { String(decoding: $0, as: UTF8.self) } }

  func withBytes<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    guard i >= 0, i < fieldCount else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
    return try text.withUnsafeBufferPointer { all in
      try body(UnsafeBufferPointer(rebasing: all[starts[i]..<ends[i]]))
    }
  }

  private func damage(_ message: String) -> ReadError {
    ReadError(
      line: max(line, 1),
      message: "the sheet is damaged: \(message); open it in excel and "
        + "save it again, or export the report as .csv")
  }

  /// The cell types this reader tells apart (`t` of a cell).
  private enum CellType {
    case number, shared, inline, formulaText, boolean, error, isoDate
  }

  /// Reads rows until one holds a value; false at the end of the sheet.
  private func readRow() throws(ReadError) -> Bool {
    while !sheetEnded {
      do throws(XMLDamage) {
        if try readOneRow() { return true }
      } catch {
        if let failure = stream.failure { throw failure }
        throw damage(error.message)
      }
    }
    return false
  }

  /// Reads up to the end of the next row (true when it holds a value) or of the sheet.
  private func readOneRow() throws(XMLDamage) -> Bool {
    // Find the next <row>.
    while true {
      switch try xml.next() {
      case .start(let selfClosing):
        guard xml.nameIs("row") else { continue }
        var number = lastRow + 1
        var malformed = false
        xml.withRawAttribute("r") { raw in
          guard let raw else { return }
          if let given = XlsxCells.integer(raw) { number = given } else { malformed = true }
        }
        if malformed {
          throw XMLDamage(message: "the row after row \(lastRow) has a malformed number")
        }
        guard number > lastRow, number <= XlsxCells.maxRow else {
          line = max(lastRow, 1)
          throw XMLDamage(
            message: number > XlsxCells.maxRow
              ? "row \(number) is beyond the last row of a sheet, \(XlsxCells.maxRow)"
              : "row \(number) comes after row \(lastRow)")
        }
        lastRow = number
        line = number
        startRow()
        if selfClosing { return false }
        return try readCells()
      case .end:
        if xml.nameIs("sheetData") {
          sheetEnded = true
          return false
        }
      case .text: continue
      case .finished:
        sheetEnded = true
        return false
      }
    }
  }

  private func startRow() {
    for i in 0..<fieldCount {
      starts[i] = 0
      ends[i] = 0
    }
    fieldCount = 0
    text.removeAll(keepingCapacity: true)
    cellProblems.removeAll(keepingCapacity: true)
  }

  /// Reads the cells of the current row up to `</row>`; true when one holds a value.
  private func readCells() throws(XMLDamage) -> Bool {
    var column = -1
    var hasValue = false
    var type = CellType.number
    var style = 0
    var inValue = false
    var inInline = false
    var inText = false
    while true {
      switch try xml.next() {
      case .start(let selfClosing):
        if xml.nameIs("c") {
          // r, t and s in one walk over the attributes; the first of each name counts.
          var reference: UnsafeBufferPointer<UInt8>?
          var typeName: UnsafeBufferPointer<UInt8>?
          var styleIndex: UnsafeBufferPointer<UInt8>?
          xml.withRawAttributes { name, value in
            guard name.count == 1 else { return true }
            switch name[0] {
            case UInt8(ascii: "r"): if reference == nil { reference = value }
            case UInt8(ascii: "t"): if typeName == nil { typeName = value }
            case UInt8(ascii: "s"): if styleIndex == nil { styleIndex = value }
            default: break
            }
            return true
          }
          column = try cellColumn(reference, after: column)
          type = cellType(typeName)
          style = styleIndex.flatMap(XlsxCells.integer) ?? 0
          value.removeAll(keepingCapacity: true)
          if selfClosing { continue }
        } else if xml.nameIs("v") {
          inValue = !selfClosing
        } else if xml.nameIs("is") {
          inInline = !selfClosing
        } else if xml.nameIs("t"), inInline {
          inText = !selfClosing
        }
      case .end:
        if xml.nameIs("v") {
          inValue = false
        } else if xml.nameIs("t") {
          inText = false
        } else if xml.nameIs("is") {
          inInline = false
        } else if xml.nameIs("c") {
          if try store(column: column, type: type, style: style) { hasValue = true }
        } else if xml.nameIs("row") {
          return hasValue
        }
      case .text:
        if inValue || inText { xml.appendText(to: &value) }
      case .finished:
        throw XMLDamage(message: "the sheet ends inside row \(line)")
      }
    }
  }

  /// The column of the cell whose start tag was just read, from its `r` (nil when it has none).
  private func cellColumn(
    _ raw: UnsafeBufferPointer<UInt8>?, after previous: Int
  ) throws(XMLDamage) -> Int {
    guard let raw else { return previous + 1 }
    var shown: String { String(decoding: raw.prefix(20), as: UTF8.self) }
    guard let (column, row) = XlsxCells.reference(raw) else {
      throw XMLDamage(message: "a cell of row \(line) has the malformed reference '\(shown)'")
    }
    guard column <= XlsxCells.maxColumn, row <= XlsxCells.maxRow else {
      throw XMLDamage(
        message: "the cell reference \(shown) is beyond the last cell of a sheet, XFD1048576")
    }
    guard row == line else {
      throw XMLDamage(message: "the cell \(shown) is inside row \(line)")
    }
    guard column > previous else {
      throw XMLDamage(
        message: "the cell \(shown) comes after column \(XlsxCells.letters(previous))")
    }
    return column
  }

  /// The type a cell's `t` names (nil when it has none).
  private func cellType(_ raw: UnsafeBufferPointer<UInt8>?) -> CellType {
    guard let raw, let first = raw.first else { return .number }
    switch (first, raw.count) {
    case (UInt8(ascii: "s"), 1): return .shared
    case (UInt8(ascii: "s"), _): return .formulaText
    case (UInt8(ascii: "i"), _): return .inline
    case (UInt8(ascii: "b"), _): return .boolean
    case (UInt8(ascii: "e"), _): return .error
    case (UInt8(ascii: "d"), _): return .isoDate
    default: return .number
    }
  }

  /// Stores the current cell's value as field `column`; true when it is not empty.
  private func store(column: Int, type: CellType, style: Int) throws(XMLDamage) -> Bool {
    guard column >= 0 else {
      throw XMLDamage(message: "a cell of row \(line) ends but never starts")
    }
    if column >= starts.count {
      let grown = max(column + 1, starts.count * 2, 16)
      starts.append(contentsOf: repeatElement(0, count: grown - starts.count))
      ends.append(contentsOf: repeatElement(0, count: grown - ends.count))
    }
    let start = text.count
    switch type {
    case .shared:
      guard let index = value.withUnsafeBufferPointer(XlsxCells.integer),
        workbook.strings.withString(index, { text.append(contentsOf: $0) }) != nil
      else {
        throw XMLDamage(
          message: "the cell \(XlsxCells.letters(column))\(line) names shared string "
            + "\(String(decoding: value.prefix(20), as: UTF8.self)), but the table has "
            + "\(workbook.strings.count)")
      }
    case .inline, .formulaText:
      text.append(contentsOf: value)
    case .boolean:
      if !value.isEmpty {
        text.append(
          contentsOf: value == [UInt8(ascii: "0")] ? Array("false".utf8) : Array("true".utf8))
      }
    case .error:
      if !value.isEmpty {
        let shown = String(decoding: value.prefix(40), as: UTF8.self)
        cellProblems.append(
          (
            column,
            "the cell holds the error \(shown); fix the formula in the workbook or clear "
              + "the cell"
          ))
      }
    case .isoDate:
      // 2025-05-01T08:30:00(.000)(Z) → 2025-05-01 08:30:00
      var date = value.prefix(19).map { $0 == UInt8(ascii: "T") ? UInt8(ascii: " ") : $0 }
      if date.count == 19, date.suffix(9) == Array(" 00:00:00".utf8)[...] { date.removeLast(9) }
      text.append(contentsOf: date)
    case .number:
      let isDate = style < workbook.dateStyles.count && workbook.dateStyles[style]
      value.withUnsafeBufferPointer { raw in
        let number = trimmed(raw)
        if number.isEmpty { return }
        if isDate {
          switch XlsxCells.date(serial: number, system1904: workbook.system1904) {
          case .text(let date): text.append(contentsOf: date)
          case .refused(let message): cellProblems.append((column, message))
          }
        } else if !XlsxCells.appendNumber(number, to: &text) {
          text.append(contentsOf: number)
        }
      }
    }
    starts[column] = start
    ends[column] = text.count
    fieldCount = max(fieldCount, column + 1)
    return text.count > start || cellProblems.last?.field == column
  }
}
