import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Real-shaped 巨量云图 O-5A and 巨量星图 KOL exports, from the public field lists: each imports
// with exit 0 and the stored numbers equal the file's, or is refused with exit 65 naming the
// column and the fix (docs/decisions.md, "5A files: every layer, once", "KOLs without a 抖音号").

extension CLI {
  /// Writes `text` to `name` in the folder, in UTF-8 or GB18030.
  fileprivate func file(_ name: String, _ text: String, gb: Bool = false) throws -> String {
    let data = gb ? Data(gb18030(text)) : Data(text.utf8)
    try data.write(to: URL(fileURLWithPath: path(name)))
    return name
  }

  /// The rows of a query as CSV lines, without the header.
  fileprivate func rows(_ sql: String) throws -> [String] {
    let result = try ok("sql", sql, "--format", "csv")
    return Array(result.stdout.split(whereSeparator: \.isNewline).dropFirst().map(String.init))
  }
}

@Test func wideYuntuFileWithPerceptionAndPurchaseNamesStoresEveryLayer() throws {
  let cli = try CLI()
  try cli.ok("init")
  let text = """
    日期,品牌,O机会人群,A1感知人群,A2吸引人群,A3种草人群,A4购买人群,A5复购人群,人群总资产
    2026-05-01,花西子,"8,000,000",120.5万,300000,1.2亿,5000,600,120814200
    2026-05-02,花西子,8100000,1210000,310000,120000001,5100,610,121625711

    """
  for gb in [false, true] {
    let cli = try CLI()
    try cli.ok("init")
    let name = try cli.file("yuntu.csv", text, gb: gb)
    let result = try cli.ok("import", "audience", name, "--create-missing")
    #expect(result.stdout.contains("profile yuntu-5a"))
    #expect(
      try cli.rows("SELECT date, o, a1, a2, a3, a4, a5 FROM audience ORDER BY date") == [
        "2026-05-01,8000000,1205000,300000,120000000,5000,600",
        "2026-05-02,8100000,1210000,310000,120000001,5100,610",
      ])
  }
  _ = cli
}

@Test func apiKeysAndTraditionalLayerNamesReadTheSame() throws {
  let cli = try CLI()
  try cli.ok("init")
  let name = try cli.file(
    "yuntu.csv",
    "統計日期,品牌名稱,O,A1認知人群,A2吸引人群,A3種草人群,A4行動人群,A5擁護人群\n"
      + "2026/05/01,B,1,2,3,4,5,6\n")
  try cli.ok("import", "audience", name, "--create-missing")
  #expect(try cli.rows("SELECT o, a1, a2, a3, a4, a5 FROM audience") == ["1,2,3,4,5,6"])
}

@Test func longYuntuFileWithNewAndLostJoinsIntoOneSnapshot() throws {
  let cli = try CLI()
  try cli.ok("init")
  var text = "日期,品牌,层级,人数,新增,流失,占比\n"
  let layers = ["O 机会", "A1 感知", "A2 吸引", "A3 种草", "A4 购买", "A5 复购"]
  for (index, layer) in layers.enumerated() {
    text += "2026-05-01,B,\(layer),\(1000 * (index + 1)),\(10 + index),\(20 + index),5.5%\n"
  }
  let name = try cli.file("long.csv", text, gb: true)
  let result = try cli.ok("import", "audience", name, "--create-missing")
  #expect(result.stdout.contains("profile yuntu-5a-long"))
  #expect(result.stdout.contains("占比"))
  #expect(
    try cli.rows(
      "SELECT o, a1, a2, a3, a4, a5, new_o, new_a3, new_a5, lost_o, lost_a1, lost_a5 FROM audience"
    ) == ["1000,2000,3000,4000,5000,6000,10,13,15,20,21,25"])
  let report = try cli.ok("report", "5a", "--brand", "B", "--format", "json")
  #expect(report.stdout.contains("\"new_a1\":11"))
  #expect(report.stdout.contains("\"lost_a4\":24"))
  // The same file again changes nothing; a changed loss is one revision, and check agrees.
  let again = try cli.ok("import", "audience", name)
  #expect(again.stdout.contains("0 inserted, 0 updated, 1 unchanged"))
  let changed = try cli.file(
    "long2.csv", text.replacingOccurrences(of: "A2 吸引,3000,12,22", with: "A2 吸引,3000,12,23"))
  try cli.ok("import", "audience", changed)
  #expect(
    try cli.rows("SELECT field, old_value, new_value FROM revision WHERE entity = 'audience'")
      == ["lost_a2,22,23"])
  try cli.ok("check", "--deep")
}

