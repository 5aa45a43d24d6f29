#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private let space: UInt8 = 0x20
private let tab: UInt8 = 0x09
private let lineFeed: UInt8 = 0x0A
private let carriageReturn: UInt8 = 0x0D
private let quote: UInt8 = 0x22
private let backslash: UInt8 = 0x5C

/// Reads flat JSON objects, from a top-level array or one per line (NDJSON), in constant memory.
///
/// A small tokenizer runs over the decoded text in chunks; it never holds more than one object.
/// The header is the keys of the first object in their order there. Later objects may leave
/// keys out (their fields read as "") or reorder them, but a key the first object does not have
/// is an error naming the line and the key. Values must be strings, numbers, true, false or
/// null: a nested array or object is an error. Numbers keep their literal text.
///
/// A value type (so that its state needs no runtime exclusivity checks) whose chunk buffer is
/// shared by copies: read from one copy only.
struct JSONRecordReader: RecordSource {
  /// How objects are laid out in the file.
  enum Layout {
    /// `[ {…}, {…} ]`.
    case array
    /// One object per line; blank lines are skipped.
    case perLine
  }

  private(set) var header: [String] = []
  private(set) var line = 1
  let formatName: String
  private let input: TextInput
  private let layout: Layout
  private let readSize: Int
  private let validatesUTF8: Bool
  private let owner: ChunkBuffer
  private let buffer: UnsafeMutablePointer<UInt8>
  private var count = 0
  private var position = 0
  private var ended = false
  private var currentLine = 1
  private var headerKeys: [[UInt8]] = []
  private var headerKeyIsPlain: [Bool] = []
  private var headerIndex: [String: Int] = [:]
  private var storage: [UInt8] = []
  private var starts: [Int] = []
  private var ends: [Int] = []
  private var firstPending = false
  private var finished = false

  /// Reads the first object of `input`, which gives the header.
  ///
  /// - Throws: `ReadError` when the text is not a JSON array of objects or NDJSON, or the array
  ///   is empty.
  init(input: TextInput, layout: Layout, chunkSize: Int) throws(ReadError) {
    self.input = input
    self.layout = layout
    formatName = layout == .array ? "json" : "ndjson"
    readSize = max(chunkSize, 16)
    validatesUTF8 = input.validatesUTF8
    owner = ChunkBuffer(capacity: readSize)
    buffer = owner.bytes
    try skipWhitespace()
    if layout == .array {
      guard try peek() == UInt8(ascii: "[") else { throw unexpected("expected [") }
      position += 1
      try skipWhitespace()
      if try peek() == UInt8(ascii: "]") {
        throw ReadError(
          line: 0, message: "the json array holds no objects; there is nothing to import")
      }
    }
    guard try peek() == UInt8(ascii: "{") else {
      throw unexpected("expected an object starting with {")
    }
    line = currentLine
    position += 1
    try readObject(first: true)
    if layout == .perLine { try endOfLine() }
    firstPending = true
  }

  var fieldCount: Int { header.count }
  var bytesRead: Int { input.bytesRead }
  var totalBytes: Int { input.totalBytes }
  var encodingName: String { input.encodingName }

  mutating func next() throws(ReadError) -> Bool {
    if firstPending {
      firstPending = false
      return true
    }
    if finished { return false }
    try skipWhitespace()
    switch layout {
    case .array:
      switch try peek() {
      case UInt8(ascii: ","):
        position += 1
        try skipWhitespace()
        let byte = try peek()
        guard byte == UInt8(ascii: "{") else {
          if byte == UInt8(ascii: "]") {
            throw ReadError(
              line: currentLine, message: "a comma before ] is not allowed in json; remove it")
          }
          throw unexpected("expected an object starting with {")
        }
      case UInt8(ascii: "]"):
        position += 1
        try skipWhitespace()
        guard try peek() == nil else {
          throw unexpected("expected nothing after the closing ] of the array")
        }
        finished = true
        return false
      case nil:
        throw ReadError(
          line: currentLine,
          message: "the json array is not closed with ]; the file may be cut short")
      default:
        throw unexpected("expected , or ] after an object")
      }
    case .perLine:
      guard let byte = try peek() else {
        finished = true
        return false
      }
      guard byte == UInt8(ascii: "{") else {
        throw unexpected("expected an object starting with { on each line")
      }
    }
    line = currentLine
    position += 1
    try readObject(first: false)
    if layout == .perLine { try endOfLine() }
    return true
  }

  func string(at i: Int) -> String {
    withBytes(at: i) { String(decoding: $0, as: UTF8.self) }
  }

