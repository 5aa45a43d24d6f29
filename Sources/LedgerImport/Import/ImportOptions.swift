import Foundation
public import LedgerStore

// What an import is asked to do (options) and what it tells (reports); the import itself is
// Importer.swift (the files of one write), FileImport.swift (one file) and
// FileImport+Header.swift (its header and profile).

/// Which header profile reads a file: detected from the header, named, or a user's own file.
public enum ProfileChoice: Sendable, Equatable {
  case auto
  case named(String)
  case file(String)

  /// Reads `--profile`: `auto`, a built-in name (`generic` means the kind's generic profile),
  /// or a path (anything with a `/` or ending in `.json`).
  public init(argument: String) {
    if argument == "auto" {
      self = .auto
    } else if argument.contains("/") || argument.hasSuffix(".json") {
      self = .file(argument)
    } else {
      self = .named(argument)
    }
  }
}

/// How `aimt import` reads and writes.
public struct ImportOptions: Sendable {
  public var kind: RecordKind
  public var profile: ProfileChoice = .auto
  public var encoding: TextEncodingChoice = .auto
  /// The source of metric rows in files without a source column.
  public var source: Source?
  public var write = WriteOptions()
  /// The command each import batch records: `import`, or `demo` for the demo's generated files
  /// (which is how `aimt demo` knows a ledger it may replace).
  public var command = "import"
  /// Record each batch's file by its name alone (`metrics.csv`) instead of the path given, for
  /// files read from a temporary folder that will not exist later.
  public var recordsFileNameOnly = false
  /// Header cells to leave out (`--ignore`), as the files write them or normalised; each must
  /// be in some file's header.
  public var ignoredColumns: [String] = []
  /// The sheet of a workbook (`.xlsx`) to read (`--sheet`); nil reads the first.
  ///
  /// Text files have no sheets and ignore it.
  public var sheet: String?
  /// The day of KOL rows that carry none (`--as-of`): a 星图 quote needs one.
  public var asOf: Day?
  /// Which of a 千川 file's two GMVs (and order counts) is `gmv` (`--gmv`); nil: the default,
  /// direct (docs/decisions.md, "Direct or overall GMV").
  public var gmv: GMVChoice?
  /// Asked between batches of rows: true stops the import, which then writes nothing and
  /// throws ``ImportInterruption/message`` (Ctrl-C).
  public var isCancelled: (@Sendable () -> Bool)?
  /// Rows in a sorted run of a metrics file (nil: the default); tests make it small.
  package var sortRunRows: Int?
  /// Rows of sorted runs merged as a group while reading goes on (nil: the default).
  package var sortGroupRows: Int?
  /// The folder of the temporary file of sorted runs (nil: `TMPDIR`'s).
  package var spillDirectory: String?
  /// The most rows that file takes, as if the disk were full past them (nil: no limit).
  package var spillRowLimit: Int?
  /// The most bytes the temporary file of deferred running rows takes (nil: no limit).
  package var deferredRunningByteLimit: Int?

  /// Options for importing files of `kind` with everything else at its default.
  public init(kind: RecordKind) { self.kind = kind }
}

/// Which GMV of a 千川 file that gives both is the row's `gmv` (`--gmv`).
public enum GMVChoice: String, Sendable, CaseIterable {
  /// 直接成交金额 / `pay_order_amount`: orders placed from the ad itself (the default).
  case direct
  /// 整体成交金额: the ad's orders and those it is credited with through other paths.
  case overall
}

/// Where an import is, for a progress line.
public struct ImportProgress: Sendable {
  public var file: String
  public var rows: Int
  public var bytesRead: Int
  public var totalBytes: Int
}

/// What was read from one file.
public struct FileReport: Sendable, Equatable {
  public var file: String
  public var profile: String
  /// Why this profile was chosen (for `auto`).
  public var profileReason: String
  public var encoding: String
  public var format: String
  public var rows: Int
  /// Title and note rows above the header that were skipped (docs/decisions.md, "Title and
  /// total rows").
  public var titleRows = 0
  /// Total rows (`合计`, `Total`) at the end of the table that were skipped.
  public var totalRows = 0
  /// Header cells the profile does not map (kept out of the ledger).
  public var ignoredColumns: [String] { ignored.map(\.name) }
  /// The same with the reason each is left out.
  public var ignored: [IgnoredColumn]
}

/// What an import did: per file, and the write's counts per kind.
public struct ImportReport: Sendable, Equatable {
  public var files: [FileReport]
  public var summary: WriteSummary

  /// The header cells left out of the import, each once however many files carry it.
  public var ignoredColumns: [IgnoredColumn] {
    var seen: Set<IgnoredColumn> = []
    return files.flatMap(\.ignored).filter { seen.insert($0).inserted }
  }
}

/// How an interrupted import ends (``ImportOptions/isCancelled``).
package enum ImportInterruption {
  /// What the error of an interrupted import says.
  package static let message = "interrupted: nothing was written"
}

/// Thrown inside the write to roll an interrupted import back.
struct ImportInterrupted: Error {}
