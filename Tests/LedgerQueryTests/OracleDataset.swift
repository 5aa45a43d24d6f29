import Foundation
import LedgerQuery
import LedgerStore
import Synchronization
import TestSupport
import Testing

// Every number of the query module checked against an independent oracle: plain loops over the
// generated input rows, Int64 sums, ratios kept as (numerator, denominator) pairs and compared by
// cross-multiplication. The production `Fraction` type is used only as a value container for the
// final equality (both sides reduced by gcd, so equal ratios are equal values).

// The independent oracle's shared parts: a seeded generator of raw rows, the ledger built
// from them, exact ratios, and the comparison of a report's rows with the oracle's. The oracle
// adds up the generated rows with plain loops; it uses no production code to compute.

// MARK: - Generator

struct GenKOL: Sendable {
  var id: String
  var followers: [(day: Day, count: Int64)]
}

struct GenVideo: Sendable {
  var id: String
  var kolID: String?
  var brand: String?
  var chain: SalesChain?
  var adReview: AdReview
}

struct GenMetric: Sendable {
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

struct GenPlacement: Sendable {
  var id: String
  var videoID: String
  var tool: Source
  var budget: Int64
  var start: DateTime
  var end: DateTime?
}

struct GenSnapshot: Sendable {
  var brand: String
  var dayIndex: Int
  var o: Int64
  var layers: [Int64]
  var categoryTotal: Int64?
}

struct GenPromotion: Sendable {
  var name: String
  var start: Day
  var end: Day
}

let brandNames = ["Alpha", "Beta", "伽马"]

/// The raw rows a ledger is built from, and the oracle's only source of truth.
struct Dataset: Sendable {
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

func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

func kolName(_ index: Int) -> String { "dy" + pad2(index) }

/// Writes the dataset into a new in-memory ledger.
func buildLedger(_ data: Dataset) throws -> Ledger {
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
///
/// The ledger is a file, opened as the CLI opens it: on more than one core its reports read the
/// videos in two parts on two connections (docs/internals.md, "Two cores, one snapshot"), so the
/// oracle tests check that path; the in-memory ledgers of the other tests read on one.
enum Fixture {
  static let data = Dataset.generate(seed: 0x5EED_A1B2_C3D4)
  static let built: Result<Ledger, any Error> = Result { try fileLedger(buildLedger(data)) }

  static func ledger() throws -> Ledger { try built.get() }
}

/// `ledger` copied into a new file, in a temporary folder removed when the test process
/// exits, and opened from it.
func fileLedger(_ ledger: Ledger, parallel: Bool = true) throws -> Ledger {
  let folder = NSTemporaryDirectory() + "aimt-oracle-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  FileLedgerFolders.removeAtExit(folder)
  try ledger.backup(to: folder + "/ledger.db")
  return try Ledger.open(path: folder + "/ledger.db", parallel: parallel)
}

/// The folders of the file ledgers this test process made: their ledgers stay open until the
/// process ends (the shared fixture's is static), so they are removed when it exits.
private enum FileLedgerFolders {
  private static let folders = Mutex<[String]>([])
  private static let registered: Void = {
    atexit {
      for folder in FileLedgerFolders.folders.withLock({ $0 }) {
        try? FileManager.default.removeItem(atPath: folder)
      }
    }
  }()

  static func removeAtExit(_ folder: String) {
    _ = registered
    folders.withLock { $0.append(folder) }
  }
}
