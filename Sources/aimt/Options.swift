import ArgumentParser
import Foundation
import LedgerStore

/// Where the ledger is: `--db PATH`, else `$AIMT_DB`, else `./aimt.db`.
struct LedgerOptions: ParsableArguments {
  @Option(name: .long, help: "The ledger file (default: $AIMT_DB, else ./aimt.db).")
  var db: String?

  /// The path the options resolve to.
  var path: String {
    if let db { return db }
    if let env = ProcessInfo.processInfo.environment["AIMT_DB"], !env.isEmpty { return env }
    return "aimt.db"
  }

  /// Opens the existing ledger for a command that writes (`aimt init` alone creates or
  /// upgrades one).
  func openForWriting() throws(LedgerError) -> Ledger { try Ledger.open(path: path) }

  /// Opens the existing ledger for a command that only reads: the file is never changed.
  func openForReading() throws(LedgerError) -> Ledger { try Ledger.openReadOnly(path: path) }

  /// Opens the ledger read-only and runs `body` (what a read command does, printing included)
  /// in one read transaction: the command shows one state of the ledger, even when a series
  /// streams rows read while it prints.
  func reading<T>(_ body: (Ledger) throws -> T) throws -> T {
    let store = try openForReading()
    return try store.snapshot { try body(store) }
  }
}

extension OutputFormat: ExpressibleByArgument {}

/// How rows are printed: `--format`, and a BOM for Excel.
struct OutputOptions: ParsableArguments {
  @Option(
    name: .long,
    help: "table, csv, tsv, json, ndjson or markdown (default: table on a terminal, else tsv).")
  var format: OutputFormat?

  @Flag(name: .long, help: "Start CSV output with a UTF-8 BOM so Excel reads Chinese text.")
  var bom = false

  @Flag(
    name: .long,
    help: "Print csv/tsv text as stored: no ' before text starting with = + - @ (formulas).")
  var raw = false

  /// The format in effect.
  var resolvedFormat: OutputFormat {
    format ?? (Terminal.stdoutIsTerminal ? .table : .tsv)
  }

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Only these columns, in this order (the keys of csv and json).", valueName: "a,b,c"))
  var columns: String?

  @Flag(name: .long, help: "A table shows every column (default: the main ones, to fit 100).")
  var wide = false

  /// Prints a table in the chosen format; throws what went wrong making streamed rows.
  ///
  /// `--columns` chooses the columns in every format; without it a `table` shows the report's
  /// main columns (``OutputTable/compact``) unless `--wide`, and the machine formats print
  /// every column.
  func emit(_ table: OutputTable) throws {
    var table = table
    if let columns {
      let keys = columns.split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      let known = Set(table.columns.map(\.key))
      if let unknown = keys.first(where: { !known.contains($0) }) {
        throw CommandFailure(
          message: "--columns: no column '\(unknown)' here; the columns are "
            + table.columns.map(\.key).joined(separator: ","),
          exitCode: 64)
      }
      table = table.projected(onto: keys)
    } else if resolvedFormat == .table, !wide, let compact = table.compact,
      compact.count < table.columns.count
    {
      table = table.projected(onto: compact)
      table.footnote =
        "(main columns; --wide shows all \(table.columns.count + table.hidden), "
        + "--columns a,b,c chooses)"
    }
    let options = RenderOptions(
      csvBOM: bom, color: Terminal.useColor, neutraliseFormulas: !raw,
      escapeControls: Terminal.stdoutIsTerminal)
    renderPipelined(table, as: resolvedFormat, options: options) { Terminal.write(bytes: $0) }
    if let error = table.stream?.failure.error { throw error }
  }
}

/// Standard output and error, and what kind of terminal they are.
enum Terminal {
  static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
  static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
  /// Colour only on a terminal, and never when NO_COLOR is set.
  static var useColor: Bool {
    stdoutIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
  }

  /// Writes a message to standard output; on a terminal its control characters and bidi
  /// overrides (a value quoted from a file) are shown as `\u{1b}` text, line breaks and tabs
  /// kept.
  static func write(_ text: String) {
    let shown = stdoutIsTerminal ? ControlEscaping.escaped(text, keeping: "\n\t") : text
    FileHandle.standardOutput.write(Data(shown.utf8))
  }

  static func write(bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
  }

  /// Writes a message to standard error, its control characters and bidi overrides shown as
  /// `\u{1b}` text (line breaks kept): messages quote values from files and the command line,
  /// which must not clear or retitle the terminal.
  static func writeError(_ text: String) {
    FileHandle.standardError.write(Data(ControlEscaping.escaped(text, keeping: "\n").utf8))
  }

  /// Replaces the progress line on a terminal's standard error with `text` (escaped as by
  /// ``writeError(_:)``); an empty `text` just clears the line.
  static func writeProgress(_ text: String) {
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + ControlEscaping.escaped(text)).utf8))
  }

  /// Prints a ledger error: each data problem on its own line, otherwise one sentence.
  ///
  /// A line break inside a problem (a quoted value's) is shown as `\u{a}`, so every problem
  /// stays one `FILE:LINE: column: message` line.
  static func printError(_ error: LedgerError) {
    switch error {
    case .invalidData(let problems):
      for problem in problems {
        writeError(ControlEscaping.escaped(problem.commandLineDescription) + "\n")
      }
      let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
      writeError("aimt: \(count); nothing was written\n")
    default:
      writeError("aimt: error: " + ControlEscaping.escaped(error.commandLineDescription) + "\n")
    }
  }
}

/// What an empty report says on stderr, so a user is never left with a bare `(no rows)`.
enum EmptyResult {
  /// When the report found nothing: says the ledger has no daily numbers yet and how to add
  /// them, or where its numbers are when `window` (the days the report read) missed them.
  static func explain(_ store: Ledger, window: ClosedRange<Day>? = nil) throws {
    guard let days = try store.metricDays() else {
      Terminal.writeError(
        "aimt: the ledger has no daily numbers yet: import an export with "
          + "'aimt import metrics FILE' (aimt import --help lists the kinds) or log a day with "
          + "'aimt log'\n")
      return
    }
    if let window, window.upperBound < days.lowerBound || window.lowerBound > days.upperBound {
      Terminal.writeError(
        "aimt: no numbers from \(window.lowerBound) to \(window.upperBound); the ledger's "
          + "daily numbers run from \(days.lowerBound) to \(days.upperBound)\n")
    }
  }
}
