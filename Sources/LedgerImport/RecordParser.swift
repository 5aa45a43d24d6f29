import Foundation
package import LedgerStore

extension RecordKind {
  /// The column keys of the kind (docs/data-model.md, "Entities"), key columns first.
  package var columns: [String] {
    switch self {
    case .kols: ["kol_id", "name", "category", "followers", "as_of"]
    case .videos:
      [
        "video_id", "kol_id", "brand", "title", "published", "chain", "product",
        "bidding_authorized", "ad_review",
      ]
    case .placements:
      [
        "placement_id", "video_id", "tool", "mode", "targeting", "strategy", "budget", "start",
        "end",
      ]
    case .metrics:
      ["date", "video_id", "source", "placement_id"] + MetricField.allCases.map(\.rawValue)
    case .audience: ["date", "brand", "o", "a1", "a2", "a3", "a4", "a5", "category_total"]
    case .promotions: ["promotion", "start", "end", "cpm_price"]
    }
  }

  /// The column keys a header profile may map: the kind's columns, and the exports' extras —
  /// a KOL's 星图 ids and quote, a 5A layer's 新增/流失 and a long 5A file's `layer`, `size`,
  /// `new` and `lost`, and the metric columns of ``exportMetricColumns`` (docs/data-model.md,
  /// "Import columns").
  package var profileColumns: [String] {
    switch self {
    case .kols: columns + ["xingtu_id", "douyin_uid"] + KOLQuoteField.allCases.map(\.rawValue)
    case .audience:
      ["date", "brand"] + AudienceField.allCases.map(\.rawValue) + ["layer", "size", "new", "lost"]
    case .metrics: columns + Self.exportMetricColumns
    default: columns
    }
  }

  /// Columns of which a file must carry at least one (a KOL is named by its 抖音号, its
  /// 星图ID or its Douyin user id; docs/decisions.md, "KOLs without a 抖音号").
  package var identifyingColumns: [String] {
    self == .kols ? ["kol_id", "xingtu_id", "douyin_uid"] : []
  }

  /// Metric columns of the exports that the importer turns into the ledger's columns.
  ///
  /// A 千川
  /// material id (read through the `material` table), the direct and overall GMV and order
  /// counts of 千川 (one of each becomes `gmv` and `orders` by `--gmv`), and an order's start
  /// and hours (its days, when the file has no date). docs/exports.md.
  package static let exportMetricColumns = [
    "material_id", "direct_gmv", "overall_gmv", "direct_orders", "overall_orders", "start",
    "delivery_hours",
  ]

  /// The columns every row must carry.
  package var requiredColumns: [String] {
    switch self {
    case .kols: []
    case .videos: ["video_id"]
    case .placements: ["placement_id"]
    case .metrics: ["date", "video_id", "source"]
    case .audience: ["date", "brand"]
    case .promotions: ["promotion"]
    }
  }
}

