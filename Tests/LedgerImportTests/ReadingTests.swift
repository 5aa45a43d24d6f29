import Foundation
import TestSupport
import Testing

@testable import LedgerImport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers

/// Chunk sizes every small input is read with; results must not depend on them.
private let chunkSizes = [1, 2, 3, 7, 64, 1 << 20]

/// Everything a source yields, for comparing whole reads.
private struct Parsed: Equatable {
  var header: [String]
  var records: [[String]] = []
  var lines: [Int] = []
  var encoding: String
  var format: String
}

/// Reads all records of `bytes` with one chunk size, checking `withBytes` against `string`.
private func parse(
  _ bytes: [UInt8], chunk: Int, encoding: TextEncodingChoice = .auto,
  into partial: inout Parsed?
) throws(ReadError) -> Parsed {
  var source = try RecordFiles.open(
    bytes: bytes, name: "test", encoding: encoding, chunkSize: chunk)
  var parsed = Parsed(
    header: source.header, encoding: source.encodingName, format: source.formatName)
  partial = parsed
  while try source.next() {
    var record: [String] = []
    for index in 0..<source.fieldCount {
      let text = source.string(at: index)
      let bytes = source.withBytes(at: index) { Array($0) }
      #expect(Array(text.utf8) == bytes, "withBytes and string differ in field \(index)")
      record.append(text)
    }
    #expect(source.string(at: source.fieldCount).isEmpty)
    #expect(source.withBytes(at: source.fieldCount) { $0.count } == 0)
    parsed.records.append(record)
    parsed.lines.append(source.line)
    partial = parsed
  }
  let again = try source.next()
  #expect(!again, "next() after the end must stay false")
  #expect(source.bytesRead == source.totalBytes)
  return parsed
}

/// Reads `bytes` with every chunk size, expects identical results, and returns them.
private func parseAll(
  _ bytes: [UInt8], encoding: TextEncodingChoice = .auto, chunks: [Int] = chunkSizes,
  sourceLocation: SourceLocation = #_sourceLocation
) throws -> Parsed {
  var partial: Parsed?
  let first = try parse(bytes, chunk: chunks[0], encoding: encoding, into: &partial)
  for chunk in chunks.dropFirst() {
    let other = try parse(bytes, chunk: chunk, encoding: encoding, into: &partial)
    #expect(other == first, "chunk size \(chunk) reads differently", sourceLocation: sourceLocation)
  }
  return first
}

private func parseAll(
  _ text: String, chunks: [Int] = chunkSizes, sourceLocation: SourceLocation = #_sourceLocation
) throws -> Parsed {
  try parseAll(Array(text.utf8), chunks: chunks, sourceLocation: sourceLocation)
}

/// The error reading `bytes` (the same for every chunk size) and the records read before it.
private func failure(
  _ bytes: [UInt8], encoding: TextEncodingChoice = .auto, chunks: [Int] = chunkSizes,
  sourceLocation: SourceLocation = #_sourceLocation
) -> (error: ReadError?, before: [[String]]) {
  var results: [(ReadError?, [[String]])] = []
  for chunk in chunks {
    var partial: Parsed?
    do {
      _ = try parse(bytes, chunk: chunk, encoding: encoding, into: &partial)
      results.append((nil, partial?.records ?? []))
    } catch {
      results.append((error, partial?.records ?? []))
    }
  }
  for (index, result) in results.enumerated().dropFirst() {
    #expect(
      result.0 == results[0].0 && result.1 == results[0].1,
      "chunk size \(chunks[index]) fails differently", sourceLocation: sourceLocation)
  }
  return results[0]
}

private func failure(
  _ text: String, chunks: [Int] = chunkSizes, sourceLocation: SourceLocation = #_sourceLocation
) -> (error: ReadError?, before: [[String]]) {
  failure(Array(text.utf8), chunks: chunks, sourceLocation: sourceLocation)
}

/// A small seeded generator (SplitMix64), so that random tests repeat exactly.
typealias SplitMixGenerator = SplitMix64

/// Writes `text` to a new temporary file and returns its path.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
  let path = NSTemporaryDirectory() + "reading-tests-\(UUID().uuidString).csv"
  try Data(bytes).write(to: URL(fileURLWithPath: path))
  return path
}

