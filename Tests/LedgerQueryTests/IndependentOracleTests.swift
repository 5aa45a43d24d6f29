import LedgerQuery
import LedgerStore
import TestSupport
import Testing

// Every number of the query module checked against an independent oracle: plain loops over the
// generated input rows, Int64 sums, ratios kept as (numerator, denominator) pairs and compared by
// cross-multiplication. The production `Fraction` type is used only as a value container for the
// final equality (both sides reduced by gcd, so equal ratios are equal values).

// MARK: - Generator

private struct GenKOL: Sendable {
  var id: String
  var followers: [(day: Day, count: Int64)]
}

private struct GenVideo: Sendable {
  var id: String
  var kolID: String?
  var brand: String?
  var chain: SalesChain?
  var adReview: AdReview
}

private struct GenMetric: Sendable {
  var dayIndex: Int
  var videoID: String
  var source: Source
  var placementID = ""
  var impressions: Int64 = 0
  var cost: Int64 = 0
  var gmv: Int64 = 0
  var orders: Int64 = 0
  var likes: Int64 = 0
  var comments: Int64 = 0
  var shares: Int64 = 0
  var follows: Int64 = 0
}

private struct GenPlacement: Sendable {
  var id: String
  var videoID: String
  var tool: Source
  var budget: Int64
  var start: DateTime
  var end: DateTime?
}

private struct GenSnapshot: Sendable {
  var brand: String
  var dayIndex: Int
  var o: Int64
  var layers: [Int64]
  var categoryTotal: Int64?
}

private struct GenPromotion: Sendable {
  var name: String
  var start: Day
  var end: Day
}

private let brandNames = ["Alpha", "Beta", "伽马"]

/// The raw rows a ledger is built from, and the oracle's only source of truth.
private struct Dataset: Sendable {
  var base: Day
  var kols: [GenKOL] = []
  var videos: [GenVideo] = []
  var metrics: [GenMetric] = []
  var placements: [GenPlacement] = []
  var snapshots: [GenSnapshot] = []
  var promotion: GenPromotion
  /// Indices into `metrics` by day index (0 is `base`).
  var rowsByDay: [[Int]] = []
  /// The index in `videos` of each metric row's video.
  var videoOfRow: [Int] = []
  /// For each grouping: the distinct keys, and each metric row's index into them.
  var groupKeys: [ROIGrouping: [String?]] = [:]
  var groupOfRow: [ROIGrouping: [Int]] = [:]

  func day(_ index: Int) -> Day { base.adding(days: index) }

  func index(of day: Day) -> Int { day - base }

  /// The latest day with any metric, as a day index.
  var latestIndex: Int { metrics.map(\.dayIndex).max() ?? 0 }

  /// The earliest day with any metric, as a day index.
  var earliestIndex: Int { metrics.map(\.dayIndex).min() ?? 0 }

  /// The indices in `metrics` of the rows dated on `index` (none outside the generated days).
  func rowIndices(on index: Int) -> [Int] {
    guard index >= 0, index < rowsByDay.count else { return [] }
    return rowsByDay[index]
  }

  static func generate(seed: UInt64) -> Dataset {
    var rng = SplitMix64(state: seed)
    let base = Day(year: 2026, month: 1, day: 1) ?? Day(daysSinceEpoch: 20_454)
    var data = Dataset(
      base: base,
      promotion: GenPromotion(
        name: "618-2026", start: base.adding(days: 134), end: base.adding(days: 168)))
    data.makeKOLs()
    data.makeVideos(&rng)
    data.makeSpecialVideos()
    data.makePlacements()
    data.makeSnapshots(&rng)
    data.rowsByDay = Array(repeating: [], count: 200)
    for (index, metric) in data.metrics.enumerated() {
      data.rowsByDay[metric.dayIndex].append(index)
    }
    var videoIndex: [String: Int] = [:]
    for (index, video) in data.videos.enumerated() { videoIndex[video.id] = index }
    data.videoOfRow = data.metrics.map { videoIndex[$0.videoID] ?? 0 }
    for grouping in ROIGrouping.allCases {
      var keys: [String?] = []
      var indexOfKey: [String?: Int] = [:]
      var ofRow: [Int] = []
      for (row, metric) in data.metrics.enumerated() {
        let key = groupKey(grouping, metric, data.videos[data.videoOfRow[row]])
        if let found = indexOfKey[key] {
          ofRow.append(found)
        } else {
          indexOfKey[key] = keys.count
          ofRow.append(keys.count)
          keys.append(key)
        }
      }
      data.groupKeys[grouping] = keys
      data.groupOfRow[grouping] = ofRow
    }
    return data
  }

  private mutating func makeKOLs() {
    let plan: [Int64?] = [
      8_000_000, 5_000_000, 2_400_000, 1_000_000, 999_999, 640_000, 100_000, 99_999, 45_000,
      10_000, 3_000, nil,
    ]
    for (index, followers) in plan.enumerated() {
      var kol = GenKOL(id: kolName(index), followers: [])
      if let followers { kol.followers.append((day(-10), followers)) }
      switch index {
      // Grows into head on day 40 (before the shortlist's lookback end).
      case 4: kol.followers.append((day(40), 1_200_000))
      // A later count after the lookback end must not be used for the shortlist.
      case 6: kol.followers.append((day(150), 20_000))
      // First recorded only after the lookback end: the earliest count is used.
      case 10: kol.followers = [(day(110), 3_000_000)]
      default: break
      }
      kols.append(kol)
    }
  }

  private mutating func makeVideos(_ rng: inout SplitMix64) {
    let tools: [Source] = [
      .douPlus, .douPlus, .contentService, .kolBidding, .suixintui, .qianchuan, .feedAd,
      .uniDesk, .jdCoads,
    ]
    for i in 0..<60 {
      let id = "v" + pad2(i)
      videos.append(
        GenVideo(
          id: id, kolID: i == 59 ? nil : kolName(i % 12),
          brand: (i == 57 || i == 58) ? nil : brandNames[i % 3],
          chain: i % 7 == 6 ? nil : (i % 2 == 0 ? .tmall : .closedLoop),
          adReview: i % 9 == 4 ? .pending : (i % 11 == 7 ? .rejected : .passed)))
      let start = Int(rng.int(0...70))
      let end = min(119, start + Int(rng.int(15...100)))
      let small = i % 6 == 5
      let scale = small ? rng.int(200...2_000) : rng.int(5_000...150_000)
      let rateA = rng.int(0...10)
      let rateB = i % 10 == 3 ? 0 : rng.int(0...10)
      let regime = start + Int(rng.int(0...40))
      for d in start...end {
        if i % 5 == 0, d >= start + 10, d < start + 30 { continue }
        let rate = d < regime ? rateA : rateB
        if !rng.chance(12) {
          var row = GenMetric(dayIndex: d, videoID: id, source: .natural)
          if rng.chance(6) {
            row.gmv = rng.chance(30) ? rng.int(1...5_000) : 0
          } else {
            row.impressions = rng.int(scale / 2...scale * 3 / 2)
            row.gmv = rate == 0 ? 0 : row.impressions * rate + rng.int(0...999)
            row.likes = row.impressions * rng.int(0...80) / 1_000
            row.comments = row.likes * rng.int(0...30) / 100
          }
          row.orders = row.gmv / 5_000
          row.shares = row.likes / 10
          row.follows = row.likes / 20
          metrics.append(row)
        }
        guard rng.chance(35) else { continue }
        var dayTools = [tools[Int(rng.int(0...8))]]
        if rng.chance(25) {
          let other = tools[Int(rng.int(0...8))]
          if !dayTools.contains(other) { dayTools.append(other) }
        }
        for tool in dayTools {
          var orderIDs = [""]
          if tool == .douPlus {
            orderIDs = (0..<Int(rng.int(1...3))).map { "D\(id)-\(d)-\($0)" }
            if rng.chance(20) { orderIDs.append("") }
          }
          for order in orderIDs {
            metrics.append(paidRow(&rng, day: d, videoID: id, tool: tool, order: order))
          }
        }
      }
    }
  }

