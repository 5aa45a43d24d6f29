import Testing

@testable import LedgerImport

/// The profiles aimt must ship (the brief's list).
private let expectedProfiles = [
  "ad", "content-service", "douplus-orders", "douplus-placements", "generic-audience",
  "generic-kols", "generic-metrics", "generic-placements", "generic-promotions", "generic-videos",
  "qianchuan", "qianchuan-uni", "shop-gmv", "suixintui", "xingtu-kols", "yuntu-5a",
  "yuntu-5a-long",
]

/// Decodes a user profile from JSON text.
private func userProfile(_ json: String) throws(ProfileError) -> HeaderProfile {
  try HeaderProfile.decode(Array(json.utf8), name: "mine")
}

/// The message of the error a user profile is refused with, or nil when it is accepted.
private func refusal(_ json: String) -> String? {
  do {
    _ = try userProfile(json)
    return nil
  } catch {
    return error.message
  }
}

// MARK: - Built-in profiles

@Test func everyBuiltInProfileDecodesAndValidates() {
  #expect(Profiles.builtInProblems.isEmpty, "\(Profiles.builtInProblems.map(\.message))")
  #expect(Profiles.builtIn.map(\.name) == expectedProfiles)
}

@Test func everyKindHasAGenericProfile() {
  for kind in ["kols", "videos", "placements", "metrics", "audience", "promotions"] {
    #expect(Profiles.generic(kind: kind)?.kind == kind)
  }
}

