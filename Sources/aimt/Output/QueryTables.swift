import LedgerQuery
import LedgerStore

/// The reports as output tables, keyed as docs/data-model.md ("Report columns") names their
/// fields.
enum QueryTables {
  /// Two decimals for models, ROIs and yuan-per-thousand prices; four for rates.
  static func ratio(_ value: Fraction?, digits: Int = 2) -> Cell {
    value.map { .ratio($0, digits: digits) } ?? .null
  }

  /// The model and the numbers behind it: what a `table` shows of a ROI row by default.
  static let roiCompact = [
    "natural_impressions", "natural_gmv", "roi_model", "paid_roi", "trend", "above_floor",
  ]

  static let roiColumns = [
    "natural_impressions", "natural_gmv", "natural_gpm", "cpm_price", "roi_model",
    "paid_impressions", "paid_cost", "paid_gmv", "paid_cpm", "paid_gpm", "paid_roi", "total_roi",
    "engagement_rate", "comment_like_ratio", "trend", "above_floor",
  ]

  static func roiCells(_ model: TrafficModel) -> [Cell] {
    var cells: [Cell] = []
    appendROICells(model, to: &cells)
    return cells
  }

  /// Appends the model's cells, one per `roiColumns` entry.
  static func appendROICells(_ model: TrafficModel, to cells: inout [Cell]) {
    let sums = model.sums
    cells.append(.int(sums.naturalImpressions))
    cells.append(.money(sums.naturalGMV))
    cells.append(ratio(model.naturalGPM))
    cells.append(ratio(model.cpmPrice))
    cells.append(ratio(model.roiModel))
    cells.append(.int(sums.paidImpressions))
    cells.append(.money(sums.paidCost))
    cells.append(.money(sums.paidGMV))
    cells.append(ratio(model.paidCPM))
    cells.append(ratio(model.paidGPM))
    cells.append(ratio(model.paidROI))
    cells.append(ratio(model.totalROI))
    cells.append(ratio(model.engagementRate, digits: 4))
    cells.append(ratio(model.commentLikeRatio, digits: 4))
    cells.append(model.trend.map { .text($0.rawValue) } ?? .null)
    cells.append(model.aboveFloor.map(Cell.bool) ?? .null)
  }

  static func roi(_ report: ROIReport, grouping: ROIGrouping) -> OutputTable {
    var table = OutputTable(columns: (["key"] + roiColumns).map(Column.init))
    table.compact = ["key"] + roiCompact
    if let asOf = report.asOf {
      table.title =
        "traffic ROI model by \(grouping.rawValue), \(days(report.window)) to \(asOf) "
        + "(floor \(ratio(report.floor).humanText))"
    }
    // Cells are made while printing: 224,000 rows of cells would double the report's memory.
    let rows = report.rows
    table.stream = RowStream { emit in
      var cells: [Cell] = []
      for row in rows {
        cells.removeAll(keepingCapacity: true)
        cells.append(Tables.text(row.key))
        appendROICells(row.model, to: &cells)
        emit(cells)
      }
    }
    return table
  }

  static func days(_ count: Int) -> String { count == 1 ? "1 day" : "\(count) days" }

  /// The series, one row per key and day; with `sparkline` (for a terminal), a
  /// `roi_model_14d` column after `date` draws the key's roi_model over the 14 days ending on
  /// the row's day.
  static func roiSeries(
    _ series: ROISeries, grouping: ROIGrouping, sparkline: Bool = false
  ) -> OutputTable {
    let leading = sparkline ? ["key", "date", "roi_model_14d"] : ["key", "date"]
    var table = OutputTable(columns: (leading + roiColumns).map(Column.init))
    table.compact = leading + ["natural_gmv", "roi_model", "paid_roi", "trend"]
    table.title =
      "rolling \(series.window)-day traffic ROI model by \(grouping.rawValue), "
      + "\(series.since) to \(series.until) (floor \(ratio(series.floor).humanText))"
    // Each day's text is made once, not once per key.
    let dates = (0...(series.until - series.since)).map {
      Cell.text(series.since.adding(days: $0).description)
    }
    table.stream = RowStream { (emit) throws(LedgerError) in
      // One cell array for all rows: a series prints a million of them.
      var cells: [Cell] = []
      cells.reserveCapacity(leading.count + roiColumns.count)
      var line = RecentModels(days: 14)
      try series.forEachRow { row in
        cells.removeAll(keepingCapacity: true)
        cells.append(Tables.text(row.key))
        cells.append(dates[row.date - series.since])
        if sparkline {
          line.add(row.model.roiModel, key: row.key, on: row.date)
          cells.append(.text(line.sparkline()))
        }
        appendROICells(row.model, to: &cells)
        emit(cells)
      }
    }
    return table
  }