  private func paidRow(
    _ rng: inout SplitMix64, day d: Int, videoID: String, tool: Source, order: String
  ) -> GenMetric {
    var row = GenMetric(dayIndex: d, videoID: videoID, source: tool, placementID: order)
    row.impressions = rng.chance(3) ? 0 : rng.int(1_000...60_000)
    let cpmFen = rng.int(1_500...7_000)
    row.cost = max(row.impressions * cpmFen / 1_000, rng.int(100...5_000))
    if tool == .jdCoads, rng.chance(30) { row.cost = 0 }
    row.gmv = row.cost * rng.int(0...300) / 100
    row.orders = row.gmv / 6_000
    row.likes = row.impressions * rng.int(0...30) / 1_000
    row.comments = row.likes * rng.int(0...20) / 100
    row.shares = row.likes / 12
    row.follows = row.likes / 30
    return row
  }

  private mutating func makeSpecialVideos() {
    // Twins: identical rows, so their shortlist scores tie and the video id breaks the tie.
    for id in ["vTwinA", "vTwinB"] {
      videos.append(
        GenVideo(id: id, kolID: kolName(0), brand: "Alpha", chain: .tmall, adReview: .passed))
      for d in 20...110 {
        let impressions = Int64(60_000 + (d % 7) * 1_000)
        metrics.append(
          GenMetric(
            dayIndex: d, videoID: id, source: .natural, impressions: impressions,
            gmv: impressions * 8, likes: impressions / 25, comments: impressions / 200))
      }
    }
    // Trend boundaries for the 7-day window ending on day 69: exactly 0.8× and exactly ÷0.8
    // are flat; one fen less / more is down / up.
    let edges: [(String, Int64, Int64, Int64)] = [
      ("vEdgeFlatDown", 500_000, 400_000, 0), ("vEdgeDown", 500_000, 400_000, -1),
      ("vEdgeFlatUp", 400_000, 500_000, 0), ("vEdgeUp", 400_000, 500_000, 1),
    ]
    for (id, before, now, nudge) in edges {
      videos.append(
        GenVideo(id: id, kolID: kolName(5), brand: "Beta", chain: .closedLoop, adReview: .passed))
      for d in 56...69 {
        let gmv = d < 63 ? before : now + (d == 66 ? nudge : 0)
        metrics.append(
          GenMetric(
            dayIndex: d, videoID: id, source: .natural, impressions: 100_000, gmv: gmv,
            likes: 2_000, comments: 100))
      }
    }
    // Paid traffic only: no natural impressions, so no model, but listed.
    videos.append(
      GenVideo(id: "vPaidOnly", kolID: kolName(7), brand: "伽马", chain: .tmall, adReview: .passed))
    for d in stride(from: 30, through: 60, by: 3) {
      metrics.append(
        GenMetric(
          dayIndex: d, videoID: "vPaidOnly", source: .douPlus, placementID: "PO-\(d)",
          impressions: 20_000, cost: 80_000, gmv: 150_000, likes: 300, comments: 20))
    }
    // Natural traffic without GMV (model 0, so the next window's trend is null), then GMV.
    videos.append(
      GenVideo(id: "vNoGMV", kolID: kolName(8), brand: "Beta", chain: nil, adReview: .passed))
    for d in 10...110 {
      metrics.append(
        GenMetric(
          dayIndex: d, videoID: "vNoGMV", source: .natural, impressions: 30_000,
          gmv: d > 100 ? 200_000 : 0, likes: 900, comments: 40))
    }
    // No KOL, no brand, no chain.
    videos.append(
      GenVideo(id: "vNoKOL", kolID: nil, brand: nil, chain: nil, adReview: .passed))
    for d in stride(from: 0, through: 119, by: 4) {
      metrics.append(
        GenMetric(
          dayIndex: d, videoID: "vNoKOL", source: .natural, impressions: 12_345,
          gmv: 70_000, likes: 321, comments: 12))
      if d % 8 == 0 {
        metrics.append(
          GenMetric(
            dayIndex: d, videoID: "vNoKOL", source: .qianchuan, impressions: 9_000,
            cost: 40_000, gmv: 55_555, likes: 90, comments: 3))
      }
    }
    // A video with no metrics at all: never listed, excluded from the shortlist.
    videos.append(
      GenVideo(id: "vIdle", kolID: kolName(1), brand: "Alpha", chain: .tmall, adReview: .passed))
  }

  private mutating func makePlacements() {
    let saleStart = promotion.start
    let saleEnd = promotion.end
    func at(_ day: Day, _ second: Int32) -> DateTime { DateTime(day: day, secondOfDay: second) }
    for i in 0..<60 {
      let id = "v" + pad2(i)
      switch i % 4 {
      case 0:
        // Dou+ orders around the sale: half-open [start, end) against [saleStart, saleEnd+1).
        let span: (DateTime, DateTime?) =
          switch (i / 4) % 6 {
          case 0: (at(saleStart.adding(days: -3), 0), at(saleStart, 0))
          case 1: (at(saleEnd.adding(days: 1), 0), at(saleEnd.adding(days: 2), 43_200))
          case 2: (at(saleStart, 36_000), at(saleStart.adding(days: 1), 36_000))
          case 3: (at(day(100), 0), nil)
          case 4: (at(saleStart.adding(days: -1), 0), at(saleStart, 1))
          default: (at(saleEnd, 86_399), at(saleEnd.adding(days: 1), 3_600))
          }
        placements.append(
          GenPlacement(
            id: "DP-\(id)", videoID: id, tool: .douPlus, budget: 50_000, start: span.0,
            end: span.1))
      case 1:
        placements.append(
          GenPlacement(
            id: "DP-\(id)", videoID: id, tool: .douPlus, budget: 1_000_000,
            start: at(day(10 + i), 28_800), end: at(day(11 + i), 28_800)))
      case 2:
        // Content service during the sale is not a Dou+ overlap.
        placements.append(
          GenPlacement(
            id: "CS-\(id)", videoID: id, tool: .contentService, budget: 30_000_000,
            start: at(saleStart, 0), end: at(saleEnd, 86_399)))
      default: break
      }
    }
  }

  private mutating func makeSnapshots(_ rng: inout SplitMix64) {
    for (brandIndex, brand) in brandNames.enumerated() {
      var layers: [Int64] = (0..<5).map { _ in rng.int(100_000...2_000_000) }
      for week in 0..<18 {
        let dayIndex = 2 + brandIndex + week * 7
        if week > 0, week != 5 {
          layers = layers.map { max(0, $0 + rng.int(-60_000...200_000)) }
        }
        var shown = layers
        if brand == "Alpha", week == 9 { shown = [0, 0, 0, 0, 0] }
        let total = shown.reduce(0, +)
        var categoryTotal: Int64? = week % 3 == 1 ? nil : total * rng.int(3...8) + 17
        if week == 12 { categoryTotal = 0 }
        snapshots.append(
          GenSnapshot(
            brand: brand, dayIndex: dayIndex, o: rng.int(0...9_000_000), layers: shown,
            categoryTotal: categoryTotal))
      }
    }
  }
}

private func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

private func kolName(_ index: Int) -> String { "dy" + pad2(index) }

