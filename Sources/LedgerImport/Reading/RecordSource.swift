package import LedgerStore

/// A problem reading a file, with the 1-based line where it was found.
///
/// Line 0 means the problem concerns the whole file (it cannot be opened, is empty, or is not
/// text). The message is lowercase and says what is wrong and what to do about it.
package struct ReadError: Error, Sendable, Equatable {
  /// The 1-based line of the problem, or 0 for a whole-file problem.
  package var line: Int
  /// What is wrong, in lowercase (and what to do, when no `remedy` says it).
  package var message: String
  /// The fix the ledger suggests, if any.
  package var remedy: Remedy?

  /// Creates an error for a line (0 for the whole file).
  package init(line: Int, message: String, remedy: Remedy? = nil) {
    self.line = line
    self.message = message
    self.remedy = remedy
  }

  /// A workbook's sheet that cannot be read (line 0), with its sheets to choose from.
  package static func sheet(_ message: String, sheets: [String]) -> ReadError {
    ReadError(line: 0, message: message, remedy: .chooseSheet(sheets))
  }
}

/// Where records come from: a delimited text file or a JSON/NDJSON file.
///
/// A source is read forward only: call `next()` until it returns false, and read the current
/// record's fields between calls. Field bytes are always valid UTF-8.
package protocol RecordSource {
  /// The header names in file order, BOM and surrounding white space removed.
  ///
  /// For delimited text this is the first non-blank row. For JSON and NDJSON it is the keys of
  /// the first object in the order they appear there; a key that first appears in a later object
  /// is not added to the header: reading that object throws a `ReadError` naming the key.
  var header: [String] { get }

  /// Advances to the next record; false at the end.
  ///
  /// Throws `ReadError` for bad quoting, a field or record over the size limits, invalid text, or
  /// malformed JSON. After a throw the source may be unusable.
  mutating func next() throws(ReadError) -> Bool

  /// The 1-based line on which the current record starts.
  ///
  /// For delimited text the header is on line 1 (unless blank lines precede it) and lines count
  /// physical lines, including those inside quoted fields. For NDJSON it is the object's line;
  /// for a JSON array, the line where the object's `{` is.
  var line: Int { get }

  /// Number of fields in the current record.
  ///
  /// For JSON this is always the header's count; keys missing from an object read as "".
  var fieldCount: Int { get }

  /// The current record's field `i` as a String ("" when `i` ≥ `fieldCount`).
  ///
  /// JSON numbers are their literal text, true/false are "true"/"false", and null is "".
  func string(at i: Int) -> String

  /// Calls `body` with the current record's field `i` as UTF-8 bytes.
  ///
  /// The bytes are empty when `i` ≥ `fieldCount`. They are valid only inside `body` and only
  /// until the next call to `next()`.
  func withBytes<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R

  /// Bytes of the file consumed so far, for a progress line.
  var bytesRead: Int { get }

  /// The size of the file in bytes.
  var totalBytes: Int { get }

  /// The text encoding detected or chosen: "utf-8", "utf-8 (bom)" or "gb18030".
  var encodingName: String { get }

  /// The format detected: "," or "\t" for delimited text, "json", "ndjson" or "xlsx".
  var formatName: String { get }

  /// The sheet read from a workbook, whose problems are named `FILE:SHEET!A12`; nil for text.
  var sheet: String? { get }

  /// Cells of the current record whose value cannot be read (a formula's error, a date serial
  /// that is no day), by field, with what is wrong; their fields read as empty. The importer
  /// reports those of mapped columns and ignores the others, like any unmapped text.
  var cellProblems: [(field: Int, message: String)] { get }
}

extension RecordSource {
  package var sheet: String? { nil }
  package var cellProblems: [(field: Int, message: String)] { [] }

  /// The `file` of a problem in field `field` (nil: the whole record) of this source:
  /// `path` itself for text, `PATH:SHEET!C` for a workbook (see `SourceLocation.sheetFile`).
  package func problemFile(_ path: String, field: Int? = nil) -> String {
    guard let sheet else { return path }
    return SourceLocation.sheetFile(
      path, sheet: sheet, column: field.map(XlsxCells.letters) ?? "")
  }
}

/// How the bytes of a file are to be decoded.
public enum TextEncodingChoice: String, Sendable, CaseIterable {
  /// UTF-8 when the first 64 KiB are valid UTF-8 or start with a BOM, otherwise GB18030.
  case auto
  /// UTF-8, with or without a BOM.
  case utf8 = "utf-8"
  /// GB18030, a superset of GBK and GB2312 (what Excel writes on Simplified-Chinese systems).
  case gb18030
}

