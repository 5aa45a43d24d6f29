import Foundation
import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

// The real exports' shapes (docs/exports.md): each imports with the file's numbers stored
// exactly, or is refused naming the column and the fix.

/// The problems an import was refused with, as `FILE:LINE: column: message` lines.
private func refusal(_ body: () throws -> Void) -> [String] {
  do {
    try body()
    return []
  } catch let error as LedgerError {
    if case .invalidData(let problems) = error { return problems.map(\.description) }
    return ["\(error)"]
  } catch {
    return ["\(error)"]
  }
}

extension Fixture {
  /// `date|video|source|order|impressions|cost|gmv|orders|likes|refund` per stored row.
  func stored() throws -> [String] {
    try ledger.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT date, video_id, source, placement_id, impressions, cost_fen, gmv_fen, orders,
                 likes, refund_fen
          FROM daily_metrics ORDER BY date, video_id, source, placement_id
          """
      ).map { row in
        row.databaseValues.map { value -> String in
          if case .string(let text) = value.storage { return text }
          return value.description
        }.joined(separator: "|")
      }
    }
  }
}

@Test(arguments: [false, true])
func suixintuiFileWithChineseHeadersBooksAsSuixintuiWithItsGMV(gb18030: Bool) throws {
  let fixture = try Fixture()
  let text =
    "日期,视频ID,订单ID,消耗,展示次数,成交金额,成交订单数,支付ROI\n"
    + "2026-05-01,v1,S1,300.00,12000,1260.50,9,4.20\n"
  let path =
    gb18030
    ? try fixture.bytes("suixintui.csv", TestSupport.gb18030(text))
    : try fixture.file("suixintui.csv", text)
  let report = try fixture.importing(.metrics, [path])
  #expect(report.files.first?.profile == "suixintui")
  #expect(try fixture.stored() == ["2026-05-01|v1|suixintui|S1|12000|30000|126050|9|0|0"])
}

@Test func qianchuanMaterialReportTakesTheDirectGMVByDefaultAndTheOverallOneOnRequest() throws {
  let header = "日期,素材ID,视频ID,计划ID,消耗,展示次数,直接成交金额,整体成交金额,直接成交订单数,整体成交订单数\n"
  let row = "2026-05-01,M9,v1,AD1,100.00,5000,300.00,450.00,3,5\n"
  let fixture = try Fixture()
  let path = try fixture.file("materials.csv", header + row)
  let report = try fixture.importing(.metrics, [path])
  #expect(report.files.first?.profile == "qianchuan")
  #expect(try fixture.stored() == ["2026-05-01|v1|qianchuan|AD1|5000|10000|30000|3|0|0"])
  let reasons = Dictionary(
    report.ignoredColumns.map { ($0.name, $0.reason) }, uniquingKeysWith: { a, _ in a })
  #expect(reasons["整体成交金额"] == "the other GMV: the direct one is read", "\(reasons)")
  #expect(reasons["整体成交订单数"] != nil, "\(reasons)")
  // The way to read the overall column instead, as a typed remedy.
  let remedy = report.ignoredColumns.first { $0.name == "整体成交金额" }?.remedy
  #expect(remedy == .chooseGMV("overall"))

  let overall = try Fixture()
  let again = try overall.file("materials.csv", header + row)
  try overall.importing(.metrics, [again]) { $0.gmv = .overall }
  #expect(try overall.stored() == ["2026-05-01|v1|qianchuan|AD1|5000|10000|45000|5|0|0"])

  // --gmv asking for a GMV the file does not give is refused.
  let direct = try overall.file("direct.csv", "日期,视频ID,消耗,直接成交金额\n2026-05-02,v1,1,2\n")
  let problems = refusal { try overall.importing(.metrics, [direct]) { $0.gmv = .overall } }
  #expect(problems.count == 1 && problems[0].contains("choose the direct GMV"), "\(problems)")
}

@Test func materialIdsMeetTheVideosDouPlusAndShopRowsThroughTheMapping() throws {
  let fixture = try Fixture()
  let mapping = try fixture.file(
    "materials.csv", "日期,素材ID,视频ID,消耗,直接成交金额\n2026-05-01,M1,v2,10.00,20.00\n")
  try fixture.importing(.metrics, [mapping])
  let stored = try fixture.ledger.read { db in
    try String.fetchAll(
      db,
      sql: "SELECT material_id || '>' || video_id FROM material JOIN video ON video.id = video_ref")
  }
  #expect(stored == ["M1>v2"])
  // The same mapping again changes nothing; another video for the material is refused.
  try fixture.importing(.metrics, [mapping])
  let conflicting = try fixture.file(
    "conflict.csv", "日期,素材ID,视频ID,消耗,直接成交金额\n2026-05-01,M1,v1,10.00,20.00\n")
  let conflict = refusal { try fixture.importing(.metrics, [conflicting]) }
  #expect(conflict.count == 1, "\(conflict)")
  #expect(
    conflict.first?.contains("conflict.csv:2: material_id: material M1 is on record as video v2")
      == true, "\(conflict)")
  // A file with only material ids lands on the video, beside its Dou+ and shop rows.
  let onlyMaterials = try fixture.file(
    "only.csv", "日期,素材ID,消耗,展示次数\n2026-05-02,M1,5.00,700\n")
  let douPlus = try fixture.file(
    "douplus.csv", "日期,视频ID,消耗,播放量,点赞量\n2026-05-02,v2,8.00,900,30\n")
  let shop = try fixture.file("shop.csv", "日期,视频ID,成交金额,退款金额\n2026-05-02,v2,50.00,5.00\n")
  // 日期, 素材ID, 消耗, 展示次数 read the same as an AD and a 千川 report, with other sources.
  let tie = refusal { try fixture.importing(.metrics, [onlyMaterials]) }
  #expect(tie.count == 1, "\(tie)")
  #expect(tie.first?.contains("choose the profile ad or qianchuan") == true, "\(tie)")
  try fixture.importing(.metrics, [onlyMaterials]) { $0.profile = .named("qianchuan") }
  try fixture.importing(.metrics, [douPlus], configure: { $0.profile = .named("douplus-orders") })
  try fixture.importing(.metrics, [shop]) { $0.source = .natural }
  #expect(
    try fixture.stored() == [
      "2026-05-01|v2|qianchuan||0|1000|2000|0|0|0",
      "2026-05-02|v2|dou_plus||900|800|0|0|30|0",
      "2026-05-02|v2|natural||0|0|5000|0|0|500",
      "2026-05-02|v2|qianchuan||700|500|0|0|0|0",
    ])
  // An unmapped material id is refused with its line, the id and how to add the mapping.
  let unknown = try fixture.file("unknown.csv", "日期,素材ID,消耗\n2026-05-03,M1,1\n2026-05-03,M7,1\n")
  let problems = refusal {
    try fixture.importing(.metrics, [unknown]) { $0.profile = .named("qianchuan") }
  }
  #expect(problems.count == 1, "\(problems)")
  #expect(problems.first?.contains("unknown.csv:3: material_id: 素材ID M7") == true, "\(problems)")
  #expect(problems.first?.contains("both columns") == true)
  // 素材ID is no video id in any profile.
  for profile in Profiles.builtIn {
    #expect(profile.columns[HeaderProfile.normalize("素材ID")] != "video_id", "\(profile.name)")
    #expect(profile.columns["material_id"] != "video_id", "\(profile.name)")
  }
}

@Test func douPlusOrderReportWithoutADateIsBookedOverTheHoursItRan() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "orders.csv",
    """
    订单ID,视频ID,下单时间,投放时长,消耗,播放量,点赞量
    O1,v1,2026-05-01 10:00,6,100.00,3000,60
    O2,v1,2026-05-01 22:00,6,100.01,1001,5

    """)
  let report = try fixture.importing(.metrics, [path])
  #expect(report.files.first?.profile == "douplus-orders")
  // O2: 2 of its 6 hours on May 1, 4 on May 2; largest remainders give the odd fen and play
  // to May 1, and the parts add up to the file's numbers.
  #expect(
    try fixture.stored() == [
      "2026-05-01|v1|dou_plus|O1|3000|10000|0|0|60|0",
      "2026-05-01|v1|dou_plus|O2|334|3334|0|0|2|0",
      "2026-05-02|v1|dou_plus|O2|667|6667|0|0|3|0",
    ])
  // Without hours an order is booked on its start day.
  let startOnly = try fixture.file(
    "start.csv", "订单ID,视频ID,下单时间,消耗\nO3,v2,2026-05-03 23:30,50.00\n")
  try fixture.importing(.metrics, [startOnly])
  #expect(try fixture.stored().last == "2026-05-03|v2|dou_plus|O3|0|5000|0|0|0|0")
  // An order without a start is refused naming the column.
  let noStart = try fixture.file(
    "nostart.csv", "订单ID,视频ID,下单时间,投放时长,消耗\nO4,v2,,24,50.00\n")
  let problems = refusal { try fixture.importing(.metrics, [noStart]) }
  #expect(problems.count == 1 && problems[0].contains("nostart.csv:2: start: is missing"))
}

@Test func orderSpreadPartsAlwaysAddUpToTheOrdersNumber() {
  var random = SplitMix64(state: 13)
  for _ in 0..<500 {
    let value = Int64(random.next() % 1_000_000_000)
    let weights = (0..<Int(random.next() % 5 + 1)).map { _ in Int64(random.next() % 86_400 + 1) }
    let parts = OrderSpread.split(value, weights: weights)
    #expect(parts.reduce(0, +) == value)
    #expect(parts.allSatisfy { $0 >= 0 })
  }
  let days = OrderSpread.days(
    start: DateTime(day: Day(year: 2026, month: 5, day: 1)!, secondOfDay: 22 * 3600),
    seconds: 30 * 3600)
  let expected: [Int64] = [7200, 86_400, 14_400]
  #expect(days.map(\.seconds) == expected)
}

@Test func shopRefundsAreKeptBesideGrossGMV() throws {
  let fixture = try Fixture()
  let path = try fixture.bytes(
    "compass.csv", gb18030("日期,视频ID,成交金额,退款金额,成交订单数,退款订单数\n2026-05-01,v1,1000.00,120.50,8,1\n"))
  try fixture.importing(.metrics, [path]) {
    $0.source = .natural
    $0.profile = .named("shop-gmv")
  }
  #expect(try fixture.stored() == ["2026-05-01|v1|natural||0|0|100000|8|0|12050"])
  let net = try fixture.ledger.read { db in
    try Int64.fetchOne(db, sql: "SELECT net_gmv_fen FROM daily_metrics")
  }
  #expect(net == 87_950)
}

@Test func amountsFinerThanAFenAreRoundedOnceHalfToEven() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "qianchuan.csv",
    """
    日期,视频ID,计划ID,消耗,直接成交金额
    2026-05-01,v1,A1,"5,210.125",0.135
    2026-05-01,v1,A2,0.005,0.015

    """)
  try fixture.importing(.metrics, [path])
  #expect(
    try fixture.stored() == [
      "2026-05-01|v1|qianchuan|A1|0|521012|14|0|0|0",
      "2026-05-01|v1|qianchuan|A2|0|0|2|0|0|0",
    ])
  let fen = { (text: String, unit: HeaderProfile.MoneyUnit) throws -> Int64 in
    try Array(text.utf8).withUnsafeBufferPointer { try ExportMoney.fen(utf8: $0, unit: unit) }
  }
  #expect(try fen("1234567", .milliFen) == 1235)
  #expect(try fen("1234500", .milliFen) == 1234)
  #expect(try fen("1235500", .milliFen) == 1236)
  #expect(try fen("12.5", .fen) == 12)
  #expect(try fen("¥1,234.565", .yuan) == 123_456)
  #expect(throws: ValueError.self) { try fen("12.3.4", .yuan) }
  #expect(throws: ValueError.self) { try fen("-1.005", .yuan) }
}

@Test func uniPromotionAPIGivesCostInThousandthsOfAFenAndGMVInYuan() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "uni.json",
    """
    [{"stat_datetime": "2026-05-01 00:00:00", "item_id": "v1", "stat_cost": 1234567,
      "total_pay_order_gmv_for_roi2": 88.8, "total_pay_order_count_for_roi2": 2,
      "total_prepay_and_pay_order_roi2": 7.19}]
    """)
  let report = try fixture.importing(.metrics, [path])
  #expect(report.files.first?.profile == "qianchuan-uni")
  #expect(try fixture.stored() == ["2026-05-01|v1|qianchuan||0|1235|8880|2|0|0"])
}

@Test func aNearTieBetweenProfilesIsRefusedNamingTheCandidates() throws {
  let fixture = try Fixture()
  let path = try fixture.file("which.csv", "日期,视频ID,消耗,展示次数,成交金额\n2026-05-01,v1,1,2,3\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.count == 1, "\(problems)")
  let message = problems.first ?? ""
  #expect(message.contains("qianchuan") && message.contains("suixintui"), "\(message)")
  #expect(message.contains("choose the profile ad or"))
  try fixture.importing(.metrics, [path]) { $0.profile = .named("suixintui") }
  #expect(try fixture.stored() == ["2026-05-01|v1|suixintui||2|100|300|0|0|0"])
}

@Test func aNumberAnotherProfileKeepsIsNeverLeftOutSilently() throws {
  let fixture = try Fixture()
  // qianchuan leaves 播放数 out as a second play count, but with no other impressions column
  // its numbers would vanish: refused, naming the profile that keeps it.
  let path = try fixture.file("plays.csv", "日期,视频ID,消耗,播放数\n2026-05-01,v1,1,2\n")
  let problems = refusal {
    try fixture.importing(.metrics, [path]) { $0.profile = .named("qianchuan") }
  }
  #expect(problems.count == 1 && problems[0].contains("plays.csv:1: 播放数:"), "\(problems)")
  #expect(problems.first?.contains("or ignore the column 播放数") == true)
  try fixture.importing(.metrics, [path]) {
    $0.profile = .named("qianchuan")
    $0.ignoredColumns = ["播放数"]
  }
  // A 成交金额 in a DOU+ file is refused by the DOU+ profile, which keeps no GMV.
  let gmv = try fixture.file("dougmv.csv", "日期,视频ID,消耗,播放量,成交金额\n2026-05-02,v1,1,2,3\n")
  let refused = refusal {
    try fixture.importing(.metrics, [gmv]) { $0.profile = .named("douplus-orders") }
  }
  #expect(refused.count == 1 && refused[0].contains("成交金额"), "\(refused)")
}

@Test func aShopFileWithoutASourceIsToldToPassOneNotOnlyToChooseAProfile() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "compass.csv", "日期,视频ID,成交金额,退款金额,成交订单数\n2026-05-01,v1,1000.00,120.50,8\n")
  let problems = refusal { try fixture.importing(.metrics, [path]) }
  #expect(problems.count == 1)
  #expect(problems.first?.contains("compass.csv:1: header: more than one profile") == true)
  #expect(problems.first?.contains("give that source: a profile that reads more") == true)
  // With the source given, the shop profile reads it, refunds and all.
  try fixture.importing(.metrics, [path]) { $0.source = .natural }
  #expect(try fixture.stored() == ["2026-05-01|v1|natural||0|0|100000|8|0|12050"])
}
