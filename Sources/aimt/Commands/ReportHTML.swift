import ArgumentParser
import Foundation
import LedgerQuery
import LedgerStore

/// `aimt report html`: the review page of one brand, for people who do not read terminals.
struct ReportHTML: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "html",
    abstract: "Write a brand's review as one self-contained HTML page (charts, tables, sources).",
    discussion: """
      The page shows spend and GMV per day over --days days ending --as-of (default: the latest
      day in the ledger), the rolling 7-day traffic ROI model of the brand's five largest videos
      against the roi_floor setting, the 5A layers per snapshot, the week's best and worst videos
      (the numbers of report roi), the shortlist of a promotion starting within 45 days, and the
      import batches the numbers come from. Inline CSS and SVG only: no script, nothing fetched,
      prints on A4. -o - writes the page to standard output.
      Examples:
        aimt report html --brand 山茶花 -o review.html
        aimt report html --brand 山茶花 --as-of 2026-05-31 --days 60 -o - > may.html
      """)
  @OptionGroup var ledger: LedgerOptions
  @Option(help: "The brand reviewed.")
  var brand: String
  @Option(help: ArgumentHelp("Last day reviewed.", valueName: "YYYY-MM-DD"))
  var asOf: Day?
  @Option(help: "Days of the spend and model charts.")
  var days = 30
  @Option(help: "Natural impressions a video needs in the last 7 days for the best/worst lists.")
  var minImpressions: Int64 = 10_000
  @Option(
    name: [.short, .customLong("output")],
    help: ArgumentHelp("The file written ('-': standard output).", valueName: "FILE"))
  var output = "review.html"

  /// Refuses a day count outside 1…366, negative impressions and an empty file name.
  func validate() throws {
    guard days >= 1, days <= 366 else { throw ValidationError("--days must be between 1 and 366") }
    guard minImpressions >= 0 else { throw ValidationError("--min-impressions must be 0 or more") }
    guard !output.isEmpty else { throw ValidationError("-o needs a file name (or - for stdout)") }
  }

  /// Gathers the review, renders it and writes the file (or standard output).
  func run() throws {
    var query = ReviewQuery(brand: brand, asOf: asOf)
    query.days = days
    query.minImpressions = minImpressions
    let data = try ledger.openForReading().review(query)
    let page = HTMLReview.page(data, command: commandLine(data))
    if output == "-" {
      Terminal.write(page)
      return
    }
    do {
      try Data(page.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
      throw CommandFailure(
        message: "cannot write \(output): \(error.localizedDescription)", exitCode: 1)
    }
    let range = data.since.flatMap { since in data.asOf.map { " \(since) to \($0)" } } ?? ""
    Terminal.write("wrote \(output): review of \(brand)\(range)\n")
  }

  /// The command that rebuilds this page, with the day it was made for.
  private func commandLine(_ data: ReviewData) -> String {
    var words = ["aimt", "report", "html", "--brand", shellQuoted(brand)]
    if let asOf = data.asOf { words += ["--as-of", asOf.description] }
    if days != 30 { words += ["--days", String(days)] }
    if minImpressions != 10_000 { words += ["--min-impressions", String(minImpressions)] }
    return words.joined(separator: " ")
  }

  /// `word` as a POSIX shell reads it back: unchanged when plain, else in single quotes.
  private func shellQuoted(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy {
      !$0.properties.isWhitespace && !"'\"\\$`!*?[]{}()<>|&;#~".unicodeScalars.contains($0)
    }
    return plain && !word.isEmpty
      ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
