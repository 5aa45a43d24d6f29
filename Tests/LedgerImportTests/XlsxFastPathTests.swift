import Foundation
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

// The reader's fast paths (whole date serials, one walk over a cell's attributes) must read
// exactly as the general paths do.

private func dateText(_ serial: String, _ system1904: Bool) -> String {
  switch Array(serial.utf8).withUnsafeBufferPointer({
    XlsxCells.date(serial: $0, system1904: system1904)
  }) {
  case .text(let bytes): return String(decoding: bytes, as: UTF8.self)
  case .refused(let message): return "refused: " + message
  }
}

@Test func wholeDateSerialsReadAsTheSameDayAsTheirDecimalForm() throws {
  var random = SplitMix64(state: 13)
  var serials = [0, 1, 59, 60, 61, 2_958_465, 2_958_466, 3_000_000, 3_000_001, 99_999_999]
  for _ in 0..<2_000 { serials.append(Int(random.int(0...3_000_100))) }
  for serial in serials {
    for system1904 in [false, true] {
      let whole = dateText("\(serial)", system1904)
      let decimal = dateText("\(serial).0", system1904)
      // The same day either way; a refusal quotes the serial as written.
      #expect(
        whole == decimal || (whole.hasPrefix("refused") && decimal.hasPrefix("refused")),
        "\(serial) \(system1904)")
      guard !whole.hasPrefix("refused") else { continue }
      let start = try #require(
        system1904 ? Day(year: 1904, month: 1, day: 1) : Day(year: 1899, month: 12, day: 30))
      let offset = !system1904 && serial < 60 ? serial + 1 : serial
      #expect(whole == start.adding(days: offset).description, "\(serial) \(system1904)")
    }
  }
  #expect(dateText("2958465", false) == "9999-12-31")
  #expect(dateText("2958466", false) == "refused: the date serial 2958466 is beyond the year 9999")
  #expect(dateText("3000001", false) == "refused: the date serial 3000001 is beyond the year 9999")
  #expect(dateText("0061", false) == "1900-03-01")
  #expect(
    dateText("0", false)
      == "refused: the date serial 0 has no day (excel shows it as 1900-01-00); enter the date")
  #expect(dateText("0.0000001", false).hasPrefix("refused: the date serial 0.0000001 has no day"))
  #expect(dateText("45778.000011574", false) == "2025-05-01 00:00:01")
}

@Test func cellAttributesAreReadInAnyOrderWithPrefixesAndQuotes() throws {
  let fixture = try Fixture()
  var workbook = XlsxWriter(rows: [[.text("d")], [.date("45778")]])
  let date = "<c r=\"A2\" s=\"1\"><v>45778</v></c>"
  workbook.sheets[0].rawXML =
    #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="urn:x"><sheetData>"#
    + #"<row r="1"><c t="inlineStr" r="A1"><is><t>a</t></is></c><c x:t='inlineStr' x:r='B1' q="x>y"><is><t>b</t></is></c>"#
    + #"<c r="C1" r="E1" t="n" t="s"><v>7</v></c><c s="1" t="n" r="D1" s="0"><v>45778</v></c></row>"#
    + "<row r=\"2\">\(date)<c r=\"B2\" bad=x t=\"s\"><v>5</v></c></row>"
    + "</sheetData></worksheet>"
  let path = fixture.folder + "/attributes.xlsx"
  try workbook.write(to: path)
  var source = try RecordFiles.open(path: path, sheet: nil)
  // The first r, t and s of a cell count; a prefix is ignored; '>' may sit inside quotes.
  #expect(source.header == ["a", "b", "7", "2025-05-01"])
  #expect(try source.next())
  // An attribute without quotes ends the walk: B2 has no reference or type of its own.
  #expect((0..<source.fieldCount).map { source.string(at: $0) } == ["2025-05-01", "5"])
  #expect(try !source.next())
}

@Test func rawAttributesAreWalkedOnceInOrder() throws {
  let xml = XMLTokenizer(bytes: Array("<c a='1' x:b=\"2>\"  c = '3' d=4 e='5'/>".utf8))
  #expect(try xml.next() == .start(selfClosing: true))
  var seen: [String] = []
  xml.withRawAttributes { name, value in
    seen.append(
      String(decoding: name, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self))
    return true
  }
  #expect(seen == ["a=1", "b=2>", "c=3"])
  var first: [String] = []
  xml.withRawAttributes { name, _ in
    first.append(String(decoding: name, as: UTF8.self))
    return false
  }
  #expect(first == ["a"])
  #expect(xml.attribute("b") == "2>")
  #expect(xml.attribute("e") == nil)
  #expect(try xml.next() == .finished)
}
