import ArgumentParser
import LedgerQuery
import LedgerStore

/// A yuan amount typed on the command line (`3000000`, `1,000,000`, `¥50000.50`), kept in fen.
struct YuanAmount: ExpressibleByArgument {
  var fen: Int64

  init?(argument: String) {
    guard let fen = try? Money.parseYuan(argument) else { return nil }
    self.fen = fen
  }
}

/// `aimt plan --budget YUAN`.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Split a week's budget across videos and tools, as the method does.",
    discussion: """
      Only videos whose advice spends (the same rule engine as advise) get money: content \
      service first for the best head and super-head videos (ranked by paid ROI where \
      promoted, else by the model), one booking per KOL at most its weekly budget \
      (budget_super_head, budget_head) and at least ¥50,000; the rest shared by model among \
      the Dou+, 随心推 and KOL-bidding lines in whole ¥100 orders, a higher model never \
      getting less than a lower one, each KOL within its tier's weekly cap. The budgets add \
      up to at most --budget. expected_gmv is budget × the measured model. \
      --promotion plans a sale week: the sale CPM (the promotion's cpm_price, else cpm_price × \
      sale_cpm_factor) and no Dou+.
      Example: aimt plan --budget 3000000 --brand 山茶花
      """)
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var output: OutputOptions
  @Option(help: ArgumentHelp("The week's budget.", valueName: "YUAN"))
  var budget: YuanAmount
  @Option(
    help: ArgumentHelp(
      "The day planned from (default: the latest day with data).",
      valueName: "YYYY-MM-DD"))
  var asOf: Day?
  @Option(help: "Days of the rolling window judged.")
  var window = 7
  @Option(help: "Plan a sale week of this promotion (see aimt promotion list).")
  var promotion: String?
  @OptionGroup var filters: FilterOptions

  func validate() throws {
    guard window >= 1, window <= 3660 else {
      throw ValidationError("--window must be between 1 and 3660 days")
    }
  }

  func run() throws {
    var query = PlanQuery(budget: budget.fen)
    query.asOf = asOf
    query.window = window
    query.promotion = promotion
    query.filter = filters.filter
    try ledger.reading { store in
      let plan = try store.plan(query)
      if plan.advice.isEmpty { try EmptyResult.explain(store) }
      try output.emit(DecisionTables.plan(plan))
    }
  }
}
