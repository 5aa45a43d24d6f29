import Foundation
import LedgerStore
import TestSupport
import Testing
import ZIPFoundation

@testable import LedgerImport

// A compressed part of a workbook is inflated within its own bytes (ZipEntryBytes): a damaged
// part whose deflate stream runs on to the file's end is refused, not read for ever.

/// A workbook of the fuzz test's made at 10:11 one day (its parts' times are in its bytes), with
/// a flipped byte in `xl/sharedStrings.xml`'s compressed data: ZIPFoundation's inflater read on
/// past the part to the file's end and looped there, and the import never ended.
private let runOnWorkbook = [
  "UEsDBBQAAAgIAGlRg11MsxDVLAEAACkDAAAYAAAAeGwvd29ya3NoZWV0cy9zaGVldDEueG1sjZJRboMgAED/dwrD",
  "f0WQuqZRm3W6E2wHIIrVTMEAs9vtR0tDkDbL/sSHjweSH76nMVqYVIPgBUBxAiLGG9EO/FSAj/e3zQ5ESlPe0lFw",
  "VoAfpsChfMrPQn6qnjEdGQFXBei1nvcQqqZnE1WxmBk3pBNyotoM5QmqWTLaXj+aRoiTJIMTHTiwhr38j0N03dCw",
  "SjRfE+PaSiQbqTb5qh9mBcr8ukJFNS1zKc6R8SLztrk8vCAQ6QJcZi1lksOlzGFzY0efoTV79Rles8pn6ZrVPiOO",
  "QdPl4rCLw+aobayZnCESyI7Yk22DQJ9lQSC2W0qSYMf1DeB4+zgtdWlpkEaCtNRb/jlIS/9IS+2J3qdZgOoNfpxG",
  "XBrx9LtAT+xPudcTt3MU+KF3faC75eUvUEsDBBQAAAgIAGlRg12/7OqhkAAAALIAAAATAAAAW0NvbnRlbnRfVHlw",
  "ZXNdLnhtbCWOSw7CMAxErxJ537qwQAgl6aLACcoBrOB+RJtEjUHl9qR06XkzntH1Ok/qw0sagzdwKCtQ7F14jr43",
  "8GjvxRlqq9tv5KSy1ScDg0i8ICY38EypDJF9Jl1YZpJ8Lj1Gci/qGY9VdUIXvLCXQrYfYPWVO3pPom5rlvfaHAfV",
  "7L6tygDFOI2OJGPcKFqN/xH2B1BLAwQUAAAICABpUYNdHEn3vqQAAAAWAQAACwAAAF9yZWxzLy5yZWxzjc/BDsIg",
  "DAbgVyG9O6YHY8zYLsZkVzMfAFnHyAYlgDrfXo7OePDY9P+/plWz2Jk9MERDTsC2KIGhU9QbpwVcu/PmAE1dXXCW",
  "KSfiaHxkueKigDElf+Q8qhGtjAV5dHkzULAy5TFo7qWapEa+K8s9D58GrE3W9gJC22+BdS+P/9g0DEbhidTdoks/",
  "TnwlsiyDxiRgmfmTwnQjmoqMAq8rvnqwfgNQSwMEFAAACAgAaVGDXfME5u2zAAAAFwEAAA8AAAB4bC93b3JrYm9v",
  "ay54bWyNj8sOgkAMRX9l0r0OuDCGAG6MCTsT9QNGKDKBmZJ2fHy+o0jcuurt6/Q23z7doO7IYskXkC4TUOhraqy/",
  "FnA+7Rcb2Jb5g7i/EPUqTnspoAthzLSWukNnZEkj+thpiZ0JMeWrlpHRNNIhBjfoVZKstTPWw0TI+B8Gta2tcUf1",
  "zaEPE4RxMCF6lc6OAj9nB9Zl/jkn36i8cVjA8a1TUJ9a1cQfQXFmo+CqSSFu6XlNz7DyBVBLAwQUAAAICABpUYNd",
  "8KZigaYAAAAXAQAAGgAAAHhsL19yZWxzL3dvcmtib29rLnhtbC5yZWxzjc9LCsIwEADQq4TZ22ldiEjTbkToVuoB",
  "QjpNSpsPSfzd3uBCLLhwNczvDVO3D7OwG4U4OcuhKkpgZKUbJqs4XPrTZg9tU59pESlPRD35yPKKjRx0Sv6AGKUm",
  "I2LhPNncGV0wIuU0KPRCzkIRbstyh+HbgLXJuoFD6IYKWP/09I/txnGSdHTyasimHyfw7sIcNVHKqAiKEodPKeI7",
  "VEVWAZsaVx82L1BLAwQUAAAICABpUYNdGh9WGeYAAADIAQAADQAAAHhsL3N0eWxlcy54bWyVkUGLgzAQhf9KyN3G",
  "LiJL0fSwIOxlL+3CHrxkzViFTBKSWPTfb6ylVXraXJKZN9+bBymOIypyBed7o0u636WUgG6M7PWlpN/nKnmnR174",
  "MCk4dQCBxHntS9qFYA+M+aYDFH5nLOiotMahCLF0F+atAyH9DKFib2maMxS9przQA1YYPGnMoENc+miR5fqUsZln",
  "lCx2H0ZCSad46gSxTqSsSdcdECnjBbub8aIBpU5zzp92Yz22K9v0xqxHF3DFZK8MGdsHvJH22VMjwlo1fQ34C666",
  "BZ/3vxD5v5Fss5/d48bX81f4H1BLAwQUAAAICABpUYNdkIkIhwQBAAAoAgAAFAAAAHhsL3NoYXJlZFN0cmluZ3Mu",
  "eG1sjZGxSgNBFEV7v2KY3swmhWiYnRSKYK8fMOw+swu7M+u+2UU7RdA0YixCGoNEDDYiWphA/ifj5i8cBbGTKS/v",
  "3HsfXN47zTNSQ4mpViFttwJKQEU6TlU/pEeH+5vblKCRKpaZVhDSM0DaExsc0RBnVRjSxJiiyxhGCeQSW7oA5S7H",
  "usylcbLsMyxKkDEmACbPWCcItlguU0VJpCtlQrpDSaXSkwp2f7XgmAr+U9HFQkau2WUglDVQYccze//AmRGcfWP/",
  "oM3z1frx7mDPC7YfF+vrWzuZ2eXQy7B6H30+Le3L1I7e/Brmg+Z87IXWbb8Xbi5Xi4lfYscvcThoXqd/KHNTRy9Q",
  "SwECFQMUAAAICABpUYNdTLMQ1SwBAAApAwAAGAAAAAAAAAAAAAAApIEAAAAAeGwvd29ya3NoZWV0cy9zaGVldDEu",
  "eG1sUEsBAhUDFAAACAgAaVGDXb/s6qGQAAAAsgAAABMAAAAAAAAAAAAAAKSBYgEAAFtDb250ZW50X1R5cGVzXS54",
  "bWxQSwECFQMUAAAICABpUYNdHEn3vqQAAAAWAQAACwAAAAAAAAAAAAAApIEjAgAAX3JlbHMvLnJlbHNQSwECFQMU",
  "AAAICABpUYNd8wTm7bMAAAAXAQAADwAAAAAAAAAAAAAApIHwAgAAeGwvd29ya2Jvb2sueG1sUEsBAhUDFAAACAgA",
  "aVGDXfCmYoGmAAAAFwEAABoAAAAAAAAAAAAAAKSB0AMAAHhsL19yZWxzL3dvcmtib29rLnhtbC5yZWxzUEsBAhUD",
  "FAAACAgAaVGDXRofVhnmAAAAyAEAAA0AAAAAAAAAAAAAAKSBrgQAAHhsL3N0eWxlcy54bWxQSwECFQMUAAAICABp",
  "UYNdkIkIhwQBAAAoAgAAFAAAAAAAAAAAAAAApIG/BQAAeGwvc2hhcmVkU3RyaW5ncy54bWxQSwUGAAAAAAcABwDC",
  "AQAA9QYAAAAA",
].joined()