@Test func genericProfilesMapEveryColumnKeyToItself() throws {
  let keys: [String: [String]] = [
    "metrics": [
      "date", "video_id", "source", "placement_id", "impressions", "cost", "gmv", "orders",
      "likes", "comments", "shares", "follows",
    ],
    "kols": ["kol_id", "name", "category", "followers", "as_of"],
    "audience": ["date", "brand", "o", "a1", "a2", "a3", "a4", "a5", "category_total"],
    "promotions": ["promotion", "start", "end"],
  ]
  for (kind, columns) in keys {
    let profile = try #require(Profiles.generic(kind: kind))
    for column in columns { #expect(profile.columns[column] == column, "\(kind).\(column)") }
  }
}

@Test func toolProfilesCarryTheirDefaultSource() {
  #expect(Profiles.named("qianchuan")?.source == "qianchuan")
  #expect(Profiles.named("ad")?.source == "feed_ad")
  #expect(Profiles.named("douplus-orders")?.source == "dou_plus")
  #expect(Profiles.named("content-service")?.source == "content_service")
  #expect(Profiles.named("shop-gmv")?.source == nil)
  #expect(Profiles.named("generic-metrics")?.source == nil)
}

@Test func douplusOrdersCarryNoMoneyComingBackAndShopGmvNoSpend() throws {
  let douplus = try #require(Profiles.named("douplus-orders"))
  #expect(!douplus.columns.values.contains("gmv"))
  #expect(!douplus.columns.values.contains("orders"))
  let shop = try #require(Profiles.named("shop-gmv"))
  #expect(Set(shop.columns.values) == ["date", "video_id", "gmv", "orders", "refund"])
}

@Test func derivedRatiosAreNeverMapped() {
  let ratios = [
    "平均千次展示费用", "平均千次展现费用", "支付ROI", "整体支付ROI", "点击率", "cpm_platform",
    "prepay_and_pay_order_roi", "ctr",
  ]
  for profile in Profiles.builtIn {
    for ratio in ratios {
      #expect(profile.columns[HeaderProfile.normalize(ratio)] == nil, "\(profile.name): \(ratio)")
    }
  }
}

@Test func namedReturnsNothingForAnUnknownName() {
  #expect(Profiles.named("tiktok") == nil)
}

// MARK: - Normalisation

@Test(arguments: [
  ("消耗", "消耗"),
  ("消耗(元)", "消耗"),
  ("消耗（元）", "消耗"),
  ("消耗[元]", "消耗"),
  ("消耗【元】", "消耗"),
  (" 消耗 ", "消耗"),
  ("\u{3000}消耗\u{3000}", "消耗"),
  ("\u{FEFF}日期", "日期"),
  ("展示数(次)", "展示数"),
  ("成交订单数（个）", "成交订单数"),
  ("点击率(%)", "点击率"),
  ("点击率（％）", "点击率"),
  ("成交金額(元)", "成交金額"),
  ("视频ID", "视频id"),
  ("视频ＩＤ", "视频id"),
  ("stat_cost", "stat_cost"),
  ("STAT_COST", "stat_cost"),
  ("Stat_Cost ", "stat_cost"),
  ("视频 ID", "视频id"),
  ("消耗\n(元)", "消耗"),
  ("消耗 (元)", "消耗"),
  ("消耗(元)(次)", "消耗"),
  ("A1(了解)", "a1(了解)"),
])
func normalisationFoldsTheSpellingsOfAHeader(header: String, expected: String) {
  #expect(HeaderProfile.normalize(header) == expected)
}

@Test(arguments: [
  ("粉丝数(万)", "粉丝数(万)"),
  ("粉丝数（万）", "粉丝数(万)"),
  ("消耗(分)", "消耗(分)"),
  ("展示数(千次)", "展示数(千次)"),
])
func normalisationKeepsUnitsThatScaleTheValue(header: String, expected: String) {
  #expect(HeaderProfile.normalize(header) == expected)
  #expect(Profiles.named("xingtu-kols")?.columns[HeaderProfile.normalize(header)] == nil)
}

@Test func normalisationLeavesABareUnitAlone() {
  #expect(HeaderProfile.normalize("(元)") == "(元)")
  #expect(HeaderProfile.normalize("") == "")
}

// MARK: - Detection

/// The profile `--profile auto` picks for `header`.
private func detected(_ kind: String, _ header: [String]) -> String? {
  Profiles.detect(kind: kind, header: header)?.profile.name
}

@Test func autoDetectsQianchuanFromItsChineseHeader() {
  let header = [
    "日期", "视频ID", "整体消耗", "整体展现次数", "整体点击次数", "整体点击率", "整体成交金额",
    "整体成交订单数", "整体支付ROI", "视频播放数", "视频点赞数", "视频评论数", "新增粉丝数",
  ]
  #expect(detected("metrics", header) == "qianchuan")
}

@Test func autoDetectsQianchuanFromATraditionalHeaderWithUnits() {
  let header = [
    "日期", "視頻ID", "計劃ID", "消耗(元)", "展示次數(次)", "點擊次數", "平均千次展現費用(元)",
    "直接成交金額（元）", "直接成交訂單數", "支付ROI", "點贊數", "評論數", "分享數", "新增關注數",
  ]
  #expect(detected("metrics", header) == "qianchuan")
}

@Test func autoDetectsQianchuanFromApiFieldNames() {
  let header = [
    "stat_time_day", "item_id", "ad_id", "stat_cost", "show_cnt", "click_cnt", "cpm_platform",
    "pay_order_amount", "pay_order_count", "prepay_and_pay_order_roi", "dy_like", "dy_comment",
    "dy_share", "dy_follow", "total_play",
  ]
  #expect(detected("metrics", header) == "qianchuan")
}

@Test func autoDetectsTheAdReport() {
  let header = [
    "日期", "广告ID", "素材ID", "总花费(元)", "展示数", "点击数", "点击率", "平均千次展现费用(元)",
    "转化数", "播放数", "点赞数", "评论数", "分享数", "新增关注数",
  ]
  #expect(detected("metrics", header) == "ad")
}

@Test func autoDetectsDouplusOrdersAsMetrics() {
  let header = [
    "订单ID", "视频ID", "视频标题", "抖音号", "下单时间", "投放金额(元)", "消耗（元）", "投放时长",
    "投放方式", "播放量", "点赞量", "评论量", "分享量", "新增粉丝量",
  ]
  #expect(detected("metrics", header) == "douplus-orders")
}

@Test func autoDetectsDouplusOrdersAsPlacements() {
  let header = [
    "订单ID", "视频ID", "视频标题", "抖音号", "下单时间", "投放金额(元)", "消耗（元）", "投放时长",
    "投放方式", "播放量", "点赞量",
  ]
  #expect(detected("placements", header) == "douplus-placements")
}

@Test func autoDetectsTheContentServiceReport() {
  let header = [
    "日期", "订单ID", "视频ID", "消耗(元)", "曝光量", "点击量", "点赞数", "评论数", "分享数", "关注数",
  ]
  #expect(detected("metrics", header) == "content-service")
}

@Test func autoDetectsAShopGmvExport() {
  let header = ["统计日期", "内容ID", "商品ID", "商品名称", "付款金额(元)", "付款笔数", "付款人数"]
  #expect(detected("metrics", header) == "shop-gmv")
}

@Test func autoDetectsTheYuntuFiveAExport() {
  let header = [
    "日期", "品牌", "O机会人群", "A1了解人群", "A2吸引人群", "A3种草人群", "A4购买人群", "A5复购人群",
    "人群总资产",
  ]
  let detection = Profiles.detect(kind: "audience", header: header)
  #expect(detection?.profile.name == "yuntu-5a")
  let keys = Profiles.named("yuntu-5a")?.map(header: header).keys
  #expect(keys == ["date", "brand", "o", "a1", "a2", "a3", "a4", "a5", nil])
}

@Test func autoDetectsTheYuntuFiveAExportInTraditional() {
  let header = ["日期", "品牌", "機會人群", "了解人群", "吸引人群", "問詢人群", "行動人群", "擁護人群"]
  #expect(detected("audience", header) == "yuntu-5a")
}

@Test func autoDetectsTheXingtuKolList() {
  let header = [
    "达人昵称", "抖音号", "星图ID", "粉丝数", "达人类型", "预期CPM", "互动率", "1-20s视频报价(元)",
  ]
  #expect(detected("kols", header) == "xingtu-kols")
}

@Test func genericProfileWinsForSpecNamedHeaders() {
  let spec = [
    "date", "video_id", "source", "placement_id", "impressions", "cost", "gmv", "orders", "likes",
    "comments", "shares", "follows",
  ]
  #expect(detected("metrics", spec) == "generic-metrics")
  let aliases = ["日期", "视频ID", "消耗", "展示数", "成交金额", "成交订单数", "点赞数", "评论数", "分享数"]
  // Without a source column these aliases read alike in the AD, content-service and 千川
  // reports, each with its own source: a tie; with --source they read the same everywhere.
  #expect(detected("metrics", aliases) == nil)
  let given = Profiles.choose(kind: "metrics", header: aliases, sourceGiven: true)
  #expect(given.best?.profile.name == "generic-metrics" && given.ties.isEmpty)
  #expect(detected("kols", ["kol_id", "name", "followers"]) == "generic-kols")
  #expect(detected("promotions", ["promotion", "start", "end"]) == "generic-promotions")
  #expect(detected("videos", ["视频ID", "抖音号", "品牌", "发布时间"]) == "generic-videos")
}

@Test func detectionReasonNamesTheProfileAndWhatItIgnored() throws {
  let header = ["日期", "视频ID", "整体消耗", "整体支付ROI"]
  let detection = try #require(Profiles.detect(kind: "metrics", header: header))
  #expect(detection.reason.contains("qianchuan"))
  #expect(detection.reason.contains("3 of 4"))
  #expect(detection.reason.contains("整体支付ROI"))
  #expect(!detection.reason.contains("\n"))
}

@Test func aHeaderMissingARequiredColumnDetectsNothing() {
  #expect(detected("metrics", ["视频ID", "消耗", "展示数", "点赞数"]) == nil)
  #expect(detected("metrics", ["日期", "消耗", "展示数"]) == nil)
  #expect(detected("audience", ["日期", "A1", "A2"]) == nil)
  #expect(detected("kols", ["达人昵称", "粉丝数"]) == nil)
  #expect(detected("placements", ["视频ID", "投放金额"]) == nil)
  #expect(detected("metrics", []) == nil)
}

@Test func detectionOnlyConsidersProfilesOfTheKind() {
  #expect(detected("promotions", ["日期", "视频ID", "消耗"]) == nil)
}

// MARK: - Mapping a header

@Test func aHeaderMappingAColumnTwiceReportsTheDuplicate() throws {
  let profile = try #require(Profiles.named("generic-metrics"))
  let mapped = profile.map(header: ["日期", "视频ID", "展示数", "播放量", "消耗", "展示次数", "作品ID"])
  #expect(
    mapped.keys == [
      "date", "video_id", "impressions", "impressions", "cost", "impressions", "video_id",
    ])
  #expect(mapped.duplicates == ["impressions", "video_id"])
}

