import Foundation
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

// Hostile workbooks: a valid .xlsx damaged at random (seeded), in its zip structure or in its
// XML, must import or be refused with problems listed (exit 65), never crash or hang.

private let goodRows: [[XlsxCell]] = [
  [.text("日期"), .text("视频ID"), .text("流量来源"), .text("展示次数"), .text("消耗")],
  [.date("46143"), .text("v1"), .text("千川"), .number("1000"), .number("12.5")],
  [.date("46144"), .text("v2"), .text("千川"), .number("2000"), .number("1E-2")],
  [.text("合计"), .none, .none, .number("3000"), .number("12.51")],
]

/// Pieces of XML that break a sheet in the ways a damaged or hostile file does.
private let xmlSnippets = [
  "<", ">", "\"", "&", "&#xFFFFFFFF;", "&#;", "<![CDATA[", "]]>", "<!--", "<?", "</row>",
  "<row r=\"0\">", "<row r=\"99999999\">", "<c r=\"XFE1048577\">", "<c r=\"A0\">", "<c r=\"\">",
  "<c r=\"ZZZZZ1\">", "<v>", "</v>", "<c t=\"s\"><v>-1</v></c>",
  "<c t=\"s\"><v>99999999999</v></c>",
  "<c s=\"99999\"><v>1</v></c>", "<c s=\"1\"><v>1E+99999</v></c>", "<is><t>", "</c>", "\u{0}",
  "<c t=\"e\"><v>#N/A</v></c>", "<!DOCTYPE x [<!ENTITY a \"b\">]>",
]

private enum Damage: CaseIterable {
  case flipBytes, truncate, wrongSizes, sheetXML, sharedStringsXML
}

/// Sets the size fields of every local and central zip header to values drawn from `random`.
private func wrongSizes(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
  var index = 0
  while index + 46 < bytes.count {
    let local = bytes[index..<index + 4].elementsEqual([0x50, 0x4B, 0x03, 0x04])
    let central = bytes[index..<index + 4].elementsEqual([0x50, 0x4B, 0x01, 0x02])
    if local || central, random.int(0...2) == 0 {
      let field = index + (local ? 18 : 20) + Int(random.int(0...1)) * 4
      let value = UInt32(truncatingIfNeeded: random.next())
      for byte in 0..<4 { bytes[field + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }
    index += 1
  }
}

private func sheetXML(_ random: inout SplitMix64) -> String {
  var xml =
    #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
  xml +=
    #"<row r="1"><c r="A1" t="inlineStr"><is><t>日期</t></is></c><c r="B1" t="inlineStr"><is><t>视频ID</t></is></c><c r="C1" t="inlineStr"><is><t>流量来源</t></is></c><c r="D1" t="inlineStr"><is><t>展示次数</t></is></c></row>"#
  xml +=
    #"<row r="2"><c r="A2" s="1"><v>46143</v></c><c r="B2" t="inlineStr"><is><t>v1</t></is></c><c r="C2" t="inlineStr"><is><t>自然</t></is></c><c r="D2"><v>5</v></c></row>"#
  xml += "</sheetData></worksheet>"
  var chars = Array(xml)
  for _ in 0...random.int(0...3) {
    let snippet = xmlSnippets[Int(random.int(0...Int64(xmlSnippets.count - 1)))]
    chars.insert(contentsOf: snippet, at: Int(random.int(0...Int64(chars.count))))
  }
  if random.int(0...4) == 0 { chars.removeLast(Int(random.int(0...Int64(chars.count)))) }
  return String(chars)
}

@Test func damagedWorkbooksImportOrAreRefusedWhole() throws {
  var random = SplitMix64(state: 1313)
  let fixture = try Fixture()
  let good = Array(try XlsxWriter(rows: goodRows).data())
  var imported = 0
  var refused = 0
  let cases = 200
  for index in 0..<cases {
    let damage = Damage.allCases[index % Damage.allCases.count]
    var bytes = good
    switch damage {
    case .flipBytes:
      for _ in 0...random.int(0...3) {
        bytes[Int(random.int(0...Int64(bytes.count - 1)))] ^= UInt8(random.int(1...255))
      }
    case .truncate:
      bytes.removeLast(Int(random.int(1...Int64(bytes.count))))
    case .wrongSizes:
      wrongSizes(&bytes, &random)
    case .sheetXML:
      var workbook = XlsxWriter(rows: goodRows)
      workbook.compressed = random.int(0...1) == 0
      workbook.sheets[0].rawXML = sheetXML(&random)
      bytes = Array(try workbook.data())
    case .sharedStringsXML:
      var workbook = XlsxWriter(rows: goodRows)
      let sst =
        "<sst><si><t>日期</t></si><si><r><t>视频</t></r><r><t>ID</t></r><rPh><t>x</t></rPh></si>"
        + "<si><t>千川</t></si><si><t>v1</t></si><si><t>v2</t></si><si><t>合计</t></si><si/>"
        + "<si><t>流量来源</t></si><si><t>展示次数</t></si><si><t>消耗</t></si></sst>"
      var chars = Array(sst)
      let snippet = xmlSnippets[Int(random.int(0...Int64(xmlSnippets.count - 1)))]
      chars.insert(contentsOf: snippet, at: Int(random.int(0...Int64(chars.count))))
      workbook.extraParts = ["xl/sharedStrings.xml": Array(String(chars).utf8)]
      bytes = Array(try workbook.data())
    }
    let path = try fixture.bytes("\(index).xlsx", bytes)
    do {
      try fixture.importing(.metrics, [path]) { $0.write.createMissing = true }
      imported += 1
    } catch {
      refused += 1
      guard case .invalidData(let problems) = error else {
        Issue.record("case \(index) (\(damage)): not a data error: \(error)")
        continue
      }
      #expect(!problems.isEmpty)
      for problem in problems {
        #expect(problem.description.hasPrefix(path), "case \(index): \(problem)")
        #expect(problem.description.count < 2_000)
      }
    }
  }
  #expect(imported + refused == cases)
  #expect(imported > 0 && refused > 0, "imported \(imported), refused \(refused)")
  print("xlsx fuzz: \(cases) cases, \(imported) imported, \(refused) refused")
}