// MARK: - Delimited text

@Test func commaSeparatedFileGivesHeaderRecordsAndLines() throws {
  let parsed = try parseAll("date,video_id,cost\n2026-05-01,v1,12.50\n2026-05-02,v2,3\n")
  #expect(parsed.header == ["date", "video_id", "cost"])
  #expect(parsed.records == [["2026-05-01", "v1", "12.50"], ["2026-05-02", "v2", "3"]])
  #expect(parsed.lines == [2, 3])
  #expect(parsed.format == ",")
  #expect(parsed.encoding == "utf-8")
}

@Test func tabSeparatedFileIsDetectedAndCommasAreData() throws {
  let parsed = try parseAll("date\tgmv\tnote\n2026-05-01\t1,200.00\ta, b\n")
  #expect(parsed.format == "\t")
  #expect(parsed.header == ["date", "gmv", "note"])
  #expect(parsed.records == [["2026-05-01", "1,200.00", "a, b"]])
}

@Test func separatorIsTabOnlyWhenTheHeaderHasMoreTabsThanCommas() throws {
  #expect(try parseAll("a\tb,c\td\n1\t2,3\t4\n").format == "\t")
  #expect(try parseAll("a,b\tc,d\n1,2\t3,4\n").format == ",")
  #expect(try parseAll("a\tb,c\n1\t2,3\n").format == ",")
  // Commas inside a quoted header cell do not count.
  #expect(try parseAll("\"a,b,c\"\td\te\n1\t2\t3\n").format == "\t")
}

@Test func byteOrderMarkIsStrippedAndReported() throws {
  let parsed = try parseAll([0xEF, 0xBB, 0xBF] + Array("日期,消耗\n2026-05-01,10\n".utf8))
  #expect(parsed.header == ["日期", "消耗"])
  #expect(parsed.encoding == "utf-8 (bom)")
  #expect(parsed.records == [["2026-05-01", "10"]])
  #expect(parsed.lines == [2])
  let explicit = try parseAll(
    [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8), encoding: .utf8)
  #expect(explicit.header == ["a", "b"])
  #expect(explicit.encoding == "utf-8 (bom)")
}

@Test func crlfLineEndsAreNotPartOfFields() throws {
  let parsed = try parseAll("a,b\r\n1,2\r\n3,\r\n")
  #expect(parsed.header == ["a", "b"])
  #expect(parsed.records == [["1", "2"], ["3", ""]])
  #expect(parsed.lines == [2, 3])
}

@Test func loneCarriageReturnEndsALine() throws {
  let parsed = try parseAll("a,b\r1,2\r\r3,4\r")
  #expect(parsed.records == [["1", "2"], ["3", "4"]])
  #expect(parsed.lines == [2, 4])
}

@Test func quotedFieldMayContainSeparatorsAndDoubledQuotes() throws {
  let parsed = try parseAll("name,note\n\"Li, Wei\",\"say \"\"hi\"\"\"\n\"\",\"\"\"\"\n")
  #expect(parsed.records == [["Li, Wei", "say \"hi\""], ["", "\""]])
}

@Test func quotedFieldMaySpanLines() throws {
  let parsed = try parseAll("a,b\n\"one\ntwo\nthree\",x\nnext,y\n\"c\r\nd\",z\rlast,w")
  #expect(
    parsed.records == [["one\ntwo\nthree", "x"], ["next", "y"], ["c\r\nd", "z"], ["last", "w"]])
  #expect(parsed.lines == [2, 5, 6, 8])
}

@Test func quoteInsideAnUnquotedFieldIsData() throws {
  let parsed = try parseAll("a,b\n5\" screen,x\"y\"\n")
  #expect(parsed.records == [["5\" screen", "x\"y\""]])
}

@Test func trailingEmptyFieldsAreKept() throws {
  let parsed = try parseAll("a,b,c\n1,,\n,,\n1,2,\n")
  #expect(parsed.records == [["1", "", ""], ["", "", ""], ["1", "2", ""]])
  let last = try parseAll("a,b,c\n1,2,")
  #expect(last.records == [["1", "2", ""]])
}