/// Writes the dataset into a new in-memory ledger.
private func buildLedger(_ data: Dataset) throws -> Ledger {
  let ledger = try Ledger.inMemory()
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for kol in data.kols {
      var input = KOLInput(kolID: kol.id)
      input.name = "KOL " + kol.id
      try writer.upsert(input, at: .commandLine)
      for count in kol.followers {
        var followers = KOLInput(kolID: kol.id)
        followers.followers = count.count
        followers.asOf = count.day
        try writer.upsert(followers, at: .commandLine)
      }
    }
    for video in data.videos {
      var input = VideoInput(videoID: video.id)
      input.kolID = video.kolID
      input.brand = video.brand
      input.chain = video.chain
      input.adReview = video.adReview
      try writer.upsert(input, at: .commandLine)
    }
    for placement in data.placements {
      var input = PlacementInput(placementID: placement.id)
      input.videoID = placement.videoID
      input.tool = placement.tool
      input.budget = placement.budget
      input.start = placement.start
      input.end = placement.end
      try writer.upsert(input, at: .commandLine)
    }
    for metric in data.metrics {
      var values: [MetricField: Int64] = [
        .impressions: metric.impressions, .gmv: metric.gmv, .orders: metric.orders,
        .likes: metric.likes, .comments: metric.comments, .shares: metric.shares,
        .follows: metric.follows,
      ]
      if metric.source != .natural { values[.cost] = metric.cost }
      try writer.upsert(
        MetricInput(
          day: data.day(metric.dayIndex), videoID: metric.videoID, source: metric.source,
          placementID: metric.placementID, values: values), at: .commandLine)
    }
    for snapshot in data.snapshots {
      var values: [AudienceField: Int64] = [.o: snapshot.o]
      for (field, value) in zip([AudienceField.a1, .a2, .a3, .a4, .a5], snapshot.layers) {
        values[field] = value
      }
      if let total = snapshot.categoryTotal { values[.categoryTotal] = total }
      try writer.upsert(
        AudienceInput(brand: snapshot.brand, day: data.day(snapshot.dayIndex), values: values),
        at: .commandLine)
    }
    var promotion = PromotionInput(name: data.promotion.name)
    promotion.start = data.promotion.start
    promotion.end = data.promotion.end
    try writer.upsert(promotion, at: .commandLine)
  }
  return ledger
}

/// One dataset and one ledger built from it, shared by the tests that only read.
private enum Fixture {
  static let data = Dataset.generate(seed: 0x5EED_A1B2_C3D4)
  static let built: Result<Ledger, any Error> = Result { try buildLedger(data) }

  static func ledger() throws -> Ledger { try built.get() }
}

// MARK: - Exact ratios of the oracle

/// A non-negative ratio as the oracle keeps it: never reduced, compared by cross-multiplying.
private struct Ratio: CustomStringConvertible {
  var num: Int128
  var den: Int128

  init(_ num: Int128, _ den: Int128) {
    self.num = num
    self.den = den
  }

  init(_ num: Int64, over den: Int64) { self.init(Int128(num), Int128(den)) }

  /// nil when the denominator is 0 (null in docs/data-model.md).
  static func of(_ num: Int64, _ den: Int64) -> Ratio? {
    den == 0 ? nil : Ratio(num, over: den)
  }

  var description: String { "\(num)/\(den)" }

  /// The same value in the production container, for equality only.
  var fraction: Fraction? { Fraction(num, over: den) }

  /// `a < b`, by 256-bit cross products.
  static func less(_ a: Ratio, _ b: Ratio) -> Bool {
    let left = a.num.multipliedFullWidth(by: b.den)
    let right = b.num.multipliedFullWidth(by: a.den)
    return (left.high, left.low) < (right.high, right.low)
  }

  static func same(_ a: Ratio, _ b: Ratio) -> Bool { !less(a, b) && !less(b, a) }
}

/// The oracle's settings: reference CPM in fen, floor, decline ratio.
private struct OracleSettings {
  var cpmFen: Int64 = 4_000
  var floor = Ratio(6, 5)
  var decline = Ratio(4, 5)
  var budgetSuperHead: Int64? = 100_000_000
  var budgetHead: Int64? = 30_000_000
  var budgetMid: Int64? = 5_000_000
}

/// Plain sums of a key's rows over one window.
private struct Sums {
  var naturalImpressions: Int64 = 0
  var naturalGMV: Int64 = 0
  var paidImpressions: Int64 = 0
  var paidCost: Int64 = 0
  var paidGMV: Int64 = 0
  var impressions: Int64 = 0
  var cost: Int64 = 0
  var gmv: Int64 = 0
  var likes: Int64 = 0
  var comments: Int64 = 0
  var rows: Int64 = 0
  var paidRows: Int64 = 0

  mutating func add(_ row: GenMetric) {
    if row.source == .natural {
      naturalImpressions += row.impressions
      naturalGMV += row.gmv
    } else {
      paidImpressions += row.impressions
      paidCost += row.cost
      paidGMV += row.gmv
      paidRows += 1
    }
    impressions += row.impressions
    cost += row.cost
    gmv += row.gmv
    likes += row.likes
    comments += row.comments
    rows += 1
  }
}

/// What one row of `report roi` must hold.
private struct ExpectedRow {
  var key: String?
  var date: Day
  var sums: Sums
  var cpm: Ratio
  var naturalGPM: Ratio?
  var roiModel: Ratio?
  var paidCPM: Ratio?
  var paidGPM: Ratio?
  var paidROI: Ratio?
  var totalROI: Ratio?
  var engagementRate: Ratio?
  var commentLikeRatio: Ratio?
  var trend: Trend?
  var aboveFloor: Bool?
}

/// The reference CPM in yuan per thousand for one window's sums.
private func oracleCPM(_ sums: Sums, _ option: CPMOption, _ settings: OracleSettings) -> Ratio {
  switch option {
  case .setting: Ratio(settings.cpmFen, over: 100)
  case .price(let fen): Ratio(fen, over: 100)
  case .observed:
    // fen·1000/impressions/100 yuan; no paid impressions or no paid cost: the setting.
    sums.paidImpressions > 0 && sums.paidCost > 0
      ? Ratio(sums.paidCost * 10, over: sums.paidImpressions) : Ratio(settings.cpmFen, over: 100)
  }
}

/// natural_gpm / cpm = (gmv/100 yuan ÷ impressions/1000) ÷ cpm.
private func oracleModel(_ sums: Sums, cpm: Ratio) -> Ratio? {
  guard sums.naturalImpressions > 0, cpm.num != 0 else { return nil }
  return Ratio(
    Int128(sums.naturalGMV) * 10 * cpm.den, Int128(sums.naturalImpressions) * cpm.num)
}

private func oracleTrend(_ current: Ratio?, _ previous: Ratio?, decline: Ratio) -> Trend? {
  guard let current, let previous, previous.num != 0 else { return nil }
  if Ratio.less(current, Ratio(previous.num * decline.num, previous.den * decline.den)) {
    return .down
  }
  if Ratio.less(Ratio(previous.num * decline.den, previous.den * decline.num), current) {
    return .up
  }
  return .flat
}

private func expectedRow(
  key: String?, date: Day, current: Sums, previous: Sums, cpm option: CPMOption,
  floor: Ratio, settings: OracleSettings
) -> ExpectedRow {
  let cpm = oracleCPM(current, option, settings)
  let model = oracleModel(current, cpm: cpm)
  let previousModel = oracleModel(previous, cpm: oracleCPM(previous, option, settings))
  return ExpectedRow(
    key: key, date: date, sums: current, cpm: cpm,
    naturalGPM: Ratio.of(current.naturalGMV * 10, current.naturalImpressions),
    roiModel: model,
    paidCPM: Ratio.of(current.paidCost * 10, current.paidImpressions),
    paidGPM: Ratio.of(current.paidGMV * 10, current.paidImpressions),
    paidROI: Ratio.of(current.paidGMV, current.paidCost),
    totalROI: Ratio.of(current.gmv, current.cost),
    engagementRate: Ratio.of(current.likes + current.comments, current.impressions),
    commentLikeRatio: Ratio.of(current.comments, current.likes),
    trend: oracleTrend(model, previousModel, decline: settings.decline),
    aboveFloor: model.map { !Ratio.less($0, floor) })
}

// MARK: - Oracle of `report roi`

/// The window sums of every key: the oracle's version of one report's scan.
private struct WindowQuery {
  var grouping: ROIGrouping = .video
  var window = 7
  var asOfIndex: Int
  var brand: String?
  var kolID: String?
  var tool: Source?
}

private func groupKey(_ grouping: ROIGrouping, _ row: GenMetric, _ video: GenVideo) -> String? {
  switch grouping {
  case .video: video.id
  case .kol: video.kolID
  case .brand: video.brand
  case .chain: video.chain?.rawValue
  case .tool: row.source.rawValue
  }
}

