import Foundation
import TestSupport
import Testing

// `aimt import` of .xlsx workbooks as a user meets it (docs/decisions.md, "xlsx").

/// A ledger with KOL dy1 and videos v1 to v4.
private func ledgerWithVideos() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  for video in 1...4 {
    try cli.ok("video", "add", "v\(video)", "--kol-id", "dy1", "--brand", "山茶花", "--create-missing")
  }
  return cli
}

/// Metric rows of several videos, days and sources, as cells and as CSV text.
private func twinRows() -> (cells: [[XlsxCell]], csv: String) {
  var cells: [[XlsxCell]] = [
    ["日期", "视频ID", "流量来源", "placement_id", "展示次数", "消耗", "成交金额", "成交订单数", "点赞数"]
      .map { .text($0) }
  ]
  var csv = "日期,视频ID,流量来源,placement_id,展示次数,消耗,成交金额,成交订单数,点赞数\n"
  var random = SplitMix64(state: 13)
  for day in 0..<6 {
    for video in 1...4 {
      for source in ["自然", "千川", "DOU+"] {
        let impressions = random.int(0...2_000_000)
        let cost = source == "自然" ? 0 : random.int(0...5_000_000)
        let gmv = random.int(0...90_000_000)
        let costText = "\(cost / 100).\(cost % 100 < 10 ? "0" : "")\(cost % 100)"
        let gmvText = "\(gmv / 100).\(gmv % 100 < 10 ? "0" : "")\(gmv % 100)"
        let order = source == "DOU+" ? "DP-\(day)-\(video)" : ""
        cells.append([
          .date("\(46143 + day)"), .text("v\(video)"), .text(source),
          order.isEmpty ? .none : .text(order), .number("\(impressions)"),
          cost == 0 ? .none : .number(costText), .number(gmvText), .number("\(day * video)"),
          .number("\(video * 7)"),
        ])
        csv +=
          "2026-05-0\(day + 1),v\(video),\(source),\(order),\(impressions),"
          + "\(cost == 0 ? "" : costText),\(gmvText),\(day * video),\(video * 7)\n"
      }
    }
  }
  return (cells, csv)
}

@Test func anXlsxFileAndItsCSVTwinGiveTheSameLedger() throws {
  let (cells, csv) = twinRows()
  var outputs: [String] = []
  for shared in [true, false] {
    let cli = try ledgerWithVideos()
    var workbook = XlsxWriter(sheets: [XlsxSheet(name: "数据", rows: cells)])
    workbook.sharedStrings = shared
    try workbook.write(to: cli.path("m.xlsx"))
    let imported = try cli.ok("import", "metrics", "m.xlsx")
    #expect(imported.stdout.contains("m.xlsx: 72 rows"), "\(imported.stdout)")
    #expect(imported.stdout.contains("sheet '数据', xlsx"), "\(imported.stdout)")
    let sql = "SELECT * FROM metric ORDER BY 1,2,3,4"
    outputs.append(try cli.ok("sql", sql, "--format", "csv").stdout)
  }
  let cli = try ledgerWithVideos()
  try Data(csv.utf8).write(to: URL(fileURLWithPath: cli.path("m.csv")))
  try cli.ok("import", "metrics", "m.csv")
  let fromCSV = try cli.ok("sql", "SELECT * FROM metric ORDER BY 1,2,3,4", "--format", "csv").stdout
  #expect(fromCSV.split(whereSeparator: \.isNewline).count == 73)
  #expect(outputs[0] == fromCSV)
  #expect(outputs[1] == fromCSV)
}

@Test func theSheetOptionChoosesASheetAndAnUnknownOneListsThem() throws {
  let cli = try ledgerWithVideos()
  try XlsxWriter(sheets: [
    XlsxSheet(name: "说明", rows: [[.text("本报表由巨量千川导出")]]),
    XlsxSheet(
      name: "素材报表",
      rows: [
        [.text("标题")],
        ["日期", "视频ID", "流量来源", "展示次数"].map { .text($0) },
        [.date("46143"), .text("v1"), .text("千川"), .number("5")],
        [.text("总计"), .none, .none, .number("5")],
      ]),
  ]).write(to: cli.path("q.xlsx"))
  let unknown = try cli.run(["import", "metrics", "q.xlsx", "--sheet", "Sheet1"])
  #expect(unknown.status == 65)
  #expect(
    unknown.stderr.contains(
      "q.xlsx:1: file: no sheet named 'Sheet1'; the sheets are: '说明', '素材报表'"),
    "\(unknown.stderr)")
  let first = try cli.run(["import", "metrics", "q.xlsx"])
  #expect(first.status == 65)
  #expect(first.stderr.contains("q.xlsx:说明!1: header: no built-in profile"), "\(first.stderr)")
  let chosen = try cli.ok("import", "metrics", "q.xlsx", "--sheet", "素材报表")
  #expect(chosen.stdout.contains("; skipped 1 title row and 1 total row"), "\(chosen.stdout)")
  #expect(try cli.sqlite3("aimt.db", "SELECT impressions FROM metric") == "5\n")
}

@Test func anOldXlsIsRefusedWithWhatToDo() throws {
  let cli = try CLI()
  try cli.ok("init")
  try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 512))
    .write(to: URL(fileURLWithPath: cli.path("old.xls")))
  let refused = try cli.run(["import", "metrics", "old.xls"])
  #expect(refused.status == 65)
  #expect(
    refused.stderr.contains("old.xls:1: file: an old excel .xls workbook"), "\(refused.stderr)")
  #expect(refused.stderr.contains("save it as .xlsx without a password, or as .csv"))
}