@Test func aHeaderWithoutRepeatsHasNoDuplicates() throws {
  let profile = try #require(Profiles.named("qianchuan"))
  let mapped = profile.map(header: ["日期", "视频ID", "消耗(元)", "支付ROI", ""])
  #expect(mapped.keys == ["date", "video_id", "cost", nil, nil])
  #expect(mapped.duplicates.isEmpty)
}

@Test func sourceCellsMapThroughTheProfile() throws {
  let profile = try #require(Profiles.named("generic-metrics"))
  #expect(profile.source(forCell: "自然流量") == "natural")
  #expect(profile.source(forCell: "DOU+") == "dou_plus")
  #expect(profile.source(forCell: " dou+ ") == "dou_plus")
  #expect(profile.source(forCell: "內容熱推") == "content_service")
  #expect(profile.source(forCell: "Co-Ads") == "jd_coads")
  #expect(profile.source(forCell: "qianchuan") == "qianchuan")
  #expect(profile.source(forCell: "抖音") == nil)
}

// MARK: - User profiles

@Test func aUserProfileIsReadAndItsHeadersNormalised() throws {
  let profile = try userProfile(
    """
    {"name": "my-qc", "kind": "metrics", "source": "qianchuan", "money_unit": "milli_fen",
     "columns": {"日期": "date", "素材ＩＤ": "video_id", "消耗（元）": "cost"},
     "sources": {"千川PC": "qianchuan"}}
    """)
  #expect(profile.name == "my-qc")
  #expect(profile.description.isEmpty)
  #expect(profile.moneyUnit == .milliFen)
  #expect(profile.columns == ["日期": "date", "素材id": "video_id", "消耗": "cost"])
  #expect(profile.sources == ["千川pc": "qianchuan"])
  #expect(profile.map(header: ["消耗[元]", "素材ID"]).keys == ["cost", "video_id"])
}