@Test func wideFileLackingALayerIsRefusedNamingItAndTheFix() throws {
  let cli = try CLI()
  try cli.ok("init")
  let name = try cli.file(
    "yuntu.csv", "日期,品牌,O机会人群,A2吸引人群,A3种草人群,A4购买人群,A5复购人群\n2026-05-01,B,1,3,4,5,6\n")
  let result = try cli.run(["import", "audience", name, "--create-missing"])
  #expect(result.status == 65)
  #expect(result.stderr.contains("yuntu.csv:1: a1: "))
  #expect(result.stderr.contains("no A1 (了解/感知) column"))
  #expect(result.stderr.contains("add the column"))
  #expect(try cli.rows("SELECT count(*) FROM audience") == ["0"])
}

@Test func wideFileGivingALayerTwiceIsRefused() throws {
  let cli = try CLI()
  try cli.ok("init")
  let name = try cli.file(
    "yuntu.csv",
    "日期,品牌,O,A1,感知人群,A2,A3,A4,A5\n2026-05-01,B,1,2,2,3,4,5,6\n")
  // Detected as the 云图 export, which reads both cells as A1.
  let result = try cli.run(["import", "audience", name, "--create-missing"])
  #expect(result.status == 65)
  #expect(result.stderr.contains("yuntu.csv:1: a1: two header cells map to a1 (A1, 感知人群)"))
  #expect(result.stderr.contains("--ignore 感知人群"))
  // A profile that maps only `A1` still sees that the other cell names the same layer.
  let named = try cli.run([
    "import", "audience", name, "--create-missing", "--profile", "generic-audience",
  ])
  #expect(named.status == 65)
  #expect(named.stderr.contains("yuntu.csv:1: 感知人群: names A1 (了解/感知), which column A1"))
  #expect(named.stderr.contains("--ignore 感知人群"))
  #expect(try cli.rows("SELECT count(*) FROM audience") == ["0"])
}

@Test func longFileWithALayerTwiceOrMissingIsRefusedNamingTheLines() throws {
  let cli = try CLI()
  try cli.ok("init")
  let text = """
    日期,品牌,层级,规模
    2026-05-01,B,O,1
    2026-05-01,B,A1了解,2
    2026-05-01,B,A1感知人群,2
    2026-05-01,B,A2,3
    2026-05-01,B,A3,4
    2026-05-01,B,A5,6
    2026-05-01,B,A9,6

    """
  let name = try cli.file("long.csv", text)
  let result = try cli.run(["import", "audience", name, "--create-missing"])
  #expect(result.status == 65)
  #expect(result.stderr.contains("long.csv:4: layer: A1 (了解/感知) of B on 2026-05-01 is given twice"))
  #expect(result.stderr.contains("(first on line 3)"))
  #expect(result.stderr.contains("long.csv:8: layer: \"A9\" is not a 5A layer"))
  #expect(result.stderr.contains("long.csv:2: layer: the 5A snapshot of B on 2026-05-01 lacks A4"))
  #expect(try cli.rows("SELECT count(*) FROM audience") == ["0"])
}

/// A 星图 export without 抖音号, with 粉丝（万）, "万" cells, prices per duration and rates.
private let xingtuExport = """
  星图ID,达人UID,抖音昵称,粉丝（万）,1-20s报价,21-60s报价,60s以上报价,预期CPM,预期CPE,播放中位数,互动率,完播率,达人类型
  6912345,1001,小美,120.5,"12,000",2.5万,30000.5,35.2,0.8,85.3万,3.25%,0.4512,美妆
  6900001,1002,阿强,3.2,800,1500,2000,18,0.35,"12,000",1.5%,31.25%,剧情

  """

