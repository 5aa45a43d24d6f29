import ArgumentParser
import Foundation
import LedgerImport
import LedgerQuery
import LedgerStore

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build a small sample ledger and show what aimt keeps.",
    discussion: """
      Writes ./aimt-demo.db (or --db PATH), replacing an earlier demo ledger there
      but never another file. The data is fixed, so every run prints the same
      numbers.
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
    Terminal.write("demo ledger: \(db)\n\n$ aimt video list --db \(db)\n")
    output.emit(Tables.videos(try store.videos()))
    Terminal.write(
      "\n$ aimt video show v1001 --db \(db)   (the worked example: 250k natural plays, ¥20,000 GMV)\n"
    )
    output.emit(Tables.totals(try store.videoTotals(videoID: "v1001")))
    Terminal.write("\n$ aimt placement list --db \(db)\n")
    output.emit(Tables.placements(try store.placements()))
    Terminal.write(
      "\nThe traffic-ROI, spend and 5A reports come with the query module; "
        + "meanwhile try: aimt sql \"SELECT * FROM daily_metrics LIMIT 5\" --db \(db)\n")
  }
}
