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
    case .interruptedWrite(let path):
      "the ledger \(path) was left mid-write by a program that was stopped (the \(path)-journal "
        + "beside it holds its pages as they were): run 'aimt init --db \(path)', which puts it "
        + "back as it was before that write"
    case .implausibleData(let message, let remedy):
      "\(message); \(remedy.commandLineWords)"
    default:
      description
    }
  }
}

extension Problem {
  /// The problem as the command line says it: its remedy worded with aimt's options.
  var commandLineDescription: String { described(remedy: remedy?.commandLineWords) }
}

extension CheckFinding {
  /// The finding as the command line says it: its remedy worded with aimt's commands.
  var commandLineDescription: String { described(remedy: remedy?.commandLineWords) }
}

extension Remedy {
  /// The remedy in aimt's own commands and options (the library's ``description`` names none).
  var commandLineWords: String {
    switch self {
    case .createMissing(let entity, let key, let byOtherID):
      if byOtherID {
        return "add the 抖音号 column, or pass --create-missing to create the KOL as '\(key)'"
      }
      return switch entity {
      case .kol:
        "add it first ('aimt kol add \(key)' or 'aimt import kols'), or pass --create-missing"
      case .video:
        "add it first ('aimt video add \(key) --kol-id …' or 'aimt import videos'), "
          + "or pass --create-missing"
      case .brand:
        "brands come with their videos (aimt video add … --brand \(key)), or pass --create-missing"
      }
    case .sumDuplicates:
      return "add a placement_id column to keep one row per order, or pass --sum-duplicates to "
        + "add them up"
    case .giveSource:
      return "fill in a source column or pass --source SOURCE"
    case .chooseProfile(let candidates, let column, let orSource):
      let choose =
        candidates.isEmpty
        ? "pass --profile PATH with your own mapping"
        : "choose one with --profile " + candidates.joined(separator: " or --profile ")
      return (column.map { "add the column \($0), or " } ?? "") + choose
        + (orSource
          ? "; or, if every row is of one source (a shop file's GMV is natural traffic), pass "
            + "--source SOURCE: a profile that reads more of this header needs one" : "")
    case .ignoreColumn(let column, let profile, let rename):
      return (rename ? "rename the header cell, " : "") + "pass --profile "
        + (profile ?? "PATH with a mapping for it") + ", or --ignore \(column) to import without it"
    case .keepOneColumn(let column):
      return "keep one with --ignore \(column), or pass --profile PATH"
    case .chooseEncoding(let encoding):
      return encoding == "utf-8"
        ? "re-save the file as \"csv utf-8\", or pass --encoding utf-8 to see where the utf-8 "
          + "is broken"
        : "if the file was saved as gbk/gb18030 (excel's chinese default), pass --encoding "
          + encoding
    case .chooseSheet(let sheets):
      return "the sheets are: " + Remedy.quoted(sheets) + "; pass --sheet NAME"
    case .chooseGMV(let gmv):
      return "drop --gmv or pass --gmv \(gmv)"
    case .importAs(let kind):
      return "run aimt import \(kind.rawValue), or pass --profile PATH that maps its columns"
    case .mapMaterials:
      return "add the mapping by importing a file that has both columns first (a 千川 material "
        + "report with 素材ID and 视频ID, or a CSV 'material_id,video_id,date,source' with "
        + "--profile generic), or give this file a 视频ID column"
    case .checkLedger(let correct, let narrow):
      return
        (correct
        ? "run 'aimt check' and correct the row with aimt log"
        : "run 'aimt check' to find the rows beyond the limits")
        + (narrow ? ", or narrow the report with --since, --brand or --kol" : "")
    case .addPlays:
      return "import the day's plays or correct it with aimt log"
    case .restoreSchema(let table):
      return table
        ? "restore the ledger from a backup ('aimt init' cannot rebuild a table's data)"
        : "run 'aimt init' to restore it"
    case .upgradeAgain:
      return "then run aimt init again"
    case .giveDate:
      return "add a date column (日期) or pass --as-of DATE"
    case .nameSale:
      return "name the sale: --promotion NAME or --sale-start YYYY-MM-DD"
    case .rebuildRunningSums(let checkFirst):
      return (checkFirst ? "run 'aimt check --deep', then " : "run ")
        + "'aimt init --rebuild-sums' to recompute them"
    }
  }
}
