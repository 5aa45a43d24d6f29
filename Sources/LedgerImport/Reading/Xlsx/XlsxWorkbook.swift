import Foundation
import ZIPFoundation

/// How much of a workbook's parts aimt reads into memory (docs/decisions.md, "xlsx").
struct XlsxLimits: Sendable {
  /// The shared-strings part, uncompressed: 256 MiB of XML (a million-row sheet of distinct
  /// texts takes about 60 MiB).
  var sharedStringsBytes = 256 << 20
  /// The workbook, its relationships and its styles, each: 16 MiB.
  var partBytes = 16 << 20
}

/// The parts of an `.xlsx` file that every sheet needs: the sheets' names and places, the date
/// system, which cell styles are dates, and the shared strings.
final class XlsxWorkbook {
  struct Sheet {
    var name: String
    /// The sheet's part in the archive; nil for a chart sheet.
    var part: String?
  }

  let archive: Archive
  let sheets: [Sheet]
  let system1904: Bool
  /// Cell style index → whether its number format is a date.
  let dateStyles: [Bool]
  let strings: SharedStrings

  /// The one-line refusal of a file that cannot be read, with what to do.
  static func damaged(_ what: String) -> ReadError {
    ReadError(
      line: 0,
      message: "the workbook is damaged (\(what)); open it in excel and save it again, or "
        + "export the report as .csv")
  }

  init(path: String, limits: XlsxLimits) throws(ReadError) {
    let opened: Archive
    do {
      opened = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw Self.damaged("not a readable zip archive")
    }
    archive = opened
    guard let workbookPart = Self.entry(archive, "xl/workbook.xml") else {
      if Self.entry(archive, "xl/workbook.bin") != nil {
        throw ReadError(
          line: 0,
          message: "an excel binary workbook (.xlsb), which aimt does not read; save it as .xlsx "
            + "or .csv")
      }
      throw ReadError(
        line: 0,
        message: "a zip archive but not an excel workbook (it has no xl/workbook.xml); give the "
          + ".xlsx or .csv export of the report")
    }
    // The workbook: sheet names in order, their relationship ids, the date system.
    let workbook = XMLTokenizer(
      bytes: try Self.read(workbookPart, archive, limit: limits.partBytes))
    var named: [(name: String, id: String)] = []
    var system1904 = false
    try Self.scan(workbook) {
      if $0.nameIs("sheet"), let name = $0.attribute("name") {
        named.append((name, $0.attribute("id") ?? ""))
      } else if $0.nameIs("workbookPr"), let flag = $0.attribute("date1904") {
        system1904 = flag == "1" || flag.lowercased() == "true"
      }
    }
    self.system1904 = system1904
    var targets: [String: (part: String, isWorksheet: Bool)] = [:]
    if let rels = Self.entry(archive, "xl/_rels/workbook.xml.rels") {
      try Self.scan(XMLTokenizer(bytes: try Self.read(rels, archive, limit: limits.partBytes))) {
        guard $0.nameIs("Relationship"), let id = $0.attribute("Id"),
          let target = $0.attribute("Target")
        else { return }
        let part = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        targets[id] = (part, ($0.attribute("Type") ?? "").hasSuffix("/worksheet"))
      }
    }
    sheets = named.enumerated().map { index, sheet in
      if let target = targets[sheet.id] {
        return Sheet(name: sheet.name, part: target.isWorksheet ? target.part : nil)
      }
      // No relationships part: the usual names.
      return Sheet(name: sheet.name, part: "xl/worksheets/sheet\(index + 1).xml")
    }
    guard !sheets.isEmpty else { throw Self.damaged("the workbook lists no sheet") }
    dateStyles = try Self.dateStyles(archive, limit: limits.partBytes)
    if let part = Self.entry(archive, "xl/sharedStrings.xml") {
      strings = try SharedStrings(part, archive, limit: limits.sharedStringsBytes)
    } else {
      strings = SharedStrings()
    }
  }

  /// The sheet to read: the one named, or the first worksheet.
  func sheet(named name: String?) throws(ReadError) -> (name: String, part: String) {
    let names = sheets.map(\.name)
    guard let name else {
      guard let first = sheets.first(where: { $0.part != nil }), let part = first.part else {
        throw ReadError(line: 0, message: "the workbook has no worksheet (only charts)")
      }
      return (first.name, part)
    }
    let folded = name.trimmingCharacters(in: .whitespaces).lowercased()
    guard
      let sheet = sheets.first(where: { $0.name == name })
        ?? sheets.first(where: { $0.name.lowercased() == folded })
    else {
      throw .sheet("no sheet named '\(name)'", sheets: names)
    }
    guard let part = sheet.part else {
      throw .sheet("the sheet '\(sheet.name)' is a chart, not a table", sheets: names)
    }
    return (sheet.name, part)
  }

  static func entry(_ archive: Archive, _ path: String) -> Entry? {
    archive[path] ?? archive.first { $0.path.lowercased() == path.lowercased() }
  }

