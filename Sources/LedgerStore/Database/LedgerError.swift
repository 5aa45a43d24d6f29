/// Where a problem was found: a line of an input file, or an argument of the command line.
public struct SourceLocation: Sendable, Hashable {
  /// The input file's path as the user typed it; `nil` for the command line.
  public var file: String?
  /// The 1-based line in `file` (the header is line 1); `nil` for the command line.
  public var line: Int?

  /// A line of an input file.
  public init(file: String, line: Int) {
    self.file = file
    self.line = line
  }

  /// The command line: problems are reported against the argument's name.
  public static let commandLine = SourceLocation()

  private init() {
    file = nil
    line = nil
  }

  /// A problem found at this location in `column` (a column key, or an option like `--cost`).
  public func problem(_ column: String, _ message: String) -> Problem {
    Problem(location: self, column: column, message: message)
  }

  /// A problem found at this location in `column`, with what to do about it.
  package func problem(_ column: String, _ message: String, remedy: Remedy?) -> Problem {
    Problem(location: self, column: column, message: message, remedy: remedy)
  }
}

extension SourceLocation {
  /// The `file` of a location inside a sheet of a workbook, whose line is the sheet's row
  /// number: it prints as `FILE:SHEET!A12` (a cell, `column` letters given) or
  /// `FILE:SHEET!12` (a row) where other files print `FILE:LINE` (docs/decisions.md, "xlsx").
  package static func sheetFile(_ file: String, sheet: String, column: String = "") -> String {
    "\(file):\(sheet)!\(column)\(sheetMark)"
  }

  /// `FILE:LINE`, or `FILE:SHEET!A12` for a ``sheetFile(_:sheet:column:)``.
  package static func place(file: String, line: Int) -> String {
    file.last == sheetMark ? "\(file.dropLast())\(line)" : "\(file):\(line)"
  }

  /// Ends a sheet's `file`: NUL, which no path holds.
  private static let sheetMark: Character = "\u{0}"
}

/// One thing wrong with the user's data, printed as `FILE:LINE: column: message`
/// (or `column: message` for the command line).
public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
  /// Where it was found.
  public var location: SourceLocation
  /// The column key or option name.
  public var column: String
  /// What is wrong (and what to do, when no ``remedy`` says it), lowercase.
  public var message: String
  /// The fix the ledger suggests, if any: ``description`` words it after the message, and the
  /// `aimt` command line words it with its own options.
  public var remedy: Remedy?

  /// A problem at `location`, with the fix the ledger suggests (`remedy`), if any.
  ///
  /// A message quoting a huge value (a 200 kB field) keeps its start and its end, where the
  /// advice is, and says how much it left out, so one bad cell cannot flood a terminal.
  public init(location: SourceLocation, column: String, message: String, remedy: Remedy? = nil) {
    self.location = location
    self.column = Problem.shortened(column, limit: 120)
    self.message = Problem.shortened(message, limit: Problem.maxMessageCharacters)
    self.remedy = remedy
  }

  /// The longest message kept whole, in characters.
  public static let maxMessageCharacters = 400

  /// `text` itself, or its first and last `limit / 2` characters around a note of how many
  /// were left out.
  static func shortened(_ text: String, limit: Int) -> String {
    guard text.count > limit else { return text }
    let kept = limit / 2
    return text.prefix(kept) + " … (\(text.count - 2 * kept) characters left out) … "
      + text.suffix(kept)
  }

  /// `FILE:LINE: column: message; remedy`, the remedy in words for any program.
  public var description: String { described(remedy: remedy?.description) }

  /// The problem with `remedy` (its words) after the message: how each program words its fix.
  ///
  /// Words quoting a huge value (a sheet's or a column's name) are shortened as messages are.
  package func described(remedy: String?) -> String {
    let said =
      remedy.map { "\(message); \(Problem.shortened($0, limit: Problem.maxMessageCharacters))" }
      ?? message
    if let file = location.file, let line = location.line {
      return "\(SourceLocation.place(file: file, line: line)): \(column): \(said)"
    }
    return "\(column): \(said)"
  }
}