@Test func blankLinesAreSkippedButStillCounted() throws {
  let parsed = try parseAll("\n\na,b\n\n1,2\n\r\n\r\n3,4\n\n")
  #expect(parsed.header == ["a", "b"])
  #expect(parsed.records == [["1", "2"], ["3", "4"]])
  #expect(parsed.lines == [5, 8])
}

@Test func finalLineWithoutALineEndIsARecord() throws {
  #expect(try parseAll("a,b\n1,2").records == [["1", "2"]])
  #expect(try parseAll("a,b\n1,\"2\"").records == [["1", "2"]])
  #expect(try parseAll("a,b\n1,2\r").records == [["1", "2"]])
}

@Test func recordsMayHaveMoreOrFewerFieldsThanTheHeader() throws {
  let parsed = try parseAll("a,b\n1\n1,2,3,4\n")
  #expect(parsed.records == [["1"], ["1", "2", "3", "4"]])
}

@Test func headerNamesAreTrimmed() throws {
  let parsed = try parseAll(" date ,\t消耗\u{3000},\"\u{FEFF}cost \"\n1,2,3\n")
  #expect(parsed.header == ["date", "消耗", "cost"])
  #expect(parsed.records == [["1", "2", "3"]])
}

@Test func headerOnlyFileHasNoRecords() throws {
  let parsed = try parseAll("a,b\n")
  #expect(parsed.header == ["a", "b"])
  #expect(parsed.records.isEmpty)
}

@Test func emptyFilesAreRefusedAsAWhole() throws {
  for bytes: [UInt8] in [[], [0xEF, 0xBB, 0xBF], Array("\n\r\n\n".utf8), Array(" \n ".utf8)] {
    let error = failure(bytes).error
    #expect(error?.line == 0)
    #expect(error?.message.hasPrefix("empty file") == true)
  }
}

@Test func manyFieldsInOneRecordAreRead() throws {
  let cells = (0..<1000).map { "f\($0)" }
  let parsed = try parseAll(cells.joined(separator: ",") + "\n" + cells.joined(separator: ","))
  #expect(parsed.header == cells)
  #expect(parsed.records == [cells])
}

// MARK: - Delimited text errors

@Test func unclosedQuoteNamesTheLineWhereTheFieldBegan() {
  let result = failure("a,b\n1,2\n3,\"open\nmore\nstill\n")
  #expect(result.error?.line == 3)
  #expect(result.error?.message.contains("never closed") == true)
  #expect(result.before == [["1", "2"]])
}

@Test func textAfterAClosingQuoteIsAnErrorNamingItsLine() {
  let result = failure("a,b\n1,2\n\"x\ny\"z,3\n")
  #expect(
    result.error
      == ReadError(
        line: 4,
        message: "unexpected text after a closing quote; double the quote inside a quoted field"))
  #expect(result.before == [["1", "2"]])
  #expect(failure("a,b\n\"x\" ,1\n").error?.line == 2)
}

@Test func nulBytesInTheFirstBytesMeanNotText() {
  let result = failure(Array("a,b\n1,".utf8) + [0] + Array("2\n".utf8))
  #expect(result.error?.line == 0)
  #expect(result.error?.message.contains("contains NUL bytes; is this a text file?") == true)
}

@Test func nulBytesLaterNameTheirLine() {
  let filler = String(repeating: "xxxxxxx,y\n", count: 7000)  // 70,000 bytes: past detection
  for bad in ["1,\u{0}\n", "1,\"a\u{0}\"\n"] {
    let result = failure(Array(("a,b\n" + filler + bad).utf8), chunks: [5, 4096, 1 << 20])
    #expect(result.error?.line == 7002)
    #expect(result.error?.message.contains("NUL bytes") == true)
    #expect(result.before.count == 7000)
  }
}

