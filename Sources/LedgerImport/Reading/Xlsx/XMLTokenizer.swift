#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What is wrong with the XML of a workbook part.
struct XMLDamage: Error {
  var message: String
}

/// One piece of XML: a start tag, an end tag or the text between tags.
enum XMLToken: Equatable {
  /// `<name attributes>`, or `<name attributes/>` when `selfClosing`.
  case start(selfClosing: Bool)
  /// `</name>`.
  case end
  /// Character data (entities still encoded; see ``XMLTokenizer/appendText(to:)``).
  case text
  /// The end of the input.
  case finished
}

/// Reads the subset of XML that SpreadsheetML uses, token by token.
///
/// The bytes are handed out in pieces. It reads start and end tags with attributes, text with the five named entities and numeric
/// character references, and CDATA sections. Comments, processing instructions and a DOCTYPE
/// are skipped. There is no tree: a sheet of a million rows is read in constant memory.
///
/// A token is a range of one buffer, valid until the next call to ``next()``. A token that
/// does not end inside the buffer is read again from its start after more bytes are appended;
/// a token longer than `maxTokenBytes` is damage (a tag or a text that never ends).
final class XMLTokenizer {
  // Its stored properties are touched once a byte or a cell, only by the thread that reads the
  // sheet and never while borrowed: `@exclusivity(unchecked)` spares each access Swift's
  // dynamic exclusivity check (19% of an xlsx import's instructions, docs/benchmarks.md).
  @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
  @exclusivity(unchecked) private var capacity: Int
  @exclusivity(unchecked) private var count = 0
  @exclusivity(unchecked) private var position = 0
  @exclusivity(unchecked) private var ended = false
  private let maxTokenBytes: Int
  private let refill: (UnsafeMutablePointer<UInt8>, Int) throws(XMLDamage) -> Int
  /// The current tag's name, without its namespace prefix.
  @exclusivity(unchecked) private(set) var nameStart = 0
  @exclusivity(unchecked) private(set) var nameEnd = 0
  /// The current start tag's attributes, or the current text (CDATA markers removed).
  @exclusivity(unchecked) private var bodyStart = 0
  @exclusivity(unchecked) private var bodyEnd = 0
  @exclusivity(unchecked) private var isCDATA = false

  /// A tokenizer over bytes that `refill` writes (up to the count asked, 0 at the end).
  init(
    chunkSize: Int = 1 << 18, maxTokenBytes: Int = 8 << 20,
    refill: @escaping (UnsafeMutablePointer<UInt8>, Int) throws(XMLDamage) -> Int
  ) {
    capacity = max(chunkSize, 64) * 2
    buffer = .allocate(capacity: capacity)
    self.maxTokenBytes = max(maxTokenBytes, 64)
    self.refill = refill
  }

  /// A tokenizer over bytes held in memory.
  convenience init(bytes: [UInt8]) {
    var offset = 0
    self.init(chunkSize: max(bytes.count, 64), maxTokenBytes: max(bytes.count, 64)) {
      destination, wanted in
      let n = min(wanted, bytes.count - offset)
      bytes.withUnsafeBufferPointer { all in
        if n > 0, let base = all.baseAddress { destination.update(from: base + offset, count: n) }
      }
      offset += n
      return n
    }
  }

  deinit { buffer.deallocate() }

  /// Appends bytes after `count`, first moving the unread bytes from `keep` to the front (and
  /// growing the buffer up to `maxTokenBytes` when the token fills it); false at the end.
  private func more(keeping keep: inout Int) throws(XMLDamage) -> Bool {
    if ended { return false }
    if keep > 0 {
      let live = count - keep
      buffer.update(from: buffer + keep, count: live)
      count = live
      position -= keep
      keep = 0
    }
    if capacity - count < capacity / 4 {
      guard capacity < maxTokenBytes else {
        throw XMLDamage(message: "an XML tag or text runs over \(maxTokenBytes >> 20) MiB")
      }
      let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      grown.update(from: buffer, count: count)
      buffer.deallocate()
      buffer = grown
      capacity *= 2
    }
    let got = try refill(buffer + count, capacity - count)
    if got == 0 {
      ended = true
      return false
    }
    count += got
    return true
  }