private func windowSums(
  _ data: Dataset, _ query: WindowQuery
) -> [String?: (current: Sums, previous: Sums)] {
  let keys = data.groupKeys[query.grouping] ?? []
  let groupOfRow = data.groupOfRow[query.grouping] ?? []
  var current = [Sums](repeating: Sums(), count: keys.count)
  var previous = current
  var touched = [Bool](repeating: false, count: keys.count)
  let firstCurrent = query.asOfIndex - query.window + 1
  for dayIndex in (query.asOfIndex - 2 * query.window + 1)...query.asOfIndex {
    for rowIndex in data.rowIndices(on: dayIndex) {
      let row = data.metrics[rowIndex]
      let video = data.videos[data.videoOfRow[rowIndex]]
      if let brand = query.brand, video.brand != brand { continue }
      if let kolID = query.kolID, video.kolID != kolID { continue }
      if let tool = query.tool, row.source != .natural, row.source != tool { continue }
      let group = groupOfRow[rowIndex]
      touched[group] = true
      if dayIndex >= firstCurrent {
        current[group].add(row)
      } else {
        previous[group].add(row)
      }
    }
  }
  var result: [String?: (current: Sums, previous: Sums)] = [:]
  for group in keys.indices where touched[group] {
    result[keys[group]] = (current[group], previous[group])
  }
  return result
}

/// Keys ascending, a missing key last.
private func keyLess(_ a: String?, _ b: String?) -> Bool {
  switch (a, b) {
  case (let x?, let y?): x < y
  case (nil, .some): false
  case (.some, nil): true
  case (nil, nil): false
  }
}

/// Best model first, undefined models last, ties by key.
private func modelOrder(_ a: ExpectedRow, _ b: ExpectedRow) -> Bool {
  switch (a.roiModel, b.roiModel) {
  case (let x?, let y?) where !Ratio.same(x, y): Ratio.less(y, x)
  case (nil, .some): false
  case (.some, nil): true
  default: keyLess(a.key, b.key)
  }
}

/// The rows `report roi` must print, in the default order (best model first).
private func oracleReport(
  _ data: Dataset, _ query: WindowQuery, cpm: CPMOption, floor: Ratio,
  settings: OracleSettings,
  sums precomputed: [String?: (current: Sums, previous: Sums)]? = nil
) -> [ExpectedRow] {
  let sums = precomputed ?? windowSums(data, query)
  var rows: [ExpectedRow] = []
  for (key, entry) in sums {
    let listed = query.tool == nil ? entry.current.rows > 0 : entry.current.paidRows > 0
    guard listed else { continue }
    rows.append(
      expectedRow(
        key: key, date: data.day(query.asOfIndex), current: entry.current,
        previous: entry.previous, cpm: cpm, floor: floor, settings: settings))
  }
  return rows.sorted(by: modelOrder)
}

// MARK: - Comparison

private func differ(_ name: String, _ expected: Ratio?, _ got: Fraction?) -> String? {
  let wanted = expected?.fraction
  guard wanted != got else { return nil }
  let gotText = got.map { "\($0.numerator)/\($0.denominator)" } ?? "nil"
  return "\(name): expected \(expected?.description ?? "nil") got \(gotText)"
}

/// Every field of a production model against the oracle's row; empty when all agree.
private func modelMismatches(_ model: TrafficModel, _ expected: ExpectedRow) -> [String] {
  var found: [String] = []
  let sums = model.sums
  let pairs: [(String, Int64, Int64)] = [
    ("natural_impressions", sums.naturalImpressions, expected.sums.naturalImpressions),
    ("natural_gmv", sums.naturalGMV, expected.sums.naturalGMV),
    ("paid_impressions", sums.paidImpressions, expected.sums.paidImpressions),
    ("paid_cost", sums.paidCost, expected.sums.paidCost),
    ("paid_gmv", sums.paidGMV, expected.sums.paidGMV),
    ("likes", sums.likes, expected.sums.likes),
    ("comments", sums.comments, expected.sums.comments),
    ("rows", sums.rows, expected.sums.rows),
    ("paid_rows", sums.paidRows, expected.sums.paidRows),
    ("impressions", sums.impressions, expected.sums.impressions),
    ("gmv", sums.gmv, expected.sums.gmv),
  ]
  for (name, got, wanted) in pairs where got != wanted {
    found.append("\(name): expected \(wanted) got \(got)")
  }
  let ratios: [(String, Ratio?, Fraction?)] = [
    ("cpm_price", expected.cpm, model.cpmPrice),
    ("natural_gpm", expected.naturalGPM, model.naturalGPM),
    ("roi_model", expected.roiModel, model.roiModel),
    ("paid_cpm", expected.paidCPM, model.paidCPM),
    ("paid_gpm", expected.paidGPM, model.paidGPM),
    ("paid_roi", expected.paidROI, model.paidROI),
    ("total_roi", expected.totalROI, model.totalROI),
    ("engagement_rate", expected.engagementRate, model.engagementRate),
    ("comment_like_ratio", expected.commentLikeRatio, model.commentLikeRatio),
  ]
  for (name, wanted, got) in ratios {
    if let problem = differ(name, wanted, got) { found.append(problem) }
  }
  if model.trend != expected.trend {
    found.append(
      "trend: expected \(String(describing: expected.trend)) got \(String(describing: model.trend))"
    )
  }
  if model.aboveFloor != expected.aboveFloor {
    found.append(
      "above_floor: expected \(String(describing: expected.aboveFloor)) "
        + "got \(String(describing: model.aboveFloor))")
  }
  return found
}

private func rowMismatches(_ row: ROIRow, _ expected: ExpectedRow) -> [String] {
  var found = modelMismatches(row.model, expected)
  if row.key != expected.key {
    found.append("key: expected \(expected.key ?? "nil") got \(row.key ?? "nil")")
  }
  if row.date != expected.date { found.append("date: expected \(expected.date) got \(row.date)") }
  return found
}

/// Collects problems and counts what was compared, so one summary expectation reports them.
private struct Tally {
  var compared = 0
  var problems: [String] = []

  mutating func note(_ context: String, _ found: [String]) {
    compared += 1
    guard !found.isEmpty else { return }
    problems.append(context + ": " + found.joined(separator: "; "))
  }

  /// The first few problems, for the failure message.
  var summary: String {
    "\(problems.count) mismatches of \(compared) rows compared; first: "
      + problems.prefix(8).joined(separator: "\n")
  }
}

private func keyText(_ key: String?) -> String { key ?? "<nil>" }

/// Compares a whole report (asOf, keys in order, every row) with the oracle's rows.
private func compareReport(
  _ report: ROIReport, _ expected: [ExpectedRow], asOf: Day, window: Int,
  context: String, tally: inout Tally
) {
  if report.asOf != asOf {
    tally.problems.append(
      "\(context): asOf expected \(asOf) got \(String(describing: report.asOf))")
  }
  if report.window != window {
    tally.problems.append("\(context): window expected \(window) got \(report.window)")
  }
  let gotKeys = report.rows.map { keyText($0.key) }
  let wantedKeys = expected.map { keyText($0.key) }
  if gotKeys != wantedKeys {
    tally.problems.append(
      "\(context): keys expected \(wantedKeys.joined(separator: ",")) "
        + "got \(gotKeys.joined(separator: ","))")
    return
  }
  for (row, wanted) in zip(report.rows, expected) {
    tally.note("\(context) key \(keyText(wanted.key))", rowMismatches(row, wanted))
  }
}

private func cpmText(_ option: CPMOption) -> String {
  switch option {
  case .setting: "setting"
  case .price(let fen): "price \(fen)"
  case .observed: "observed"
  }
}

// MARK: - Tests: report roi

