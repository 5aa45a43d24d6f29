import Foundation
import ZIPFoundation

/// One cell of a test workbook.
public enum XlsxCell: Sendable, Equatable {
  /// No cell at all (a sparse row leaves it out).
  case none
  /// Text: a shared string or an inline one, as the writer's option says.
  case text(String)
  /// A number, written as this text in `<v>` (`1234.5`, `1E-3`).
  case number(String)
  /// A date serial number with a date style (`45778`, `45778.5`).
  case date(String)
  /// A date serial with a custom date-time format (`yyyy-mm-dd hh:mm`).
  case dateTime(String)
  /// A number with a built-in number format that is not a date (`#,##0.00`).
  case formatted(String)
  /// A boolean.
  case bool(Bool)
  /// A formula's error, such as `#DIV/0!`.
  case error(String)
  /// A formula with its text result (`t="str"`).
  case formulaText(String)
  /// The cell's XML as given, for damaged cells.
  case raw(String)
}

/// A sheet of a test workbook: rows of cells, each row written with its number.
public struct XlsxSheet: Sendable {
  public var name: String
  /// Row number → cells from column A; rows left out are missing from the XML.
  public var rows: [(number: Int, cells: [XlsxCell])]
  /// XML put in place of the whole sheet part (damage tests).
  public var rawXML: String?

  /// A sheet whose rows are numbered 1, 2, 3, … in order.
  public init(name: String, rows: [[XlsxCell]]) {
    self.name = name
    self.rows = rows.enumerated().map { ($0.offset + 1, $0.element) }
  }

  /// A sheet with the rows numbered as given (gaps are missing rows).
  public init(name: String, numberedRows: [(Int, [XlsxCell])]) {
    self.name = name
    rows = numberedRows.map { (number: $0.0, cells: $0.1) }
  }
}

/// Writes small `.xlsx` workbooks for the tests, as Excel lays them out: a content-types part,
/// the workbook with its relationships, styles with date formats, shared strings, and the
/// sheets.
public struct XlsxWriter: Sendable {
  public var sheets: [XlsxSheet]
  /// Text as shared strings (Excel's way) or inline strings (what some exporters write).
  public var sharedStrings = true
  /// The 1904 date system (`date1904` in the workbook).
  public var date1904 = false
  /// Leave out the `r` of every cell (allowed: cells then follow one another).
  public var omitReferences = false
  /// Deflate the parts (else stored).
  public var compressed = true
  /// Parts replaced or added as given (path → content), for damage tests.
  public var extraParts: [String: [UInt8]] = [:]
  /// Parts left out.
  public var omittedParts: Set<String> = []

  public init(sheets: [XlsxSheet]) { self.sheets = sheets }

  /// A workbook of one sheet named `Sheet1`.
  public init(rows: [[XlsxCell]]) { sheets = [XlsxSheet(name: "Sheet1", rows: rows)] }

  /// The workbook's bytes.
  public func data() throws -> Data {
    let archive = try Archive(data: Data(), accessMode: .create)
    var strings: [String] = []
    var index: [String: Int] = [:]
    var parts: [(String, [UInt8])] = []
    for (number, sheet) in sheets.enumerated() {
      let xml = sheet.rawXML ?? sheetXML(sheet, strings: &strings, index: &index)
      parts.append(("xl/worksheets/sheet\(number + 1).xml", Array(xml.utf8)))
    }
    parts.append(("[Content_Types].xml", Array(contentTypes.utf8)))
    parts.append(("_rels/.rels", Array(rootRels.utf8)))
    parts.append(("xl/workbook.xml", Array(workbookXML.utf8)))
    parts.append(("xl/_rels/workbook.xml.rels", Array(workbookRels.utf8)))
    parts.append(("xl/styles.xml", Array(stylesXML.utf8)))
    if sharedStrings {
      var sst = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
      sst += "\n<sst xmlns=\"\(ns)\" count=\"\(strings.count)\" uniqueCount=\"\(strings.count)\">"
      for text in strings { sst += "<si><t xml:space=\"preserve\">\(escaped(text))</t></si>" }
      sst += "</sst>"
      parts.append(("xl/sharedStrings.xml", Array(sst.utf8)))
    }
    for (path, bytes) in extraParts {
      parts.removeAll { $0.0 == path }
      parts.append((path, bytes))
    }
    for (path, bytes) in parts where !omittedParts.contains(path) {
      try archive.addEntry(
        with: path, type: .file, uncompressedSize: Int64(bytes.count),
        // A fixed time: the same workbook is the same bytes whenever a test makes it.
        modificationDate: Date(timeIntervalSince1970: 1_780_000_000),
        compressionMethod: compressed ? .deflate : .none
      ) { position, size in
        Data(bytes[Int(position)..<Int(position) + size])
      }
    }
    return archive.data ?? Data()
  }

