import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

/// A seeded ledger of KOLs of every tier and their videos, as of 2026-05-30, with a sale.
private struct DecisionLedger {
  static let asOf = Day(year: 2026, month: 5, day: 30) ?? Day(daysSinceEpoch: 0)
  let ledger: Ledger

  init(seed: UInt64 = 14) throws {
    ledger = try Ledger.inMemory()
    var rng = SplitMix64(state: seed)
    func int(_ range: ClosedRange<Int64>) -> Int64 {
      range.lowerBound + Int64(rng.next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    try ledger.write(options: WriteOptions(createMissing: true)) { writer in
      let followers: [Int64] = [
        8_000_000, 6_000_000, 2_000_000, 1_200_000, 600_000, 300_000, 50_000, 2_000,
      ]
      for (index, count) in followers.enumerated() {
        var kol = KOLInput(kolID: "k\(index)")
        kol.followers = count
        kol.asOf = DecisionLedger.asOf.adding(days: -200)
        try writer.upsert(kol, at: .commandLine)
      }
      for number in 0..<40 {
        let id = "v\(number < 10 ? "0" : "")\(number)"
        var video = VideoInput(videoID: id)
        video.kolID = "k\(number % followers.count)"
        video.brand = "B"
        video.chain = number % 5 == 0 ? .closedLoop : .tmall
        video.adReview = number % 4 == 3 ? .pending : .passed
        video.biddingAuthorized = number % 3 == 0
        video.published = DateTime(
          day: DecisionLedger.asOf.adding(days: -Int(int(4...150))), secondOfDay: 72_000)
        try writer.upsert(video, at: .commandLine)
        let plays = int(2_000...90_000)
        let fenPerPlay = int(0...16)
        for offset in 0..<120 {
          let day = DecisionLedger.asOf.adding(days: -offset)
          let impressions = plays + int(0...plays)
          try writer.upsert(
            MetricInput(
              day: day, videoID: id, source: .natural,
              values: [
                .impressions: impressions, .gmv: impressions * fenPerPlay + int(0...999),
                .likes: impressions * int(10...50) / 1_000, .comments: impressions / 100,
              ]), at: .commandLine)
          if number % 6 == 1, offset % 3 == 0 {
            let cost = int(10_000...200_000)
            try writer.upsert(
              MetricInput(
                day: day, videoID: id, source: .douPlus,
                values: [.impressions: cost / 4, .cost: cost, .gmv: cost * int(0...30) / 10]),
              at: .commandLine)
          }
        }
      }
      var sale = PromotionInput(name: "618-2026")
      sale.start = DecisionLedger.asOf.adding(days: -10)
      sale.end = DecisionLedger.asOf.adding(days: -2)
      try writer.upsert(sale, at: .commandLine)
    }
  }
}

/// Plain sums over the raw rows: natural impressions and GMV, paid cost and GMV of a video.
private struct RawSums {
  var natural: Int64 = 0
  var naturalGMV: Int64 = 0
  var paidCost: Int64 = 0
  var paidGMV: Int64 = 0
}

private func rawSums(_ ledger: Ledger, from: Day, through: Day) throws -> [String: RawSums] {
  try ledger.read { db in
    var sums: [String: RawSums] = [:]
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT v.video_id, m.source, m.impressions, m.cost, m.gmv FROM metric AS m
        JOIN video AS v ON v.id = m.video_ref WHERE m.day BETWEEN ? AND ?
        """, arguments: [from.daysSinceEpoch, through.daysSinceEpoch])
    {
      let id: String = row["video_id"]
      let source: Int = row["source"]
      var entry = sums[id] ?? RawSums()
      if source == 0 {
        entry.natural += row["impressions"] as Int64
        entry.naturalGMV += row["gmv"] as Int64
      } else {
        entry.paidCost += row["cost"] as Int64
        entry.paidGMV += row["gmv"] as Int64
      }
      sums[id] = entry
    }
    return sums
  }
}

@Test(arguments: [Int64(50_000_000), 300_000_000, 2_000_000_000])
func planStaysWithinTheBudgetAndTheKOLCapsAndIsMonotoneInTheModel(budget: Int64) throws {
  let fixture = try DecisionLedger()
  var query = PlanQuery(budget: budget)
  query.asOf = DecisionLedger.asOf
  let plan = try fixture.ledger.plan(query)
  let settings = try fixture.ledger.querySettings()
  #expect(!plan.lines.isEmpty)
  #expect(plan.planned <= budget)
  var byKOL: [String: Int64] = [:]
  for line in plan.lines {
    byKOL[line.video.kolID ?? "", default: 0] += line.budget
    #expect(line.advice.evidenceImpressions >= settings.minEvidenceImpressions)
    #expect(line.advice.decision.spends)
    if line.tool == .contentService {
      #expect(line.budget >= LedgerRules.contentServiceMinimum)
      #expect(line.advice.kolTier == .head || line.advice.kolTier == .superHead)
    } else {
      #expect(line.budget % 10_000 == 0 && line.budget >= 10_000)
    }
    // Expected GMV at the measured model, exactly (rounded down to the fen).
    let model = try #require(line.advice.decision.roiModel)
    #expect(line.expectedGMV == Int64(Int128(line.budget) * model.numerator / model.denominator))
  }
  for line in plan.lines {
    #expect(byKOL[line.video.kolID ?? "", default: 0] <= settings.kolCap(for: line.advice.kolTier))
  }
  // Monotone: among the shared lines not held to a KOL cap, a higher model never gets less.
  let shared = plan.lines.filter {
    $0.tool != .contentService && !$0.reasons.contains { $0.text.contains("held to") }
  }
  for a in shared {
    for b in shared {
      if let x = a.advice.decision.roiModel, let y = b.advice.decision.roiModel, x > y {
        #expect(a.budget >= b.budget, "\(a.video.videoID) vs \(b.video.videoID)")
      }
    }
  }
}

@Test func planFundsExactlyTheVideosWhoseAdviceSpendsAndAgreesOnTheTool() throws {
  let fixture = try DecisionLedger()
  var query = PlanQuery(budget: 10_000_000_000)
  query.asOf = DecisionLedger.asOf
  let plan = try fixture.ledger.plan(query)
  var advise = AdviseQuery()
  advise.asOf = DecisionLedger.asOf
  let advice = Dictionary(
    try fixture.ledger.advise(advise).map { ($0.video.videoID, $0) }
  ) { a, _ in a }
  // The evidence the oracle reads from the raw rows: 7 days of natural impressions.
  let raw = try rawSums(
    fixture.ledger, from: DecisionLedger.asOf.adding(days: -6), through: DecisionLedger.asOf)
  for line in plan.lines {
    let item = try #require(advice[line.video.videoID])
    #expect(item.action.rawValue == line.tool.rawValue)
    if !item.decision.judgedOnLaunch {
      #expect(line.advice.evidenceImpressions == raw[line.video.videoID]?.natural)
    }
  }
}

@Test func aSaleWeekPlanHasNoDouPlus() throws {
  let fixture = try DecisionLedger()
  var query = PlanQuery(budget: 500_000_000)
  query.asOf = DecisionLedger.asOf
  query.promotion = "618-2026"
  let plan = try fixture.ledger.plan(query)
  #expect(plan.sale?.name == "618-2026")
  #expect(!plan.lines.contains { $0.tool == .douPlus })
}

@Test func shortlistBacktestSaleNumbersEqualThePlainSumsOverTheSale() throws {
  let fixture = try DecisionLedger()
  var query = ShortlistQuery()
  query.promotion = "618-2026"
  query.lookback = 60
  let test = try fixture.ledger.backtestShortlist(query)
  let raw = try rawSums(
    fixture.ledger, from: Day(year: 2026, month: 5, day: 20) ?? DecisionLedger.asOf,
    through: Day(year: 2026, month: 5, day: 28) ?? DecisionLedger.asOf)
  #expect(test.rows.contains { $0.group == .chosen })
  #expect(test.rows.contains { $0.group == .leftOut })
  for row in test.rows {
    let sums = raw[row.video.videoID] ?? RawSums()
    #expect(row.sale.sums.naturalImpressions == sums.natural)
    #expect(row.sale.sums.naturalGMV == sums.naturalGMV)
    #expect(row.sale.sums.paidCost == sums.paidCost)
    #expect(row.sale.sums.paidGMV == sums.paidGMV)
    #expect((row.rank != nil) == (row.group == .chosen))
  }
  // The chosen videos are the shortlist's, one per KOL.
  let chosen = test.rows.filter { $0.group == .chosen }
  #expect(chosen.map(\.video.videoID) == test.shortlist.entries.map(\.video.videoID))
  #expect(Set(chosen.compactMap(\.video.kolID)).count == chosen.count)
}

@Test func shortlistBudgetTrimsInRankOrderAboveTheMinimum() throws {
  let fixture = try DecisionLedger()
  var query = ShortlistQuery()
  query.promotion = "618-2026"
  query.lookback = 60
  let full = try fixture.ledger.shortlist(query)
  query.budget = 120_000_000
  let trimmed = try fixture.ledger.shortlist(query)
  let total = trimmed.entries.reduce(0) { $0 + ($1.suggestedWeeklyBudget ?? 0) }
  #expect(total <= 120_000_000)
  #expect(trimmed.entries.allSatisfy { ($0.suggestedWeeklyBudget ?? 0) >= 5_000_000 })
  #expect(trimmed.entries.first?.video == full.entries.first?.video)
  #expect(trimmed.excluded.contains { $0.failed?.rule == .budget } || full.entries.count <= 1)
}

@Test func adviceBacktestPairsEachDaysAdviceWithTheNextWeek() throws {
  let fixture = try DecisionLedger()
  let since = DecisionLedger.asOf.adding(days: -20)
  let test = try fixture.ledger.backtestAdvice(since: since, until: since.adding(days: 1))
  let raw = try rawSums(fixture.ledger, from: since.adding(days: 1), through: since.adding(days: 7))
  let first = test.rows.filter { $0.advice.asOf == since }
  #expect(first.count == 40)
  for row in first {
    #expect(row.next.sums.naturalImpressions == raw[row.advice.video.videoID]?.natural)
    #expect(row.next.sums.paidCost == raw[row.advice.video.videoID]?.paidCost ?? 0)
  }
}

@Test func adviseShortlistPlanAndVideoShowAgreeOnEveryVideo() throws {
  let fixture = try DecisionLedger()
  var advise = AdviseQuery()
  advise.asOf = DecisionLedger.asOf
  let advice = try fixture.ledger.advise(advise)
  var query = PlanQuery(budget: 10_000_000_000)
  query.asOf = DecisionLedger.asOf
  let plan = try fixture.ledger.plan(query)
  let planned = Dictionary(grouping: plan.lines, by: \.video.videoID)
  for item in advice {
    let card = try fixture.ledger.videoCard(videoID: item.video.videoID, asOf: DecisionLedger.asOf)
    #expect(card.advice.decision == item.decision, "\(item.video.videoID)")
    if let lines = planned[item.video.videoID] {
      #expect(lines.allSatisfy { $0.tool.rawValue == item.action.rawValue })
    } else {
      // Unfunded: no spending advice, or its KOL's cap went to a better video.
      #expect(!item.decision.spends || item.action == .contentService || item.kolTier != nil)
    }
  }
  // The shortlist as of a lock date books only what advise says on the lookback's last day
  // over the lookback.
  var shortlist = ShortlistQuery()
  shortlist.saleStart = DecisionLedger.asOf.adding(days: 31)
  shortlist.lookback = 30
  let list = try fixture.ledger.shortlist(shortlist)
  var then = AdviseQuery()
  then.asOf = DecisionLedger.asOf
  then.window = 30
  let past = Dictionary(try fixture.ledger.advise(then).map { ($0.video.videoID, $0) }) { a, _ in a
  }
  for entry in list.entries {
    #expect(past[entry.video.videoID]?.action == .contentService, "\(entry.video.videoID)")
  }
  for entry in list.excluded where past[entry.video.videoID]?.action == .contentService {
    #expect(entry.failed?.rule == .kolCap || entry.failed?.rule == .douPlusOverlap)
  }
}