/// The cases one expected row exercises, to show the data reaches them all.
private func coverage(_ row: ExpectedRow) -> Set<String> {
  var found: Set<String> = ["trend \(row.trend.map(\.rawValue) ?? "nil")"]
  if let model = row.roiModel {
    if model.num == 0 { found.insert("model 0") }
  } else {
    found.insert("model nil")
  }
  if let above = row.aboveFloor { found.insert("above_floor \(above)") }
  if row.key == nil { found.insert("key nil") }
  if row.paidCPM == nil, row.sums.paidCost > 0 { found.insert("paid_cpm nil with cost") }
  if row.sums.paidRows > 0, row.sums.paidCost == 0 || row.sums.paidImpressions == 0 {
    found.insert("observed fallback with paid")
  }
  if row.paidROI == nil { found.insert("paid_roi nil") }
  if row.commentLikeRatio == nil { found.insert("comment_like nil") }
  return found
}

/// The CPM cases of the ROI tests: option, the floor asked for (nil: the setting) and its ratio.
private let cpmCases: [(option: CPMOption, floor: Ratio?)] = [
  (.setting, nil), (.price(fen: 3_550), Ratio(9, 10)), (.observed, nil),
]

@Test func roiReportEqualsIndependentSumsForEveryGroupingWindowAsOfAndCPM() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  var emptyReports = 0
  var features: Set<String> = []
  for grouping in ROIGrouping.allCases {
    for window in [1, 7, 30] {
      for asOfIndex in [nil, 3, 45, 69, 130] as [Int?] {
        let effective = asOfIndex ?? data.latestIndex
        let windowQuery = WindowQuery(grouping: grouping, window: window, asOfIndex: effective)
        let sums = windowSums(data, windowQuery)
        for (option, floor) in cpmCases {
          var query = ROIQuery()
          query.grouping = grouping
          query.window = window
          query.asOf = asOfIndex.map(data.day)
          query.cpm = option
          query.floor = floor?.fraction
          let report = try ledger.roiReport(query)
          let wantedFloor = floor ?? settings.floor
          let expected = oracleReport(
            data, windowQuery, cpm: option, floor: wantedFloor, settings: settings, sums: sums)
          if expected.isEmpty { emptyReports += 1 }
          for row in expected { features.formUnion(coverage(row)) }
          let context =
            "by \(grouping) window \(window) as of \(data.day(effective)) cpm \(cpmText(option))"
          if report.floor != wantedFloor.fraction {
            tally.problems.append("\(context): floor \(report.floor)")
          }
          compareReport(
            report, expected, asOf: data.day(effective), window: window, context: context,
            tally: &tally)
        }
      }
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 1_800)
  // Only the windows wholly after the data (as of day 130, 1 and 7 days) are empty.
  #expect(emptyReports == 2 * 5 * cpmCases.count)
  // The generated data reaches every case of every field.
  let wanted: Set<String> = [
    "trend up", "trend down", "trend flat", "trend nil", "model nil", "model 0",
    "above_floor true", "above_floor false", "key nil", "paid_cpm nil with cost",
    "observed fallback with paid", "paid_roi nil", "comment_like nil",
  ]
  #expect(wanted.subtracting(features).isEmpty, "not reached: \(wanted.subtracting(features))")
}

@Test func roiReportTrendIsFlatAtExactlyTheDeclineRatioBoundaries() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var query = ROIQuery()
  query.asOf = data.day(69)
  query.filter = VideoFilter(brand: "Beta", kolID: kolName(5))
  let report = try ledger.roiReport(query)
  let trends = Dictionary(
    report.rows.compactMap { row in row.key.map { ($0, row.model.trend) } },
    uniquingKeysWith: { first, _ in first })
  // Built so the current model is exactly 0.8× / ÷0.8 the previous one, or one fen past it.
  #expect(trends["vEdgeFlatDown"] == .some(.flat))
  #expect(trends["vEdgeDown"] == .some(.down))
  #expect(trends["vEdgeFlatUp"] == .some(.flat))
  #expect(trends["vEdgeUp"] == .some(.up))
}

@Test func roiSeriesRowsEqualTheSingleWindowReportAndTheOracleForEveryKeyAndDay() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  let since = 60
  let until = 79
  let cases: [(ROIGrouping, CPMOption, String?, Source?)] = [
    (.video, .setting, nil, nil), (.kol, .observed, nil, nil),
    (.tool, .price(fen: 3_550), nil, nil), (.brand, .observed, nil, nil),
    (.video, .observed, "Beta", .douPlus),
  ]
  for (grouping, option, brand, tool) in cases {
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 7
    query.cpm = option
    query.filter = VideoFilter(brand: brand)
    query.tool = tool
    let context =
      "series by \(grouping) cpm \(cpmText(option)) brand \(brand ?? "-") "
      + "tool \(tool?.rawValue ?? "-")"
    let series = try #require(
      try ledger.roiSeries(query, since: data.day(since), until: data.day(until)))
    var seen: [String: ROIRow] = [:]
    var order: [String] = []
    try series.forEachRow { row in
      let id = keyText(row.key) + "@" + row.date.description
      if seen[id] != nil { tally.problems.append("\(context): \(id) twice") }
      seen[id] = row
      order.append(id)
    }
    // Days ascending within a key, and each key's rows together.
    var lastKey: String?
    var finishedKeys: Set<String> = []
    var lastDay: Day?
    for id in order {
      guard let row = seen[id] else { continue }
      let key = keyText(row.key)
      if key != lastKey {
        if finishedKeys.contains(key) { tally.problems.append("\(context): \(key) split") }
        if let lastKey { finishedKeys.insert(lastKey) }
        lastKey = key
      } else if let lastDay, !(lastDay < row.date) {
        tally.problems.append("\(context): \(key) days out of order at \(row.date)")
      }
      lastDay = row.date
    }
    var wantedIDs: Set<String> = []
    for dayIndex in since...until {
      let windowQuery = WindowQuery(
        grouping: grouping, window: 7, asOfIndex: dayIndex, brand: brand, tool: tool)
      let expected = oracleReport(
        data, windowQuery, cpm: option, floor: settings.floor, settings: settings)
      var single = query
      single.asOf = data.day(dayIndex)
      let report = try ledger.roiReport(single)
      let singleRows = Dictionary(
        report.rows.map { (keyText($0.key), $0) }, uniquingKeysWith: { first, _ in first })
      if Set(singleRows.keys) != Set(expected.map { keyText($0.key) }) {
        tally.problems.append("\(context): single-window keys on day \(dayIndex) differ")
      }
      for wanted in expected {
        let id = keyText(wanted.key) + "@" + data.day(dayIndex).description
        wantedIDs.insert(id)
        guard let row = seen[id] else {
          tally.problems.append("\(context): missing \(id)")
          continue
        }
        tally.note("\(context) \(id)", rowMismatches(row, wanted))
        if singleRows[keyText(wanted.key)] != row {
          tally.problems.append("\(context): \(id) differs from the single-window report")
        }
      }
    }
    let extra = Set(seen.keys).subtracting(wantedIDs)
    if !extra.isEmpty {
      tally.problems.append("\(context): unexpected rows \(extra.sorted().prefix(5))")
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 1_500)
}