  /// Reads the next token.
  func next() throws(XMLDamage) -> XMLToken {
    while true {
      var start = position
      if start >= count {
        guard try more(keeping: &start) else { return .finished }
      }
      if buffer[start] != UInt8(ascii: "<") {
        // Text up to the next '<' (or the end of the input).
        var scanned = 0
        while true {
          let from = start + scanned
          if count > from, let found = memchr(buffer + from, 0x3C, count - from) {
            bodyStart = start
            bodyEnd = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
            position = bodyEnd
            isCDATA = false
            return .text
          }
          scanned = count - start
          guard try more(keeping: &start) else {
            bodyStart = start
            bodyEnd = count
            position = count
            isCDATA = false
            return .text
          }
        }
      }
      // A tag: find its end, outside quoted attribute values. The loop keeps the buffer and
      // its count in locals, reloaded only after more bytes come.
      if start + 1 >= count {
        guard try more(keeping: &start), start + 1 < count else {
          throw XMLDamage(message: "the XML ends inside a tag")
        }
      }
      let second = buffer[start + 1]
      if second == UInt8(ascii: "!") || second == UInt8(ascii: "?") {
        if let text = try skipSpecial(from: &start) { return text }
        continue
      }
      var scan = start + 1
      var quote: UInt8 = 0
      scanning: while true {
        let bytes = buffer
        let end = count
        while scan < end {
          let byte = bytes[scan]
          if quote != 0 {
            if byte == quote { quote = 0 }
          } else if byte == UInt8(ascii: ">") {
            break scanning
          } else if byte == 0x22 || byte == 0x27 {
            quote = byte
          }
          scan += 1
        }
        let offset = scan - start
        guard try more(keeping: &start) else {
          throw XMLDamage(message: "the XML ends inside a tag")
        }
        scan = start + offset
      }
      position = scan + 1
      return tag(from: start, to: scan)
    }
  }

  /// The tag `buffer[start...end]` (end at its '>').
  private func tag(from start: Int, to end: Int) -> XMLToken {
    let bytes = buffer
    var cursor = start + 1
    let closing = cursor < end && bytes[cursor] == UInt8(ascii: "/")
    if closing { cursor += 1 }
    let selfClosing = !closing && end > cursor && bytes[end - 1] == UInt8(ascii: "/")
    let limit = selfClosing ? end - 1 : end
    var localStart = cursor
    while cursor < limit {
      let byte = bytes[cursor]
      if isSpace(byte) { break }
      if byte == UInt8(ascii: ":") { localStart = cursor + 1 }
      cursor += 1
    }
    nameStart = localStart
    nameEnd = cursor
    bodyStart = cursor
    bodyEnd = limit
    return closing ? .end : .start(selfClosing: selfClosing)
  }

  /// Skips a comment, processing instruction or DOCTYPE starting at `start`, or reads a CDATA
  /// section as text.
  private func skipSpecial(from start: inout Int) throws(XMLDamage) -> XMLToken? {
    let cdata = Array("<![CDATA[".utf8)
    let (terminator, isText): ([UInt8], Bool)
    if try hasPrefix(Array("<!--".utf8), at: &start) {
      terminator = Array("-->".utf8)
      isText = false
    } else if try hasPrefix(cdata, at: &start) {
      terminator = Array("]]>".utf8)
      isText = true
    } else if buffer[start + 1] == UInt8(ascii: "?") {
      terminator = Array("?>".utf8)
      isText = false
    } else {
      terminator = Array(">".utf8)  // a DOCTYPE; an internal subset is not read
      isText = false
    }
    let skip = isText ? cdata.count : 2
    var scan = start + skip
    while true {
      if scan + terminator.count > count {
        let offset = scan - start
        guard try more(keeping: &start) else { throw XMLDamage(message: "the XML ends early") }
        scan = start + offset
        continue
      }
      if memcmp(buffer + scan, terminator, terminator.count) == 0 { break }
      scan += 1
    }
    position = scan + terminator.count
    guard isText else { return nil }
    bodyStart = start + skip
    bodyEnd = scan
    isCDATA = true
    return .text
  }

  private func hasPrefix(_ prefix: [UInt8], at start: inout Int) throws(XMLDamage) -> Bool {
    while count - start < prefix.count {
      guard try more(keeping: &start) else { return false }
    }
    return memcmp(buffer + start, prefix, prefix.count) == 0
  }

  /// Whether the current tag's local name is `name`.
  @inline(__always) func nameIs(_ name: StaticString) -> Bool {
    let length = name.utf8CodeUnitCount
    guard nameEnd - nameStart == length else { return false }
    let wanted = name.utf8Start
    let bytes = buffer + nameStart
    for index in 0..<length where bytes[index] != wanted[index] { return false }
    return true
  }

  /// The current start tag's attribute `name` (its local name, prefix ignored), entities
  /// decoded, appended to `out`; false when the tag has no such attribute.
  func attribute(_ name: StaticString, appendingTo out: inout [UInt8]) -> Bool {
    guard let (start, end) = attributeRange(name) else { return false }
    appendDecoded(from: start, to: end, to: &out)
    return true
  }