  /// The last few days' models of one key, for the series' sparkline column.
  struct RecentModels {
    /// How many days the line covers, ending on the latest day added.
    let days: Int
    private var key: String?
    private var models: [(day: Day, model: Fraction?)] = []

    init(days: Int) { self.days = days }

    /// Adds a key's model on `day`; a new key starts a new line.
    mutating func add(_ model: Fraction?, key: String?, on day: Day) {
      if key != self.key || models.isEmpty {
        self.key = key
        models.removeAll(keepingCapacity: true)
      }
      models.append((day, model))
      models.removeAll { day - $0.day >= days }
    }

    /// One glyph per day of the window, scaled to the largest model in it; a day with no row
    /// or no model is a space.
    func sparkline() -> String {
      guard let last = models.last?.day else { return "" }
      var values = [Double?](repeating: nil, count: days)
      for (day, model) in models { values[days - 1 - (last - day)] = model?.value }
      return QueryTables.sparkline(values)
    }
  }

  static func spend(_ report: SpendReport, grouping: SpendGrouping) -> OutputTable {
    var table = OutputTable(
      columns: [
        "key", "impressions", "cost", "gmv", "refunds", "paid_gmv", "orders", "roi", "paid_roi",
      ].map(Column.init))
    // A `content_service` row with millions of yuan is 103 characters wide with every column:
    // the table leaves out `paid_gmv` (its paid_roi is shown; --wide shows it).
    table.compact = ["key", "impressions", "cost", "gmv", "refunds", "orders", "roi", "paid_roi"]
    if let since = report.since, let until = report.until {
      table.title = "spend by \(grouping.rawValue), \(since) to \(until)"
    }
    for row in report.rows {
      table.append([
        Tables.text(row.key), .int(row.impressions), .money(row.cost), .money(row.gmv),
        .money(row.refunds), .money(row.paidGMV), .int(row.orders), ratio(row.roi),
        ratio(row.paidROI),
      ])
    }
    return table
  }

  static func audience(_ rows: [AudienceRow], brand: String, bars: Bool) -> OutputTable {
    let layers = ["a1", "a2", "a3", "a4", "a5"]
    var columns = ["date", "o"] + layers + ["total", "a2_a3"] + layers.map { "share_" + $0 }
    columns += ["delta_total", "penetration", "spend", "cost_per_new_asset"]
    // Each layer's 新增/流失, when the snapshots shown know any (docs/data-model.md).
    let flow = rows.contains { $0.hasFlow }
    if flow {
      let all = ["o"] + layers
      columns += all.map { "new_" + $0 } + all.map { "lost_" + $0 }
    }
    if bars { columns.append("layers") }
    var table = OutputTable(columns: columns.map(Column.init))
    table.compact =
      ["date", "total", "delta_total", "spend", "cost_per_new_asset"] + (bars ? ["layers"] : [])
    table.title = "5A audience of \(brand)" + (bars ? " (layers: A1 ░ A2 ▒ A3 ▓ A4 █ A5 ■)" : "")
    let widest = rows.map(\.total).max() ?? 0
    for row in rows {
      var cells: [Cell] = [.text(row.date.description), .int(row.o)]
      cells += row.layers.map(Cell.int)
      cells += [.int(row.total), .int(row.a2a3)]
      cells += row.shares.map { ratio($0, digits: 4) }
      cells += [
        row.deltaTotal.map(Cell.int) ?? .null, ratio(row.penetration, digits: 4),
        row.spend.map(Cell.money) ?? .null, ratio(row.costPerNewAsset, digits: 2),
      ]
      if flow { cells += (row.additions + row.losses).map { $0.map(Cell.int) ?? .null } }
      if bars { cells.append(.text(layerBar(row.layers, widest: widest))) }
      table.append(cells)
    }
    return table
  }

  /// The five layers as one bar, 30 cells for the widest snapshot, one glyph per layer.
  static func layerBar(_ layers: [Int64], widest: Int64) -> String {
    guard widest > 0 else { return "" }
    let glyphs: [Character] = ["░", "▒", "▓", "█", "■"]
    var bar = ""
    for (index, count) in layers.enumerated() {
      let cells = Int((Double(count) / Double(widest) * 30).rounded())
      bar += String(repeating: glyphs[index], count: cells)
    }
    return bar
  }