/// Opens record files of any supported format.
package enum RecordFiles {
  /// The size of each read from the file: 1 MiB.
  package static let chunkSize = 1 << 20

  /// The longest field of delimited text or JSON string value, in bytes: 1 MiB.
  ///
  /// A longer field is a `ReadError` naming the line where the field starts; it usually means a
  /// quote that is never closed.
  package static let maxFieldBytes = 1 << 20

  /// The longest record (a row of delimited text or one JSON object), in bytes: 4 MiB.
  package static let maxRecordBytes = 4 << 20

  /// How many leading bytes `TextEncodingChoice.auto` inspects to choose an encoding: 64 KiB.
  package static let detectionWindow = 64 << 10

  /// Opens a file for reading records.
  ///
  /// The format is JSON when the first non-space byte is `[`, NDJSON when it is `{`, and
  /// otherwise delimited text whose separator is a tab when the header line has more tabs than
  /// commas, else a comma. With `.auto`, the text is UTF-8 (BOM stripped) when it starts with a
  /// UTF-8 BOM or its first 64 KiB are valid UTF-8, and GB18030 otherwise. A workbook
  /// (`.xlsx`, found by its first bytes) is read from `sheet`, or its first sheet.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - encoding: How to decode the file's bytes.
  ///   - sheet: The sheet of a workbook to read; nil for the first.
  /// - Returns: A source positioned before the first record, with its header read.
  /// - Throws: `ReadError` when the file cannot be read, is empty, is not text, or its header
  ///   cannot be parsed.
  package static func open(
    path: String, encoding: TextEncodingChoice = .auto, sheet: String? = nil
  ) throws(ReadError) -> any RecordSource {
    let raw = try RawInput(path: path)
    if let workbook = try openWorkbook(raw, path: path, sheet: sheet, limits: XlsxLimits()) {
      return workbook
    }
    return try open(raw, encoding: encoding, chunkSize: chunkSize)
  }

  /// Opens a workbook with other limits (tests use tiny ones).
  static func open(path: String, sheet: String?, limits: XlsxLimits) throws(ReadError)
    -> any RecordSource
  {
    let raw = try RawInput(path: path)
    if let workbook = try openWorkbook(raw, path: path, sheet: sheet, limits: limits) {
      return workbook
    }
    return try open(raw, encoding: .auto, chunkSize: chunkSize)
  }

  /// Opens a file like `open(path:encoding:)`, handing every raw byte of it to `observer`
  /// once, in order, as it is read: the importer hashes the file without a second pass.
  package static func open(
    path: String, encoding: TextEncodingChoice = .auto, sheet: String? = nil,
    observingBytes observer: @escaping (UnsafeRawBufferPointer) -> Void
  ) throws(ReadError) -> any RecordSource {
    let raw = try RawInput(path: path)
    raw.observer = observer
    if let workbook = try openWorkbook(raw, path: path, sheet: sheet, limits: XlsxLimits()) {
      return workbook
    }
    return try open(raw, encoding: encoding, chunkSize: chunkSize)
  }

  /// The sheet of an `.xlsx` file (or of `sheet` in it), when `raw` is one.
  ///
  /// A workbook is a zip archive by its first bytes (`PK\3\4`), whatever its name. An old `.xls` or a password-protected
  /// workbook (both OLE2 files) and a `.xlsx`/`.xlsb` name on anything but a zip are refused;
  /// nil for anything else (text). The whole file passes `raw`'s observer first.
  static func openWorkbook(
    _ raw: RawInput, path: String, sheet: String?, limits: XlsxLimits
  ) throws(ReadError) -> (any RecordSource)? {
    let magic = try raw.peek(8)
    let name = path.lowercased()
    if magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) || magic.starts(with: [0x50, 0x4B, 0x05, 0x06])
    {
      try raw.readToEnd()
      return try XlsxReader(workbook: XlsxWorkbook(path: path, limits: limits), sheet: sheet)
    }
    if magic.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
      throw ReadError(
        line: 0,
        message: "an old excel .xls workbook or a password-protected .xlsx (an OLE2 file), which "
          + "aimt does not read; save it as .xlsx without a password, or as .csv")
    }
    if name.hasSuffix(".xlsx") || name.hasSuffix(".xlsm") || name.hasSuffix(".xlsb") {
      throw XlsxWorkbook.damaged("named like a workbook, but not a zip archive")
    }
    return nil
  }

  /// Opens in-memory bytes (a test fixture, standard input) for reading records.
  ///
  /// Detection and errors are as for `open(path:encoding:)`.
  ///
  /// - Parameters:
  ///   - bytes: The whole content.
  ///   - name: What the bytes are, such as "stdin".
  ///   - encoding: How to decode the bytes.
  /// - Returns: A source positioned before the first record, with its header read.
  /// - Throws: `ReadError` when the bytes are empty, not text, or their header cannot be parsed.
  package static func open(
    bytes: [UInt8], name: String, encoding: TextEncodingChoice = .auto
  ) throws(ReadError) -> any RecordSource {
    try open(bytes: bytes, name: name, encoding: encoding, chunkSize: chunkSize)
  }

  /// Opens a file, reading it `chunkSize` bytes at a time (tests use tiny chunks).
  static func open(
    path: String, encoding: TextEncodingChoice, chunkSize: Int
  ) throws(ReadError) -> any RecordSource {
    try open(RawInput(path: path), encoding: encoding, chunkSize: chunkSize)
  }

  /// Opens in-memory bytes, reading them `chunkSize` bytes at a time.
  static func open(
    bytes: [UInt8], name: String, encoding: TextEncodingChoice, chunkSize: Int
  ) throws(ReadError) -> any RecordSource {
    try open(RawInput(bytes: bytes, name: name), encoding: encoding, chunkSize: chunkSize)
  }

  private static func open(
    _ raw: RawInput, encoding: TextEncodingChoice, chunkSize: Int
  ) throws(ReadError) -> any RecordSource {
    let chunk = max(1, chunkSize)
    let opened = try TextInput.open(raw, choice: encoding, chunkSize: chunk)
    switch opened.format {
    case .json:
      return try JSONRecordReader(input: opened.input, layout: .array, chunkSize: chunk)
    case .ndjson:
      return try JSONRecordReader(input: opened.input, layout: .perLine, chunkSize: chunk)
    case .delimited(let separator):
      return try CSVReader(input: opened.input, separator: separator, chunkSize: chunk)
    }
  }
}