@Test func fieldOverTheLimitIsAnErrorNamingItsLine() throws {
  let chunks = [65536, 100_000, 1 << 20]
  let limit = RecordFiles.maxFieldBytes
  let atLimit = try parseAll(
    Array(("a,b\n1,2\n3," + String(repeating: "x", count: limit) + "\n").utf8), chunks: chunks)
  #expect(atLimit.records.last?.last?.utf8.count == limit)
  let over = failure(
    "a,b\n1,2\n3," + String(repeating: "x", count: limit + 1) + "\n", chunks: chunks)
  #expect(over.error?.line == 3)
  #expect(over.error?.message.contains("longer than 1 MiB") == true)
  let unclosed = failure(
    "a,b\n1,2\n3,\"" + String(repeating: "x\n", count: limit) + "\n", chunks: chunks)
  #expect(unclosed.error?.line == 3)
  #expect(unclosed.error?.message.contains("never closed") == true)
}

@Test func recordOverTheLimitIsAnErrorNamingItsLine() throws {
  let chunks = [65536, 1 << 20]
  let field = String(repeating: "y", count: 1 << 19)
  let cells = Array(repeating: field, count: RecordFiles.maxRecordBytes / field.utf8.count + 1)
  let result = failure("a,b\n1,2\n\n" + cells.joined(separator: ",") + "\n", chunks: chunks)
  #expect(result.error?.line == 4)
  #expect(result.error?.message.contains("longer than 4 MiB") == true)
  #expect(result.before == [["1", "2"]])
}

@Test func invalidUTF8AfterTheDetectionWindowNamesTheLineAndSuggestsGB18030() {
  let filler = String(repeating: "中文,y\n", count: 8000)  // 72,000 bytes
  let bytes = Array(("a,b\n" + filler + "1,\"x\ny\"\n2,").utf8) + [0xD6, 0xD0] + [0x0A]
  let result = failure(bytes, chunks: [3, 4096, 1 << 20])
  #expect(result.error?.line == 8004)
  #expect(result.error?.remedy == .chooseEncoding("gb18030"))
  #expect(result.before.count == 8001)
}

