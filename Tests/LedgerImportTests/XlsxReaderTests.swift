import Foundation
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

/// Writes `workbook` into the fixture's folder and reads every record of it.
private func records(
  _ workbook: XlsxWriter, sheet: String? = nil, in fixture: Fixture
) throws -> (header: [String], rows: [[String]], lines: [Int]) {
  let path = fixture.folder + "/book-\(UUID().uuidString).xlsx"
  try workbook.write(to: path)
  var source = try RecordFiles.open(path: path, sheet: sheet)
  var rows: [[String]] = []
  var lines: [Int] = []
  while try source.next() {
    rows.append((0..<source.fieldCount).map { source.string(at: $0) })
    lines.append(source.line)
  }
  return (source.header, rows, lines)
}

/// The one problem of a refused import, as printed.
private func refusal(_ body: () throws -> Void) -> String {
  do {
    try body()
  } catch let error as LedgerError {
    return error.description
  } catch let error as ReadError {
    return error.message + (error.remedy.map { "; \($0)" } ?? "")
  } catch {
    return "\(error)"
  }
  return "accepted"
}

@Test func numbersReadAsTheirExactDecimalText() throws {
  let fixture = try Fixture()
  let read = try records(
    XlsxWriter(rows: [
      [.text("a"), .text("b"), .text("c"), .text("d"), .text("e")],
      [.number("1234.5"), .number("0.1"), .number("5210.12"), .number("1E-3"), .number("1.5E+3")],
      [
        .number("-2.5e2"), .formatted("12"), .number("123456789012345"), .number("1E+400"), .none,
      ],
      [.number("9885.700000000001"), .number("759.9299999999999"), .number("0.30000000000000004")],
    ]), in: fixture)
  #expect(read.header == ["a", "b", "c", "d", "e"])
  #expect(read.rows[0] == ["1234.5", "0.1", "5210.12", "0.001", "1500"])
  #expect(read.rows[1] == ["-250", "12", "123456789012345", "1E+400"])
  // 17 digits are a double's printout: its shortest decimal is what was typed.
  #expect(read.rows[2] == ["9885.7", "759.93", "0.30000000000000004"])
}

@Test func moneyFromCellsIsExactToTheFen() throws {
  let fixture = try Fixture()
  let path = fixture.folder + "/m.xlsx"
  try XlsxWriter(rows: [
    [.text("date"), .text("video_id"), .text("source"), .text("impressions"), .text("cost")],
    [.date("46143"), .text("v1"), .text("dou_plus"), .number("1000"), .number("1234.5")],
    [.date("46144"), .text("v1"), .text("dou_plus"), .number("1000"), .number("0.1")],
    [.date("46145"), .text("v1"), .text("dou_plus"), .number("1000"), .number("5210.12")],
  ]).write(to: path)
  try fixture.importing(.metrics, [path])
  let costs = try fixture.metrics().map {
    $0.split(separator: "|", omittingEmptySubsequences: false)[5]
  }
  #expect(costs == ["123450", "10", "521012"])
}

@Test func dateSerialsReadAsDaysInBothSystems() {
  func date(_ serial: String, _ system1904: Bool = false) -> String {
    switch Array(serial.utf8).withUnsafeBufferPointer({
      XlsxCells.date(serial: $0, system1904: system1904)
    }) {
    case .text(let bytes): return String(decoding: bytes, as: UTF8.self)
    case .refused(let message): return "refused: " + message
    }
  }
  #expect(date("61") == "1900-03-01")
  #expect(date("59") == "1900-02-28")
  #expect(date("1") == "1900-01-01")
  #expect(date("60").hasPrefix("refused: the date serial 60 is 1900-02-29"))
  #expect(date("45778") == "2025-05-01")
  #expect(date("45778.5") == "2025-05-01 12:00:00")
  #expect(date("45778.99998") == "2025-05-01 23:59:58")
  #expect(date("45778.9999999") == "2025-05-02")
  #expect(date("0").hasPrefix("refused"))
  #expect(date("-1").hasPrefix("refused"))
  #expect(date("4.5778E+4") == "2025-05-01")
  #expect(date("99999999").hasPrefix("refused"))
  #expect(date("0", true) == "1904-01-01")
  #expect(date("44316", true) == "2025-05-01")
  #expect(date("x").hasPrefix("refused"))
}

@Test func dateCellsOfTheSheetAndThe1904System() throws {
  let fixture = try Fixture()
  var workbook = XlsxWriter(rows: [
    [.text("d"), .text("t"), .text("n")],
    [.date("45778"), .dateTime("45778.75"), .number("45778")],
  ])
  #expect(
    try records(workbook, in: fixture).rows == [["2025-05-01", "2025-05-01 18:00:00", "45778"]])
  workbook.date1904 = true
  #expect(try records(workbook, in: fixture).rows[0][0] == "2029-05-02")
}

