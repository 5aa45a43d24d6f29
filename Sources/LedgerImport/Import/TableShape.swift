import LedgerStore

/// A file's table inside what the export wrote around it (docs/decisions.md, "Title and total
/// rows"): title or note rows above the header (`巨量千川-素材报表`, `导出时间：…`) and total rows
/// (`合计`, `总计`, `合計`, `總計`, `Total`) at its end.
///
/// The header is the first of the first ``searchRows`` rows that a profile recognises; the
/// rows above it are skipped and counted. Once the importer knows which columns hold ids
/// (``watchTotals(idColumns:)``), a row whose first non-empty cell is a total word and whose id
/// cells are empty is skipped when only total rows follow it; a total row above other rows, or
/// one that carries an id, is refused with its line, never skipped silently.
///
/// Rows pass straight through from the file's reader; only the rows read ahead (while looking
/// for the header, or after a total row) are copied.
final class ShapedSource: RecordSource {
  /// How many rows below the first the header may be.
  static let searchRows = 10

  private struct Row {
    var line: Int
    var fields: [[UInt8]]
    var problems: [(field: Int, message: String)]
  }

  private var inner: any RecordSource
  let header: [String]
  /// The header's line (or row).
  let headerLine: Int
  /// Rows above the header that were skipped.
  let titleRows: Int
  /// Total rows at the end that were skipped.
  private(set) var totalRows = 0
  private var queued: [Row] = []
  private var queuedIndex = 0
  private var current: Row?
  private var pendingError: ReadError?
  private var idColumns: [Int] = []
  private var watching = false

  /// The table of `source`: its header is the first of its first rows that `recognises`
  /// accepts (the file's first row when none does, so the usual header errors follow).
  init(_ source: any RecordSource, recognises: ([String]) -> Bool) {
    inner = source
    let first = source.header
    let firstLine = source.line
    guard !recognises(first) else {
      header = first
      headerLine = firstLine
      titleRows = 0
      return
    }
    var ahead: [Row] = []
    var found: Int?
    while ahead.count < Self.searchRows {
      do {
        guard try inner.next() else { break }
      } catch {
        pendingError = error
        break
      }
      ahead.append(Self.copy(inner))
      let candidate = ahead[ahead.count - 1].fields.map {
        trimmedName(String(decoding: $0, as: UTF8.self))
      }
      if recognises(candidate) {
        found = ahead.count - 1
        break
      }
    }
    if let found {
      header = ahead[found].fields.map { trimmedName(String(decoding: $0, as: UTF8.self)) }
      headerLine = ahead[found].line
      titleRows = found + 1
      pendingError = nil
    } else {
      header = first
      headerLine = firstLine
      titleRows = 0
      queued = ahead
    }
  }

  private static func copy(_ source: any RecordSource) -> Row {
    Row(
      line: source.line,
      fields: (0..<source.fieldCount).map { source.withBytes(at: $0) { Array($0) } },
      problems: source.cellProblems)
  }

  /// Starts skipping total rows; `idColumns` are the fields that must be empty in one.
  func watchTotals(idColumns: [Int]) {
    self.idColumns = idColumns
    watching = true
  }

  var line: Int { current?.line ?? inner.line }
  var fieldCount: Int { current?.fields.count ?? inner.fieldCount }
  var bytesRead: Int { inner.bytesRead }
  var totalBytes: Int { inner.totalBytes }
  var encodingName: String { inner.encodingName }
  var formatName: String { inner.formatName }
  var sheet: String? { inner.sheet }
  var cellProblems: [(field: Int, message: String)] { current?.problems ?? inner.cellProblems }

  /// The source the current row's fields are best read from: the file's own reader once the
  /// rows read ahead to find the header have been served, so that the millions of fields of a
  /// metrics file cost no call through this wrapper.
  var rowSource: any RecordSource { current == nil ? inner : self }

  func string(at i: Int) -> String { withBytes(at: i) { String(decoding: $0, as: UTF8.self) } }

  func withBytes<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    guard let current else { return try inner.withBytes(at: i, body) }
    guard i >= 0, i < current.fields.count else {
      return try body(UnsafeBufferPointer(start: nil, count: 0))
    }
    return try current.fields[i].withUnsafeBufferPointer(body)
  }

  func next() throws(ReadError) -> Bool {
    guard try advance() else { return false }
    guard watching, let word = totalWord() else { return true }
    // A total row: skipped only when nothing but total rows follows it.
    var totals = [current ?? Self.copy(inner)]
    try refuseIdentified(word)
    while try advance() {
      if let next = totalWord() {
        try refuseIdentified(next)
        totals.append(current ?? Self.copy(inner))
        continue
      }
      let below = line
      current = totals[0]
      throw ReadError(
        line: totals[0].line,
        message: "a total row ('\(word)') above other rows (line \(below)); totals are "
          + "skipped only at the end of the table: remove the row, or move it to the end")
    }
    totalRows += totals.count
    return false
  }

  /// Moves to the next row: a queued one, or the file's next.
  private func advance() throws(ReadError) -> Bool {
    if queuedIndex < queued.count {
      current = queued[queuedIndex]
      queuedIndex += 1
      if queuedIndex == queued.count {
        queued = []
        queuedIndex = 0
      }
      return true
    }
    current = nil
    if let error = pendingError {
      pendingError = nil
      throw error
    }
    return try inner.next()
  }

  /// The total word in the current row's first non-empty cell, or nil.
  private func totalWord() -> String? {
    for i in 0..<fieldCount {
      let word: String?? = withBytes(at: i) { bytes -> String?? in
        let text = trimmed(bytes)
        if text.isEmpty { return .none }
        // The words are 2 to 6 bytes; anything longer is data, read no further.
        guard text.count <= 9, let first = text.first,
          first == UInt8(ascii: "T") || first == UInt8(ascii: "t") || (0xE5...0xE7).contains(first)
        else { return .some(nil) }
        return .some(Self.totalWord(String(decoding: text, as: UTF8.self)))
      }
      if let word { return word }
    }
    return nil
  }

  /// `text` when it is a total word (a trailing colon allowed), else nil.
  static func totalWord(_ text: String) -> String? {
    var word = Substring(text)
    while let last = word.last, last == ":" || last == "：" || last == " " { word = word.dropLast() }
    let words: Set<String> = ["合计", "总计", "合計", "總計", "total", "总合计", "合计值"]
    return words.contains(word.lowercased()) ? String(word) : nil
  }

  /// Refuses the current total row when one of its id cells is not empty.
  private func refuseIdentified(_ word: String) throws(ReadError) {
    for column in idColumns where column < fieldCount {
      let value = withBytes(at: column) { String(decoding: trimmed($0), as: UTF8.self) }
      if !value.isEmpty, Self.totalWord(value) == nil {
        throw ReadError(
          line: line,
          message: "the row starts with '\(word)' like a total row, but it carries the id "
            + "'\(value)'; a total row is skipped only when its id cells are empty: fix the row "
            + "or remove it")
      }
    }
  }
}