  func withBytes<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    guard i >= 0, i < starts.count, starts[i] >= 0 else {
      return try body(UnsafeBufferPointer(start: nil, count: 0))
    }
    let start = starts[i]
    let end = ends[i]
    return try storage.withUnsafeBufferPointer { all in
      try body(UnsafeBufferPointer(rebasing: all[start..<end]))
    }
  }

  // MARK: - Bytes

  /// The next byte without consuming it, or nil at the end of the text.
  @inline(__always)
  private mutating func peek() throws(ReadError) -> UInt8? {
    if position == count {
      try refill()
      if position == count { return nil }
    }
    return buffer[position]
  }

  /// Consumes and returns the next byte; at the end of the text, throws `problem`.
  @inline(__always)
  private mutating func take(orElse problem: @autoclosure () -> String) throws(ReadError) -> UInt8 {
    guard let byte = try peek() else {
      throw ReadError(line: currentLine, message: problem())
    }
    position += 1
    return byte
  }

  /// Replaces the consumed buffer with the next chunk.
  private mutating func refill() throws(ReadError) {
    guard !ended else { return }
    position = 0
    count = try input.fill(buffer, capacity: readSize)
    if count == 0 { ended = true }
  }

  private mutating func skipWhitespace() throws(ReadError) {
    while true {
      while position < count {
        switch buffer[position] {
        case space, tab:
          position += 1
        case lineFeed:
          position += 1
          currentLine += 1
        case carriageReturn:
          position += 1
          currentLine += 1
          if try peek() == lineFeed { position += 1 }
        default:
          return
        }
      }
      try refill()
      if position == count { return }
    }
  }

  /// After an NDJSON object, only white space may follow on its line.
  private mutating func endOfLine() throws(ReadError) {
    while let byte = try peek(), byte == space || byte == tab { position += 1 }
    switch try peek() {
    case nil, lineFeed, carriageReturn: return
    default:
      throw unexpected("expected one object per line, but more text follows the object")
    }
  }

  private func unexpected(_ what: String) -> ReadError {
    let found: String
    guard position < count else {
      return ReadError(line: currentLine, message: "invalid json: \(what) but the file ends")
    }
    switch buffer[position] {
    case 0:
      return ReadError(
        line: currentLine,
        message: "the text contains NUL bytes; is this a text file? export the report again")
    case 0x21...0x7E: found = "'\(Character(Unicode.Scalar(buffer[position])))'"
    default: found = "byte 0x\(String(buffer[position], radix: 16))"
    }
    return ReadError(line: currentLine, message: "invalid json: \(what) but found \(found)")
  }

  // MARK: - Objects

  /// Reads one object after its `{` into `storage`, `starts` and `ends`.
  private mutating func readObject(first: Bool) throws(ReadError) {
    storage.removeAll(keepingCapacity: true)
    for index in starts.indices { starts[index] = -1 }
    try skipWhitespace()
    if try peek() == UInt8(ascii: "}") {
      position += 1
      return
    }
    var expected = 0
    while true {
      guard try peek() == quote else {
        throw unexpected("expected a key in double quotes")
      }
      position += 1
      let index: Int
      if !first, expected < headerKeys.count, matchPlainKey(expected) {
        if starts[expected] >= 0 { throw duplicate(header[expected]) }
        index = expected
      } else {
        let keyStart = storage.count
        try readString()
        index = try keyIndex(first: first, expected: expected, keyStart: keyStart)
        storage.removeSubrange(keyStart...)
      }
      expected = index + 1
      try skipWhitespace()
      guard try peek() == UInt8(ascii: ":") else { throw unexpected("expected : after a key") }
      position += 1
      try skipWhitespace()
      let start = storage.count
      try readValue(for: index)
      starts[index] = start
      ends[index] = storage.count
      if storage.count > RecordFiles.maxRecordBytes {
        throw ReadError(
          line: line,
          message: "the object starting on this line is longer than "
            + "\(RecordFiles.maxRecordBytes >> 20) MiB; split it or export csv")
      }
      try skipWhitespace()
      switch try peek() {
      case UInt8(ascii: ","):
        position += 1
        try skipWhitespace()
      case UInt8(ascii: "}"):
        position += 1
        return
      case nil:
        throw ReadError(
          line: currentLine, message: "the object is not closed with }; the file may be cut short")
      default:
        throw unexpected("expected , or } after a value")
      }
    }
  }

  /// Consumes the key at `position` (after its quote) when it is wholly in the buffer and is
  /// exactly header key `index` written without escapes: the common case, without copying.
  private mutating func matchPlainKey(_ index: Int) -> Bool {
    guard headerKeyIsPlain[index] else { return false }
    return headerKeys[index].withUnsafeBufferPointer { expected in
      let length = expected.count
      guard position + length < count, buffer[position + length] == quote else { return false }
      if length > 0, let start = expected.baseAddress,
        memcmp(buffer + position, start, length) != 0
      {
        return false
      }
      position += length + 1
      return true
    }
  }

  /// The header index of the key just read; the first object defines the header.
  private mutating func keyIndex(
    first: Bool, expected: Int, keyStart: Int
  ) throws(ReadError) -> Int {
    let key = storage[keyStart...]
    if !first, expected < headerKeys.count, key.elementsEqual(headerKeys[expected]) {
      if starts[expected] >= 0 { throw duplicate(header[expected]) }
      return expected
    }
    let name = trimmedName(String(decoding: key, as: UTF8.self))
    if first {
      if headerIndex[name] != nil { throw duplicate(name) }
      headerIndex[name] = header.count
      header.append(name)
      headerKeys.append(Array(name.utf8))
      headerKeyIsPlain.append(!name.utf8.contains { $0 == quote || $0 == backslash || $0 < 0x20 })
      starts.append(-1)
      ends.append(-1)
      return header.count - 1
    }
    guard let index = headerIndex[name] else {
      throw ReadError(
        line: currentLine,
        message: "unknown key \"\(name)\": the first object does not have it, and its keys are "
          + "the header; add the key to the first object")
    }
    if starts[index] >= 0 { throw duplicate(name) }
    return index
  }

  private func duplicate(_ name: String) -> ReadError {
    ReadError(
      line: currentLine, message: "the key \"\(name)\" appears twice in one object; keep one")
  }

  /// Reads a string, number, true, false or null into `storage`.
  private mutating func readValue(for index: Int) throws(ReadError) {
    let byte = try take(orElse: "the object is not closed; the file may be cut short")
    switch byte {
    case quote:
      try readString()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      position -= 1
      try readNumber()
    case UInt8(ascii: "t"): try readLiteral("true", keep: true)
    case UInt8(ascii: "f"): try readLiteral("false", keep: true)
    case UInt8(ascii: "n"): try readLiteral("null", keep: false)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      let kind = byte == UInt8(ascii: "{") ? "an object" : "an array"
      throw ReadError(
        line: currentLine,
        message: "the value of \"\(header[index])\" is \(kind); only flat objects with "
          + "string, number, true, false or null values can be imported")
    default:
      position -= 1
      throw unexpected("expected a value")
    }
  }

  private mutating func readLiteral(_ word: StaticString, keep: Bool) throws(ReadError) {
    let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    for expected in text.dropFirst() {
      guard try peek() == expected else { throw unexpected("expected \(word)") }
      position += 1
    }
    if keep { storage.append(contentsOf: text) }
  }

  /// Reads a number, keeping its literal text.
  private mutating func readNumber() throws(ReadError) {
    // Fast path: the number ends inside the buffer and is valid; copy it at once.
    var end = position
    while end < count, Self.isNumberByte(buffer[end]) { end += 1 }
    if end < count,
      Self.isValidNumber(UnsafeBufferPointer(start: buffer + position, count: end - position))
    {
      storage.append(
        contentsOf: UnsafeBufferPointer(start: buffer + position, count: end - position))
      position = end
      return
    }
    func digits() throws(ReadError) -> Int {
      var found = 0
      while let byte = try peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        storage.append(byte)
        position += 1
        found += 1
        if found > RecordFiles.maxFieldBytes {
          throw ReadError(line: currentLine, message: "a number is longer than 1 MiB; fix the file")
        }
      }
      return found
    }
    if try peek() == UInt8(ascii: "-") {
      storage.append(UInt8(ascii: "-"))
      position += 1
    }
    if try peek() == UInt8(ascii: "0") {
      storage.append(UInt8(ascii: "0"))
      position += 1
    } else if try digits() == 0 {
      throw unexpected("expected a digit in a number")
    }
    if try peek() == UInt8(ascii: ".") {
      storage.append(UInt8(ascii: "."))
      position += 1
      if try digits() == 0 { throw unexpected("expected a digit after the decimal point") }
    }
    if let byte = try peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
      storage.append(byte)
      position += 1
      if let sign = try peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
        storage.append(sign)
        position += 1
      }
      if try digits() == 0 { throw unexpected("expected a digit in the exponent") }
    }
  }

  private static func isNumberByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
      UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
      return true
    default:
      return false
    }
  }

  /// Whether `text` is a whole JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
  private static func isValidNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    func isDigit(_ at: Int) -> Bool {
      at < text.count && text[at] >= UInt8(ascii: "0") && text[at] <= UInt8(ascii: "9")
    }
    func digits() -> Int {
      let start = index
      while isDigit(index) { index += 1 }
      return index - start
    }
    if index < text.count, text[index] == UInt8(ascii: "-") { index += 1 }
    if index < text.count, text[index] == UInt8(ascii: "0") {
      index += 1
    } else if digits() == 0 {
      return false
    }
    if index < text.count, text[index] == UInt8(ascii: ".") {
      index += 1
      if digits() == 0 { return false }
    }
    if index < text.count, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
      index += 1
      if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
        index += 1
      }
      if digits() == 0 { return false }
    }
    return index == text.count
  }

  /// Reads a string after its opening quote, decoding escapes, and appends its UTF-8 to
  /// `storage`.
  private mutating func readString() throws(ReadError) {
    let startCount = storage.count
    var high = false
    while true {
      if position == count {
        try refill()
        if position == count {
          throw ReadError(
            line: currentLine, message: "a string is not closed; the file may be cut short")
        }
      }
      var end = position
      while end < count {
        let byte = buffer[end]
        if byte == quote || byte == backslash || byte < 0x20 { break }
        if byte >= 0x80 { high = true }
        end += 1
      }
      if end > position {
        storage.append(
          contentsOf: UnsafeBufferPointer(start: buffer + position, count: end - position))
        position = end
        if storage.count - startCount > RecordFiles.maxFieldBytes {
          throw ReadError(
            line: currentLine,
            message: "a string on this line is longer than \(RecordFiles.maxFieldBytes >> 20) "
              + "MiB; check for a quote that is never closed")
        }
        continue
      }
      let byte = buffer[position]
      if byte == quote {
        position += 1
        break
      }
      if byte == backslash {
        position += 1
        try readEscape()
        continue
      }
      if byte == 0 { throw unexpected("expected text") }
      throw ReadError(
        line: currentLine,
        message: "a string contains a raw control character (such as a line end); write it "
          + "escaped, as \\n or \\u0009")
    }
    if high, validatesUTF8 {
      let bad = storage.withUnsafeBufferPointer { all in
        all.baseAddress.flatMap {
          UTF8Check.firstInvalid($0 + startCount, count: all.count - startCount)
        }
      }
      if bad != nil {
        throw ReadError(
          line: currentLine,
          message: "invalid utf-8 text in a string; json must be utf-8",
          remedy: .chooseEncoding("gb18030"))
      }
    }
  }

  private mutating func readEscape() throws(ReadError) {
    let byte = try take(orElse: "a string is not closed; the file may be cut short")
    let plain: UInt8
    switch byte {
    case quote, backslash, UInt8(ascii: "/"): plain = byte
    case UInt8(ascii: "b"): plain = 0x08
    case UInt8(ascii: "f"): plain = 0x0C
    case UInt8(ascii: "n"): plain = lineFeed
    case UInt8(ascii: "r"): plain = carriageReturn
    case UInt8(ascii: "t"): plain = tab
    case UInt8(ascii: "u"):
      var value = try readHex4()
      if value >= 0xD800, value <= 0xDBFF {
        guard try peek() == backslash else { throw unpairedSurrogate() }
        position += 1
        guard try peek() == UInt8(ascii: "u") else { throw unpairedSurrogate() }
        position += 1
        let low = try readHex4()
        guard low >= 0xDC00, low <= 0xDFFF else { throw unpairedSurrogate() }
        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
      } else if value >= 0xDC00, value <= 0xDFFF {
        throw unpairedSurrogate()
      }
      guard value != 0, let scalar = Unicode.Scalar(value) else {
        throw ReadError(
          line: currentLine, message: "a string contains \\u0000 (a NUL character); remove it")
      }
      if let encoded = UTF8.encode(scalar) { storage.append(contentsOf: encoded) }
      return
    default:
      position -= 1
      throw unexpected("expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u) after \\")
    }
    storage.append(plain)
  }

  private mutating func readHex4() throws(ReadError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = try peek() else { throw unexpected("expected 4 hex digits after \\u") }
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw unexpected("expected 4 hex digits after \\u")
      }
      value = value << 4 | UInt32(digit)
      position += 1
    }
    return value
  }

  private func unpairedSurrogate() -> ReadError {
    ReadError(
      line: currentLine,
      message: "a string has a \\u escape for half a surrogate pair; write the character "
        + "whole (\\ud83d\\ude00) or as utf-8")
  }
}