@Test func roiReportFiltersByBrandKOLAndToolEqualTheOracle() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  var cases: [(brand: String?, kolID: String?, tool: Source?)] = []
  for brand in brandNames { cases.append((brand, nil, nil)) }
  cases.append((nil, kolName(3), nil))
  cases.append(("Beta", kolName(5), nil))
  for tool in [Source.douPlus, .jdCoads, .contentService, .qianchuan] {
    cases.append((nil, nil, tool))
  }
  cases.append(("Alpha", nil, .douPlus))
  cases.append(("Nobody", nil, nil))
  // (window, as-of day, CPM case, groupings): every grouping for two, the video for the third.
  let combos: [(Int, Int, Int, [ROIGrouping])] = [
    (7, 69, 0, ROIGrouping.allCases), (30, 119, 2, ROIGrouping.allCases), (30, 104, 1, [.video]),
  ]
  for filter in cases {
    for (window, asOfIndex, cpmCase, groupings) in combos {
      let (option, floor) = cpmCases[cpmCase]
      for grouping in groupings {
        var query = ROIQuery()
        query.grouping = grouping
        query.window = window
        query.asOf = data.day(asOfIndex)
        query.cpm = option
        query.floor = floor?.fraction
        query.filter = VideoFilter(brand: filter.brand, kolID: filter.kolID)
        query.tool = filter.tool
        let windowQuery = WindowQuery(
          grouping: grouping, window: window, asOfIndex: asOfIndex, brand: filter.brand,
          kolID: filter.kolID, tool: filter.tool)
        let expected = oracleReport(
          data, windowQuery, cpm: option, floor: floor ?? settings.floor, settings: settings)
        let context =
          "brand \(filter.brand ?? "-") kol \(filter.kolID ?? "-") "
          + "tool \(filter.tool?.rawValue ?? "-") by \(grouping) window \(window) "
          + "as of \(data.day(asOfIndex)) cpm \(cpmText(option))"
        compareReport(
          try ledger.roiReport(query), expected, asOf: data.day(asOfIndex), window: window,
          context: context, tally: &tally)
      }
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 600)
}

@Test func roiReportSortByKeyAndLimitKeepTheOracleOrder() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  for grouping in [ROIGrouping.video, .kol] {
    let windowQuery = WindowQuery(grouping: grouping, window: 30, asOfIndex: 104)
    let all = oracleReport(
      data, windowQuery, cpm: .setting, floor: settings.floor, settings: settings)
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 30
    query.asOf = data.day(104)
    query.limit = 5
    compareReport(
      try ledger.roiReport(query), Array(all.prefix(5)), asOf: data.day(104), window: 30,
      context: "by \(grouping) limit 5", tally: &tally)
    query.sort = ROISort(field: .key)
    query.limit = nil
    let byKey = all.sorted { keyLess($0.key, $1.key) }
    compareReport(
      try ledger.roiReport(query), byKey, asOf: data.day(104), window: 30,
      context: "by \(grouping) sorted by key", tally: &tally)
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 40)
}

@Test func changedLedgerSettingsFlowIntoTheModelTrendAndFloor() throws {
  let data = Fixture.data
  let ledger = try buildLedger(data)
  try ledger.setSetting("cpm_price", "38.50")
  try ledger.setSetting("decline_ratio", "0.75")
  try ledger.setSetting("roi_floor", "1")
  let settings = OracleSettings(cpmFen: 3_850, floor: Ratio(1, 1), decline: Ratio(3, 4))
  var tally = Tally()
  for grouping in [ROIGrouping.video, .brand, .tool] {
    for window in [7, 30] {
      for asOfIndex in [69, 104] {
        for option in [CPMOption.setting, .observed] {
          var query = ROIQuery()
          query.grouping = grouping
          query.window = window
          query.asOf = data.day(asOfIndex)
          query.cpm = option
          let windowQuery = WindowQuery(grouping: grouping, window: window, asOfIndex: asOfIndex)
          let expected = oracleReport(
            data, windowQuery, cpm: option, floor: settings.floor, settings: settings)
          compareReport(
            try ledger.roiReport(query), expected, asOf: data.day(asOfIndex), window: window,
            context: "settings by \(grouping) window \(window) as of \(asOfIndex)",
            tally: &tally)
        }
      }
    }
  }
  var shortlist = ShortlistQuery()
  shortlist.promotion = data.promotion.name
  compareShortlist(
    try ledger.shortlist(shortlist), oracleShortlist(data, ShortlistCase(), settings: settings),
    context: "settings shortlist", tally: &tally)
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 500)
}

// MARK: - Oracle and tests: report 5a

@Test func audienceReportEqualsTheOracleForEveryField() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var tally = Tally()
  let ranges: [(String, Int?, Int?)] = [
    ("Alpha", nil, nil), ("Alpha", 30, 90), ("Alpha", 31, 200), ("Alpha", nil, 1),
    ("Beta", nil, nil), ("Beta", 59, 59), ("伽马", 10, nil),
  ]
  for (brand, since, until) in ranges {
    let context = "5a \(brand) \(since.map { "\($0)" } ?? "-")...\(until.map { "\($0)" } ?? "-")"
    let rows = try ledger.audienceReport(
      brand: brand, since: since.map(data.day), until: until.map(data.day))
    let snapshots = data.snapshots.filter { $0.brand == brand }.sorted {
      $0.dayIndex < $1.dayIndex
    }
    var expected: [(GenSnapshot, GenSnapshot?)] = []
    for (index, snapshot) in snapshots.enumerated() {
      if let since, snapshot.dayIndex < since { continue }
      if let until, snapshot.dayIndex > until { continue }
      expected.append((snapshot, index > 0 ? snapshots[index - 1] : nil))
    }
    if rows.map(\.date) != expected.map({ data.day($0.0.dayIndex) }) {
      tally.problems.append(
        "\(context): dates \(rows.map(\.date)) vs \(expected.map { data.day($0.0.dayIndex) })")
      continue
    }
    for (row, (snapshot, previous)) in zip(rows, expected) {
      tally.note("\(context) \(row.date)", audienceMismatches(row, snapshot, previous, data))
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 40)
}

private func audienceMismatches(
  _ row: AudienceRow, _ snapshot: GenSnapshot, _ previous: GenSnapshot?, _ data: Dataset
) -> [String] {
  var found: [String] = []
  var total: Int64 = 0
  for layer in snapshot.layers { total += layer }
  let counts: [(String, Int64?, Int64?)] = [
    ("o", row.o, snapshot.o),
    ("total", row.total, total),
    ("a2_a3", row.a2a3, snapshot.layers[1] + snapshot.layers[2]),
    ("category_total", row.categoryTotal, snapshot.categoryTotal),
  ]
  for (name, got, wanted) in counts where got != wanted {
    found.append("\(name): expected \(String(describing: wanted)) got \(String(describing: got))")
  }
  if row.layers != snapshot.layers { found.append("layers: \(row.layers) vs \(snapshot.layers)") }
  for index in 0..<5 {
    let wanted = Ratio.of(snapshot.layers[index], total)
    if let problem = differ("share_a\(index + 1)", wanted, row.shares[index]) {
      found.append(problem)
    }
  }
  let penetration = snapshot.categoryTotal.flatMap { Ratio.of(total, $0) }
  if let problem = differ("penetration", penetration, row.penetration) { found.append(problem) }
  var delta: Int64?
  var spend: Int64?
  if let previous {
    var previousTotal: Int64 = 0
    for layer in previous.layers { previousTotal += layer }
    delta = total - previousTotal
    // The brand's spend on the days after the previous snapshot up to this one.
    var sum: Int64 = 0
    for dayIndex in (previous.dayIndex + 1)..<(snapshot.dayIndex + 1) {
      for row in data.rowIndices(on: dayIndex)
      where data.videos[data.videoOfRow[row]].brand == snapshot.brand {
        sum += data.metrics[row].cost
      }
    }
    spend = sum
  }
  if row.deltaTotal != delta {
    found.append(
      "delta_total: expected \(String(describing: delta)) got \(String(describing: row.deltaTotal))"
    )
  }
  if row.spend != spend {
    found.append(
      "spend: expected \(String(describing: spend)) got \(String(describing: row.spend))")
  }
  var costPerNewAsset: Ratio?
  if let spend, let delta, delta > 0 { costPerNewAsset = Ratio(spend, over: delta * 100) }
  if let problem = differ("cost_per_new_asset", costPerNewAsset, row.costPerNewAsset) {
    found.append(problem)
  }
  return found
}

// MARK: - Oracle and tests: shortlist

/// One shortlist question, as the oracle sees it.
private struct ShortlistCase {
  var promotion = true
  var saleStart: Int?
  var saleEnd: Int?
  var lead = 30
  var lookback = 90
  var floor: Ratio?
  var minImpressions: Int64 = 100_000
  var minEngagement = Ratio(3, 100)
  var brand: String?
  var limit: Int?
}