/// Turns text fields keyed by column (from a file's row or a command's options) into typed
/// inputs, collecting every problem with its location.
///
/// A missing or empty field means "not given": the write keeps the stored value. This is the
/// one place where column text becomes money, counts, days and vocabulary, so the command line
/// and the importer accept exactly the same values.
package struct RecordParser {
  /// The problems found so far, in order.
  package private(set) var problems: [Problem] = []

  /// A parser with no problems yet.
  package init() {}

  /// Parses a KOL.
  ///
  /// A row without `kol_id` names its KOL by `xingtu_id` or `douyin_uid` (the input's `kolID`
  /// is then empty and the writer finds the KOL); a quote needs its `as_of` day.
  package mutating func kol(_ fields: [String: String], at location: SourceLocation) -> KOLInput? {
    let xingtuID = text("xingtu_id", fields)
    let douyinUID = text("douyin_uid", fields)
    let key: String
    if let given = text("kol_id", fields) {
      key = given
    } else if xingtuID != nil || douyinUID != nil {
      key = ""
    } else {
      problems.append(
        location.problem(
          "kol_id",
          "is missing; every row needs its kol_id (抖音号), or its xingtu_id (星图ID) or "
            + "douyin_uid (达人UID)"))
      return nil
    }
    var input = KOLInput(kolID: key)
    input.xingtuID = xingtuID
    input.douyinUID = douyinUID
    input.name = text("name", fields)
    input.category = text("category", fields)
    input.followers = parse("followers", fields, location, Count.parse)
    input.asOf = parse("as_of", fields, location, Self.dayOf)
    for field in KOLQuoteField.allCases {
      let value =
        field.isMoney
        ? parse(field.rawValue, fields, location, Money.parseYuan)
        : field.isRate
          ? parse(field.rawValue, fields, location, Rate.parsePerMillion)
          : parse(field.rawValue, fields, location, Count.parse)
      if let value { input.quote.values[field] = value }
    }
    if !input.quote.values.isEmpty, input.asOf == nil, text("as_of", fields) == nil {
      problems.append(
        location.problem(
          "as_of",
          "a 星图 quote (prices, CPM, median plays, rates) needs the day it was taken",
          remedy: .giveDate))
    }
    return input
  }

  /// Parses a video.
  package mutating func video(_ fields: [String: String], at location: SourceLocation)
    -> VideoInput?
  {
    guard let key = required("video_id", fields, location) else { return nil }
    var input = VideoInput(videoID: key)
    input.kolID = text("kol_id", fields)
    input.brand = text("brand", fields)
    input.title = text("title", fields)
    input.published = parse("published", fields, location, DateTime.parse)
    input.chain = vocabulary("chain", fields, location, SalesChain.self, aliases: Self.chainAliases)
    input.product = text("product", fields)
    input.biddingAuthorized = parse("bidding_authorized", fields, location, YesNo.parse)
    input.adReview = vocabulary(
      "ad_review", fields, location, AdReview.self, aliases: Self.reviewAliases)
    return input
  }

  /// Parses a placement.
  ///
  /// A date alone as `end` means the end of that day.
  package mutating func placement(_ fields: [String: String], at location: SourceLocation)
    -> PlacementInput?
  {
    guard let key = required("placement_id", fields, location) else { return nil }
    var input = PlacementInput(placementID: key)
    input.videoID = text("video_id", fields)
    input.tool = vocabulary("tool", fields, location, Source.self, aliases: Self.sourceAliases)
    input.mode = vocabulary("mode", fields, location, DeliveryMode.self, aliases: Self.modeAliases)
    input.targeting = vocabulary("targeting", fields, location, Targeting.self, aliases: [:])
    input.strategy = vocabulary("strategy", fields, location, Strategy.self, aliases: [:])
    input.budget = parse("budget", fields, location, Money.parseYuan)
    input.start = parse("start", fields, location, DateTime.parse)
    input.end = parse("end", fields, location) { (text: String) throws(ValueError) -> DateTime in
      if let day = try? Day.parse(text) { return DateTime.endOfDay(day) }
      return try DateTime.parse(text)
    }
    return input
  }

  /// Parses one day's numbers.
  ///
  /// `defaultSource` serves files without a source column.
  package mutating func metric(
    _ fields: [String: String], at location: SourceLocation, defaultSource: Source? = nil
  ) -> MetricInput? {
    let day = parse("date", fields, location, Self.dayOf)
    let videoID = required("video_id", fields, location)
    var source = vocabulary("source", fields, location, Source.self, aliases: Self.sourceAliases)
    if source == nil, text("source", fields) == nil {
      source = defaultSource
      if source == nil {
        problems.append(
          location.problem("source", "is missing", remedy: .giveSource))
      }
    }
    if text("date", fields) == nil { problems.append(location.problem("date", "is missing")) }
    var values: [MetricField: Int64] = [:]
    // A dash is the exports' empty cell (``NoValueDash``).
    for field in MetricField.allCases
    where !(text(field.rawValue, fields).map(NoValueDash.matches) ?? false) {
      let value =
        field.isMoney
        ? parse(field.rawValue, fields, location, Money.parseYuan)
        : parse(field.rawValue, fields, location, Count.parse)
      if let value { values[field] = value }
    }
    guard let day, let videoID, let source else { return nil }
    return MetricInput(
      day: day, videoID: videoID, source: source,
      placementID: text("placement_id", fields) ?? "", values: values)
  }

  /// Parses a 5A snapshot.
  package mutating func audience(_ fields: [String: String], at location: SourceLocation)
    -> AudienceInput?
  {
    let day = parse("date", fields, location, Self.dayOf)
    if text("date", fields) == nil { problems.append(location.problem("date", "is missing")) }
    let brand = required("brand", fields, location)
    var values: [AudienceField: Int64] = [:]
    for field in AudienceField.allCases {
      if let value = parse(field.rawValue, fields, location, Count.parse) { values[field] = value }
    }
    var layer: AudienceField?
    if let name = text("layer", fields) {
      // A long-form row: its size, additions and losses are the layer's (AudienceLayers).
      layer = AudienceLayers.layer(named: name)
      if let layer, let index = AudienceField.layers.firstIndex(of: layer) {
        let targets = [
          ("size", layer), ("new", AudienceField.additions[index]),
          ("lost", AudienceField.losses[index]),
        ]
        for (column, field) in targets {
          if let value = parse(column, fields, location, Count.parse) { values[field] = value }
        }
      } else {
        problems.append(location.problem("layer", AudienceLayers.unknownMessage(name)))
      }
    } else if fields["layer"] != nil {
      problems.append(
        location.problem("layer", "is empty; every row of a long 5A file names its layer"))
    }
    guard let day, let brand else { return nil }
    var input = AudienceInput(brand: brand, day: day, values: values)
    input.layer = layer
    return input
  }

  /// Parses a promotion.
  package mutating func promotion(_ fields: [String: String], at location: SourceLocation)
    -> PromotionInput?
  {
    guard let name = required("promotion", fields, location) else { return nil }
    var input = PromotionInput(name: name)
    input.start = parse("start", fields, location, Day.parse)
    input.end = parse("end", fields, location, Day.parse)
    input.cpmPrice = parse("cpm_price", fields, location, Money.parseYuan)
    return input
  }

  // MARK: - Fields

  /// A day, or the day of a moment: order and payment exports put times in date columns.
  static func dayOf(_ text: String) throws(ValueError) -> Day {
    do throws(ValueError) {
      return try Day.parse(text)
    } catch {
      guard let moment = try? DateTime.parse(text) else { throw error }
      return moment.day
    }
  }

  /// The same over a field's bytes (the importer's metric path).
  static func dayOf(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ValueError) -> Day {
    do throws(ValueError) {
      return try Day.parse(utf8: bytes)
    } catch {
      guard let moment = try? DateTime.parse(utf8: bytes) else { throw error }
      return moment.day
    }
  }

  /// A field's text as ``TextNormalization`` normalises every key and text (trimmed of
  /// Unicode whitespace and zero-width characters, NFC); nil when empty.
  private func text(_ column: String, _ fields: [String: String]) -> String? {
    guard let value = fields[column] else { return nil }
    let normalized = TextNormalization.normalized(value)
    return normalized.isEmpty ? nil : normalized
  }

  private mutating func required(
    _ column: String, _ fields: [String: String], _ location: SourceLocation
  ) -> String? {
    if let value = text(column, fields) { return value }
    problems.append(location.problem(column, "is missing; every row needs its \(column)"))
    return nil
  }

  private mutating func parse<T>(
    _ column: String, _ fields: [String: String], _ location: SourceLocation,
    _ parser: (String) throws(ValueError) -> T
  ) -> T? {
    guard let value = text(column, fields) else { return nil }
    do {
      return try parser(value)
    } catch {
      problems.append(location.problem(column, error.message))
      return nil
    }
  }

  private mutating func vocabulary<T: RawRepresentable & CaseIterable>(
    _ column: String, _ fields: [String: String], _ location: SourceLocation, _ type: T.Type,
    aliases: [String: T]
  ) -> T? where T.RawValue == String {
    guard let value = text(column, fields) else { return nil }
    if let known = T(rawValue: value) ?? T(rawValue: value.lowercased()) { return known }
    if let alias = aliases[value] ?? aliases[value.lowercased()] { return alias }
    let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
    problems.append(location.problem(column, "\"\(value)\" is not one of: \(allowed)"))
    return nil
  }

  // MARK: - Aliases (the names the Ocean Engine exports use, Simplified and Traditional)

  /// A source named as the ledger or the exports name it (`natural`, `自然流量`, `DOU+`, …;
  /// docs/data-model.md, "Import columns").
  package static func parseSource(_ text: String) -> Source? {
    let trimmed = TextNormalization.normalized(text)
    return Source(rawValue: trimmed) ?? Source(rawValue: trimmed.lowercased())
      ?? sourceAliases[trimmed] ?? sourceAliases[trimmed.lowercased()]
  }

  /// Source and tool names as the exports write them.
  package static let sourceAliases: [String: Source] = [
    "自然": .natural, "自然流量": .natural, "自然流": .natural,
    "dou+": .douPlus, "douplus": .douPlus, "抖加": .douPlus,
    "内容服务": .contentService, "內容服務": .contentService, "内容热推": .contentService,
    "內容熱推": .contentService,
    "达人竞价": .kolBidding, "達人競價": .kolBidding,
    "随心推": .suixintui, "隨心推": .suixintui,
    "千川": .qianchuan, "巨量千川": .qianchuan,
    "信息流": .feedAd, "ad": .feedAd, "feed": .feedAd,
    "ud": .uniDesk, "uni desk": .uniDesk,
    "京东": .jdCoads, "京東": .jdCoads, "co-ads": .jdCoads, "coads": .jdCoads,
  ]
  static let chainAliases: [String: SalesChain] = [
    "天猫": .tmall, "天貓": .tmall, "闭环": .closedLoop, "閉環": .closedLoop,
    "抖音闭环": .closedLoop, "抖音閉環": .closedLoop, "closed-loop": .closedLoop,
  ]
  static let reviewAliases: [String: AdReview] = [
    "审核中": .pending, "審核中": .pending, "待审核": .pending, "待審核": .pending,
    "通过": .passed, "通過": .passed, "审核通过": .passed, "審核通過": .passed,
    "拒绝": .rejected, "拒絕": .rejected, "未通过": .rejected, "未通過": .rejected,
  ]
  static let modeAliases: [String: DeliveryMode] = [
    "智能": .smart, "智能投放": .smart, "智能定向": .smart, "系统智能推荐": .smart,
    "定向": .targeted, "定向投放": .targeted, "自定义定向": .targeted, "自定义定向推荐": .targeted,
  ]
}