@Test(.timeLimit(.minutes(5)))
func aWorkbookWhosePartRunsOnPastItsBytesIsRefusedAsDamagedNotReadForEver() throws {
  let fixture = try Fixture()
  let path = try fixture.bytes("run-on.xlsx", Array(Data(base64Encoded: runOnWorkbook)!))

  #expect {
    try fixture.importing(.metrics, [path]) { $0.write.createMissing = true }
  } throws: { error in
    guard case LedgerError.invalidData(let problems) = error else { return false }
    return problems.map(\.description) == [
      "\(path):1: file: the workbook is damaged (xl/sharedStrings.xml is cut short); open it "
        + "in excel and save it again, or export the report as .csv"
    ]
  }
  #expect(try fixture.metrics().isEmpty)
}

/// A ZIP64 archive of one entry `a.txt` (its sizes and its local header's offset in ZIP64
/// extra fields, its directory found through the ZIP64 locator), the entry's 5 bytes at `data`.
private func zip64Archive() -> (bytes: [UInt8], data: UInt64) {
  func le(_ value: UInt64, _ width: Int) -> [UInt8] {
    (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
  }
  let name = Array("a.txt".utf8)
  let content = Array("hello".utf8)
  let prefix = [UInt8](repeating: 0x20, count: 7)  // bytes before the first header
  var bytes = prefix
  let local = UInt64(bytes.count)
  // Local header: sizes 0xFFFFFFFF, a ZIP64 extra field of both sizes.
  let localExtra = le(1, 2) + le(16, 2) + le(5, 8) + le(5, 8)
  bytes += le(0x0403_4b50, 4) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4)
  bytes += le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(UInt64(name.count), 2)
  bytes += le(UInt64(localExtra.count), 2) + name + localExtra
  let data = UInt64(bytes.count)
  bytes += content
  // Central directory: sizes and the local header's offset 0xFFFFFFFF, all three in the extra.
  let directory = UInt64(bytes.count)
  let extra = le(1, 2) + le(24, 2) + le(5, 8) + le(5, 8) + le(local, 8)
  bytes += le(0x0201_4b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4)
  bytes += le(0, 4) + le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(UInt64(name.count), 2)
  bytes += le(UInt64(extra.count), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4)
  bytes += le(0xFFFF_FFFF, 4) + name + extra
  let directorySize = UInt64(bytes.count) - directory
  // ZIP64 end record, its locator, then the end record with 0xFFFFFFFF for both.
  let record = UInt64(bytes.count)
  bytes += le(0x0606_4b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4)
  bytes += le(1, 8) + le(1, 8) + le(directorySize, 8) + le(directory, 8)
  bytes += le(0x0706_4b50, 4) + le(0, 4) + le(record, 8) + le(1, 4)
  bytes += le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2)
  bytes += le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(0, 2)
  return (bytes, data)
}

