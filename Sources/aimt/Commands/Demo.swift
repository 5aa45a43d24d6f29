import ArgumentParser
import Foundation
import LedgerImport
import LedgerQuery
import LedgerStore

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build a small sample ledger and show the main reports on it.",
    discussion: """
      Writes ./aimt-demo.db (or --db PATH), replacing an earlier demo ledger there
      but never another file. The data is fixed, so every run prints the same
      numbers. Each report is printed under the command that makes it.
      Example: aimt demo && aimt video show v1001 --db aimt-demo.db
      """)
  @Option(name: .long, help: "Where to build the demo ledger (default: ./aimt-demo.db).")
  var db = "aimt-demo.db"
  @OptionGroup var output: OutputOptions

  func run() throws {
    // The tour is for people: tables even when piped, unless --format says otherwise.
    var output = output
    if output.format == nil { output.format = .table }
    let store = try DemoLedger.build(at: db)
    Terminal.write("demo ledger: \(db)\n")

    step("aimt report roi --window 7", "the traffic ROI model of each video this week")
    try output.emit(QueryTables.roi(try store.roiReport(RoiQuery()), grouping: .video))

    step(
      "aimt report roi --window 1 --as-of 2026-05-01",
      "the worked example: 250,000 natural plays, ¥20,000 GMV, ¥40 CPM → 2.0 (1:2)")
    var firstDay = RoiQuery()
    firstDay.window = 1
    firstDay.asOf = Day(year: 2026, month: 5, day: 1)
    try output.emit(QueryTables.roi(try store.roiReport(firstDay), grouping: .video))

    step("aimt report spend --by tool", "what was spent and what came back, per tool")
    var spend = SpendQuery()
    spend.grouping = .tool
    try output.emit(QueryTables.spend(try store.spendReport(spend), grouping: .tool))

    step("aimt report 5a --brand 山茶花", "the brand's audience assets, week by week")
    try output.emit(
      QueryTables.audience(
        try store.audienceReport(brand: "山茶花"), brand: "山茶花",
        bars: output.resolvedFormat == .table))

    step("aimt advise", "the next AIMT step for each video")
    try output.emit(QueryTables.advice(try store.advise(AdviseQuery())))

    Terminal.write(
      "\nNext: aimt video show v1001 --db \(db)   ·   aimt report roi --series --db \(db)\n")
  }

  private func step(_ command: String, _ what: String) {
    Terminal.write("\n$ \(command) --db \(db)   # \(what)\n")
  }
}
