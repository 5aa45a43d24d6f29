import ArgumentParser
import LedgerQuery
import LedgerStore

/// `aimt backtest shortlist|advice`.
struct BacktestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backtest",
    abstract: "Replay the shortlist or the advice on the ledger's history and show the outcome.",
    discussion: """
      Change a setting (aimt config set roi_floor 1.5) and rerun to tune the rules on your own \
      history.
      Example: aimt backtest shortlist --promotion 618-2026
      """,
    subcommands: [Shortlist.self, Advice.self])

  /// `aimt backtest shortlist --promotion NAME`.
  struct Shortlist: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "shortlist",
      abstract: "The shortlist as of its lock date against what each video did in the sale.",
      discussion: """
        One row per video considered: chosen (with its rank) or left_out (with the first rule \
        it failed); lookback_* is what the shortlist saw, sale_* is report roi over the sale's \
        days. A table adds one summary line per group.
        Example: aimt backtest shortlist --promotion 618-2026 --brand 山茶花
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The sale, by name (see aimt promotion list).")
    var promotion: String
    @Option(help: "Days between booking and the sale.")
    var lead = 30
    @Option(help: "Days of history judged.")
    var lookback = 90
    @Option(help: ArgumentHelp("The week's budget the shortlist is trimmed to.", valueName: "YUAN"))
    var budget: YuanAmount?
    @OptionGroup var filters: FilterOptions

    func validate() throws {
      guard lead >= 0, lookback >= 1 else {
        throw ValidationError("--lead must be 0 or more and --lookback at least 1")
      }
    }

    func run() throws {
      var query = ShortlistQuery()
      query.promotion = promotion
      query.lead = lead
      query.lookback = lookback
      query.budget = budget?.fen
      query.filter = filters.filter
      try ledger.reading { store in
        let test = try store.backtestShortlist(query)
        try output.emit(
          DecisionTables.backtestShortlist(
            test, settings: try store.querySettings(),
            summary: output.resolvedFormat == .table))
      }
    }
  }

  /// `aimt backtest advice --since D --until D`.
  struct Advice: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "advice",
      abstract: "Each day's advice against the next days' outcome.",
      discussion: """
        One row per video and day with metrics: the action then and the next --days days' \
        natural model and paid ROI. A table adds one summary line per action.
        Example: aimt backtest advice --since 2026-04-01 --until 2026-04-30
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("First day advised.", valueName: "YYYY-MM-DD"))
    var since: Day
    @Option(help: ArgumentHelp("Last day advised.", valueName: "YYYY-MM-DD"))
    var until: Day
    @Option(help: "Days of the rolling window judged.")
    var window = 7
    @Option(help: "Days of outcome after each advice.")
    var days = 7
    @OptionGroup var filters: FilterOptions

    func validate() throws {
      guard since <= until else {
        throw ValidationError("--until \(until) is before --since \(since)")
      }
      guard until - since < 366 else { throw ValidationError("backtest at most 366 days at once") }
      guard window >= 1, window <= 3660, days >= 1, days <= 366 else {
        throw ValidationError("--window must be 1 to 3660 days and --days 1 to 366")
      }
    }

    func run() throws {
      try ledger.reading { store in
        let test = try store.backtestAdvice(
          since: since, until: until, window: window, outcomeDays: days, filter: filters.filter)
        try output.emit(
          DecisionTables.backtestAdvice(test, summary: output.resolvedFormat == .table))
      }
    }
  }
}
