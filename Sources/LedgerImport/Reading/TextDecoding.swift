#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw bytes of a file or of memory, handed out in pieces.
///
/// The first bytes can be looked at before they are read (`peek`), so that the encoding and the
/// format can be detected without reading the file twice.
final class RawInput {
  /// The size of the file or of the bytes.
  let totalBytes: Int
  /// Bytes handed out (or skipped) so far.
  private(set) var bytesRead = 0
  private let descriptor: Int32
  private let memory: [UInt8]
  private var memoryOffset = 0
  private var ahead: [UInt8] = []
  private var aheadOffset = 0
  private var fileEnded = false
  /// Sees every byte of the file once, in order, as it is read (the importer hashes it).
  var observer: ((UnsafeRawBufferPointer) -> Void)?

  /// Opens a file for reading.
  init(path: String) throws(ReadError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      let code = errno
      let reason: String
      switch code {
      case ENOENT: reason = "no such file; check the path"
      case EACCES: reason = "permission denied; check the file's permissions"
      default: reason = "\(systemMessage(code)); check the path and permissions"
      }
      throw ReadError(line: 0, message: "cannot open the file: \(reason)")
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let code = errno
      close(fd)
      throw ReadError(line: 0, message: "cannot read the file: \(systemMessage(code))")
    }
    guard info.st_mode & S_IFMT != S_IFDIR else {
      close(fd)
      throw ReadError(line: 0, message: "cannot read a directory; give the path of a file")
    }
    descriptor = fd
    memory = []
    totalBytes = Int(info.st_size)
  }

  /// Wraps bytes held in memory.
  init(bytes: [UInt8], name: String) {
    descriptor = -1
    memory = bytes
    totalBytes = bytes.count
  }

  deinit {
    if descriptor >= 0 { close(descriptor) }
  }

  /// Returns up to `limit` leading bytes without consuming them; call before any `read`.
  func peek(_ limit: Int) throws(ReadError) -> [UInt8] {
    if descriptor < 0 { return Array(memory.prefix(limit)) }
    if ahead.count < limit, !fileEnded {
      let old = ahead.count
      ahead.append(contentsOf: repeatElement(0, count: limit - old))
      var filled = old
      while filled < limit {
        let got = try ahead.withUnsafeMutableBufferPointer { (all) throws(ReadError) in
          try readFile(into: all.baseAddress.map { $0 + filled }, count: limit - filled)
        }
        if got == 0 {
          fileEnded = true
          break
        }
        filled += got
      }
      ahead.removeLast(limit - filled)
    }
    return Array(ahead.prefix(limit))
  }

  /// Consumes `count` leading bytes (a byte order mark) found by `peek`.
  func skip(_ count: Int) {
    if descriptor < 0 {
      memoryOffset += count
    } else {
      aheadOffset += count
    }
    bytesRead += count
  }

  /// Reads up to `count` bytes into `destination`; 0 only at the end.
  func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws(ReadError) -> Int {
    var got = 0
    if descriptor < 0 {
      got = min(count, memory.count - memoryOffset)
      if got > 0 {
        memory.withUnsafeBufferPointer { all in
          if let start = all.baseAddress {
            destination.update(from: start + memoryOffset, count: got)
          }
        }
        memoryOffset += got
      }
    } else if aheadOffset < ahead.count {
      got = min(count, ahead.count - aheadOffset)
      ahead.withUnsafeBufferPointer { all in
        if let start = all.baseAddress {
          destination.update(from: start + aheadOffset, count: got)
        }
      }
      aheadOffset += got
      if aheadOffset == ahead.count {
        ahead = []
        aheadOffset = 0
      }
    } else if !fileEnded {
      got = try readFile(into: destination, count: count)
      if got == 0 { fileEnded = true }
    }
    bytesRead += got
    return got
  }

  private func readFile(
    into destination: UnsafeMutablePointer<UInt8>?, count: Int
  ) throws(ReadError) -> Int {
    while true {
      let got = systemRead(descriptor, destination, count)
      if got >= 0 {
        if got > 0, let observer, let destination {
          observer(UnsafeRawBufferPointer(start: destination, count: got))
        }
        return got
      }
      let code = errno
      if code == EINTR { continue }
      throw ReadError(line: 0, message: "cannot read the file: \(systemMessage(code))")
    }
  }
}

/// `read(2)` under a name of its own: inside `RawInput`, `read` means
/// ``RawInput/read(into:count:)``, and `Glibc.read` names the C function on Linux only.
private func systemRead(
  _ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int
) -> Int {
  read(descriptor, buffer, count)
}

/// The text of a system error number, in lowercase.
func systemMessage(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text).lowercased()
}

/// The layout of a file, detected from its first bytes.
enum RecordFormat: Equatable {
  /// A top-level JSON array of objects.
  case json
  /// One JSON object per line.
  case ndjson
  /// Delimited text with this separator byte (comma or tab).
  case delimited(UInt8)
}

