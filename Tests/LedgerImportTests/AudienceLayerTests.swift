import LedgerStore
import Testing

@testable import LedgerImport

// The O-5A layer names of the 巨量云图 exports (docs/decisions.md, "5A files: every layer, once").

@Test func layerCellsInEveryPublicSpellingNameTheirLayer() {
  let cases: [(String, AudienceField?)] = [
    ("O", .o), ("O 机会", .o), ("机会人群", .o), ("O-機會", .o), ("opportunity", .o),
    ("A1", .a1), ("A1感知", .a1), ("感知人群", .a1), ("了解", .a1), ("A1（认知）人群", .a1),
    ("a2 吸引", .a2), ("A3种草人群", .a3), ("問詢", .a3), ("A4 購買人數", .a4), ("行动", .a4),
    ("A5复购", .a5), ("擁護人群", .a5), ("Ａ５", .a5),
    ("A1购买", nil), ("A6", nil), ("占比", nil), ("", nil), ("oops", nil), ("人群总资产", nil),
  ]
  for (text, expected) in cases {
    #expect(AudienceLayers.layer(named: text) == expected, "\(text)")
  }
  #expect(AudienceLayers.unknownMessage("A6").contains("A4 (行动/购买)"))
}

@Test func headerProblemsNameTheMissingLayerAndMixedForms() {
  let wide = AudienceLayers.headerProblems(
    header: ["日期", "品牌", "O", "A1", "A2", "A3", "A5"],
    keys: ["date", "brand", "o", "a1", "a2", "a3", "a5"])
  #expect(wide.map(\.column) == ["a4"])
  #expect(wide.first?.message.contains("A4 = 0") == true)
  let mixed = AudienceLayers.headerProblems(
    header: ["日期", "品牌", "层级", "A1"], keys: ["date", "brand", "layer", "a1"])
  #expect(mixed.first?.message.contains("cannot also have a column per layer") == true)
  let noSize = AudienceLayers.headerProblems(
    header: ["日期", "品牌", "层级"], keys: ["date", "brand", "layer"])
  #expect(noSize.map(\.column) == ["size"])
  let noLayer = AudienceLayers.headerProblems(
    header: ["日期", "品牌", "规模"], keys: ["date", "brand", "size"])
  #expect(noLayer.first?.message.contains("no layer column") == true)
  let unmapped = AudienceLayers.headerProblems(
    header: ["日期", "品牌", "感知人群"], keys: ["date", "brand", nil])
  #expect(unmapped.first?.remedy == .ignoreColumn("感知人群", profile: "yuntu-5a"))
  #expect(
    AudienceLayers.headerProblems(
      header: ["日期", "品牌", "category_total"], keys: ["date", "brand", "category_total"]
    ).isEmpty)
}

@Test func headerUnitsMapAndScaleOnlyWhereTheySuit() throws {
  let kols = try #require(Profiles.named("xingtu-kols"))
  let header = ["星图ID", "粉丝（万）", "1-20s报价(万元)", "互动率(%)", "抖音昵称(万)", "完播率"]
  let keys = kols.map(header: header).keys
  #expect(
    keys == ["xingtu_id", "followers", "price_1_20s", "interaction_rate", nil, "completion_rate"])
  let units = kols.units(header: header)
  #expect(units[1]?.power == 4)
  #expect(units[2]?.power == 4)
  #expect(units[3]?.text == "%")
  #expect(units[5] == nil)
  let metrics = try #require(Profiles.generic(kind: "metrics"))
  #expect(metrics.units(header: ["消耗（分）"]).first??.moneyUnit == .fen)
  #expect(metrics.map(header: ["展示数(万元)"]).keys == [nil])
}