  static func shortlist(_ list: Shortlist) -> OutputTable {
    var table = OutputTable(
      columns: [
        "rank", "video_id", "kol_id", "kol_tier", "roi_model", "paid_roi", "ranked_by",
        "natural_impressions", "evidence_impressions", "natural_gmv", "engagement_rate", "trend",
        "suggested_weekly_budget",
      ].map(Column.init))
    table.compact = [
      "rank", "video_id", "kol_tier", "roi_model", "paid_roi", "ranked_by", "natural_gmv",
      "suggested_weekly_budget",
    ]
    table.title =
      "content-service shortlist for the sale \(list.saleStart) to \(list.saleEnd)\n"
      + "lock \(list.lockDate), lookback \(list.lookbackStart) to \(list.lookbackEnd), "
      + "floor \(ratio(list.floor).humanText)"
    for entry in list.entries {
      table.append([
        .int(Int64(entry.rank)), .text(entry.video.videoID), Tables.text(entry.video.kolID),
        Tables.text(entry.kolTier?.rawValue), ratio(entry.model.roiModel),
        ratio(entry.model.paidROI), .text(entry.rankedBy.rawValue),
        .int(entry.model.sums.naturalImpressions), .int(entry.evidenceImpressions),
        .money(entry.model.sums.naturalGMV), ratio(entry.model.engagementRate, digits: 4),
        Tables.text(entry.model.trend?.rawValue),
        entry.suggestedWeeklyBudget.map(Cell.money) ?? .null,
      ])
    }
    return table
  }

  /// The shortlist and the excluded videos in one table: `rank` null, `failed_rule` and
  /// `reason` set for the excluded ones (`--explain` in every format but `table`).
  static func shortlistExplained(_ list: Shortlist) -> OutputTable {
    var table = shortlist(list)
    table.columns += ["ad_review", "failed_rule", "reason"].map(Column.init)
    for index in table.rows.indices {
      table.rows[index] += [.text(list.entries[index].video.adReview.rawValue), .null, .null]
    }
    for entry in list.excluded {
      table.append([
        .null, .text(entry.video.videoID), Tables.text(entry.video.kolID),
        Tables.text(entry.kolTier?.rawValue), ratio(entry.model.roiModel),
        ratio(entry.model.paidROI), .text(entry.rankedBy.rawValue),
        .int(entry.model.sums.naturalImpressions), .int(entry.evidenceImpressions),
        .money(entry.model.sums.naturalGMV), ratio(entry.model.engagementRate, digits: 4),
        Tables.text(entry.model.trend?.rawValue),
        entry.suggestedWeeklyBudget.map(Cell.money) ?? .null,
        .text(entry.video.adReview.rawValue), Tables.text(entry.failed?.rule.rawValue),
        Tables.text(entry.failed?.reason),
      ])
    }
    return table
  }

  static func shortlistExcluded(_ list: Shortlist) -> OutputTable {
    var table = OutputTable(
      columns: [
        "video_id", "kol_id", "roi_model", "natural_impressions", "engagement_rate",
        "ad_review", "failed_rule", "reason",
      ].map(Column.init))
    table.title = "excluded videos: the first rule each failed"
    table.compact = ["video_id", "failed_rule", "reason"]
    for entry in list.excluded {
      table.append([
        .text(entry.video.videoID), Tables.text(entry.video.kolID), ratio(entry.model.roiModel),
        .int(entry.model.sums.naturalImpressions), ratio(entry.model.engagementRate, digits: 4),
        .text(entry.video.adReview.rawValue), Tables.text(entry.failed?.rule.rawValue),
        Tables.text(entry.failed?.reason),
      ])
    }
    return table
  }

  static func advice(_ advice: [Advice]) -> OutputTable {
    var table = adviceTable()
    if let asOf = advice.first?.asOf { table.title = "AIMT next step per video, as of \(asOf)" }
    for item in advice { table.append(adviceCells(item)) }
    return table
  }

  /// The advice `query` asks of `store`, its rows made while printing (each pass reads the
  /// ledger again: for the formats that print in one pass, not `table` or `markdown`).
  ///
  /// Printed on two cores, each advice is turned into its line on the thread that made it
  /// (``RowStream/produceText``); on one, the rows pass as cells.
  static func advice(of store: Ledger, _ query: AdviseQuery) -> OutputTable {
    var table = adviceTable()
    table.stream = RowStream(
      throwing: { (emit) throws(LedgerError) in
        try store.forEachAdvice(query) { emit(adviceCells($0)) }
      },
      text: { (render, emit) throws(LedgerError) in
        try store.forEachAdvice(
          query, text: { advice, index, text in render(adviceCells(advice), index, &text) }, emit)
      })
    return table
  }

  private static func adviceTable() -> OutputTable {
    var table = OutputTable(
      columns: [
        "video_id", "kol_id", "kol_tier", "age_days", "roi_model", "launch_model", "paid_roi",
        "trend", "evidence_impressions", "action", "mode", "strategy", "weekly_budget",
        "reasons",
      ].map(Column.init))
    table.compact = [
      "video_id", "kol_tier", "roi_model", "paid_roi", "trend", "action", "mode", "strategy",
    ]
    return table
  }