/// Everything that can go wrong with a ledger, as a user needs to hear it.
///
/// The CLI prints ``description`` and maps ``isDataError`` to exit status 65 (bad input data)
/// and everything else to 1. No case carries a raw SQLite message as its only explanation.
public enum LedgerError: Error, Sendable, CustomStringConvertible {
  /// The input data is wrong; every problem found, in input order. Nothing was written.
  case invalidData([Problem])
  /// No ledger file at the path.
  case missingLedger(path: String)
  /// The file exists but is not an SQLite database (or is damaged beyond opening).
  case notALedger(path: String)
  /// SQLite reports the file as damaged.
  case corrupt(path: String)
  /// The file is an SQLite database, but not an aimt ledger: aimt leaves it alone.
  case otherDatabase(path: String)
  /// The ledger was written by a newer aimt: it has migrations this binary does not know.
  case newerSchema(path: String, unknown: [String])
  /// The ledger was written by an older aimt: `aimt init` upgrades it (reads never do).
  case needsUpgrade(path: String, pending: [String])
  /// The file or its folder cannot be written.
  case readOnly(path: String)
  /// Another process held the write lock for longer than the busy timeout.
  case busy(path: String)
  /// Another process has the ledger open where a command needs it alone (``Ledger/repack()``).
  case inUse(path: String)
  /// A write outside WAL mode (``Ledger/repack()``) was stopped midway: its journal beside the
  /// ledger must be rolled back by a write open before anything reads the ledger.
  case interruptedWrite(path: String)
  /// The file cannot be opened or created at all.
  case cannotOpen(path: String, reason: String)
  /// A zero-byte file where a ledger was expected: creating a ledger there makes it one.
  case emptyFile(path: String)
  /// A named entity that the command needs does not exist; `known` lists the ones that do
  /// when they are few enough to read (brands).
  case notFound(entity: String, key: String, known: [String] = [])
  /// The ad-hoc SQL of `aimt sql` was refused by SQLite.
  case sql(message: String)
  /// The ledger holds values aimt never writes (changed outside aimt): `message` says what was
  /// found, `remedy` how to find and correct them.
  case implausibleData(message: String, remedy: Remedy)
  /// An unexpected SQLite failure; `message` includes what aimt was doing.
  case storage(message: String)

  /// True for errors caused by the user's data (exit status 65).
  public var isDataError: Bool {
    switch self {
    case .invalidData, .notFound: true
    default: false
    }
  }

  /// What went wrong and what to do, in words for any program; the `aimt` command line words
  /// the same facts with its own commands (`aimt init --db PATH`).
  public var description: String {
    switch self {
    case .invalidData(let problems):
      return problems.map(\.description).joined(separator: "\n")
    case .missingLedger(let path):
      return "no ledger at \(path): create one there, or open an existing ledger"
    case .notALedger(let path):
      return "\(path) is not an aimt ledger (not an SQLite database): "
        + "check the path, or restore the file from a backup"
    case .corrupt(let path):
      return "the ledger \(path) is damaged: restore it from a backup, "
        + "or try 'sqlite3 \(path) .recover'"
    case .otherDatabase(let path):
      return "\(path) is an SQLite database but not an aimt ledger; aimt leaves it unchanged: "
        + "open an aimt ledger, or create one under a new name"
    case .needsUpgrade(let path, let pending):
      return "the ledger \(path) was written by an older aimt (missing schema "
        + pending.joined(separator: ", ") + "): open it for writing with create to upgrade it"
    case .newerSchema(let path, let unknown):
      return "the ledger \(path) was written by a newer aimt (schema "
        + unknown.joined(separator: ", ") + "): upgrade aimt to use it"
    case .readOnly(let path):
      return "the ledger \(path) is read-only: aimt needs to write the file and its folder "
        + "(SQLite keeps a -wal file beside it); check their permissions"
    case .busy(let path):
      return "the ledger \(path) is busy: another aimt is writing to it; try again in a moment"
    case .interruptedWrite(let path):
      return "the ledger \(path) was left mid-write by a program that was stopped (the "
        + "\(path)-journal beside it holds its pages as they were): open it for writing once, "
        + "which puts it back as it was before that write"
    case .inUse(let path):
      return "the ledger \(path) is open in another program (a report, an import, a backup, "
        + "sqlite3): repacking rewrites the whole file and needs it alone; nothing was changed, "
        + "try again when that has ended"
    case .cannotOpen(let path, let reason):
      return "cannot open the ledger \(path): \(reason)"
    case .emptyFile(let path):
      return "cannot open the ledger \(path): the file is empty; creating a ledger there "
        + "makes it one"
    case .notFound(let entity, let key, let known):
      guard !known.isEmpty else { return "no \(entity) '\(key)' in the ledger" }
      return "no \(entity) '\(key)' in the ledger; the \(entity)s are: "
        + known.joined(separator: ", ")
    case .sql(let message):
      return "sql: \(message)"
    case .implausibleData(let message, let remedy):
      return "\(message); \(remedy)"
    case .storage(let message):
      return message
    }
  }
}
