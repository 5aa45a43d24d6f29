import ArgumentParser
import Foundation
import LedgerImport
import LedgerStore
import Synchronization

struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract:
      "Import exported files (CSV, TSV, JSON, NDJSON, XLSX) into the ledger, all or nothing.",
    discussion: """
      KIND is kols, videos, placements, metrics, audience or promotions. Files may \
      be UTF-8 (with or without BOM) or GB18030/GBK, comma or tab separated; \
      Chinese export headers are recognised (--profile auto). A file may carry \
      only some columns: the others keep their stored values. Re-importing the \
      same data changes nothing; a changed value is updated and kept in the \
      history. A header cell that maps to no column is refused when it looks like \
      a number of the kind (a typo such as 成交定单数, or an unknown count); pass \
      --ignore CELL to import without it. Names, ids, times and ratios (ROI, CTR) \
      are left out and listed. An .xlsx workbook is read from its first sheet \
      (--sheet NAME for another). Title rows above the header and a 合计/Total \
      row at the end are skipped and counted. Ctrl-C stops an import and writes \
      nothing.
      Examples:
        aimt import metrics qianchuan-2026-05-01.csv
        aimt import metrics douplus-orders.csv shop-gmv.csv --source dou_plus
        aimt import videos videos.csv --create-missing
        aimt import metrics qianchuan-report.xlsx --sheet 素材报表
        aimt import metrics qianchuan-materials.csv --gmv overall
        aimt import --list-profiles
      """)
  @OptionGroup var ledger: LedgerOptions
  @Argument(help: "kols, videos, placements, metrics, audience or promotions.")
  var kind: String?
  @Argument(help: "The files; all are imported in one transaction.") var files: [String] = []
  @Option(help: "auto, generic, a built-in profile name, or a profile file (.json).")
  var profile = "auto"
  @Option(help: "auto, utf-8 or gb18030.") var encoding = "auto"
  @Option(help: "The source of metric rows in files without a source column.")
  var source: String?
  @Flag(help: "Validate and report, write nothing.") var dryRun = false
  @Flag(help: "Create referenced KOLs, videos and brands that do not exist yet.")
  var createMissing = false
  @Flag(help: "Add up metric rows with the same date, video, source and order.")
  var sumDuplicates = false
  @Option(
    name: .customLong("ignore"),
    help: ArgumentHelp(
      "Import without this header cell (repeatable); it must be in a file's header.",
      valueName: "COLUMN"))
  var ignore: [String] = []
  @Option(help: "The sheet of an .xlsx workbook to read (default: the first).")
  var sheet: String?
  @Option(
    name: .customLong("as-of"),
    help: ArgumentHelp(
      "The day a KOL file was exported, for rows without a date (a 星图 quote needs one).",
      valueName: "DATE"))
  var asOf: String?
  @Option(
    help: ArgumentHelp(
      "Which GMV of a 千川 file that gives both is gmv: direct (直接成交金额, the default) or "
        + "overall (整体成交金额); the order counts follow.", valueName: "direct|overall"))
  var gmv: String?
  @Flag(help: "Print every built-in profile (kind, source, money unit, headers) and exit.")
  var listProfiles = false

  func validate() throws {
    if listProfiles { return }
    guard let kind else { throw ValidationError("give the KIND and the files to import") }
    if let gmv, GMVChoice(rawValue: gmv) == nil {
      throw ValidationError("--gmv '\(gmv)' is not one of: direct, overall")
    }
    if RecordKind(rawValue: kind) == nil {
      throw ValidationError(
        "KIND '\(kind)' is not one of: "
          + RecordKind.allCases.map(\.rawValue).joined(separator: ", "))
    }
    if TextEncodingChoice(rawValue: encoding) == nil {
      throw ValidationError("--encoding '\(encoding)' is not one of: auto, utf-8, gb18030")
    }
    if files.isEmpty { throw ValidationError("give at least one file to import") }
    if let asOf {
      do throws(ValueError) {
        _ = try Day.parse(asOf)
      } catch {
        throw ValidationError("--as-of: \(error.message)")
      }
      if kind != RecordKind.kols.rawValue {
        throw ValidationError("--as-of serves KOL files only (aimt import kols … --as-of DATE)")
      }
    }
    if let source, RecordParser.parseSource(source) == nil {
      throw ValidationError(
        "--source: '\(source)' is not one of: "
          + Source.allCases.map(\.rawValue).joined(separator: ", "))
    }
  }

  func run() throws {
    if listProfiles {
      Terminal.write(ProfileListing.text(Profiles.builtIn))
      return
    }
    var options = ImportOptions(kind: RecordKind(rawValue: kind ?? "") ?? .metrics)
    options.gmv = gmv.flatMap(GMVChoice.init(rawValue:))
    options.profile = ProfileChoice(argument: profile)
    options.encoding = TextEncodingChoice(rawValue: encoding) ?? .auto
    options.source = source.flatMap(RecordParser.parseSource)
    options.write = WriteOptions(
      createMissing: createMissing, dryRun: dryRun, sumDuplicates: sumDuplicates)
    options.ignoredColumns = ignore
    options.sheet = sheet
    options.asOf = asOf.flatMap { try? Day.parse($0) }
    Interrupt.install()
    options.isCancelled = { Interrupt.requested }
    let store = try ledger.openForWriting()
    let started = Date()
    let progress: ((ImportProgress) -> Void)? =
      Terminal.stderrIsTerminal ? { Self.showProgress($0, since: started) } : nil
    let report: ImportReport
    do {
      report = try store.importFiles(files, options: options, progress: progress)
    } catch {
      // The progress line is cleared before any problem is printed.
      if Terminal.stderrIsTerminal { Terminal.writeProgress("") }
      if Interrupt.requested {
        throw CommandFailure(message: ImportInterruption.message, exitCode: 130)
      }
      throw Self.namingOptions(error)
    }
    if Terminal.stderrIsTerminal { Terminal.writeProgress("") }
    for file in report.files {
      let format =
        switch file.format {
        case ",": "comma-separated"
        case "\t": "tab-separated"
        default: file.format
        }
      Terminal.write(
        "\(file.file): \(file.rows) row\(file.rows == 1 ? "" : "s"); \(file.profileReason); \(file.encoding), \(format)\(Self.skipped(file))\n"
      )
    }
    // Once for all files: the same export's columns would repeat on every file's line.
    let ignored = report.ignoredColumns
    if !ignored.isEmpty {
      Terminal.write(
        "ignored columns: "
          + ignored.map { "\($0.name) (\(Self.reason($0)))" }.joined(separator: ", ") + "\n")
    }
    printSummary(report.summary, dryRun: dryRun)
  }

  /// The error with its command-line problems named by the option as typed (`--ignore`, where
  /// the library says `ignore`).
  static func namingOptions(_ error: any Error) -> any Error {
    guard case .invalidData(let problems) = error as? LedgerError else { return error }
    return LedgerError.invalidData(
      problems.map { problem in
        var named = problem
        if problem.location == .commandLine, problem.column == "ignore" {
          named.column = "--ignore"
        }
        return named
      })
  }

  /// Why a column was left out, in the command line's words: `--ignore` for one named with
  /// it, and how to read it instead where there is a way (`--gmv overall`).
  static func reason(_ column: IgnoredColumn) -> String {
    if column.asked { return "--ignore" }
    guard let remedy = column.remedy else { return column.reason }
    return column.reason + "; " + remedy.commandLineWords
  }

  /// "; skipped 2 title rows and 1 total row", or "" when none were.
  static func skipped(_ file: FileReport) -> String {
    func rows(_ n: Int, _ what: String) -> String? {
      n == 0 ? nil : "\(n) \(what) row\(n == 1 ? "" : "s")"
    }
    let parts = [rows(file.titleRows, "title"), rows(file.totalRows, "total")].compactMap { $0 }
    return parts.isEmpty ? "" : "; skipped " + parts.joined(separator: " and ")
  }

  static func showProgress(_ progress: ImportProgress, since start: Date) {
    let seconds = max(Date().timeIntervalSince(start), 0.001)
    let percent = progress.totalBytes > 0 ? 100 * progress.bytesRead / progress.totalBytes : 100
    let rate = Int(Double(progress.rows) / seconds)
    Terminal.writeProgress(
      "\(progress.file): \(progress.rows) rows, \(rate) rows/s, \(percent)%")
  }
}

