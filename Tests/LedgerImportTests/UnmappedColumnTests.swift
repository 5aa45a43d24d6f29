import Foundation
import GRDB
import LedgerStore
import Testing

@testable import LedgerImport

// A header cell nobody maps must never make an import lose a number silently: a file of the
// wrong kind, a misspelt number column or a number column no profile knows is refused; names,
// ids, times and derived ratios are not numbers of the ledger and are ignored, and said so.

/// The problems of a refused import (empty when it succeeded).
private func refusal(_ body: () throws -> Void) -> [Problem] {
  do {
    try body()
    return []
  } catch let error as LedgerError {
    if case .invalidData(let problems) = error { return problems }
    return [SourceLocation.commandLine.problem("error", "\(error)")]
  } catch {
    return [SourceLocation.commandLine.problem("error", "\(error)")]
  }
}

@Test func aMisspeltNumberColumnIsRefusedWithTheClosestKnownName() throws {
  let fixture = try Fixture()
  let before = try fixture.snapshot()
  let path = try fixture.file(
    "orders.csv", "日期,视频ID,流量来源,展示数,成交定单数\n2026-05-01,v1,自然,100,3\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.count == 1, "\(problems)")
  let problem = try #require(problems.first)
  #expect(problem.location == SourceLocation(file: path, line: 1))
  #expect(problem.column == "成交定单数")
  #expect(problem.message.contains("did you mean 成交订单数?"), "\(problem.message)")
  #expect(problem.remedy == .ignoreColumn("成交定单数", rename: true))
  #expect(try fixture.snapshot() == before)
}

@Test func ignoreImportsTheFileWithoutTheColumnAndReportsIt() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "orders.csv", "日期,视频ID,流量来源,展示数,成交定单数\n2026-05-01,v1,自然,100,3\n")
  let report = try fixture.importing(.metrics, [path]) { $0.ignoredColumns = ["成交定单数"] }
  #expect(try fixture.metrics() == ["2026-05-01|v1|natural||100|0|0|0|0|0|0|0"])
  let ignored = try #require(report.ignoredColumns.first { $0.name == "成交定单数" })
  #expect(ignored.asked && ignored.reason == "asked" && ignored.remedy == nil)
}

@Test func ignoreNamesTheHeaderAsWrittenOrNormalised() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "m.csv", "date,video_id,source,impressions,Impresions（次）\n2026-05-01,v1,natural,100,3\n")
  try fixture.importing(.metrics, [path]) { $0.ignoredColumns = ["impresions"] }
  #expect(try fixture.metrics() == ["2026-05-01|v1|natural||100|0|0|0|0|0|0|0"])
}

@Test func ignoreOfACellNotInTheHeaderIsATypo() throws {
  let fixture = try Fixture()
  let before = try fixture.snapshot()
  let path = try fixture.file(
    "orders.csv", "日期,视频ID,流量来源,展示数,成交定单数\n2026-05-01,v1,自然,100,3\n")
  let problems = refusal {
    try fixture.importing(.metrics, [path]) { $0.ignoredColumns = ["成交定单", "成交定单数"] }
  }
  #expect(problems.count == 1, "\(problems)")
  #expect(problems.first?.column == "ignore")
  #expect(problems.first?.message.contains("成交定单") == true)
  #expect(problems.first?.message.contains("成交定单数") == true, "lists the header")
  #expect(try fixture.snapshot() == before)
}

@Test func ignoreOfAMappedColumnLeavesItOut() throws {
  let fixture = try Fixture()
  // Two cells map to impressions: --ignore keeps one.
  let path = try fixture.file(
    "m.csv", "日期,视频ID,流量来源,展示数,播放量,消耗\n2026-05-01,v1,DOU+,100,7,2.5\n")
  #expect(!refusal { try fixture.importing(.metrics, [path]) }.isEmpty)
  try fixture.importing(.metrics, [path]) { $0.ignoredColumns = ["播放量"] }
  #expect(try fixture.metrics() == ["2026-05-01|v1|dou_plus||100|250|0|0|0|0|0|0"])
}

@Test func aFileOfAnotherKindIsRefusedAndTheKindItReadsAsIsNamed() throws {
  let fixture = try Fixture()
  let before = try fixture.snapshot()
  let path = try fixture.file(
    "douplus-orders.csv",
    "订单ID,视频ID,下单时间,消耗,播放量\nO1,v9,2026-05-01 10:00,100,5000\n")
  let problems = refusal {
    try fixture.importing(.videos, [path]) { $0.write.createMissing = true }
  }
  #expect(problems.count == 1, "\(problems)")
  let problem = try #require(problems.first)
  #expect(problem.location == SourceLocation(file: path, line: 1))
  #expect(problem.column == "header")
  #expect(problem.message.contains("1 of 5"), "\(problem.message)")
  #expect(problem.message.contains("it reads as metrics"), "\(problem.message)")
  #expect(problem.remedy == .importAs(.metrics))
  #expect(try fixture.snapshot() == before)
}

