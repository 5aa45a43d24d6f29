#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private let lineFeed: UInt8 = 0x0A
private let carriageReturn: UInt8 = 0x0D
private let quote: UInt8 = 0x22

/// Reads delimited text (RFC 4180 CSV, or tab-separated) record by record in constant memory.
///
/// The decoded text is read in chunks into one buffer, and each record is parsed in place: a
/// field is a range of the buffer (quoted fields with doubled quotes are unescaped in place), so
/// no memory is allocated per field. A record that does not end inside the buffer is parsed
/// again from its start after the next chunk has been appended.
///
/// Rules: a field that starts with `"` runs to the closing quote, `""` inside it is a quote, and
/// separators and line ends inside it are data; a quote inside an unquoted field is data. Lines
/// end with LF, CRLF or a lone CR; blank lines are skipped but counted. Fields and records are
/// limited to `RecordFiles.maxFieldBytes` and `RecordFiles.maxRecordBytes`.
final class CSVReader: RecordSource {
  /// What one attempt to parse a record found.
  private enum Scan {
    case record
    case needMore
    case end
  }

  private(set) var header: [String]
  let formatName: String
  private(set) var line = 1
  private(set) var fieldCount = 0
  private let input: TextInput
  private let separator: UInt8
  private let readSize: Int
  private let validatesUTF8: Bool
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var count = 0
  private var position = 0
  private var ended = false
  private var nextLine = 1
  // Field i is buffer[starts[i]..<ends[i]]; a negative start -(s + 1) marks a quoted field
  // with doubled quotes still to be unescaped.
  private var starts: UnsafeMutablePointer<Int>
  private var ends: UnsafeMutablePointer<Int>
  private var fieldCapacity = 64

  /// Reads the header of delimited text from `input`.
  ///
  /// - Throws: `ReadError` when there is no header row or it cannot be parsed.
  init(input: TextInput, separator: UInt8, chunkSize: Int) throws(ReadError) {
    self.input = input
    self.separator = separator
    formatName = separator == 0x09 ? "\t" : ","
    readSize = max(chunkSize, 16)
    validatesUTF8 = input.validatesUTF8
    capacity = 2 * readSize
    // One byte more than the capacity, for the NUL sentinel after the data.
    buffer = .allocate(capacity: capacity + 1)
    buffer[0] = 0
    starts = .allocate(capacity: fieldCapacity)
    ends = .allocate(capacity: fieldCapacity)
    header = []
    guard try advance() else {
      throw ReadError(line: 0, message: "empty file: there is no header row")
    }
    header = (0..<fieldCount).map { trimmedName(string(at: $0)) }
  }

  deinit {
    buffer.deallocate()
    starts.deallocate()
    ends.deallocate()
  }

  var bytesRead: Int { input.bytesRead }
  var totalBytes: Int { input.totalBytes }
  var encodingName: String { input.encodingName }

  func next() throws(ReadError) -> Bool {
    try advance()
  }

  func string(at i: Int) -> String {
    withBytes(at: i) { String(decoding: $0, as: UTF8.self) }
  }