@Test func customDateFormatsAreToldFromNumberFormats() {
  #expect(XlsxCells.isDateFormat(id: 14, code: nil))
  #expect(XlsxCells.isDateFormat(id: 46, code: nil))
  #expect(!XlsxCells.isDateFormat(id: 4, code: nil))
  #expect(XlsxCells.isDateFormat(id: 164, code: "yyyy/mm/dd"))
  #expect(XlsxCells.isDateFormat(id: 165, code: "[$-804]yyyy\"年\"m\"月\"d\"日\""))
  #expect(!XlsxCells.isDateFormat(id: 166, code: "[Red]#,##0.00"))
  #expect(!XlsxCells.isDateFormat(id: 167, code: "0.00\" days\""))
  #expect(!XlsxCells.isDateFormat(id: 168, code: "General"))
}

@Test func inlineAndSharedStringsSparseCellsAndBooleans() throws {
  let fixture = try Fixture()
  let rows: [[XlsxCell]] = [
    [.text("名称"), .none, .text("b & <c>")],
    [.text("小美\u{1F600}"), .bool(true), .bool(false), .formulaText("x&y")],
  ]
  for shared in [true, false] {
    var workbook = XlsxWriter(rows: rows)
    workbook.sharedStrings = shared
    let read = try records(workbook, in: fixture)
    #expect(read.header == ["名称", "", "b & <c>"])
    #expect(read.rows == [["小美\u{1F600}", "true", "false", "x&y"]])
  }
  var sparse = XlsxWriter(
    sheets: [
      XlsxSheet(
        name: "S",
        numberedRows: [
          (2, [.text("a"), .none, .text("c")]), (5, [.none, .none, .number("7")]), (6, []),
          (9, [.number("1")]),
        ])
    ])
  let read = try records(sparse, in: fixture)
  #expect(read.header == ["a", "", "c"])
  #expect(read.rows == [["", "", "7"], ["1"]])
  #expect(read.lines == [5, 9])
  // Without references, cells follow one another: the gaps close.
  sparse.omitReferences = true
  #expect(try records(sparse, in: fixture).rows == [["7"], ["1"]])
}

@Test func entitiesAndMarkupAreDecodedAndOthersSkipped() throws {
  let xml = XMLTokenizer(
    bytes: Array(
      "<?xml version=\"1.0\"?><!DOCTYPE x><!-- a > b --><a k='1&gt;2' x:n=\"&#x4E2D;&#20013;\">t&amp;&lt;&quot;&apos;&#65;&bogus;&<![CDATA[<c>]]></a>"
        .utf8))
  var tokens: [String] = []
  var text: [UInt8] = []
  while true {
    let token = try xml.next()
    if token == .finished { break }
    if case .start = token {
      tokens.append("start " + (xml.attribute("k") ?? "") + " " + (xml.attribute("n") ?? ""))
    }
    if token == .text { xml.appendText(to: &text) }
    if token == .end { tokens.append("end") }
  }
  #expect(tokens == ["start 1>2 中中", "end"])
  #expect(String(decoding: text, as: UTF8.self) == "t&<\"'A&bogus;&<c>")
}

@Test func aSecondSheetIsReadByName() throws {
  let fixture = try Fixture()
  let workbook = XlsxWriter(sheets: [
    XlsxSheet(name: "说明", rows: [[.text("note")]]),
    XlsxSheet(name: "素材报表", rows: [[.text("a")], [.number("1")]]),
  ])
  #expect(try records(workbook, in: fixture).header == ["note"])
  #expect(try records(workbook, sheet: "素材报表", in: fixture).rows == [["1"]])
  let message = refusal { _ = try records(workbook, sheet: "Sheet9", in: fixture) }
  #expect(message == "no sheet named 'Sheet9'; the sheets are: '说明', '素材报表'; choose one of them")
}

@Test func errorCellsAreProblemsOnlyInMappedColumns() throws {
  let fixture = try Fixture()
  let path = fixture.folder + "/e.xlsx"
  try XlsxWriter(rows: [
    [.text("date"), .text("video_id"), .text("source"), .text("impressions"), .text("备注")],
    [.date("46143"), .text("v1"), .text("natural"), .number("10"), .error("#DIV/0!")],
    [.date("46144"), .text("v1"), .text("natural"), .error("#VALUE!"), .number("1")],
    [.date("60"), .text("v1"), .text("natural"), .number("3"), .number("1")],
  ]).write(to: path)
  let message = refusal { try fixture.importing(.metrics, [path]) }
  #expect(
    message == """
      \(path):Sheet1!D3: impressions: the cell holds the error #VALUE!; fix the formula in the \
      workbook or clear the cell
      \(path):Sheet1!A4: date: the date serial 60 is 1900-02-29, a day that never was (excel's \
      1900 leap-year bug); enter the real date
      """)
  #expect(try fixture.metrics().isEmpty)
}