  private static func adviceCells(_ item: Advice) -> [Cell] {
    [
      .text(item.video.videoID), Tables.text(item.video.kolID),
      Tables.text(item.kolTier?.rawValue), item.ageDays.map { .int(Int64($0)) } ?? .null,
      ratio(item.model.roiModel), ratio(item.launchModel?.roiModel), ratio(item.model.paidROI),
      Tables.text(item.model.trend?.rawValue), .int(item.evidenceImpressions),
      .text(item.action.rawValue), Tables.text(item.mode?.rawValue),
      Tables.text(item.strategy?.rawValue), item.decision.weeklyBudget.map(Cell.money) ?? .null,
      .text(item.decision.reasons.cited),
    ]
  }

  /// The sparkline of a series of counts: one of ▁▂▃▄▅▆▇█ per value, scaled to the largest.
  static func sparkline(_ values: [Int64]) -> String {
    sparkline(values.map { Double($0) })
  }

  /// The sparkline of non-negative values (a glyph's height is only a picture, so a Double is
  /// enough): one of ▁▂▃▄▅▆▇█ per value, scaled to the largest; nil is a space.
  static func sparkline(_ values: [Double?]) -> String {
    let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let top = values.compactMap { $0 }.max() ?? 0
    return String(
      values.map { value in
        guard let value else { return " " }
        return top > 0 ? bars[Int((value / top * 7).rounded())] : bars[0]
      })
  }
}

extension QueryTables {
  /// The card's one-row summary (every format).
  static func cardSummary(_ card: VideoCard) -> OutputTable {
    var table = OutputTable(
      columns: [
        "video_id", "kol_id", "kol_name", "followers", "kol_tier", "brand", "title", "published",
        "age_days", "chain", "ad_review", "bidding_authorized", "as_of", "roi_model_7d",
        "roi_model_30d", "launch_model", "paid_roi_7d", "trend_7d", "evidence_impressions",
        "action", "mode", "strategy", "weekly_budget", "reasons",
      ].map(Column.init))
    let advice = card.advice
    table.title = "video \(card.video.videoID)" + (card.video.title.map { " 「\($0)」" } ?? "")
    table.append([
      .text(card.video.videoID), Tables.text(card.video.kolID), Tables.text(card.kol?.name),
      advice.followers.map(Cell.int) ?? .null, Tables.text(advice.kolTier?.rawValue),
      Tables.text(card.video.brand), Tables.text(card.video.title),
      Tables.text(card.video.published), advice.ageDays.map { .int(Int64($0)) } ?? .null,
      Tables.text(card.video.chain), .text(card.video.adReview),
      .bool(card.video.biddingAuthorized), .text(advice.asOf.description),
      ratio(card.week.roiModel), ratio(card.month.roiModel),
      ratio(advice.launchModel?.roiModel), ratio(card.week.paidROI),
      Tables.text(card.week.trend?.rawValue), .int(advice.evidenceImpressions),
      .text(advice.action.rawValue), Tables.text(advice.mode?.rawValue),
      Tables.text(advice.strategy?.rawValue), advice.decision.weeklyBudget.map(Cell.money) ?? .null,
      .text(advice.decision.reasons.map(\.cited).joined(separator: "; ")),
    ])
    return table
  }

  /// The 7- and 30-day models side by side.
  static func cardModels(_ card: VideoCard) -> OutputTable {
    var table = OutputTable(columns: (["window"] + roiColumns).map(Column.init))
    table.compact = ["window"] + roiCompact
    table.append([.text("7 days")] + roiCells(card.week))
    table.append([.text("30 days")] + roiCells(card.month))
    return table
  }

  /// The last 14 days as sparklines: natural plays, paid plays, GMV, cost.
  static func cardDays(_ card: VideoCard) -> String {
    guard let first = card.days.first?.day, let last = card.days.last?.day else { return "" }
    let lines: [(String, [Int64])] = [
      ("natural plays", card.days.map(\.sums.naturalImpressions)),
      ("paid plays", card.days.map(\.sums.paidImpressions)),
      ("GMV", card.days.map(\.sums.gmv)),
      ("cost", card.days.map(\.sums.paidCost)),
    ]
    var text = "last 14 days, \(first) to \(last)\n"
    for (name, values) in lines {
      text +=
        "  " + name.padding(toLength: 14, withPad: " ", startingAt: 0) + sparkline(values)
        + "  max "
        + (name == "GMV" || name == "cost"
          ? "¥" + Cell.money(values.max() ?? 0).humanText : String(values.max() ?? 0))
        + "\n"
    }
    return text
  }
}