/// A file's bytes decoded to UTF-8, handed out in pieces.
///
/// UTF-8 input passes through unchanged (the BOM skipped); GB18030 input is transcoded with
/// iconv. UTF-8 that passes through is not validated here: the readers validate what they use
/// (`validatesUTF8`), so that an error can name its line.
final class TextInput {
  /// "utf-8", "utf-8 (bom)" or "gb18030".
  let encodingName: String
  /// Whether the bytes handed out may be invalid UTF-8 (true unless transcoded).
  let validatesUTF8: Bool
  private let raw: RawInput
  private let chunkSize: Int
  private let transcoder: Transcoder?

  private init(raw: RawInput, encodingName: String, chunkSize: Int, transcoder: Transcoder?) {
    self.raw = raw
    self.encodingName = encodingName
    self.chunkSize = chunkSize
    self.transcoder = transcoder
    validatesUTF8 = transcoder == nil
  }

  /// Bytes of the file consumed so far.
  var bytesRead: Int { raw.bytesRead }
  /// The size of the file.
  var totalBytes: Int { raw.totalBytes }

  /// Writes up to `capacity` (at least 16) decoded bytes to `destination`; 0 only at the end.
  func fill(_ destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(ReadError) -> Int {
    if let transcoder {
      return try transcoder.fill(destination, capacity: capacity, from: raw)
    }
    return try raw.read(into: destination, count: min(capacity, chunkSize))
  }

  /// Detects the encoding and the format of `raw` and returns its decoded text.
  ///
  /// - Throws: `ReadError` (line 0) when the input is empty, UTF-16, contains NUL bytes in its
  ///   first 64 KiB, or GB18030 decoding is unavailable.
  static func open(
    _ raw: RawInput, choice: TextEncodingChoice, chunkSize: Int
  ) throws(ReadError) -> (input: TextInput, format: RecordFormat) {
    let window = try raw.peek(RecordFiles.detectionWindow)
    let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]
    let gbBOM: [UInt8] = [0x84, 0x31, 0x95, 0x33]
    if window.starts(with: [0xFF, 0xFE]) || window.starts(with: [0xFE, 0xFF]) {
      throw ReadError(
        line: 0,
        message: "the file is utf-16 text, which is not supported; save it as utf-8 "
          + "(excel: \"csv utf-8\") or as gb18030")
    }
    if window.contains(0) {
      throw ReadError(
        line: 0,
        message: "not text: contains NUL bytes; is this a text file? export the report as csv "
          + "or json (not xlsx)")
    }
    let hasBOM = window.starts(with: utf8BOM)
    let isUTF8: Bool
    switch choice {
    case .utf8: isUTF8 = true
    case .gb18030: isUTF8 = false
    case .auto:
      isUTF8 =
        hasBOM
        || UTF8Check.isValid(window, allowTruncatedEnd: window.count == RecordFiles.detectionWindow)
    }
    let input: TextInput
    var text = window[...]
    if isUTF8 {
      if hasBOM {
        raw.skip(utf8BOM.count)
        text = text.dropFirst(utf8BOM.count)
      }
      input = TextInput(
        raw: raw, encodingName: hasBOM ? "utf-8 (bom)" : "utf-8", chunkSize: chunkSize,
        transcoder: nil)
    } else {
      if window.starts(with: gbBOM) {
        raw.skip(gbBOM.count)
        text = text.dropFirst(gbBOM.count)
      }
      input = TextInput(
        raw: raw, encodingName: "gb18030", chunkSize: chunkSize,
        transcoder: try Transcoder(chunkSize: chunkSize))
    }
    let whole = window.count < RecordFiles.detectionWindow
    if whole, text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
      throw ReadError(line: 0, message: "empty file: there is no header or record to read")
    }
    return (input, detectFormat(text))
  }

  /// The format of text starting at its beginning (ASCII bytes are the same in GB18030).
  static func detectFormat(_ text: ArraySlice<UInt8>) -> RecordFormat {
    var index = text.startIndex
    while index < text.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(text[index]) {
      index += 1
    }
    if index < text.endIndex {
      if text[index] == UInt8(ascii: "[") { return .json }
      if text[index] == UInt8(ascii: "{") { return .ndjson }
    }
    // The header is the first line that is not blank; count separators outside quotes. A
    // title line above it has none: the first of the first lines that has some decides
    // (docs/decisions.md, "Title and total rows").
    index = text.startIndex
    while index < text.endIndex, text[index] == 0x0A || text[index] == 0x0D { index += 1 }
    var tabs = 0
    var commas = 0
    var quoted = false
    var lines = 1
    while index < text.endIndex {
      let byte = text[index]
      if byte == UInt8(ascii: "\"") {
        quoted.toggle()
      } else if !quoted {
        if byte == 0x0A || byte == 0x0D {
          guard tabs == 0, commas == 0, lines < 10 else { break }
          lines += 1
        }
        if byte == 0x09 { tabs += 1 }
        if byte == UInt8(ascii: ",") { commas += 1 }
      }
      index += 1
    }
    return .delimited(tabs > commas ? 0x09 : UInt8(ascii: ","))
  }
}