@Test func badValuesAreNamedByTheirCell() throws {
  let fixture = try Fixture()
  let path = fixture.folder + "/c.xlsx"
  try XlsxWriter(rows: [
    [.text("date"), .text("video_id"), .text("source"), .text("impressions"), .text("cost")],
    [.date("46143"), .text("v9"), .text("dou_plus"), .number("10"), .number("1.234")],
    [.date("46144"), .text("v9"), .text("dou_plus"), .number("10"), .number("1")],
  ]).write(to: path)
  let message = refusal { try fixture.importing(.metrics, [path]) }
  #expect(message.hasPrefix("\(path):Sheet1!E2: cost: "))
  #expect(message.contains("\(path):Sheet1!3: video_id: "))
}

@Test func damagedAndForeignFilesAreRefusedInOneLine() throws {
  let fixture = try Fixture()
  let good = try XlsxWriter(rows: [[.text("a")], [.number("1")]]).data()
  func refusalOf(_ name: String, _ bytes: [UInt8]) -> String {
    refusal {
      let path = try fixture.bytes(name, bytes)
      var source = try RecordFiles.open(path: path)
      while try source.next() {}
    }
  }
  #expect(
    refusalOf(
      "old.xls", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 600)
    )
    .hasPrefix("an old excel .xls workbook or a password-protected .xlsx"))
  #expect(refusalOf("x.xlsx", Array("date,video_id\n".utf8)).contains("not a zip archive"))
  #expect(
    refusalOf("t.xlsx", Array(good.prefix(good.count / 2))).contains("the workbook is damaged"))
  var xlsb = XlsxWriter(rows: [[.text("a")]])
  xlsb.omittedParts = ["xl/workbook.xml"]
  xlsb.extraParts = ["xl/workbook.bin": [1, 2, 3]]
  #expect(refusalOf("b.xlsb", Array(try xlsb.data())).contains("(.xlsb)"))
  var zip = XlsxWriter(rows: [[.text("a")]])
  zip.omittedParts = ["xl/workbook.xml"]
  #expect(refusalOf("z.zip", Array(try zip.data())).contains("not an excel workbook"))
  var badXML = XlsxWriter(rows: [])
  badXML.sheets[0].rawXML =
    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row><row r=\"2\"><c r=\"A2\"><v>1</v"
  #expect(refusalOf("x2.xlsx", Array(try badXML.data())).contains("the sheet is damaged"))
  var beyond = XlsxWriter(rows: [[.text("a")], [.raw("<c r=\"XFE2\"><v>1</v></c>")]])
  #expect(refusalOf("x3.xlsx", Array(try beyond.data())).contains("beyond the last cell"))
  beyond.sheets[0].rows = [(1, [.text("a")]), (2, [.raw("<c r=\"2A\"><v>1</v></c>")])]
  #expect(refusalOf("x4.xlsx", Array(try beyond.data())).contains("malformed reference"))
  beyond.sheets[0].rows = [(1, [.text("a")]), (2, [.raw("<c r=\"A2\" t=\"s\"><v>99</v></c>")])]
  #expect(refusalOf("x5.xlsx", Array(try beyond.data())).contains("names shared string 99"))
}

@Test func aHugeSharedStringTableIsRefusedWithAMessage() throws {
  let fixture = try Fixture()
  let path = fixture.folder + "/big.xlsx"
  let rows: [[XlsxCell]] = [[.text("a")]] + (0..<2000).map { [.text("text number \($0)")] }
  try XlsxWriter(rows: rows).write(to: path)
  var limits = XlsxLimits()
  limits.sharedStringsBytes = 10_000
  let message = refusal { _ = try RecordFiles.open(path: path, sheet: nil, limits: limits) }
  #expect(message.hasPrefix("xl/sharedStrings.xml is larger than"))
  #expect(message.contains("export the report as .csv"))
}

@Test func isoDateCellsAndChartSheets() throws {
  let fixture = try Fixture()
  let dates = XlsxWriter(rows: [
    [.text("d"), .text("e")],
    [
      .raw(
        "<c r=\"A2\" t=\"d\"><v>2025-05-01T00:00:00</v></c>"
          + "<c r=\"B2\" t=\"d\"><v>2025-05-01T08:30:00.000Z</v></c>")
    ],
  ])
  #expect(try records(dates, in: fixture).rows == [["2025-05-01", "2025-05-01 08:30:00"]])
  var charts = XlsxWriter(sheets: [
    XlsxSheet(name: "图表", rows: []), XlsxSheet(name: "数据", rows: [[.text("a")], [.number("1")]]),
  ])
  let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
  charts.extraParts = [
    "xl/_rels/workbook.xml.rels": Array(
      ("<Relationships><Relationship Id=\"rId1\" Type=\"\(rel)/chartsheet\" "
        + "Target=\"chartsheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"\(rel)/worksheet\" "
        + "Target=\"/xl/worksheets/sheet2.xml\"/></Relationships>").utf8)
  ]
  #expect(try records(charts, in: fixture).header == ["a"])
  #expect(
    refusal { _ = try records(charts, sheet: "图表", in: fixture) }
      == "the sheet '图表' is a chart, not a table; the sheets are: '图表', '数据'; choose one of "
      + "them")
  #expect(try records(charts, sheet: " 数据 ", in: fixture).rows == [["1"]])
}
