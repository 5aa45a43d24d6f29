import Foundation
import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

/// One real-shaped export as its CSV text, and how it is imported.
private struct Export: Sendable, CustomTestStringConvertible {
  var name: String
  var kind: RecordKind
  var csv: String
  var asOf: Day?
  /// `--source`, for a file without a source column whose export has no one source.
  var source: Source?

  var testDescription: String { name }
}

/// The exports as the platforms hand them out (docs/exports.md), each of which must store the
/// same rows whether downloaded as .csv or as .xlsx.
private let exports: [Export] = [
  Export(
    name: "千川 material report with both GMVs", kind: .metrics,
    csv: """
      日期,素材ID,视频ID,计划ID,消耗,展示次数,直接成交金额,整体成交金额,直接成交订单数,整体成交订单数
      2026-05-01,M9,v1,AD1,100.00,5000,300.00,450.00,3,5
      2026-05-02,M9,v1,AD1,5210.12,120000,9885.7,10020.3,41,45
      """),
  Export(
    name: "随心推 orders", kind: .metrics,
    csv: """
      日期,视频ID,订单ID,消耗,展示次数,成交金额,成交订单数,支付ROI
      2026-05-01,v1,S1,300.00,12000,1260.50,9,4.20
      2026-05-01,v2,S2,0.5,30,0,0,0
      """),
  Export(
    name: "DOU+ order report without a date", kind: .metrics,
    csv: """
      订单ID,视频ID,下单时间,投放时长,消耗,播放量,点赞量
      O1,v1,2026-05-01 10:00,6,100.00,3000,60
      O2,v1,2026-05-01 22:00,6,100.01,1001,5
      """),
  Export(
    name: "罗盘 shop GMV with refunds", kind: .metrics,
    csv: """
      日期,视频ID,成交金额,退款金额,成交订单数,退款订单数
      2026-05-01,v1,1000.00,120.50,8,1
      2026-05-02,v2,50,5,1,0
      """, source: .natural),
  Export(
    name: "云图 O-5A, wide, with 感知 and 购买", kind: .audience,
    csv: """
      日期,品牌,O机会人群,A1感知人群,A2吸引人群,A3种草人群,A4购买人群,A5复购人群,人群总资产
      2026-05-01,山茶花,8000000,120.5万,300000,1.2亿,5000,600,120814200
      """),
  Export(
    name: "云图 O-5A, long, with 新增 and 流失", kind: .audience,
    csv: """
      日期,品牌,层级,人数,新增,流失,占比
      2026-05-01,山茶花,O 机会,1000,10,20,5.5%
      2026-05-01,山茶花,A1 感知,2000,11,21,5.5%
      2026-05-01,山茶花,A2 吸引,3000,12,22,5.5%
      2026-05-01,山茶花,A3 种草,4000,13,23,5.5%
      2026-05-01,山茶花,A4 购买,5000,14,24,5.5%
      2026-05-01,山茶花,A5 复购,6000,15,25,5.5%
      """),
  Export(
    name: "星图 KOL list with quotes", kind: .kols,
    csv: """
      星图ID,达人UID,抖音号,抖音昵称,粉丝（万）,1-20s报价,21-60s报价,60s以上报价,预期CPM,预期CPE,播放中位数,互动率,完播率
      6912345,1001,dy1,小美,120.5,12000,2.5万,30000.5,35.2,0.8,85.3万,3.25%,0.4512
      """,
    asOf: Day(year: 2026, month: 5, day: 1)),
]

/// A CSV row split into cells (the fixtures quote nothing).
private func cells(_ line: Substring) -> [String] {
  line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
}

/// The cell an export's workbook holds for `text`: plain decimals are number cells (as Excel
/// stores them), everything else text.
private func workbookCell(_ text: String) -> XlsxCell {
  let isNumber =
    !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
    && text.filter { $0 == "." }.count <= 1 && !text.hasPrefix(".") && !text.hasSuffix(".")
  return isNumber ? .number(text) : .text(text)
}

/// What a ledger stores of an import, beyond the batch that made it.
private func stored(_ ledger: Ledger) throws -> String {
  try ledger.read { db in
    var text = ""
    for (table, order) in [
      ("metric", "1, 2, 3, 4"), ("audience", "1, 2"), ("kol", "1"), ("kol_followers", "1, 2"),
      ("kol_quote", "1, 2"), ("material", "1"),
    ] {
      let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)")
      text +=
        "\(table): "
        + rows.map { row in
          row.columnNames.filter { $0 != "batch_id" }.map { "\($0)=\(row[$0] ?? "NULL")" }
            .joined(separator: " ")
        }.joined(separator: "; ") + "\n"
    }
    return text
  }
}

@Test(arguments: exports)
private func eachExportStoresTheSameRowsAsCSVAndAsXlsx(_ export: Export) throws {
  let lines = export.csv.split(separator: "\n")
  let viaCSV = try Fixture()
  let viaXlsx = try Fixture()
  let csv = try viaCSV.file("export.csv", export.csv + "\n")
  let workbook = XlsxWriter(rows: lines.map { cells($0).map(workbookCell) })
  let xlsx = viaXlsx.folder + "/export.xlsx"
  try workbook.write(to: xlsx)
  let configure: (inout ImportOptions) -> Void = { options in
    options.asOf = export.asOf
    options.source = export.source
    options.write.createMissing = true
  }
  let fromCSV = try viaCSV.importing(export.kind, [csv], configure: configure)
  let fromXlsx = try viaXlsx.importing(export.kind, [xlsx], configure: configure)
  #expect(fromCSV.files.first?.profile == fromXlsx.files.first?.profile)
  #expect(fromCSV.files.first?.rows == lines.count - 1)
  let csvRows = try stored(viaCSV.ledger)
  #expect(csvRows == (try stored(viaXlsx.ledger)))
  // Something of the file was stored, not two empty ledgers that agree.
  #expect(csvRows.split(separator: "\n").contains { $0.contains("=") })
}