  /// Writes the workbook to `path`.
  public func write(to path: String) throws {
    try data().write(to: URL(fileURLWithPath: path))
  }

  private let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
  private let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

  private var contentTypes: String {
    var xml =
      #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
    xml += #"<Default Extension="xml" ContentType="application/xml"/>"#
    xml += "</Types>"
    return xml
  }

  private var rootRels: String {
    #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
  }

  private var workbookXML: String {
    var xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"\(ns)\" xmlns:r=\"\(rel)\">"
    xml += date1904 ? "<workbookPr date1904=\"1\"/>" : "<workbookPr/>"
    xml += "<sheets>"
    for (number, sheet) in sheets.enumerated() {
      xml +=
        "<sheet name=\"\(escaped(sheet.name))\" sheetId=\"\(number + 1)\" r:id=\"rId\(number + 1)\"/>"
    }
    return xml + "</sheets></workbook>"
  }

  private var workbookRels: String {
    var xml =
      #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
    for number in sheets.indices {
      xml +=
        "<Relationship Id=\"rId\(number + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/sheet\(number + 1).xml\"/>"
    }
    return xml + "</Relationships>"
  }

  /// Styles: 0 General, 1 a built-in date (14), 2 a custom date-time (164), 3 a number (4).
  private var stylesXML: String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"\(ns)\">"
      + "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\\ hh:mm\"/></numFmts>"
      + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\"/></cellStyleXfs>"
      + "<cellXfs count=\"4\"><xf numFmtId=\"0\" xfId=\"0\"/><xf numFmtId=\"14\" xfId=\"0\" applyNumberFormat=\"1\"/>"
      + "<xf numFmtId=\"164\" xfId=\"0\" applyNumberFormat=\"1\"/><xf numFmtId=\"4\" xfId=\"0\"/></cellXfs>"
      + "</styleSheet>"
  }

  private func sheetXML(
    _ sheet: XlsxSheet, strings: inout [String], index: inout [String: Int]
  ) -> String {
    var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    xml += "<worksheet xmlns=\"\(ns)\" xmlns:r=\"\(rel)\"><sheetData>"
    for (number, cells) in sheet.rows {
      xml += "<row r=\"\(number)\">"
      for (column, cell) in cells.enumerated() {
        let reference = omitReferences ? "" : " r=\"\(Self.letters(column))\(number)\""
        switch cell {
        case .none: continue
        case .text(let text):
          if sharedStrings {
            let at = index[text] ?? strings.count
            if at == strings.count {
              strings.append(text)
              index[text] = at
            }
            xml += "<c\(reference) t=\"s\"><v>\(at)</v></c>"
          } else {
            xml += "<c\(reference) t=\"inlineStr\"><is><t>\(escaped(text))</t></is></c>"
          }
        case .number(let text): xml += "<c\(reference)><v>\(text)</v></c>"
        case .date(let text): xml += "<c\(reference) s=\"1\"><v>\(text)</v></c>"
        case .dateTime(let text): xml += "<c\(reference) s=\"2\"><v>\(text)</v></c>"
        case .formatted(let text): xml += "<c\(reference) s=\"3\"><v>\(text)</v></c>"
        case .bool(let value): xml += "<c\(reference) t=\"b\"><v>\(value ? 1 : 0)</v></c>"
        case .error(let text): xml += "<c\(reference) t=\"e\"><f>1/0</f><v>\(text)</v></c>"
        case .formulaText(let text):
          xml += "<c\(reference) t=\"str\"><f>A1&amp;\"\"</f><v>\(escaped(text))</v></c>"
        case .raw(let text): xml += text
        }
      }
      xml += "</row>"
    }
    return xml + "</sheetData></worksheet>"
  }

  /// `A` for 0, `AA` for 26.
  public static func letters(_ column: Int) -> String {
    var n = column + 1
    var out = ""
    while n > 0 {
      out = String(UnicodeScalar(UInt8(65 + (n - 1) % 26))) + out
      n = (n - 1) / 26
    }
    return out
  }

  private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
