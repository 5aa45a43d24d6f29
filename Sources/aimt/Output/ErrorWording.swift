import LedgerStore

extension LedgerError {
  /// The error as the command line says it: the library's facts, worded with aimt's own
  /// commands and options (the library's ``description`` names no command).
  var commandLineDescription: String {
    switch self {
    case .missingLedger(let path):
      "no ledger at \(path): create one with 'aimt init --db \(path)', "
        + "or point --db or AIMT_DB at an existing ledger"
    case .notALedger(let path):
      "\(path) is not an aimt ledger (not an SQLite database): "
        + "check the --db path, or restore the file from a backup"
    case .corrupt(let path):
      "the ledger \(path) is damaged: restore it from a backup ('aimt backup' makes one), "
        + "or try 'sqlite3 \(path) .recover'"
    case .otherDatabase(let path):
      "\(path) is an SQLite database but not an aimt ledger; aimt leaves it unchanged: "
        + "point --db or AIMT_DB at an aimt ledger, or create one under a new name with aimt init"
    case .needsUpgrade(let path, let pending):
      "the ledger \(path) was written by an older aimt (missing schema "
        + pending.joined(separator: ", ") + "): run 'aimt init --db \(path)' to upgrade it"
    case .emptyFile(let path):
      "cannot open the ledger \(path): the file is empty; 'aimt init --db \(path)' makes it a "
        + "ledger"
    default:
      description
    }
  }
}