  func withBytes<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    guard i >= 0, i < fieldCount else {
      return try body(UnsafeBufferPointer(start: nil, count: 0))
    }
    let start = starts[i]
    return try body(UnsafeBufferPointer(start: buffer + start, count: ends[i] - start))
  }

  private func advance() throws(ReadError) -> Bool {
    while true {
      switch try scan() {
      case .record: return true
      case .end: return false
      case .needMore: try refill()
      }
    }
  }

  /// Appends the next chunk after the unparsed rest of the buffer, which moves to the front.
  private func refill() throws(ReadError) {
    if position > 0 {
      memmove(buffer, buffer + position, count - position)
      count -= position
      position = 0
    }
    if capacity - count < readSize {
      let grown = max(capacity * 2, count + readSize)
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown + 1)
      bigger.update(from: buffer, count: count)
      buffer.deallocate()
      buffer = bigger
      capacity = grown
    }
    let got = try input.fill(buffer + count, capacity: readSize)
    if got == 0 {
      ended = true
    } else {
      count += got
    }
    buffer[count] = 0
  }

  private func growFields() {
    let grown = fieldCapacity * 2
    let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: grown)
    let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: grown)
    newStarts.update(from: starts, count: fieldCapacity)
    newEnds.update(from: ends, count: fieldCapacity)
    starts.deallocate()
    ends.deallocate()
    starts = newStarts
    ends = newEnds
    fieldCapacity = grown
  }

  /// Parses the next record from the buffer, or says that more bytes are needed first.
  ///
  /// Blank lines before the record are consumed for good; the record itself is consumed only
  /// when it is complete, so `.needMore` restarts it from its beginning. One field at a time:
  /// a plain field here, a quoted one in `scanQuotedField`; then `finishRecord` checks the UTF-8
  /// and unescapes.
  private func scan() throws(ReadError) -> Scan {
    let base = buffer
    let limit = base + count
    let atEnd = ended
    var p = base + position
    var line = nextLine
    let stop = Self.skipBlankLines(&p, &line, limit: limit, atEnd: atEnd)
    position = p - base
    nextLine = line
    if let stop { return stop }
    let record = RecordStart(
      p: p, line: line, maxField: RecordFiles.maxFieldBytes,
      maxRecord: RecordFiles.maxRecordBytes)
    let separator = separator
    var starts = starts
    var ends = ends
    var fields = 0
    var escaped = false
    // The plain field, the hot path, is scanned here in locals; a quoted one in its function.
    var high: UInt8 = 0
    fields: while true {
      if fields == fieldCapacity {
        growFields()
        starts = self.starts
        ends = self.ends
      }
      if p < limit, p.pointee == quote {
        let end = try Self.scanQuotedField(
          &p, &line, &high, Bounds(base: base, limit: limit, atEnd: atEnd, separator: separator),
          record, starts + fields, ends + fields, &escaped)
        switch end {
        case .needMore: return .needMore
        case .separator:
          fields += 1
          continue fields
        case .recordEnd:
          fields += 1
          break fields
        }
      }
      let fieldStart = p
      while true {
        // Separators, line ends and NUL are all at most ",": one comparison per plain byte.
        // The sentinel NUL after the data stops this loop at the limit.
        while p.pointee > 0x2C {
          high |= p.pointee
          p += 1
        }
        let byte = p.pointee
        if p == limit {
          if !atEnd {
            try Self.checkLimits(p, record, field: fieldStart, line)
            return .needMore
          }
        } else if byte == separator || byte == lineFeed || byte == carriageReturn {
          if byte == carriageReturn, p + 1 == limit, !atEnd {
            try Self.checkLimits(p, record, field: fieldStart, line)
            return .needMore
          }
        } else if byte == 0 {
          throw Self.nulError(line)
        } else {
          p += 1
          continue
        }
        try Self.checkLimits(p, record, field: fieldStart, line)
        starts[fields] = fieldStart - base
        ends[fields] = p - base
        fields += 1
        if p == limit { break fields }
        p += 1
        if byte == separator { continue fields }
        line += 1
        if byte == carriageReturn, p < limit, p.pointee == lineFeed { p += 1 }
        break fields
      }
    }
    try finishRecord(record, end: p, fields: fields, escaped: escaped, high: high)
    position = p - base
    nextLine = line
    self.line = record.line
    fieldCount = fields
    return .record
  }

  /// The buffer a record is scanned in, and the separator.
  private struct Bounds {
    let base: UnsafeMutablePointer<UInt8>
    /// The end of the data; the byte there is a NUL sentinel.
    let limit: UnsafeMutablePointer<UInt8>
    /// True when the input has no more chunks: the data ends at `limit` for good.
    let atEnd: Bool
    let separator: UInt8
  }

  /// Where the record being scanned starts, for the record limit and its line number.
  private struct RecordStart {
    let p: UnsafeMutablePointer<UInt8>
    let line: Int
    /// The limits, read once a record: each read of a global is a lazy-initialisation check.
    let maxField: Int
    let maxRecord: Int
  }

  /// How a field ended.
  private enum FieldEnd {
    /// At a separator: another field follows.
    case separator
    /// At a line end or the end of the data.
    case recordEnd
    /// At the end of the buffer before the input's end: the record starts again after a refill.
    case needMore
  }

  /// Consumes blank lines; `.end` or `.needMore` when no record starts in the buffer.
  @inline(__always)
  private static func skipBlankLines(
    _ p: inout UnsafeMutablePointer<UInt8>, _ line: inout Int,
    limit: UnsafeMutablePointer<UInt8>, atEnd: Bool
  ) -> Scan? {
    while true {
      if p == limit { return atEnd ? .end : .needMore }
      let byte = p.pointee
      if byte == lineFeed {
        p += 1
        line += 1
      } else if byte == carriageReturn {
        if p + 1 == limit, !atEnd { return .needMore }
        p += 1
        line += 1
        if p < limit, p.pointee == lineFeed { p += 1 }
      } else {
        return nil
      }
    }
  }

  /// Checks the limits before waiting for more bytes: a field or record already over its
  /// limit is an error now, so that the buffer never holds more than one record and a chunk.
  @inline(__always)
  private static func needMore(
    _ p: UnsafeMutablePointer<UInt8>, _ record: RecordStart, field: UnsafeMutablePointer<UInt8>,
    _ fieldLine: Int
  ) throws(ReadError) -> FieldEnd {
    try checkLimits(p, record, field: field, fieldLine)
    return .needMore
  }

  /// Refuses a field or record that has grown past its limit by `p`.
  @inline(__always)
  private static func checkLimits(
    _ p: UnsafeMutablePointer<UInt8>, _ record: RecordStart, field: UnsafeMutablePointer<UInt8>,
    _ fieldLine: Int
  ) throws(ReadError) {
    if p - field > record.maxField { throw fieldTooLong(fieldLine) }
    if p - record.p > record.maxRecord { throw recordTooLong(record.line) }
  }

  /// Scans a quoted field whose opening quote is at `p`, to just past what ends it; stores its
  /// content's range (a negative start: doubled quotes to unescape, see `starts`).
  @inline(__always)
  private static func scanQuotedField(
    _ p: inout UnsafeMutablePointer<UInt8>, _ line: inout Int, _ high: inout UInt8,
    _ bounds: Bounds, _ record: RecordStart, _ start: UnsafeMutablePointer<Int>,
    _ end: UnsafeMutablePointer<Int>, _ escaped: inout Bool
  ) throws(ReadError) -> FieldEnd {
    let fieldStart = p
    let fieldLine = line
    let limit = bounds.limit
    let atEnd = bounds.atEnd
    p += 1
    let contentStart = p
    var contentEnd = p
    var fieldEscaped = false
    quoted: while true {
      // The sentinel NUL after the data stops this loop at the limit.
      while p.pointee > quote {
        high |= p.pointee
        p += 1
      }
      let byte = p.pointee
      if p == limit {
        if atEnd {
          throw ReadError(
            line: fieldLine,
            message: "a quoted field starting on this line is never closed; add the "
              + "closing quote, and double any quote inside the field")
        }
        return try needMore(p, record, field: fieldStart, fieldLine)
      }
      switch byte {
      case quote:
        if p + 1 == limit {
          if !atEnd {
            return try needMore(p, record, field: fieldStart, fieldLine)
          }
        } else if p[1] == quote {
          fieldEscaped = true
          p += 2
          continue quoted
        }
        contentEnd = p
        p += 1
        break quoted
      case lineFeed:
        p += 1
        line += 1
      case carriageReturn:
        if p + 1 == limit, !atEnd {
          return try needMore(p, record, field: fieldStart, fieldLine)
        }
        p += 1
        line += 1
        if p < limit, p.pointee == lineFeed { p += 1 }
      case 0:
        throw nulError(line)
      default:
        p += 1
      }
    }
    try checkLimits(p, record, field: fieldStart, fieldLine)
    let offset = contentStart - bounds.base
    start.pointee = fieldEscaped ? -offset - 1 : offset
    end.pointee = contentEnd - bounds.base
    escaped = escaped || fieldEscaped
    if p == limit {
      if atEnd { return .recordEnd }
      return try needMore(p, record, field: fieldStart, fieldLine)
    }
    let byte = p.pointee
    if byte == bounds.separator {
      p += 1
      return .separator
    }
    if byte == lineFeed {
      p += 1
      line += 1
      return .recordEnd
    }
    if byte == carriageReturn {
      if p + 1 == limit, !atEnd {
        return try needMore(p, record, field: fieldStart, fieldLine)
      }
      p += 1
      line += 1
      if p < limit, p.pointee == lineFeed { p += 1 }
      return .recordEnd
    }
    throw ReadError(
      line: line,
      message: "unexpected text after a closing quote; double the quote inside a quoted field")
  }

  /// A complete record: checks its UTF-8 when it has bytes ≥ 0x80, and unescapes the doubled
  /// quotes of its quoted fields in place.
  @inline(__always)
  private func finishRecord(
    _ record: RecordStart, end: UnsafeMutablePointer<UInt8>, fields: Int, escaped: Bool,
    high: UInt8
  ) throws(ReadError) {
    if high >= 0x80, validatesUTF8,
      let bad = UTF8Check.firstInvalid(record.p, count: end - record.p)
    {
      throw ReadError(
        line: record.line + Self.lineEnds(record.p, count: bad),
        message: "invalid utf-8 text", remedy: .chooseEncoding("gb18030"))
    }
    guard escaped else { return }
    let base = buffer
    for index in 0..<fields where starts[index] < 0 {
      let start = -starts[index] - 1
      var read = start
      var write = start
      let end = ends[index]
      while read < end {
        let byte = base[read]
        base[write] = byte
        write += 1
        read += byte == quote ? 2 : 1
      }
      starts[index] = start
      ends[index] = write
    }
  }

  /// The number of line ends (LF, CRLF, lone CR) in `count` bytes.
  private static func lineEnds(_ bytes: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
    var lines = 0
    for index in 0..<count {
      if bytes[index] == lineFeed {
        if index == 0 || bytes[index - 1] != carriageReturn { lines += 1 }
      } else if bytes[index] == carriageReturn {
        lines += 1
      }
    }
    return lines
  }

  private static func nulError(_ line: Int) -> ReadError {
    ReadError(
      line: line,
      message: "the text contains NUL bytes; is this a text file? export the report as csv again")
  }

  private static func fieldTooLong(_ line: Int) -> ReadError {
    ReadError(
      line: line,
      message: "a field starting on this line is longer than \(RecordFiles.maxFieldBytes >> 20) "
        + "MiB; check for a quote that is never closed")
  }

  private static func recordTooLong(_ line: Int) -> ReadError {
    ReadError(
      line: line,
      message: "the record starting on this line is longer than "
        + "\(RecordFiles.maxRecordBytes >> 20) MiB; check for a quote that is never closed")
  }
}

/// A header name without surrounding white space or byte order marks.
func trimmedName(_ name: String) -> String {
  let scalars = name.unicodeScalars
  func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isWhitespace || scalar == "\u{FEFF}"
  }
  guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
    let last = scalars.lastIndex(where: { !isTrimmed($0) })
  else { return "" }
  return String(scalars[first...last])
}
