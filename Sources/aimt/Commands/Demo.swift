import AimtDemo
import ArgumentParser
import Foundation
import LedgerImport
import LedgerQuery
import LedgerStore

/// `aimt demo`: builds a generated sample ledger through the import path and tours its reports.
struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Build a realistic sample ledger and show the main reports on it.",
    discussion: """
      Generates 3 brands, about 70 KOLs of every tier, 500 videos and 120 days of \
      natural and paid numbers ending 2026-05-31 (Dou+, KOL bidding, Qianchuan, \
      content service booked for the 618-2026 sale and run in the past 520-2026 sale), \
      weekly 5A snapshots and the two sales, plus named cases that show every decision \
      rule (docs/decisions-guide.md), writes them as CSV files and imports those as 'aimt import' does. The ledger is \
      ./aimt-demo.db (or --db PATH), replacing an earlier demo ledger there but never \
      another file. The same --seed gives the same numbers. Each report is printed under \
      the command that makes it. With --out DIR only the CSV files are written (for \
      benchmarks: aimt demo --videos 14000 --days 90 --out data).
      Examples:
        aimt demo && aimt video show v1001 --db aimt-demo.db
        aimt demo --seed 7 --videos 2000 --db big-demo.db
      """)
  @Option(name: .long, help: "Where to build the demo ledger (default: ./aimt-demo.db).")
  var db = "aimt-demo.db"
  @Option(help: "The seed of the generated data; the same seed gives the same data.")
  var seed: UInt64 = 1
  @Option(help: "How many videos.")
  var videos = 500
  @Option(help: "How many days of metrics, ending 2026-05-31.")
  var days = 120
  @Option(
    help: ArgumentHelp(
      "Only write the CSV files into this folder (created if missing); build no ledger.",
      valueName: "DIR"))
  var out: String?
  @OptionGroup var output: OutputOptions

  /// Refuses sizes the generator cannot make sense of.
  func validate() throws {
    guard videos >= 1, videos <= 10_000_000 else {
      throw ValidationError("--videos must be between 1 and 10,000,000")
    }
    guard days >= 1, days <= 3660 else {
      throw ValidationError("--days must be between 1 and 3660")
    }
  }

  /// Writes the files only (`--out`), or builds the ledger and prints the tour.
  func run() throws {
    let generator = DemoGenerator(DemoParameters(seed: seed, videos: videos, days: days))
    if let out {
      try writeFiles(generator, to: out)
      return
    }
    // The tour is for people: tables even when piped, unless --format says otherwise.
    var output = output
    if output.format == nil { output.format = .table }
    let build = try generator.buildLedger(at: db)
    let store = build.ledger
    let imported = zip(build.files, build.imports).map { file, report in
      "\(file.name) \(Count.grouped(Int64(report.files.first?.rows ?? file.rows)))"
    }
    Terminal.write(
      "demo ledger: \(db) (seed \(seed)); imported " + imported.joined(separator: ", ") + "\n")

    step(
      "aimt report roi --window 7 --sort natural_gmv --limit 10",
      "this week's ten biggest videos by natural GMV, with their traffic ROI model")
    var week = ROIQuery()
    week.sort = ROISort(field: .naturalGMV)
    week.limit = 10
    let best = try store.roiReport(week)
    try output.emit(QueryTables.roi(best, grouping: .video))

    let example = DemoGenerator.workedExampleVideo
    step(
      "aimt report roi --window 1 --as-of \(DemoGenerator.workedExampleDay) "
        + "--kol \(DemoGenerator.workedExampleKOL)",
      "the worked example \(example): 250,000 natural plays, ¥20,000 GMV, ¥40 CPM → 2.00 (1:2)")
    var firstDay = ROIQuery()
    firstDay.window = 1
    firstDay.asOf = DemoGenerator.workedExampleDay
    firstDay.filter = VideoFilter(kolID: DemoGenerator.workedExampleKOL)
    try output.emit(QueryTables.roi(try store.roiReport(firstDay), grouping: .video))

    step("aimt report spend --by tool", "what was spent and what came back, per tool")
    var spend = SpendQuery()
    spend.grouping = .tool
    try output.emit(QueryTables.spend(try store.spendReport(spend), grouping: .tool))

    let brand = DemoGenerator.brands[0]
    step("aimt report 5a --brand \(brand)", "the brand's audience assets, week by week")
    try output.emit(
      QueryTables.audience(
        try store.audienceReport(brand: brand), brand: brand,
        bars: output.resolvedFormat == .table))

    let budget = DemoGenerator.weeklyBudget
    let yuan = Money.yuan(budget).replacingOccurrences(of: ".00", with: "")
    step(
      "aimt shortlist --promotion \(DemoGenerator.saleName) --brand \(brand) --budget \(yuan)",
      "the brand's content-service bookings for the sale (locked 30 days before it)")
    var shortlist = ShortlistQuery()
    shortlist.promotion = DemoGenerator.saleName
    shortlist.filter = VideoFilter(brand: brand)
    shortlist.budget = budget
    try output.emit(QueryTables.shortlist(try store.shortlist(shortlist)))

    // The best of the videos shown: the highest model among this week's biggest.
    let top =
      best.rows.max { ($0.model.roiModel ?? Fraction(0)) < ($1.model.roiModel ?? Fraction(0)) }?
      .key ?? example
    step("aimt advise \(top)", "the next AIMT step for the best of them (highest model)")
    var advice = AdviseQuery()
    advice.videoID = top
    try output.emit(QueryTables.advice(try store.advise(advice)))

    step(
      "aimt plan --budget \(yuan) --brand \(brand)",
      "the brand's week split across videos and tools by the same rules")
    var plan = PlanQuery(budget: budget)
    plan.filter = VideoFilter(brand: brand)
    try output.emit(DecisionTables.plan(try store.plan(plan)))

    let past = DemoGenerator.pastSaleName
    step(
      "aimt backtest shortlist --promotion \(past) --brand \(brand)",
      "the past sale's shortlist replayed: what the chosen and the left-out videos did in it")
    var replay = ShortlistQuery()
    replay.promotion = past
    replay.filter = VideoFilter(brand: brand)
    let (excerpt, more) = try backtestExcerpt(
      store.backtestShortlist(replay), store: store, table: output.resolvedFormat == .table)
    try output.emit(excerpt)
    if more > 0 {
      Terminal.write(
        "(\(more) more left-out videos: aimt backtest shortlist --promotion \(past) "
          + "--brand \(brand) --db \(db))\n")
    }

    Terminal.write(
      "\nNext:\n  aimt video show \(top) --db \(db)\n"
        + "  aimt report roi --series --limit 5 --db \(db)\n"
        + "  aimt shortlist --promotion \(DemoGenerator.saleName) --explain --db \(db)\n"
        + "  aimt report html --brand \(brand) --db \(db) -o review.html"
        + "   # the week's review page for a brand manager\n")
  }

  /// The backtest's chosen rows, its first five left-out ones and the two group lines, with
  /// how many left-out rows were not shown (a table; other formats get every row).
  private func backtestExcerpt(
    _ test: ShortlistBacktest, store: Ledger, table asTable: Bool
  ) throws -> (OutputTable, Int) {
    let table = try DecisionTables.backtestShortlist(
      test, settings: store.querySettings(), summary: asTable)
    guard asTable else { return (table, 0) }
    var excerpt = table
    var leftOut = 0
    excerpt.rows = table.rows.filter { row in
      guard case .text(BacktestGroup.leftOut.rawValue) = row.first else { return true }
      leftOut += 1
      return leftOut <= 5
    }
    return (excerpt, max(leftOut - 5, 0))
  }

  /// Writes the CSV files only, and lists them with their row counts.
  private func writeFiles(_ generator: DemoGenerator, to folder: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw LedgerError.storage(message: "cannot create \(folder): \(error.localizedDescription)")
    }
    let files = try generator.writeFiles(to: folder)
    var table = OutputTable(columns: ["file", "kind", "rows"].map(Column.init))
    for file in files {
      table.append([
        .text(folder + "/" + file.name), .text(file.kind.rawValue), .int(Int64(file.rows)),
      ])
    }
    try output.emit(table)
  }

  /// Prints a step's command (with `--db`) and what it shows.
  private func step(_ command: String, _ what: String) {
    Terminal.write("\n$ \(command) --db \(db)   # \(what)\n")
  }
}