/// Transcodes GB18030 to UTF-8 with iconv, chunk by chunk.
///
/// A character split between two reads is completed by the next read. Invalid input is
/// reported with the line it is on, after the text before it has been handed out.
final class Transcoder {
  private let converter: UnsafeMutableRawPointer
  private let chunkSize: Int
  private let rawStorage: UnsafeMutablePointer<UInt8>
  private let rawCapacity: Int
  private var rawStart = 0
  private var rawEnd = 0
  private var rawEnded = false
  private var needsMoreRaw = false
  private var pendingError: ReadError?
  private var lineEnds = 0
  private var lastWasCR = false

  /// Opens an iconv converter from GB18030 to UTF-8.
  init(chunkSize: Int) throws(ReadError) {
    guard let converter = iconv_open("UTF-8", "GB18030"),
      converter != UnsafeMutableRawPointer(bitPattern: -1)
    else {
      throw ReadError(
        line: 0,
        message: "gb18030 decoding is not available on this system (iconv); save the file as "
          + "utf-8 instead")
    }
    self.converter = converter
    self.chunkSize = chunkSize
    rawCapacity = chunkSize + 8
    rawStorage = .allocate(capacity: rawCapacity)
  }

  deinit {
    iconv_close(converter)
    rawStorage.deallocate()
  }

  /// Writes up to `capacity` (at least 16) UTF-8 bytes to `destination`; 0 only at the end.
  func fill(
    _ destination: UnsafeMutablePointer<UInt8>, capacity: Int, from raw: RawInput
  ) throws(ReadError) -> Int {
    if let pendingError { throw pendingError }
    while true {
      if (rawStart == rawEnd || needsMoreRaw) && !rawEnded {
        if rawStart > 0 {
          memmove(rawStorage, rawStorage + rawStart, rawEnd - rawStart)
          rawEnd -= rawStart
          rawStart = 0
        }
        let got = try raw.read(
          into: rawStorage + rawEnd, count: min(chunkSize, rawCapacity - rawEnd))
        if got == 0 { rawEnded = true } else { rawEnd += got }
        needsMoreRaw = false
      }
      if rawStart == rawEnd { return 0 }
      var input: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(rawStorage + rawStart)
        .assumingMemoryBound(to: CChar.self)
      var inputLeft = rawEnd - rawStart
      var output: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(destination)
        .assumingMemoryBound(to: CChar.self)
      var outputLeft = capacity
      let result = iconv(converter, &input, &inputLeft, &output, &outputLeft)
      let code = errno
      rawStart = rawEnd - inputLeft
      let produced = capacity - outputLeft
      countLines(destination, produced)
      if result != -1 {
        if produced > 0 { return produced }
        continue
      }
      let problem: ReadError
      switch code {
      case E2BIG:
        if produced > 0 { return produced }
        problem = ReadError(line: lineEnds + 1, message: "cannot decode gb18030: buffer too small")
      case EINVAL:
        if !rawEnded {
          needsMoreRaw = true
          if produced > 0 { return produced }
          continue
        }
        problem = ReadError(
          line: lineEnds + 1,
          message: "the file ends in the middle of a gb18030 character; it may be cut short")
      default:
        problem = ReadError(
          line: lineEnds + 1,
          message: "invalid gb18030 text (and not utf-8 either)", remedy: .chooseEncoding("utf-8"))
      }
      if produced > 0 {
        pendingError = problem
        return produced
      }
      throw problem
    }
  }

  /// Counts line ends (LF, CRLF, lone CR) in decoded output, for error lines.
  private func countLines(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) {
    for index in 0..<count {
      let byte = bytes[index]
      if byte == 0x0D {
        lineEnds += 1
        lastWasCR = true
      } else {
        if byte == 0x0A, !lastWasCR { lineEnds += 1 }
        lastWasCR = false
      }
    }
  }
}

/// UTF-8 validation over bytes.
enum UTF8Check {
  /// Whether `bytes` are valid UTF-8; with `allowTruncatedEnd`, an incomplete final sequence
  /// (cut by a read limit) is accepted.
  static func isValid(_ bytes: [UInt8], allowTruncatedEnd: Bool) -> Bool {
    bytes.withUnsafeBufferPointer { buffer in
      guard let start = buffer.baseAddress else { return true }
      return firstInvalid(start, count: buffer.count, allowTruncatedEnd: allowTruncatedEnd) == nil
    }
  }

  /// The offset of the first byte that is not part of a valid UTF-8 sequence, or nil.
  static func firstInvalid(
    _ bytes: UnsafePointer<UInt8>, count: Int, allowTruncatedEnd: Bool = false
  ) -> Int? {
    var index = 0
    while index < count {
      // Skip ASCII eight bytes at a time.
      while index + 8 <= count {
        let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
        if word & 0x8080_8080_8080_8080 != 0 { break }
        index += 8
      }
      guard index < count else { break }
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        high = 0x9F
      case 0xF0:
        length = 4
        low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        high = 0x8F
      default: return index
      }
      for offset in 1..<length {
        guard index + offset < count else {
          return allowTruncatedEnd ? nil : index
        }
        let byte = bytes[index + offset]
        let (min, max) = offset == 1 ? (low, high) : (0x80, 0xBF)
        if byte < min || byte > max { return index }
      }
      index += length
    }
    return nil
  }
}