private struct ExpectedEntry {
  var videoID: String
  var kolID: String?
  var tier: KOLTier?
  var row: ExpectedRow
  var score: Ratio?
  var budget: Int64?
  var failed: ShortlistRule?
}

private struct ExpectedShortlist {
  var saleStart: Day
  var saleEnd: Day
  var lock: Day
  var lookbackStart: Day
  var lookbackEnd: Day
  var floor: Ratio
  var entries: [ExpectedEntry]
  var excluded: [ExpectedEntry]
}

private func oracleTier(_ followers: Int64) -> KOLTier {
  if followers >= 5_000_000 { return .superHead }
  if followers >= 1_000_000 { return .head }
  if followers >= 100_000 { return .mid }
  if followers >= 10_000 { return .tail }
  return .koc
}

private func seconds(_ moment: DateTime) -> Int64 {
  Int64(moment.day.daysSinceEpoch) * 86_400 + Int64(moment.secondOfDay)
}

private func oracleShortlist(
  _ data: Dataset, _ question: ShortlistCase, settings: OracleSettings
) -> ExpectedShortlist {
  let saleStart =
    question.promotion ? data.promotion.start : data.day(question.saleStart ?? 0)
  let saleEnd =
    question.promotion
    ? data.promotion.end : data.day(question.saleEnd ?? question.saleStart ?? 0)
  let lock = saleStart.adding(days: -question.lead)
  let endIndex = data.index(of: lock) - 1
  let floor = question.floor ?? settings.floor
  let sums = windowSums(
    data, WindowQuery(grouping: .video, window: question.lookback, asOfIndex: endIndex))
  let saleFrom = Int64(saleStart.daysSinceEpoch) * 86_400
  let saleTo = (Int64(saleEnd.daysSinceEpoch) + 1) * 86_400
  var entries: [ExpectedEntry] = []
  var excluded: [ExpectedEntry] = []
  let lookbackFirst = endIndex - question.lookback + 1
  for video in data.videos {
    if let brand = question.brand, video.brand != brand { continue }
    var entry = sums[video.id] ?? (Sums(), Sums())
    // The decisions leave out natural GMV booked on a day without natural plays.
    for metric in data.metrics
    where metric.videoID == video.id && metric.source == .natural && metric.impressions == 0
      && metric.gmv > 0
    {
      if metric.dayIndex >= lookbackFirst, metric.dayIndex <= endIndex {
        entry.current.naturalGMV -= metric.gmv
        entry.current.gmv -= metric.gmv
      } else if metric.dayIndex >= lookbackFirst - question.lookback,
        metric.dayIndex < lookbackFirst
      {
        entry.previous.naturalGMV -= metric.gmv
        entry.previous.gmv -= metric.gmv
      }
    }
    let row = expectedRow(
      key: video.id, date: data.day(endIndex), current: entry.current, previous: entry.previous,
      cpm: .setting, floor: floor, settings: settings)
    var tier: KOLTier?
    if let kolID = video.kolID, let kol = data.kols.first(where: { $0.id == kolID }),
      let first = kol.followers.min(by: { $0.day < $1.day })
    {
      var best = first
      var found = false
      for count in kol.followers where count.day <= data.day(endIndex) {
        if !found || best.day < count.day {
          best = count
          found = true
        }
      }
      tier = oracleTier(best.count)
    }
    let budget: Int64? =
      switch tier {
      case .superHead: settings.budgetSuperHead
      case .head: settings.budgetHead
      default: nil
      }
    var failed: ShortlistRule?
    let overlaps = data.placements.contains { placement in
      placement.videoID == video.id && placement.tool == .douPlus
        && seconds(placement.start) < saleTo
        && (placement.end.map { seconds($0) > saleFrom } ?? true)
    }
    // The rule engine's order: paid ROI, evidence, floor, engagement, review, tier; then the
    // sale's Dou+ overlap.
    let current = entry.current
    if current.paidCost > 0, let paid = row.paidROI, Ratio.less(paid, floor) {
      failed = .paidROI
    } else if row.roiModel == nil {
      failed = .floor
    } else if current.naturalImpressions < question.minImpressions {
      failed = .impressions
    } else if let model = row.roiModel, Ratio.less(model, floor) {
      failed = .floor
    } else if Ratio.less(row.engagementRate ?? Ratio(0, 1), question.minEngagement) {
      failed = .engagement
    } else if video.adReview != .passed {
      failed = .adReview
    } else if tier != .head && tier != .superHead {
      failed = .tier
    } else if overlaps {
      failed = .douPlusOverlap
    }
    // Ranked by paid ROI where the video was promoted in the lookback, else by the model.
    let score = current.paidCost > 0 ? row.paidROI : row.roiModel
    let booked = failed == nil || failed == .douPlusOverlap
    let expected = ExpectedEntry(
      videoID: video.id, kolID: video.kolID, tier: tier, row: row, score: score,
      budget: booked ? budget : nil, failed: failed)
    if failed == nil { entries.append(expected) } else { excluded.append(expected) }
  }
  entries.sort { a, b in
    if let x = a.score, let y = b.score, !Ratio.same(x, y) { return Ratio.less(y, x) }
    return a.videoID < b.videoID
  }
  // One booking per KOL: its best video; the others are left out.
  var bookedKOLs: Set<String> = []
  var kept: [ExpectedEntry] = []
  for var entry in entries {
    if bookedKOLs.insert(entry.kolID ?? "").inserted {
      kept.append(entry)
    } else {
      entry.failed = .kolCap
      excluded.append(entry)
    }
  }
  entries = kept
  if let limit = question.limit { entries = Array(entries.prefix(limit)) }
  excluded.sort { a, b in
    switch (a.row.roiModel, b.row.roiModel) {
    case (let x?, let y?) where !Ratio.same(x, y): Ratio.less(y, x)
    case (nil, .some): false
    case (.some, nil): true
    default: a.videoID < b.videoID
    }
  }
  return ExpectedShortlist(
    saleStart: saleStart, saleEnd: saleEnd, lock: lock,
    lookbackStart: data.day(endIndex - question.lookback + 1), lookbackEnd: data.day(endIndex),
    floor: floor, entries: entries, excluded: excluded)
}

private func compareEntries(
  _ got: [ShortlistEntry], _ wanted: [ExpectedEntry], ranked: Bool, context: String,
  tally: inout Tally
) {
  if got.map(\.video.videoID) != wanted.map(\.videoID) {
    tally.problems.append(
      "\(context): videos \(got.map(\.video.videoID)) vs \(wanted.map(\.videoID))")
    return
  }
  for (index, (entry, expected)) in zip(got, wanted).enumerated() {
    var found = modelMismatches(entry.model, expected.row)
    let rank = ranked ? index + 1 : 0
    if entry.rank != rank { found.append("rank: expected \(rank) got \(entry.rank)") }
    if entry.video.kolID != expected.kolID {
      found.append("kol_id \(String(describing: entry.video.kolID))")
    }
    if entry.kolTier != expected.tier {
      found.append(
        "kol_tier: expected \(String(describing: expected.tier)) "
          + "got \(String(describing: entry.kolTier))")
    }
    if entry.suggestedWeeklyBudget != expected.budget {
      found.append(
        "budget: expected \(String(describing: expected.budget)) "
          + "got \(String(describing: entry.suggestedWeeklyBudget))")
    }
    if let problem = differ("score", expected.score, entry.score) { found.append(problem) }
    if entry.failed?.rule != expected.failed {
      found.append(
        "failed: expected \(String(describing: expected.failed)) "
          + "got \(String(describing: entry.failed?.rule))")
    }
    if let failed = entry.failed, failed.reason.isEmpty { found.append("empty reason") }
    tally.note("\(context) \(expected.videoID)", found)
  }
}