  /// The current start tag's attribute `name` as a String.
  func attribute(_ name: StaticString) -> String? {
    var bytes: [UInt8] = []
    guard attribute(name, appendingTo: &bytes) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Calls `body` with the raw bytes of attribute `name` (entities not decoded), or nil.
  func withRawAttribute<R>(_ name: StaticString, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
    guard let (start, end) = attributeRange(name) else { return body(nil) }
    return body(UnsafeBufferPointer(start: buffer + start, count: end - start))
  }

  private func attributeRange(_ name: StaticString) -> (Int, Int)? {
    let wanted = name.utf8CodeUnitCount
    var found: (Int, Int)?
    forEachAttribute { localStart, localEnd, valueStart, valueEnd in
      guard localEnd - localStart == wanted,
        memcmp(buffer + localStart, name.utf8Start, wanted) == 0
      else { return true }
      found = (valueStart, valueEnd)
      return false
    }
    return found
  }

  /// Calls `body` with each attribute of the current start tag, in order, until it returns false.
  ///
  /// It gets the local name and the raw value (entities not decoded), valid until the next
  /// call to ``next()``.
  @inline(__always) func withRawAttributes(
    _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Bool
  ) {
    let bytes = buffer
    forEachAttribute { localStart, localEnd, valueStart, valueEnd in
      body(
        UnsafeBufferPointer(start: bytes + localStart, count: localEnd - localStart),
        UnsafeBufferPointer(start: bytes + valueStart, count: valueEnd - valueStart))
    }
  }

  /// Walks the current start tag's attributes once, until `body` returns false.
  ///
  /// `body` gets the offsets of the local name and of the value. A value without quotes ends
  /// the walk.
  @inline(__always) private func forEachAttribute(_ body: (Int, Int, Int, Int) -> Bool) {
    let bytes = buffer
    let end = bodyEnd
    var cursor = bodyStart
    while cursor < end {
      while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
      var localStart = cursor
      while cursor < end {
        let byte = bytes[cursor]
        if byte == UInt8(ascii: "=") || isSpace(byte) { break }
        if byte == UInt8(ascii: ":") { localStart = cursor + 1 }
        cursor += 1
      }
      let localEnd = cursor
      while cursor < end, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "=") {
        cursor += 1
      }
      guard cursor < end else { return }
      let quote = bytes[cursor]
      guard quote == 0x22 || quote == 0x27 else { return }
      let valueStart = cursor + 1
      cursor = valueStart
      while cursor < end, bytes[cursor] != quote { cursor += 1 }
      let valueEnd = min(cursor, end)
      cursor += 1
      guard body(localStart, localEnd, valueStart, valueEnd) else { return }
    }
  }

  /// Appends the current text token, entities decoded, to `out`.
  func appendText(to out: inout [UInt8]) {
    if isCDATA {
      out.append(
        contentsOf: UnsafeBufferPointer(start: buffer + bodyStart, count: bodyEnd - bodyStart))
    } else {
      appendDecoded(from: bodyStart, to: bodyEnd, to: &out)
    }
  }

  /// Calls `body` with the current text's raw bytes when it holds no entity (the fast path
  /// for numbers), else with nil.
  func withPlainText<R>(_ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
    let n = bodyEnd - bodyStart
    if !isCDATA, n > 0, memchr(buffer + bodyStart, 0x26, n) != nil { return body(nil) }
    return body(UnsafeBufferPointer(start: buffer + bodyStart, count: n))
  }

  private func appendDecoded(from start: Int, to end: Int, to out: inout [UInt8]) {
    var cursor = start
    while cursor < end {
      let rest = end - cursor
      guard let found = memchr(buffer + cursor, 0x26, rest) else {
        out.append(contentsOf: UnsafeBufferPointer(start: buffer + cursor, count: rest))
        return
      }
      let amp = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
      out.append(contentsOf: UnsafeBufferPointer(start: buffer + cursor, count: amp - cursor))
      var semicolon = amp + 1
      while semicolon < end, semicolon - amp < 12, buffer[semicolon] != UInt8(ascii: ";") {
        semicolon += 1
      }
      guard semicolon < end, buffer[semicolon] == UInt8(ascii: ";") else {
        out.append(UInt8(ascii: "&"))  // a stray '&' is kept as it is
        cursor = amp + 1
        continue
      }
      let entity = UnsafeBufferPointer(start: buffer + amp + 1, count: semicolon - amp - 1)
      if let decoded = Self.decode(entity) {
        out.append(contentsOf: decoded)
      } else {
        out.append(contentsOf: UnsafeBufferPointer(start: buffer + amp, count: semicolon - amp + 1))
      }
      cursor = semicolon + 1
    }
  }

  /// The UTF-8 of an entity's name (between '&' and ';'), or nil when it is not known.
  private static func decode(_ entity: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    switch Array(entity) {
    case Array("amp".utf8): return [0x26]
    case Array("lt".utf8): return [0x3C]
    case Array("gt".utf8): return [0x3E]
    case Array("quot".utf8): return [0x22]
    case Array("apos".utf8): return [0x27]
    default: break
    }
    guard entity.count >= 2, entity[0] == UInt8(ascii: "#") else { return nil }
    var value: UInt32 = 0
    let hex = entity[1] == UInt8(ascii: "x") || entity[1] == UInt8(ascii: "X")
    for byte in entity.dropFirst(hex ? 2 : 1) {
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
      case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(byte - 0x57)
      case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(byte - 0x37)
      default: return nil
      }
      value = value * (hex ? 16 : 10) + digit
      if value > 0x10FFFF { return nil }
    }
    guard let scalar = Unicode.Scalar(value) else { return nil }
    return Array(String(Character(scalar)).utf8)
  }
}

@inline(__always) private func isSpace(_ byte: UInt8) -> Bool {
  byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}