/// Ctrl-C during an import: the handler only raises a flag, which the import checks between
/// batches of rows; it then throws, the transaction rolls back, and the command exits 130.
enum Interrupt {
  private static let flag = Atomic<Bool>(false)

  /// Whether SIGINT arrived since ``install()``.
  static var requested: Bool { flag.load(ordering: .relaxed) }

  /// Replaces SIGINT's default (ending the process at once) with raising the flag.
  static func install() {
    _ = requested  // initialises the flag before a signal can touch it
    signal(SIGINT) { _ in Interrupt.flag.store(true, ordering: .relaxed) }
  }
}

/// `aimt import --list-profiles`: every built-in profile with its headers (docs/exports.md).
enum ProfileListing {
  static func text(_ profiles: [HeaderProfile]) -> String {
    var text = ""
    for profile in profiles {
      text += "\(profile.name)\n"
      text += "  kind: \(profile.kind)\n"
      text += "  source: \(profile.source ?? "(a source column or --source)")\n"
      text += "  money unit: \(profile.moneyUnit.rawValue)"
      let units = profile.moneyUnits.sorted { $0.key < $1.key }.map {
        "\(profile.spellings[$0.key] ?? $0.key) in \($0.value.rawValue)"
      }
      text += units.isEmpty ? "\n" : " (\(units.joined(separator: ", ")))\n"
      text += "  description: \(profile.description)\n"
      var byColumn: [String: [String]] = [:]
      for (normalized, column) in profile.columns {
        byColumn[column, default: []].append(profile.spellings[normalized] ?? normalized)
      }
      let order = RecordKind(rawValue: profile.kind)?.profileColumns ?? []
      for column in byColumn.keys.sorted(by: {
        (order.firstIndex(of: $0) ?? .max, $0) < (order.firstIndex(of: $1) ?? .max, $1)
      }) {
        text += "  \(byColumn[column, default: []].sorted().joined(separator: ", ")) → \(column)\n"
      }
      if !profile.ignored.isEmpty {
        let ignored = profile.ignored.sorted().joined(separator: ", ")
        text += "  left out (not numbers of the ledger): \(ignored)\n"
      }
      text += "\n"
    }
    return text
  }
}
