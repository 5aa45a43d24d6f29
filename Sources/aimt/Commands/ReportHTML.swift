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
      The page shows spend and GMV per day over --days days ending --as-of (default: the latest \
      day in the ledger), the rolling 7-day traffic ROI model of the brand's five largest videos \
      against the roi_floor setting, the 5A layers per snapshot, the week's best and worst videos \
      (the numbers of report roi), the shortlist of a promotion starting within 45 days, and the \
      import batches the numbers come from. Inline CSS and SVG only: no script, nothing fetched, \
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
    try writePrivately(Array(page.utf8), to: output)
    let range = data.since.flatMap { since in data.asOf.map { " \(since) to \($0)" } } ?? ""
    Terminal.write("wrote \(output): review of \(brand)\(range)\n")
  }

  /// Writes the page so that only its owner can read it (mode 0600, like the ledger: it holds
  /// spend data) and no reader sees half of it: a temporary file beside `path`, created 0600,
  /// then renamed over it.
  ///
  /// A failure names what to do: the folder to create, the folder that cannot be written.
  private func writePrivately(_ bytes: [UInt8], to path: String) throws(CommandFailure) {
    let url = URL(fileURLWithPath: path)
    let name = url.lastPathComponent
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(name).\(getpid()).tmp").path
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw failure(errno, path: path, folder: folder) }
    var error: Int32 = fchmod(descriptor, 0o600) == 0 ? 0 : errno
    var written = 0
    while error == 0, written < bytes.count {
      let count = bytes[written...].withUnsafeBytes { rest in
        Foundation.write(descriptor, rest.baseAddress, rest.count)
      }
      if count > 0 {
        written += count
      } else if count == 0 || errno != EINTR {
        error = count == 0 ? EIO : errno
      }
    }
    if close(descriptor) != 0, error == 0 { error = errno }
    if error == 0, rename(temporary, path) != 0 { error = errno }
    guard error != 0 else { return }
    unlink(temporary)
    throw failure(error, path: path, folder: folder)
  }

  /// What went wrong writing `path` in `folder`, and what to do about it.
  private func failure(_ code: Int32, path: String, folder: String) -> CommandFailure {
    let reason =
      switch code {
      case ENOENT:
        "the folder \(folder) does not exist; create it (mkdir -p \(shellQuoted(folder))) "
          + "or choose another -o path"
      case EACCES, EPERM:
        "permission denied: you cannot create files in the folder \(folder); "
          + "choose another -o path or ask for write access to it"
      case EROFS: "the folder \(folder) is on a read-only disk; choose another -o path"
      case ENOTDIR: "a part of \(folder) is a file, not a folder; choose another -o path"
      case EISDIR: "it is a folder; give a file name, e.g. -o \(path)/review.html"
      case ENOSPC, EDQUOT: "the disk is full; free some space or choose another -o path"
      default: String(cString: strerror(code))
      }
    return CommandFailure(message: "cannot write \(path): \(reason)", exitCode: 1)
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
