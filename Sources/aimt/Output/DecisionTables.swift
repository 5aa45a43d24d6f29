import LedgerQuery
import LedgerStore

/// The tables of `plan` and `backtest` (docs/method.md, "Decisions").
enum DecisionTables {
  static func plan(_ plan: BudgetPlan) -> OutputTable {
    var table = OutputTable(
      columns: [
        "video_id", "kol_id", "kol_tier", "tool", "mode", "strategy", "budget", "roi_model",
        "paid_roi", "evidence_impressions", "expected_gmv", "expected_roi", "reason",
      ].map(Column.init))
    // Fits 100 columns: the tier and the reasons are in --wide and the machine formats.
    table.compact = [
      "video_id", "tool", "mode", "budget", "roi_model", "evidence_impressions", "expected_gmv",
    ]
    table.title =
      "plan for a week of " + Cell.money(plan.budget).humanText + " yuan"
      + (plan.asOf.map { ", as of \($0)" } ?? "")
      + (plan.sale.map { ", inside the sale \($0.name)" } ?? "")
      + ": " + Cell.money(plan.planned).humanText + " planned"
    for line in plan.lines {
      table.append([
        .text(line.video.videoID), Tables.text(line.video.kolID),
        Tables.text(line.advice.kolTier?.rawValue), .text(line.tool.rawValue),
        Tables.text(line.advice.mode?.rawValue), Tables.text(line.advice.strategy?.rawValue),
        .money(line.budget), QueryTables.ratio(line.advice.decision.roiModel),
        QueryTables.ratio(line.advice.model.paidROI), .int(line.advice.evidenceImpressions),
        .money(line.expectedGMV), QueryTables.ratio(line.expectedROI),
        .text(line.reasons.map(\.cited).joined(separator: "; ")),
      ])
    }
    return table
  }

  static let shortlistColumns = [
    "group", "rank", "video_id", "kol_id", "lookback_roi_model", "lookback_paid_roi",
    "sale_natural_impressions", "sale_natural_gmv", "sale_roi_model", "sale_paid_cost",
    "sale_paid_gmv", "sale_paid_roi", "failed_rule",
  ]

  /// One row per video considered; with `summary` (the `table` format), one line per group.
  static func backtestShortlist(
    _ test: ShortlistBacktest, settings: QuerySettings, summary: Bool
  ) -> OutputTable {
    var table = OutputTable(columns: shortlistColumns.map(Column.init))
    // Fits 100 columns: the model the list was chosen on against the sale's model and paid ROI.
    table.compact = [
      "group", "rank", "video_id", "lookback_roi_model", "sale_roi_model", "sale_paid_roi",
    ]
    let list = test.shortlist
    table.title =
      "shortlist backtest: locked \(list.lockDate) on \(list.lookbackStart) to "
      + "\(list.lookbackEnd), sale \(list.saleStart) to \(list.saleEnd)"
    for row in test.rows {
      table.append(
        [
          .text(row.group.rawValue), row.rank.map { .int(Int64($0)) } ?? .null,
          .text(row.video.videoID), Tables.text(row.video.kolID),
          QueryTables.ratio(row.lookback.roiModel), QueryTables.ratio(row.lookback.paidROI),
        ] + saleCells(row.sale) + [Tables.text(row.failedRule?.rawValue)])
    }
    if summary {
      for group in BacktestGroup.allCases {
        guard let total = test.total(group, settings: settings) else { continue }
        let count = test.rows.filter { $0.group == group }.count
        table.append(
          [.text("\(group.rawValue) (\(count) videos)"), .null, .text("all"), .null, .null, .null]
            + saleCells(total) + [.null])
      }
    }
    return table
  }

  private static func saleCells(_ model: TrafficModel) -> [Cell] {
    [
      .int(model.sums.naturalImpressions), .money(model.sums.naturalGMV),
      QueryTables.ratio(model.roiModel), .money(model.sums.paidCost), .money(model.sums.paidGMV),
      QueryTables.ratio(model.paidROI),
    ]
  }

  /// One row per video and day; with `summary`, one line per action.
  static func backtestAdvice(_ test: AdviceBacktest, summary: Bool) -> OutputTable {
    var table = OutputTable(
      columns: [
        "date", "video_id", "kol_id", "action", "mode", "strategy", "roi_model",
        "evidence_impressions", "next_natural_impressions", "next_natural_gmv",
        "next_roi_model", "next_paid_cost", "next_paid_gmv", "next_paid_roi",
      ].map(Column.init))
    table.compact = [
      "date", "video_id", "action", "roi_model", "next_roi_model", "next_paid_cost",
      "next_paid_roi",
    ]
    table.title =
      "advice backtest \(test.since) to \(test.until): each day's advice against the next "
      + "\(test.outcomeDays) days"
    for row in test.rows {
      table.append(
        [
          .text(row.advice.asOf.description), .text(row.advice.video.videoID),
          Tables.text(row.advice.video.kolID), .text(row.advice.action.rawValue),
          Tables.text(row.advice.mode?.rawValue), Tables.text(row.advice.strategy?.rawValue),
          QueryTables.ratio(row.advice.decision.roiModel), .int(row.advice.evidenceImpressions),
        ] + nextCells(row.next))
    }
    if summary {
      for action in AdviceAction.allCases {
        let rows = test.rows.filter { $0.advice.action == action }
        guard !rows.isEmpty else { continue }
        var sums = TrafficSums()
        for row in rows { sums.add(row.next.sums) }
        let model = TrafficModel(
          current: sums, previous: nil,
          cpm: .price(
            fen: Int64(
              clamping: rows[0].next.cpmPrice.numerator * 100
                / max(rows[0].next.cpmPrice.denominator, 1))),
          floor: Fraction(0), declineRatio: Fraction(1))
        table.append(
          [
            .text("all (\(rows.count) rows)"), .null, .null, .text(action.rawValue), .null, .null,
            .null, .null,
          ] + nextCells(model))
      }
    }
    return table
  }

  private static func nextCells(_ model: TrafficModel) -> [Cell] {
    [
      .int(model.sums.naturalImpressions), .money(model.sums.naturalGMV),
      QueryTables.ratio(model.roiModel), .money(model.sums.paidCost), .money(model.sums.paidGMV),
      QueryTables.ratio(model.paidROI),
    ]
  }
}