@Test func explicitUTF8NamesTheLineOfInvalidBytes() {
  let bytes = Array("a,b\n1,2\n3,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
  let result = failure(bytes, encoding: .utf8)
  #expect(result.error?.line == 3)
  #expect(result.error?.message.contains("invalid utf-8") == true)
  #expect(result.before == [["1", "2"]])
}

@Test func utf8ValidationRejectsOverlongsSurrogatesAndTruncation() {
  let cases: [[UInt8]] = [
    [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
    [0xE4, 0xB8], [0x80], [0xFF],
  ]
  for bad in cases {
    #expect(!UTF8Check.isValid(Array("abcdefghij".utf8) + bad, allowTruncatedEnd: false))
  }
  #expect(UTF8Check.isValid(Array("abcdefghij中".utf8).dropLast(1), allowTruncatedEnd: true))
  #expect(!UTF8Check.isValid(Array("abcdefghij中".utf8).dropLast(1), allowTruncatedEnd: false))
  #expect(UTF8Check.isValid(Array("ascii and 中文 and 😀 é".utf8), allowTruncatedEnd: false))
}

@Test func utf8WhoseDetectionWindowEndsInsideACharacterIsStillUTF8() throws {
  // 2 + 3 × 21,845 bytes: the 64 KiB window ends after the first byte of the last 中.
  let text = "a\n" + String(repeating: "中", count: 21_845) + "\n"
  #expect((2 + 3 * 21_845) > RecordFiles.detectionWindow)
  #expect((2 + 3 * 21_844) < RecordFiles.detectionWindow)
  let parsed = try parseAll(Array(text.utf8), chunks: [4096, 1 << 20])
  #expect(parsed.encoding == "utf-8")
  #expect(parsed.records == [[String(repeating: "中", count: 21_845)]])
}

@Test func utf16IsRefusedAsAWhole() {
  let error = failure([0xFF, 0xFE, 0x61, 0x00, 0x0A, 0x00]).error
  #expect(error?.line == 0)
  #expect(error?.message.contains("utf-16") == true)
}

@Test func missingFileAndDirectoryAreRefusedAsAWhole() {
  do {
    _ = try RecordFiles.open(path: "/nonexistent/x.csv")
    Issue.record("a missing file must not open")
  } catch {
    #expect(error.line == 0)
    #expect(error.message.hasPrefix("cannot open the file: no such file"))
  }
  do {
    _ = try RecordFiles.open(path: NSTemporaryDirectory())
    Issue.record("a directory must not open")
  } catch {
    #expect(error.line == 0)
    #expect(error.message.contains("directory"))
  }
}

@Test func fileReadsLikeTheSameBytesInMemory() throws {
  var text = "date,video_id,cost\n"
  for row in 0..<30_000 { text += "2026-05-01,v\(row),\"1,\(row).5\"\n" }
  let bytes = Array(text.utf8)
  let path = try temporaryFile(bytes)
  defer { unlink(path) }
  var partial: Parsed?
  let memory = try parse(bytes, chunk: 1 << 20, into: &partial)
  for chunk in [4096, 1 << 20] {
    var source = try RecordFiles.open(path: path, encoding: .auto, chunkSize: chunk)
    #expect(source.totalBytes == bytes.count)
    #expect(source.header == memory.header)
    var records: [[String]] = []
    while try source.next() {
      records.append((0..<source.fieldCount).map { source.string(at: $0) })
    }
    #expect(records == memory.records)
    #expect(source.bytesRead == bytes.count)
  }
}

// MARK: - GB18030

private let chineseCSV = """
  日期,视频ID,来源,消耗（元）,备注
  2026-05-01,v1,千川,"1,234.50","含""引号""与
  换行"
  2026-05-02,v2,DOU+,88,𠀀生僻字😀与€
  2026-05-03,v3,淘宝联盟,0,
  """

@Test func gb18030FileReadsToTheSameStringsAsUTF8() throws {
  let utf8 = try parseAll(chineseCSV)
  #expect(utf8.header == ["日期", "视频ID", "来源", "消耗（元）", "备注"])
  #expect(utf8.records[0][4] == "含\"引号\"与\n换行")
  let encoded = gb18030(chineseCSV)
  #expect(encoded.count != chineseCSV.utf8.count)
  let detected = try parseAll(encoded)
  #expect(detected.encoding == "gb18030")
  #expect(detected.header == utf8.header)
  #expect(detected.records == utf8.records)
  #expect(detected.lines == utf8.lines)
  let chosen = try parseAll(encoded, encoding: .gb18030)
  #expect(chosen.records == utf8.records)
}

@Test func gb18030LargerThanTheDetectionWindowReadsAcrossChunks() throws {
  var text = "日期,来源,备注\n"
  for row in 0..<5000 { text += "2026-05-01,千川,第\(row)行：测试😀\n" }
  let utf8 = try parseAll(Array(text.utf8), chunks: [1 << 20])
  let gb = try parseAll(gb18030(text), chunks: [1, 5, 4099, 1 << 20])
  #expect(gb.encoding == "gb18030")
  #expect(gb.records == utf8.records)
  #expect(gb.records.count == 5000)
}

@Test func invalidGB18030NamesItsLine() {
  let bytes = gb18030("日期,来源\n2026,千川\n2027,") + [0x81, 0x20] + Array("\n".utf8)
  let result = failure(bytes)
  #expect(result.error?.line == 3)
  #expect(result.error?.message.contains("gb18030") == true)
  #expect(result.before == [["2026", "千川"]])
  let cut = failure(gb18030("日期,来源\n2026,千川") + [0xB0])
  #expect(cut.error?.line == 2)
  #expect(cut.error?.message.contains("middle of a gb18030 character") == true)
}

// MARK: - JSON

@Test func jsonArrayOfObjectsGivesKeysAsHeader() throws {
  let text = """
    [
      {"date": "2026-05-01", "cost": 1.50, "ok": true, "note": null},
      {"cost": -0, "date": "2026-05-02", "ok": false},
      {
        "date": "2026-05-03",
        "cost": 12345678901234567890
      }
    ]
    """
  let parsed = try parseAll(text)
  #expect(parsed.format == "json")
  #expect(parsed.header == ["date", "cost", "ok", "note"])
  #expect(
    parsed.records == [
      ["2026-05-01", "1.50", "true", ""], ["2026-05-02", "-0", "false", ""],
      ["2026-05-03", "12345678901234567890", "", ""],
    ])
  #expect(parsed.lines == [2, 3, 4])
}

@Test func jsonNumbersKeepTheirLiteralText() throws {
  let parsed = try parseAll(#"[{"a": 1e5, "b": -12.5E-3, "c": 0.10, "d": 7}]"#)
  #expect(parsed.records == [["1e5", "-12.5E-3", "0.10", "7"]])
  for bad in [#"[{"a": 01}]"#, #"[{"a": 1.}]"#, #"[{"a": -}]"#, #"[{"a": 1e}]"#, "[{\"a\": +1}]"] {
    #expect(failure(bad).error != nil, "\(bad) must be refused")
  }
}

@Test func jsonStringEscapesAreDecoded() throws {
  let text = #"[{"s": "a\"b\\c\/d\n\t\r\b\f\u00e9\u4E2D\ud83d\ude00 中"}]"#
  let parsed = try parseAll(text)
  #expect(parsed.records == [["a\"b\\c/d\n\t\r\u{8}\u{C}é中😀 中"]])
}

@Test func jsonStringsWithBadEscapesOrControlCharactersAreErrors() {
  let cases = [
    #"[{"s": "\ud83d"}]"#, #"[{"s": "\ude00"}]"#, #"[{"s": "\ud83d\u0041"}]"#, #"[{"s": "\x"}]"#,
    #"[{"s": "\u12G4"}]"#, "[{\"s\": \"a\tb\"}]", #"[{"s": "\u0000"}]"#, #"[{"s": "open"#,
  ]
  for text in cases {
    let error = failure(text).error
    #expect(error?.line == 1, "\(text)")
  }
}

@Test func ndjsonReadsOneObjectPerLineAndSkipsBlankLines() throws {
  let text = "{\"a\": \"1\", \"b\": 2}\r\n\r\n{\"b\": 3, \"a\": \"x\"}\n  \n{\"a\": null}\n"
  let parsed = try parseAll(text)
  #expect(parsed.format == "ndjson")
  #expect(parsed.header == ["a", "b"])
  #expect(parsed.records == [["1", "2"], ["x", "3"], ["", ""]])
  #expect(parsed.lines == [1, 3, 5])
}

@Test func jsonWithByteOrderMarkIsRead() throws {
  let parsed = try parseAll([0xEF, 0xBB, 0xBF] + Array("[{\"日期\": \"2026-05-01\"}]".utf8))
  #expect(parsed.encoding == "utf-8 (bom)")
  #expect(parsed.header == ["日期"])
  #expect(parsed.records == [["2026-05-01"]])
}

@Test func jsonNestedValueIsAnErrorNamingTheLine() {
  let result = failure("[\n{\"a\": 1},\n{\"a\": [1, 2]}\n]")
  #expect(result.error?.line == 3)
  #expect(result.error?.message.contains("\"a\" is an array") == true)
  #expect(result.before == [["1"]])
  let object = failure("{\"a\": 1}\n{\"a\": {\"b\": 2}}\n")
  #expect(object.error?.line == 2)
  #expect(object.error?.message.contains("is an object") == true)
}

@Test func jsonUnknownKeyIsAnErrorNamingTheLineAndTheKey() {
  let result = failure("{\"a\": 1, \"b\": 2}\n{\"a\": 3}\n{\"a\": 4, \"extra\": 5}\n")
  #expect(result.error?.line == 3)
  #expect(result.error?.message.contains("unknown key \"extra\"") == true)
  #expect(result.before == [["1", "2"], ["3", ""]])
}

@Test func jsonStructuralErrorsNameTheirLines() {
  let duplicate = failure("[{\"a\": 1, \"a\": 2}]").error
  #expect(duplicate?.message.contains("appears twice") == true)
  let laterDuplicate = failure("{\"a\": 1, \"b\": 2}\n{\"b\": 1, \"a\": 2, \"b\": 3}\n").error
  #expect(laterDuplicate?.line == 2)
  #expect(laterDuplicate?.message.contains("\"b\" appears twice") == true)
  let trailingComma = failure("[\n{\"a\": 1},\n]").error
  #expect(trailingComma?.line == 3)
  #expect(trailingComma?.message.contains("comma") == true)
  let unclosed = failure("[\n{\"a\": 1},\n{\"a\": 2}\n").error
  #expect(unclosed?.line == 4)
  #expect(unclosed?.message.contains("not closed") == true)
  #expect(failure("[{\"a\": 1}] x").error?.line == 1)
  #expect(failure("[{\"a\": 1} {\"a\": 2}]").error?.message.contains("expected , or ]") == true)
  #expect(failure("{\"a\": 1} {\"a\": 2}\n").error?.message.contains("one object per line") == true)
  #expect(failure("{\"a\": 1}\n[1]\n").error?.line == 2)
  #expect(failure("[1, 2]").error?.line == 1)
  #expect(failure("[{a: 1}]").error?.message.contains("key in double quotes") == true)
  #expect(failure("[{\"a\" 1}]").error?.message.contains("expected :") == true)
  #expect(failure("[{\"a\": tru}]").error != nil)
  let empty = failure("[ ]").error
  #expect(empty?.line == 0)
  #expect(empty?.message.contains("no objects") == true)
}

// MARK: - Property

/// One random field: commas, quotes, tabs, line ends, Chinese text and emoji.
private func randomField(_ generator: inout SplitMixGenerator) -> String {
  let pieces = [
    "a", "Z", "9", ".", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "\t", "中", "文", "千川", "😀",
    "€", "𠀀", "-",
  ]
  let length = Int.random(in: 0...8, using: &generator)
  return (0..<length).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
}

/// Writes records as RFC 4180 text and returns it with each record's expected line.
private func writeDelimited(
  _ records: [[String]], separator: String, generator: inout SplitMixGenerator
) -> (text: String, lines: [Int]) {
  var text = ""
  var lines: [Int] = []
  let lineEnds = ["\n", "\r\n", "\r"]
  for (index, record) in records.enumerated() {
    while Int.random(in: 0..<6, using: &generator) == 0 {
      text += lineEnds.randomElement(using: &generator) ?? "\n"
    }
    lines.append(1 + countLineEnds(text))
    let cells = record.map { field in
      let needsQuotes =
        field.contains(separator) || field.contains("\"") || field.contains("\r")
        || field.contains("\n") || (record.count == 1 && field.isEmpty)
      guard needsQuotes || Int.random(in: 0..<4, using: &generator) == 0 else { return field }
      return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    text += cells.joined(separator: separator)
    if index < records.count - 1 || Bool.random(using: &generator) {
      text += lineEnds.randomElement(using: &generator) ?? "\n"
    }
  }
  return (text, lines)
}

/// Line ends as the reader counts them: LF, CRLF or a lone CR.
private func countLineEnds(_ text: String) -> Int {
  var count = 0
  var previous: UInt8 = 0
  for byte in text.utf8 {
    if byte == 0x0D || (byte == 0x0A && previous != 0x0D) { count += 1 }
    previous = byte
  }
  return count
}

@Test func randomRecordsRoundTripForEveryChunkSize() throws {
  for seed: UInt64 in 1...12 {
    var generator = SplitMixGenerator(state: seed)
    let separator = seed % 3 == 0 ? "\t" : ","
    let columns = Int.random(in: 2...6, using: &generator)
    let header = (0..<columns).map { "col\($0)" }
    let records = (0..<150).map { _ in
      (0..<Int.random(in: 1...7, using: &generator)).map { _ in randomField(&generator) }
    }
    let (body, lines) = writeDelimited(
      [header] + records, separator: separator, generator: &generator)
    let chunks = [1, 3, 7, 64, 4096, 1 << 20]
    let parsed = try parseAll(Array(body.utf8), chunks: chunks)
    #expect(parsed.format == separator)
    #expect(parsed.header == header, "seed \(seed)")
    #expect(parsed.records == records, "seed \(seed)")
    #expect(parsed.lines == Array(lines.dropFirst()), "seed \(seed)")
    if seed % 4 == 1 {
      let gb = try parseAll(gb18030(body), encoding: .gb18030, chunks: [1, 7, 4096])
      #expect(gb.records == records, "seed \(seed) in gb18030")
      #expect(gb.lines == parsed.lines)
    }
  }
}