@Test func aMetricsFileWithoutANumberColumnIsRefused() throws {
  let fixture = try Fixture()
  let path = try fixture.file("m.csv", "日期,视频ID,流量来源,备注\n2026-05-01,v1,自然,ok\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.count == 1, "\(problems)")
  #expect(problems.first?.column == "header")
  #expect(problems.first?.message.contains("impressions") == true)
}

@Test func anAudienceFileWithoutACountIsRefused() throws {
  let fixture = try Fixture()
  let path = try fixture.file("a.csv", "日期,品牌,备注\n2026-05-01,山茶花,x\n")
  let problems = refusal { try fixture.importing(.audience, [path]) }
  #expect(problems.first?.column == "header", "\(problems)")
}

@Test func anUnknownNumberColumnIsRefusedWithTheClosestName() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "m.csv", "date,video_id,source,impressions,佣金金额\n2026-05-01,v1,natural,1,5\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.count == 1, "\(problems)")
  #expect(problems.first?.column == "佣金金额")
  #expect(problems.first?.message.contains("did you mean") == true)
  #expect(problems.first?.remedy == .ignoreColumn("佣金金额", rename: true))
}

@Test func aMisspeltEnglishNumberColumnIsRefused() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "m.csv", "date,video_id,source,impressions,gvm\n2026-05-01,v1,natural,1,5\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.first?.message.contains("did you mean gmv?") == true, "\(problems)")
}

@Test func aMisspeltSourceColumnIsRefusedRatherThanReplacedByTheDefault() throws {
  let fixture = try Fixture()
  // Qianchuan's default source would silently stand in for the misspelt 流量来源.
  let path = try fixture.file(
    "m.csv", "日期,素材ID,流量来原,整体消耗\n2026-05-01,v1,自然,5\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.first?.column == "流量来原", "\(problems)")
  #expect(problems.first?.message.contains("did you mean 流量来源?") == true, "\(problems)")
}

@Test func namesIdsTimesAndRatiosDoNotBlockAnImport() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "plan.csv",
    "日期,计划名称,计划ID,视频ID,素材名称,创建时间,消耗,展示次数,成交金额,支付ROI,CTR,转化率(%)\n"
      + "2026-05-01,春季,P1,v1,口红,2026-04-30 10:00,10,1000,50,5.0,1.2%,3%\n")
  let report = try fixture.importing(.metrics, [path]) { $0.profile = .named("qianchuan") }
  #expect(try fixture.metrics() == ["2026-05-01|v1|qianchuan|P1|1000|1000|5000|0|0|0|0|0"])
  let reasons = Dictionary(
    report.ignoredColumns.map { ($0.name, $0.reason) }, uniquingKeysWith: { first, _ in first })
  #expect(Set(reasons.keys) == ["计划名称", "素材名称", "创建时间", "支付ROI", "CTR", "转化率(%)"])
  #expect(reasons["支付ROI"]?.contains("ratio") == true, "\(reasons)")
  #expect(reasons["计划名称"]?.contains("not a number") == true, "\(reasons)")
}

@Test func ignoredColumnsAreListedOnceForTheWholeImport() throws {
  let fixture = try Fixture()
  let text = "date,video_id,source,impressions,备注,ctr\n2026-05-0D,v1,natural,1,x,1%\n"
  let first = try fixture.file("a.csv", text.replacingOccurrences(of: "0D", with: "01"))
  let second = try fixture.file("b.csv", text.replacingOccurrences(of: "0D", with: "02"))
  let report = try fixture.importing(.metrics, [first, second])
  #expect(report.ignoredColumns.map(\.name) == ["备注", "ctr"])
  #expect(report.files.allSatisfy { !$0.profileReason.contains("ignored") })
}

// MARK: - Real-shaped exports still import

/// Imports `header` with one data row as `kind` and returns the problems (none expected).
private func importsCleanly(
  _ kind: RecordKind, _ header: [String], _ row: [String],
  configure: (inout ImportOptions) -> Void = { _ in }
) throws -> [String] {
  let fixture = try Fixture()
  let quoted = row.map { $0.contains(",") ? "\"\($0)\"" : $0 }
  let path = try fixture.file(
    "export.csv", header.joined(separator: ",") + "\n" + quoted.joined(separator: ",") + "\n")
  return refusal { try fixture.importing(kind, [path], configure: configure) }.map(\.description)
}