  /// A whole part, at most `limit` bytes uncompressed.
  static func read(_ entry: Entry, _ archive: Archive, limit: Int) throws(ReadError) -> [UInt8] {
    var bytes: [UInt8] = []
    try extract(entry, archive, limit: limit) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// Hands a part's bytes to `consumer` in pieces, checking its size and checksum.
  static func extract(
    _ entry: Entry, _ archive: Archive, limit: Int, bufferSize: Int = 1 << 16,
    consumer: (Data) throws -> Void
  ) throws(ReadError) {
    let name = entry.path
    guard entry.uncompressedSize <= UInt64(limit) else { throw tooLarge(name, limit) }
    var total = 0
    func counted(_ data: Data) throws {
      total += data.count
      guard total <= limit else { throw TooLarge() }
      try consumer(data)
    }
    do {
      // A compressed entry is inflated within its own bytes (`ZipEntryBytes`); a stored one is
      // read by ZIPFoundation, which reads exactly its size.
      let checksum =
        entry.isCompressed
        ? try ZipEntryBytes.inflate(
          entry, in: archive.url, bufferSize: bufferSize, consumer: counted)
        : try archive.extract(entry, bufferSize: bufferSize, consumer: counted)
      guard let checksum else { throw damaged("\(name) is not where its archive says") }
      guard checksum == entry.checksum else { throw damaged("\(name) fails its checksum") }
    } catch let error as ReadError {
      throw error
    } catch is TooLarge {
      throw tooLarge(name, limit)
    } catch let error as XMLDamage {
      throw damaged("\(name): \(error.message)")
    } catch is ZipEntryBytes.CutShort {
      throw damaged("\(name) is cut short")
    } catch {
      throw damaged("\(name) cannot be unpacked")
    }
  }

  private struct TooLarge: Error {}

  private static func tooLarge(_ name: String, _ limit: Int) -> ReadError {
    ReadError(
      line: 0,
      message: "\(name) is larger than "
        + (limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit) bytes")
        + " unpacked, more than aimt reads into "
        + "memory; export the report as .csv, or split it into smaller workbooks")
  }

  /// Calls `visit` with the tokenizer at each start tag.
  static func scan(_ xml: XMLTokenizer, _ visit: (XMLTokenizer) -> Void) throws(ReadError) {
    do {
      while true {
        switch try xml.next() {
        case .start: visit(xml)
        case .finished: return
        default: continue
        }
      }
    } catch {
      throw damaged("bad XML: \(error.message)")
    }
  }

  /// Which cell styles (`s` of a cell) show dates, from `xl/styles.xml`.
  private static func dateStyles(_ archive: Archive, limit: Int) throws(ReadError) -> [Bool] {
    guard let part = entry(archive, "xl/styles.xml") else { return [] }
    let xml = XMLTokenizer(bytes: try read(part, archive, limit: limit))
    var codes: [Int: String] = [:]
    var formats: [Int] = []
    var inCellXfs = false
    do {
      loop: while true {
        switch try xml.next() {
        case .start:
          if xml.nameIs("numFmt"), let id = xml.attribute("numFmtId").flatMap({ Int($0) }) {
            codes[id] = xml.attribute("formatCode")
          } else if xml.nameIs("cellXfs") {
            inCellXfs = true
          } else if inCellXfs, xml.nameIs("xf") {
            formats.append(xml.attribute("numFmtId").flatMap { Int($0) } ?? 0)
          }
        case .end:
          if xml.nameIs("cellXfs") { inCellXfs = false }
        case .text: continue
        case .finished: break loop
        }
      }
    } catch {
      throw damaged("bad XML in xl/styles.xml: \(error.message)")
    }
    return formats.map { XlsxCells.isDateFormat(id: $0, code: codes[$0]) }
  }
}

/// The shared-strings table of a workbook, read whole (cells name its strings by index) into
/// one byte array.
struct SharedStrings {
  private var bytes: [UInt8] = []
  private var ends: [Int] = []

  init() {}

  var count: Int { ends.count }

  init(_ entry: Entry, _ archive: Archive, limit: Int) throws(ReadError) {
    var pending: [UInt8] = []
    var inString = false
    var inText = false
    var phonetic = 0
    // The part streams through the tokenizer; only the strings are kept.
    let stream = PartStream(entry, archive, limit: limit)
    defer { stream.stop() }
    let xml = XMLTokenizer(refill: stream.refill)
    do {
      loop: while true {
        switch try xml.next() {
        case .start(let selfClosing):
          if xml.nameIs("si") {
            inString = !selfClosing
            pending.removeAll(keepingCapacity: true)
            if selfClosing { ends.append(bytes.count) }
          } else if xml.nameIs("rPh") {
            phonetic += selfClosing ? 0 : 1
          } else if xml.nameIs("t"), inString, phonetic == 0 {
            inText = !selfClosing
          }
        case .end:
          if xml.nameIs("t") {
            inText = false
          } else if xml.nameIs("rPh") {
            phonetic = max(0, phonetic - 1)
          } else if xml.nameIs("si"), inString {
            inString = false
            bytes.append(contentsOf: pending)
            ends.append(bytes.count)
          }
        case .text:
          if inText { xml.appendText(to: &pending) }
        case .finished: break loop
        }
      }
    } catch {
      if let failure = stream.failure { throw failure }
      throw XlsxWorkbook.damaged("bad XML in xl/sharedStrings.xml: \(error.message)")
    }
  }

  /// Calls `body` with string `index`'s bytes; nil when there is no such string.
  func withString<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
    guard index >= 0, index < ends.count else { return nil }
    let start = index == 0 ? 0 : ends[index - 1]
    return bytes.withUnsafeBufferPointer { all in
      body(UnsafeBufferPointer(rebasing: all[start..<ends[index]]))
    }
  }
}
