/// A problem reading a file, with the 1-based line where it was found.
///
/// Line 0 means the problem concerns the whole file (it cannot be opened, is empty, or is not
/// text). The message is lowercase and says what is wrong and what to do about it.
package struct ReadError: Error, Sendable, Equatable {
  /// The 1-based line of the problem, or 0 for a whole-file problem.
  package var line: Int
  /// What is wrong and what to do, in lowercase.
  package var message: String

  /// Creates an error for a line (0 for the whole file).
  package init(line: Int, message: String) {
    self.line = line
    self.message = message
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

  /// The format detected: "," or "\t" for delimited text, "json" or "ndjson".
  var formatName: String { get }
}

/// How the bytes of a file are to be decoded.
package enum TextEncodingChoice: String, Sendable, CaseIterable {
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
  /// UTF-8 BOM or its first 64 KiB are valid UTF-8, and GB18030 otherwise.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - encoding: How to decode the file's bytes.
  /// - Returns: A source positioned before the first record, with its header read.
  /// - Throws: `ReadError` when the file cannot be read, is empty, is not text, or its header
  ///   cannot be parsed.
  package static func open(
    path: String, encoding: TextEncodingChoice = .auto
  ) throws(ReadError) -> any RecordSource {
    try open(path: path, encoding: encoding, chunkSize: chunkSize)
  }

  /// Opens a file like `open(path:encoding:)`, handing every raw byte of it to `observer`
  /// once, in order, as it is read: the importer hashes the file without a second pass.
  package static func open(
    path: String, encoding: TextEncodingChoice = .auto,
    observingBytes observer: @escaping (UnsafeRawBufferPointer) -> Void
  ) throws(ReadError) -> any RecordSource {
    let raw = try RawInput(path: path)
    raw.observer = observer
    return try open(raw, encoding: encoding, chunkSize: chunkSize)
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