@Test
func anEntrysBytesAreFoundThroughZIP64Records() throws {
  let fixture = try Fixture()
  let (bytes, data) = zip64Archive()
  let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: fixture.bytes("64.zip", bytes)))
  defer { try? handle.close() }

  #expect(try ZipEntryBytes.dataOffset(of: "a.txt", in: handle) == data)
  #expect(try ZipEntryBytes.dataOffset(of: "b.txt", in: handle) == nil)
}

@Test
func anEntrysBytesAreFoundInAWorkbookAndNotInWhatIsNoZipArchive() throws {
  let fixture = try Fixture()
  var writer = XlsxWriter(rows: [
    [.text("date"), .text("video_id")], [.date("46143"), .text("v1")],
  ])
  writer.compressed = false  // stored: each part's bytes are in the file as they are
  let workbook = Array(try writer.data())
  let path = try fixture.bytes("w.xlsx", workbook)
  let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
  defer { try? handle.close() }
  let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
  var found = 0
  for entry in archive {
    let start = try #require(try ZipEntryBytes.dataOffset(of: entry.path, in: handle))
    var part = Data()
    _ = try archive.extract(entry) { part.append($0) }
    #expect(Array(workbook[Int(start)..<Int(start) + part.count]) == Array(part), "\(entry.path)")
    found += 1
  }
  #expect(found >= 4)

  let text = try FileHandle(
    forReadingFrom: URL(fileURLWithPath: fixture.file("t.xlsx", "date,video_id\n")))
  defer { try? text.close() }
  #expect(try ZipEntryBytes.dataOffset(of: "xl/workbook.xml", in: text) == nil)
}
