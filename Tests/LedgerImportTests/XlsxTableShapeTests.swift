import Foundation
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

// Title rows above the header and total rows at the end, for every reader
// (docs/decisions.md, "Title and total rows").

private let csvWithTitleAndTotal = """
  巨量千川-素材报表
  导出时间：2026-05-02 10:00
  日期,视频ID,流量来源,展示次数,消耗
  2026-05-01,v1,千川,1000,12.50
  2026-05-01,v2,千川,2000,7.00
  合计,,,3000,19.50

  """

@Test func titleRowsAndATotalRowOfACSVAreSkippedAndCounted() throws {
  let fixture = try Fixture()
  let path = try fixture.file("q.csv", csvWithTitleAndTotal)
  let report = try fixture.importing(.metrics, [path])
  #expect(report.files[0].titleRows == 2)
  #expect(report.files[0].totalRows == 1)
  #expect(report.files[0].rows == 2)
  #expect(try fixture.metrics().count == 2)
}

@Test func aTSVWithATitleLineIsStillTabSeparated() throws {
  let fixture = try Fixture()
  let text = "巨量千川-素材报表\n日期\t视频ID\t流量来源\t展示次数\n2026-05-01\tv1\t千川\t5\nTotal\t\t\t5\n"
  let report = try fixture.importing(.metrics, [try fixture.file("q.tsv", text)])
  #expect(report.files[0].format == "\t")
  #expect(report.files[0].titleRows == 1)
  #expect(report.files[0].totalRows == 1)
}

@Test func aTotalRowAboveOtherRowsIsRefusedWithItsLine() throws {
  let fixture = try Fixture()
  let text = "日期,视频ID,流量来源,展示次数\n2026-05-01,v1,千川,5\n总计,,,5\n2026-05-02,v1,千川,6\n"
  let path = try fixture.file("mid.csv", text)
  #expect(throws: LedgerError.self) { try fixture.importing(.metrics, [path]) }
  do {
    try fixture.importing(.metrics, [path])
  } catch {
    #expect(
      error.description.hasPrefix("\(path):3: file: a total row ('总计') above other rows (line 4)"))
  }
  #expect(try fixture.metrics().isEmpty)
}

@Test func aTotalRowThatCarriesAnIdIsRefused() throws {
  let fixture = try Fixture()
  let text = "视频ID,日期,流量来源,展示次数\nv1,2026-05-01,千川,5\n合計,2026-05-01,千川,5\n"
  // The first cell is the video id column itself: the word is the only id, so it is a total.
  let skipped = try fixture.importing(.metrics, [try fixture.file("ok.csv", text)])
  #expect(skipped.files[0].totalRows == 1)
  let placed = "日期,视频ID,流量来源,展示次数\n2026-05-01,v1,千川,5\n合计,v1,千川,5\n"
  let path = try fixture.file("id.csv", placed)
  do {
    try fixture.importing(.metrics, [path])
    Issue.record("accepted")
  } catch {
    #expect(
      error.description.hasPrefix(
        "\(path):3: file: the row starts with '合计' like a total row, but it carries the id 'v1'"))
  }
}

@Test func withoutARecognisedHeaderTheFirstRowStaysTheHeader() throws {
  let fixture = try Fixture()
  let text = "报表\n说明\nfoo,bar\n1,2\n"
  let path = try fixture.file("none.csv", text)
  do {
    try fixture.importing(.metrics, [path])
    Issue.record("accepted")
  } catch {
    #expect(error.description.hasPrefix("\(path):1: header: no built-in profile reads this header"))
  }
  // A named profile finds its header below titles too.
  let titled = "报表\ndate,video_id,source,impressions\n2026-05-01,v1,natural,5\n"
  let report = try fixture.importing(.metrics, [try fixture.file("g.csv", titled)]) {
    $0.profile = .named("generic")
  }
  #expect(report.files[0].titleRows == 1)
}

@Test func anXlsxWithTitleAndTotalRowsMatchesItsCSVTwin() throws {
  let fixture = try Fixture()
  let path = fixture.folder + "/q.xlsx"
  try XlsxWriter(rows: [
    [.text("巨量千川-素材报表")],
    [.text("导出时间：2026-05-02 10:00")],
    [.text("日期"), .text("视频ID"), .text("流量来源"), .text("展示次数"), .text("消耗")],
    [.date("46143"), .text("v1"), .text("千川"), .number("1000"), .number("12.5")],
    [.date("46143"), .text("v2"), .text("千川"), .number("2000"), .number("7")],
    [.text("合计"), .none, .none, .number("3000"), .number("19.5")],
  ]).write(to: path)
  let report = try fixture.importing(.metrics, [path])
  #expect(report.files[0].titleRows == 2)
  #expect(report.files[0].totalRows == 1)
  #expect(report.files[0].format == "xlsx")
  let fromXlsx = try fixture.metrics()
  let twin = try Fixture()
  try twin.importing(.metrics, [try twin.file("q.csv", csvWithTitleAndTotal)])
  #expect(try twin.metrics() == fromXlsx)
  #expect(fromXlsx.count == 2)
}

@Test func totalWordsAreRecognised() {
  for word in ["合计", "总计", "合計", "總計", "Total", "TOTAL", "合计：", "total:"] {
    #expect(ShapedSource.totalWord(word) != nil, "\(word)")
  }
  for word in ["合计金额", "v1", "", "totals"] { #expect(ShapedSource.totalWord(word) == nil) }
}