@Test func theQianchuanExportsImport() throws {
  #expect(
    try importsCleanly(
      .metrics,
      [
        "日期", "视频ID", "整体消耗", "整体展现次数", "整体点击次数", "整体点击率", "整体成交金额",
        "整体成交订单数", "整体支付ROI", "视频播放数", "视频点赞数", "视频评论数", "新增粉丝数",
      ],
      ["2026-05-01", "v1", "10", "1000", "20", "2%", "50", "1", "5", "900", "3", "1", "1"]
    ) == [])
  #expect(
    try importsCleanly(
      .metrics,
      [
        "日期", "視頻ID", "計劃ID", "消耗(元)", "展示次數(次)", "點擊次數", "平均千次展現費用(元)",
        "直接成交金額（元）", "直接成交訂單數", "支付ROI", "點贊數", "評論數", "分享數", "新增關注數",
      ],
      ["2026-05-01", "v1", "P1", "10", "1000", "20", "10", "50", "1", "5", "3", "1", "1", "1"]
    ) == [])
  #expect(
    try importsCleanly(
      .metrics,
      [
        "stat_time_day", "item_id", "ad_id", "stat_cost", "show_cnt", "click_cnt",
        "cpm_platform", "pay_order_amount", "pay_order_count", "prepay_and_pay_order_roi",
        "dy_like", "dy_comment", "dy_share", "dy_follow", "total_play",
      ],
      ["2026-05-01", "v1", "P1", "10", "1000", "20", "10", "50", "1", "5", "3", "1", "1", "1", "9"]
    ) == [])
}

@Test func theAdAndContentServiceReportsImport() throws {
  #expect(
    try importsCleanly(
      .metrics,
      [
        "日期", "广告ID", "视频ID", "总花费(元)", "展示数", "点击数", "点击率", "平均千次展现费用(元)",
        "转化数", "播放数", "点赞数", "评论数", "分享数", "新增关注数",
      ],
      ["2026-05-01", "A1", "v1", "10", "1000", "20", "2%", "10", "1", "900", "3", "1", "1", "1"]
    ) == [])
  #expect(
    try importsCleanly(
      .metrics,
      ["日期", "订单ID", "视频ID", "消耗(元)", "曝光量", "点击量", "点赞数", "评论数", "分享数", "关注数"],
      ["2026-05-01", "O1", "v1", "10", "1000", "20", "3", "1", "1", "1"]
    ) == [])
}

@Test func theDouplusOrderListImportsAsMetricsAndAsPlacements() throws {
  #expect(
    try importsCleanly(
      .metrics,
      [
        "订单ID", "视频ID", "视频标题", "抖音号", "下单时间", "投放金额(元)", "消耗（元）", "投放时长",
        "投放方式", "播放量", "点赞量", "评论量", "分享量", "新增粉丝量",
      ],
      [
        "O1", "v1", "标题", "dy1", "2026-05-01 10:00", "500", "480", "24小时", "智能投放", "9000",
        "30", "2", "1", "4",
      ]
    ) == [])
  #expect(
    try importsCleanly(
      .placements,
      [
        "订单ID", "视频ID", "视频标题", "抖音号", "下单时间", "投放金额(元)", "消耗（元）", "投放时长",
        "投放方式", "播放量", "点赞量",
      ],
      ["O1", "v1", "标题", "dy1", "2026-05-01 10:00", "500", "480", "24小时", "智能投放", "9000", "30"]
    ) == [],
    "a Dou+ order list has no tool column: its profile's source is the tool")
}

@Test func theShopYuntuAndXingtuExportsImport() throws {
  #expect(
    try importsCleanly(
      .metrics, ["统计日期", "内容ID", "商品ID", "商品名称", "付款金额(元)", "付款笔数", "付款人数"],
      ["2026-05-01", "v1", "G1", "口红", "50", "1", "1"]
    ) { $0.source = .natural } == [])
  #expect(
    try importsCleanly(
      .audience,
      [
        "日期", "品牌", "O机会人群", "A1了解人群", "A2吸引人群", "A3种草人群", "A4购买人群", "A5复购人群",
        "人群总资产",
      ],
      ["2026-05-01", "山茶花", "1", "2", "3", "4", "5", "6", "21"]
    ) == [])
  #expect(
    try importsCleanly(
      .kols,
      [
        "达人昵称", "抖音号", "星图ID", "粉丝数", "达人类型", "预期CPM", "互动率", "1-20s视频报价(元)",
        "日期",
      ],
      ["小美", "dy_xm", "X1", "1200000", "美妆", "30", "5%", "20000", "2026-05-01"]
    ) == [])
}