private func compareShortlist(
  _ list: Shortlist, _ expected: ExpectedShortlist, context: String, tally: inout Tally
) {
  let days: [(String, Day, Day)] = [
    ("sale_start", list.saleStart, expected.saleStart),
    ("sale_end", list.saleEnd, expected.saleEnd),
    ("lock", list.lockDate, expected.lock),
    ("lookback_start", list.lookbackStart, expected.lookbackStart),
    ("lookback_end", list.lookbackEnd, expected.lookbackEnd),
  ]
  for (name, got, wanted) in days where got != wanted {
    tally.problems.append("\(context): \(name) expected \(wanted) got \(got)")
  }
  if list.floor != expected.floor.fraction {
    tally.problems.append("\(context): floor \(list.floor)")
  }
  compareEntries(list.entries, expected.entries, ranked: true, context: context, tally: &tally)
  compareEntries(
    list.excluded, expected.excluded, ranked: false, context: context + " excluded",
    tally: &tally)
}

@Test func shortlistEntriesRanksAndFirstFailedRulesEqualTheOracle() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  var cases: [(ShortlistCase, ShortlistQuery)] = []
  var byName = ShortlistQuery()
  byName.promotion = data.promotion.name
  cases.append((ShortlistCase(), byName))
  // A sale given by dates, shorter lead and lookback, stricter thresholds, a brand, a limit.
  var custom = ShortlistCase(promotion: false, saleStart: 109, saleEnd: 114)
  custom.lead = 20
  custom.lookback = 60
  custom.floor = Ratio(1, 1)
  custom.minImpressions = 300_000
  custom.minEngagement = Ratio(5, 100)
  var query = ShortlistQuery()
  query.saleStart = data.day(109)
  query.saleEnd = data.day(114)
  query.lead = 20
  query.lookback = 60
  query.floor = Fraction(1)
  query.minImpressions = 300_000
  query.minEngagement = Fraction(5, over: 100)
  cases.append((custom, query))
  custom.brand = "Alpha"
  custom.limit = 3
  query.filter = VideoFilter(brand: "Alpha")
  query.limit = 3
  cases.append((custom, query))
  // A one-day sale on the last data day: the lookback ends 31 days before it.
  var oneDay = ShortlistCase(promotion: false, saleStart: 119)
  oneDay.minImpressions = 50_000
  var oneDayQuery = ShortlistQuery()
  oneDayQuery.saleStart = data.day(119)
  oneDayQuery.minImpressions = 50_000
  cases.append((oneDay, oneDayQuery))
  var entryCount = 0
  var failedRules: Set<String> = []
  for (index, (question, query)) in cases.enumerated() {
    let expected = oracleShortlist(data, question, settings: settings)
    entryCount += expected.entries.count
    for entry in expected.excluded { failedRules.insert(entry.failed?.rawValue ?? "") }
    compareShortlist(
      try ledger.shortlist(query), expected, context: "shortlist case \(index)", tally: &tally)
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 200)
  // The data exercises every rule and has qualifying videos (the twins tie on score).
  #expect(entryCount > 5)
  // (`budget` needs --budget, tested in DecisionOracleTests.)
  #expect(failedRules == Set(ShortlistRule.allCases.filter { $0 != .budget }.map(\.rawValue)))
}

// MARK: - Oracle and tests: report spend

private struct SpendTotals: Equatable {
  var impressions: Int64 = 0
  var cost: Int64 = 0
  var gmv: Int64 = 0
  var paidGMV: Int64 = 0
  var orders: Int64 = 0
}

/// One `report spend` question: grouping, day indices, filters.
private struct SpendCase {
  var grouping: SpendGrouping
  var since: Int?
  var until: Int?
  var brand: String?
  var kol: String?
  var tool: Source?
}

/// The Monday of the week of `day`: 1970-01-01 was a Thursday.
private func mondayText(_ day: Day) -> String {
  let days = Int(day.daysSinceEpoch)
  let sinceMonday = ((days + 3) % 7 + 7) % 7
  return day.adding(days: -sinceMonday).description
}

@Test func spendReportByDayWeekMonthToolAndBrandEqualsTheOracle() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var tally = Tally()
  let cases = [
    SpendCase(grouping: .day), SpendCase(grouping: .day, since: 30, until: 60, brand: "Beta"),
    SpendCase(grouping: .day, tool: .douPlus),
    SpendCase(grouping: .day, since: 100, until: 140, tool: .natural),
    SpendCase(grouping: .tool), SpendCase(grouping: .tool, since: 10, until: 40, kol: kolName(3)),
    SpendCase(grouping: .tool, since: 0, until: 119, brand: "伽马"), SpendCase(grouping: .week),
    SpendCase(grouping: .month, since: 5, until: 80, brand: "Alpha"),
    SpendCase(grouping: .brand),
    SpendCase(grouping: .brand, since: 50, until: 70, tool: .qianchuan),
  ]
  let sourceOrder = Source.allCases.map(\.rawValue)
  for spend in cases {
    var query = SpendQuery()
    query.grouping = spend.grouping
    query.since = spend.since.map(data.day)
    query.until = spend.until.map(data.day)
    query.filter = VideoFilter(brand: spend.brand, kolID: spend.kol)
    query.tool = spend.tool
    let report = try ledger.spendReport(query)
    let first = spend.since ?? data.earliestIndex
    let last = spend.until ?? data.latestIndex
    var totals: [String?: SpendTotals] = [:]
    for dayIndex in first...last {
      for rowIndex in data.rowIndices(on: dayIndex) {
        let row = data.metrics[rowIndex]
        let video = data.videos[data.videoOfRow[rowIndex]]
        if let brand = spend.brand, video.brand != brand { continue }
        if let kol = spend.kol, video.kolID != kol { continue }
        if let tool = spend.tool, row.source != tool { continue }
        let day = data.day(dayIndex)
        let key: String? =
          switch spend.grouping {
          case .day: day.description
          case .week: mondayText(day)
          case .month: String(day.description.prefix(7))
          case .tool: row.source.rawValue
          default: video.brand
          }
        var sum = totals[key] ?? SpendTotals()
        sum.impressions += row.impressions
        sum.cost += row.cost
        sum.gmv += row.gmv
        if row.source != .natural { sum.paidGMV += row.gmv }
        sum.orders += row.orders
        totals[key] = sum
      }
    }
    let keys: [String?] =
      switch spend.grouping {
      case .tool:
        totals.keys.sorted {
          (sourceOrder.firstIndex(of: $0 ?? "") ?? 99)
            < (sourceOrder.firstIndex(of: $1 ?? "") ?? 99)
        }
      case .brand:
        totals.keys.sorted { a, b in
          let x = totals[a]?.cost ?? 0
          let y = totals[b]?.cost ?? 0
          return x != y ? x > y : keyLess(a, b)
        }
      default: totals.keys.sorted { keyLess($0, $1) }
      }
    let context =
      "spend by \(spend.grouping) \(spend.since.map { "\($0)" } ?? "-")..."
      + "\(spend.until.map { "\($0)" } ?? "-") brand \(spend.brand ?? "-") "
      + "kol \(spend.kol ?? "-") tool \(spend.tool?.rawValue ?? "-")"
    if report.since != data.day(first) || report.until != data.day(last) {
      tally.problems.append("\(context): range \(String(describing: report.since))")
    }
    if report.rows.map({ keyText($0.key) }) != keys.map(keyText) {
      tally.problems.append(
        "\(context): keys \(report.rows.map { keyText($0.key) }) vs \(keys.map(keyText))")
      continue
    }
    for row in report.rows {
      let wanted = totals[row.key] ?? SpendTotals()
      var found: [String] = []
      let got = SpendTotals(
        impressions: row.impressions, cost: row.cost, gmv: row.gmv, paidGMV: row.paidGMV,
        orders: row.orders)
      if got != wanted { found.append("totals \(got) vs \(wanted)") }
      if let problem = differ("roi", Ratio.of(wanted.gmv, wanted.cost), row.roi) {
        found.append(problem)
      }
      if let problem = differ("paid_roi", Ratio.of(wanted.paidGMV, wanted.cost), row.paidROI) {
        found.append(problem)
      }
      tally.note("\(context) \(keyText(row.key))", found)
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 200)
}