@Test func aUserProfileWithoutANameIsNamedAfterItsFile() throws {
  let profile = try userProfile(#"{"kind": "kols", "columns": {"抖音号": "kol_id"}}"#)
  #expect(profile.name == "mine")
  #expect(profile.moneyUnit == .yuan)
  #expect(profile.source == nil)
}

@Test func aUserProfileWithAnUnknownColumnKeyIsRefusedNamingIt() throws {
  let message = try #require(
    refusal(#"{"name": "x", "kind": "metrics", "columns": {"日期": "date", "消耗": "spend"}}"#))
  #expect(message.contains("\"spend\""))
  #expect(message.contains("消耗"))
  #expect(message.contains("cost"))
  #expect(message.contains("follows"))
}

@Test func aUserProfileWithAnUnknownKindIsRefusedNamingIt() throws {
  let message = try #require(refusal(#"{"name": "x", "kind": "orders", "columns": {"a": "b"}}"#))
  #expect(message.contains("\"orders\""))
  #expect(message.contains("metrics"))
  #expect(message.contains("promotions"))
}

@Test func aUserProfileWithAKeyOfAnotherKindIsRefused() throws {
  let message = try #require(refusal(#"{"kind": "kols", "columns": {"日期": "date"}}"#))
  #expect(message.contains("\"date\""))
  #expect(message.contains("kol_id"))
}

@Test func aUserProfileWithAnUnknownSourceIsRefusedNamingIt() throws {
  let sourceMessage = try #require(
    refusal(#"{"kind": "metrics", "source": "tiktok", "columns": {"日期": "date"}}"#))
  #expect(sourceMessage.contains("\"tiktok\""))
  #expect(sourceMessage.contains("dou_plus"))
  let cellMessage = try #require(
    refusal(#"{"kind": "metrics", "columns": {"日期": "date"}, "sources": {"抖加": "douplus"}}"#))
  #expect(cellMessage.contains("\"douplus\""))
  #expect(cellMessage.contains("抖加"))
}

@Test func aSourceIsRefusedWhereItMeansNothing() throws {
  let message = try #require(
    refusal(#"{"kind": "kols", "source": "qianchuan", "columns": {"抖音号": "kol_id"}}"#))
  #expect(message.contains("source"))
  #expect(refusal(#"{"kind": "placements", "source": "natural", "columns": {"a": "tool"}}"#) != nil)
}

@Test func aUserProfileWithAnUnknownMoneyUnitIsRefused() throws {
  let message = try #require(
    refusal(#"{"kind": "metrics", "money_unit": "jiao", "columns": {"日期": "date"}}"#))
  #expect(message.contains("\"jiao\""))
  #expect(message.contains("milli_fen"))
}

@Test func aUserProfileWithAnUnknownFieldIsRefused() throws {
  let message = try #require(refusal(#"{"kind": "metrics", "colums": {"日期": "date"}}"#))
  #expect(message.contains("\"colums\""))
}

@Test func aUserProfileWithoutColumnsIsRefused() {
  #expect(refusal(#"{"kind": "metrics"}"#) != nil)
  #expect(refusal(#"{"kind": "metrics", "columns": {}}"#) != nil)
}

@Test func aUserProfileWhoseHeadersCollideAfterNormalisationIsRefused() throws {
  let message = try #require(
    refusal(#"{"kind": "metrics", "columns": {"消耗": "cost", "消耗(元)": "gmv"}}"#))
  #expect(message.contains("消耗"))
  #expect(refusal(#"{"kind": "metrics", "columns": {"消耗": "cost", "消耗(元)": "cost"}}"#) == nil)
}

@Test func aFileThatIsNotAProfileIsRefusedWithItsName() throws {
  let broken = try #require(refusal(#"{"kind": "metrics", "columns": {"日期": "date"}"#))
  #expect(broken.contains("\"mine\""))
  #expect(broken.contains("JSON"))
  #expect(refusal(#"["kind", "metrics"]"#) != nil)
  let wrongType = try #require(refusal(#"{"kind": "metrics", "columns": {"日期": 1}}"#))
  #expect(wrongType.contains("columns"))
}

@Test func loadingAMissingProfileFileSaysSo() {
  #expect(throws: ProfileError.self) { try Profiles.load(path: "/nonexistent/aimt/profile.json") }
}
