import ArgumentParser
import LedgerQuery
import LedgerStore

/// `aimt report roi|spend|5a`.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "The traffic-ROI model, spend and the 5A picture.",
    subcommands: [ROI.self, Spend.self, FiveA.self, ReportHTML.self])

  struct ROI: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "roi",
      abstract:
        "The traffic ROI model (natural GPM ÷ CPM price) per video, KOL, tool, brand or chain.",
      discussion: """
        Each row sums a window of --window days ending at --as-of (default: the latest day in \
        the ledger) and compares its model with the window before it (trend). Money is in yuan; \
        a ratio with nothing to divide by is null (— in tables).
        Examples:
          aimt report roi --window 30 --by kol --limit 10
          aimt report roi --series --window 7 --since 2026-05-01 --limit 5 --format csv
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Group by video, kol, tool, brand or chain.")
    var by: ROIGrouping = .video
    @Option(help: "Days in the window.")
    var window = 7
    @Option(help: ArgumentHelp("Last day of the window.", valueName: "YYYY-MM-DD"))
    var asOf: Day?
    @Flag(help: "One row per key per day: the rolling model over time.")
    var series = false
    @Option(
      help: ArgumentHelp(
        "With --series: first day (default: 29 days before --until).", valueName: "YYYY-MM-DD"))
    var since: Day?
    @Option(
      help: ArgumentHelp("With --series: last day (default: --as-of).", valueName: "YYYY-MM-DD"))
    var until: Day?
    @Option(
      help: ArgumentHelp(
        "Reference CPM in yuan, or 'observed' for each row's own paid CPM (default: the cpm_price setting).",
        valueName: "YUAN|observed"))
    var cpmPrice: CPMArgument?
    @Option(help: "The ROI floor for above_floor (default: the roi_floor setting).")
    var floor: Fraction?
    @OptionGroup var filters: FilterOptions
    @Option(help: "Count only this paid tool (with natural traffic); list only keys that had it.")
    var tool: ToolArgument?
    @Option(
      help: ArgumentHelp(
        "Sort by a column, optionally :asc or :desc (default: roi_model, best first).",
        valueName: "COLUMN[:asc|:desc]"))
    var sort: SortArgument?
    @Option(help: "At most this many rows (with --series: keys).")
    var limit: Int?

    func validate() throws {
      guard window >= 1, window <= 3660 else {
        throw ValidationError("--window must be between 1 and 3660 days")
      }
      if !series, since != nil || until != nil {
        throw ValidationError("--since and --until go with --series (use --as-of for one window)")
      }
      if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
      if let since, let until, since > until {
        throw ValidationError("--since \(since) is after --until \(until)")
      }
    }

    func run() throws {
      try ledger.reading { store in try run(store) }
    }

    private func run(_ store: Ledger) throws {
      var query = ROIQuery()
      query.grouping = by
      query.window = window
      query.asOf = asOf
      query.cpm = cpmPrice?.option ?? .setting
      query.floor = floor
      query.filter = filters.filter
      query.tool = tool?.tool
      query.sort = sort?.sort ?? .byModel
      query.limit = limit
      if series {
        guard let result = try store.roiSeries(query, since: since, until: until) else {
          try output.emit(
            OutputTable(columns: (["key", "date"] + QueryTables.roiColumns).map(Column.init)))
          return
        }
        try output.emit(
          QueryTables.roiSeries(
            result, grouping: by, sparkline: output.resolvedFormat == .table))
      } else {
        let report = try store.roiReport(query)
        if report.rows.isEmpty { try EmptyResult.explain(store) }
        try output.emit(QueryTables.roi(report, grouping: by))
      }
    }
  }

  struct Spend: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "spend",
      abstract: "Spend, GMV and ROI by day, week, month, tool, KOL, brand, AIMT stage or chain.",
      discussion: """
        gmv counts every source (natural included), net of the refunds a shop file gave \
        (refunds); paid_gmv only the paid tools; roi is gmv ÷ cost. A week is keyed by its Monday. Without --since/--until: the whole ledger.
        Example: aimt report spend --by week --brand 山茶花 --since 2026-05-01
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "day, week, month, tool, kol, brand, stage or chain.")
    var by: SpendGrouping = .day
    @Option(help: ArgumentHelp("First day.", valueName: "YYYY-MM-DD"))
    var since: Day?
    @Option(help: ArgumentHelp("Last day.", valueName: "YYYY-MM-DD"))
    var until: Day?
    @OptionGroup var filters: FilterOptions
    @Option(help: "Only this source: natural or a paid tool.")
    var tool: Source?

    func validate() throws {
      if let since, let until, since > until {
        throw ValidationError("--since \(since) is after --until \(until)")
      }
    }

    func run() throws {
      var query = SpendQuery()
      query.grouping = by
      query.since = since
      query.until = until
      query.filter = filters.filter
      query.tool = tool
      try ledger.reading { store in
        let report = try store.spendReport(query)
        if report.rows.isEmpty { try EmptyResult.explain(store) }
        try output.emit(QueryTables.spend(report, grouping: by))
      }
    }
  }

  struct FiveA: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "5a",
      abstract: "A brand's 5A audience: layer sizes, shares, growth, and what new assets cost.",
      discussion: """
        One row per snapshot. spend is the brand's spend on the days after the previous \
        snapshot up to this one; cost_per_new_asset is spend ÷ delta_total when the total grew.
        Example: aimt report 5a --brand 山茶花 --since 2026-04-01
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The brand.")
    var brand: String
    @Option(help: ArgumentHelp("First snapshot date.", valueName: "YYYY-MM-DD"))
    var since: Day?
    @Option(help: ArgumentHelp("Last snapshot date.", valueName: "YYYY-MM-DD"))
    var until: Day?

    func run() throws {
      let rows = try ledger.openForReading().audienceReport(
        brand: brand, since: since, until: until)
      try output.emit(
        QueryTables.audience(rows, brand: brand, bars: output.resolvedFormat == .table))
    }
  }
}

/// `aimt shortlist`.
struct ShortlistCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shortlist",
    abstract: "Pick the videos to book content service for a sale.",
    discussion: """
      Lock date = sale start − --lead days; the lookback is --lookback days ending the day \
      before it. A video qualifies when the rule engine (the same as advise's, as of the \
      lookback's end) books content service: paid ROI not below --floor, natural impressions ≥ \
      --min-impressions, roi_model ≥ --floor, engagement ≥ --min-engagement, ad review passed, \
      a head or super-head KOL; and no Dou+ order during the sale. Ranked by paid ROI where \
      the video was promoted in the lookback, else by roi_model (ranked_by). One booking per \
      KOL a week at its tier budget; --budget trims the list to a week's money.
      Example: aimt shortlist --promotion 618-2026 --budget 3000000 --explain
      """)
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var output: OutputOptions
  @Option(help: "The sale, by name (see aimt promotion list).")
  var promotion: String?
  @Option(help: ArgumentHelp("Or the sale's first day.", valueName: "YYYY-MM-DD"))
  var saleStart: Day?
  @Option(
    help: ArgumentHelp(
      "With --sale-start: the sale's last day (default: the same day).", valueName: "YYYY-MM-DD"))
  var saleEnd: Day?
  @Option(help: "Days between booking and the sale.")
  var lead = 30
  @Option(help: "Days of history judged.")
  var lookback = 90
  @Option(help: "Minimum traffic ROI model (default: the roi_floor setting).")
  var floor: Fraction?
  @Option(
    help: "Minimum natural impressions over the lookback (default: min_evidence_impressions).")
  var minImpressions: Int64?
  @Option(
    help: ArgumentHelp(
      "Minimum engagement rate ((likes + comments) / impressions), e.g. 0.03 (default: "
        + "the engagement_floor setting)."))
  var minEngagement: Fraction?
  @Option(help: ArgumentHelp("Trim the list to a week's budget.", valueName: "YUAN"))
  var budget: YuanAmount?
  @OptionGroup var filters: FilterOptions
  @Option(help: "At most this many videos.")
  var limit: Int?
  @Flag(help: "Also list the videos that failed, with the first rule each failed.")
  var explain = false

  func validate() throws {
    if promotion == nil, saleStart == nil {
      throw ValidationError("name the sale: --promotion NAME or --sale-start YYYY-MM-DD")
    }
    if promotion != nil, saleStart != nil {
      throw ValidationError("give --promotion or --sale-start, not both")
    }
    guard lead >= 0, lookback >= 1 else {
      throw ValidationError("--lead must be 0 or more and --lookback at least 1")
    }
    if let minImpressions, minImpressions < 0 {
      throw ValidationError("--min-impressions must be 0 or more")
    }
    if saleEnd != nil, saleStart == nil {
      throw ValidationError("--sale-end goes with --sale-start (a --promotion has its own end)")
    }
    if let saleStart, let saleEnd, saleEnd < saleStart {
      throw ValidationError("--sale-end \(saleEnd) is before --sale-start \(saleStart)")
    }
  }

  func run() throws {
    var query = ShortlistQuery()
    query.promotion = promotion
    query.saleStart = saleStart
    query.saleEnd = saleEnd
    query.lead = lead
    query.lookback = lookback
    query.floor = floor
    query.minImpressions = minImpressions
    query.minEngagement = minEngagement
    query.filter = filters.filter
    query.limit = limit
    query.budget = budget?.fen
    query.keepExcluded = explain
    try ledger.reading { store in try print(store.shortlist(query), store) }
  }

  private func print(_ list: Shortlist, _ store: Ledger) throws {
    if list.entries.isEmpty {
      try EmptyResult.explain(store, window: list.lookbackStart...list.lookbackEnd)
    }
    if !explain {
      try output.emit(QueryTables.shortlist(list))
    } else if output.resolvedFormat == .table {
      try output.emit(QueryTables.shortlist(list))
      Terminal.write("\n")
      try output.emit(QueryTables.shortlistExcluded(list))
    } else {
      // One document for programs: the shortlist, then the excluded videos (rank null).
      try output.emit(QueryTables.shortlistExplained(list))
    }
  }
}

/// `aimt advise [VIDEO]`.
struct Advise: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "advise",
    abstract: "The next AIMT step per video, with its reasons.",
    discussion: """
      One rule engine, the same as shortlist, plan and video show (docs/method.md, \
      "Decisions"): stop (paid ROI below the floor); hold without enough evidence \
      (min_evidence_impressions natural impressions) or below the floor; content_service for a \
      head or super-head KOL with engagement and a passed review, at the KOL's weekly budget; \
      kol_bidding when authorised, passed and the account has weight; suixintui for a \
      closed-loop video; else dou_plus, smart or targeted, with its strategy; no Dou+ inside a \
      sale. A video in its first launch_days is judged on its launch model. Each reason names \
      its rule. Thresholds are settings: aimt config get.
      Example: aimt advise v1001
      """)
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "One video (default: every video with metrics in the window).")
  var videoID: String?
  @Option(help: ArgumentHelp("The day advised on.", valueName: "YYYY-MM-DD"))
  var asOf: Day?
  @Option(help: "Days judged.")
  var window = 7

  func validate() throws {
    guard window >= 1, window <= 3660 else {
      throw ValidationError("--window must be between 1 and 3660 days")
    }
  }
  @Option(help: "The ROI floor (default: the roi_floor setting).")
  var floor: Fraction?
  @OptionGroup var filters: FilterOptions

  func run() throws {
    var query = AdviseQuery()
    query.videoID = videoID
    query.asOf = asOf
    query.window = max(window, 1)
    query.floor = floor
    query.filter = filters.filter
    try ledger.reading { store in
      guard videoID == nil, ![.table, .markdown].contains(output.resolvedFormat) else {
        let advice = try store.advise(query)
        if advice.isEmpty { try EmptyResult.explain(store) }
        try output.emit(QueryTables.advice(advice))
        return
      }
      // Every video, printed as it is advised. Without a video, advice needs daily numbers, so
      // the hint for an empty answer is the one for a ledger without them (explain's own test).
      try EmptyResult.explain(store)
      try output.emit(QueryTables.advice(of: store, query))
    }
  }
}