@Test func xingtuExportWithoutDouyinIDNeedsCreateMissingAndADay() throws {
  let cli = try CLI()
  try cli.ok("init")
  let name = try cli.file("xingtu.csv", xingtuExport, gb: true)
  let noDay = try cli.run(["import", "kols", name, "--create-missing"])
  #expect(noDay.status == 65)
  #expect(noDay.stderr.contains("xingtu.csv:2: as_of: "))
  #expect(noDay.stderr.contains("--as-of DATE"))
  let noKOL = try cli.run(["import", "kols", name, "--as-of", "2026-05-01"])
  #expect(noKOL.status == 65)
  #expect(noKOL.stderr.contains("xingtu.csv:2: xingtu_id: no KOL with 星图ID 6912345"))
  #expect(noKOL.stderr.contains("--create-missing"))
  try cli.ok("import", "kols", name, "--as-of", "2026-05-01", "--create-missing")
  #expect(
    try cli.rows("SELECT kol_id, name, category, xingtu_id, douyin_uid FROM kol ORDER BY 1") == [
      "xingtu:6900001,阿强,剧情,6900001,1002", "xingtu:6912345,小美,美妆,6912345,1001",
    ])
  #expect(
    try cli.rows("SELECT kol_id, followers FROM kol_followers ORDER BY 1") == [
      "xingtu:6900001,32000", "xingtu:6912345,1205000",
    ])
  #expect(
    try cli.rows("SELECT * FROM kol_quote ORDER BY kol_id").map {
      $0.split(separator: ",").dropLast().joined(separator: ",")
    } == [
      "xingtu:6900001,2026-05-01,80000,150000,200000,1800,35,12000,15000,312500",
      "xingtu:6912345,2026-05-01,1200000,2500000,3000050,3520,80,853000,32500,451200",
    ])
  let show = try cli.ok("kol", "show", "xingtu:6912345", "--format", "table")
  #expect(show.stdout.contains("3.25%"))
  #expect(show.stdout.contains("30,000.50"))
  #expect(show.stdout.contains("星图ID 6912345"))
}

@Test func xingtuRowsMeetExistingKOLsByTheirIDs() throws {
  let cli = try CLI()
  try cli.ok("init")
  let first = try cli.file(
    "with-id.csv", "抖音号,星图ID,达人UID,抖音昵称,粉丝数\ndy_mei,6912345,1001,小美,120.5万\n")
  try cli.ok("import", "kols", first, "--as-of", "2026-04-01")
  let name = try cli.file("xingtu.csv", xingtuExport)
  let result = try cli.run(["import", "kols", name, "--as-of", "2026-05-01"])
  // The first row meets dy_mei by its 星图ID; the second names no KOL yet.
  #expect(result.status == 65)
  #expect(!result.stderr.contains("6912345"))
  #expect(result.stderr.contains("xingtu.csv:3: xingtu_id: no KOL with 星图ID 6900001"))
  let onlyFirst = try cli.file(
    "one.csv", xingtuExport.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n")
  try cli.ok("import", "kols", onlyFirst, "--as-of", "2026-05-01")
  #expect(
    try cli.rows("SELECT kol_id, as_of, median_plays FROM kol_quote") == [
      "dy_mei,2026-05-01,853000"
    ])
  let clash = try cli.file("clash.csv", "抖音号,星图ID\ndy_other,6912345\n")
  let refused = try cli.run(["import", "kols", clash, "--create-missing"])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("clash.csv:2: xingtu_id: 6912345 already names KOL 'dy_mei'"))
}

@Test func ratesAndScaledCellsBeyondTheirPrecisionAreRefusedNamingTheCell() throws {
  let cli = try CLI()
  try cli.ok("init")
  let name = try cli.file(
    "bad.csv",
    "抖音号,粉丝（万）,互动率,1-20s报价\ndy1,1.23456,3.2%,100\ndy2,1,250%,100\ndy3,1,1%,1.5万元\n"
  )
  let result = try cli.run(["import", "kols", name, "--as-of", "2026-05-01", "--create-missing"])
  #expect(result.status == 65)
  #expect(result.stderr.contains("bad.csv:2: followers: \"1.23456\" is not whole"))
  #expect(result.stderr.contains("bad.csv:3: interaction_rate: rate \"250%\" is above 100%"))
  #expect(try cli.rows("SELECT count(*) FROM kol") == ["0"])
}

@Test func headerUnitsScaleMetricsExactly() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1", "--brand", "B")
  let name = try cli.file(
    "m.csv", "日期,视频ID,流量来源,消耗(万元),成交金额（分）,展示数(万)\n2026-05-01,v1,千川,1.5,12345,3.21\n")
  try cli.ok("import", "metrics", name)
  #expect(
    try cli.rows("SELECT cost, gmv, impressions FROM metric") == ["1500000,12345,32100"])
  let bad = try cli.file(
    "bad.csv", "日期,视频ID,流量来源,消耗(万元)\n2026-05-02,v1,千川,0.0000001\n")
  let refused = try cli.run(["import", "metrics", bad])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("bad.csv:2: cost: \"0.0000001\" is not whole"))
}
