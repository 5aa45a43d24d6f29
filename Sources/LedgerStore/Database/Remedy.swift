/// What the user can do about a problem, as facts.
///
/// A ``Problem``'s message (or an error's) says what is wrong; its remedy says which fix the
/// ledger suggests, with the names it needs. ``description`` words the remedy for any program;
/// the `aimt` command line words the same remedy with its own commands and options
/// (docs/internals.md, "Errors: facts in the library, words in the CLI").
public enum Remedy: Sendable, Hashable, CustomStringConvertible {
  /// A record that others refer to.
  public enum Entity: String, Sendable, Hashable {
    case kol, video, brand
  }

  /// Add the missing `entity` named `key` first, or let the write create missing records.
  /// `byOtherID`: the input names a KOL by its 星图ID or 达人UID and has no 抖音号 column; `key`
  /// is then the id the KOL would be created under.
  case createMissing(Entity, key: String, byOtherID: Bool = false)
  /// Give each order its own `placement_id`, or add up rows of one key instead of refusing them.
  case sumDuplicates
  /// Fill in a source column, or give one source for every row of the input.
  case giveSource
  /// Choose a header profile: one of `candidates`, or, when it is empty, a profile file of one's
  /// own that maps the columns. `addColumn`: adding this column also serves. `orSource`: giving
  /// one source for every row also serves (a profile that reads more of the header needs one).
  case chooseProfile(candidates: [String] = [], addColumn: String? = nil, orSource: Bool = false)
  /// Read the file with `profile`, which maps the header cell `column` (nil: a profile file of
  /// one's own), or import without the cell; `rename`: or rename the cell.
  case ignoreColumn(String, profile: String? = nil, rename: Bool = false)
  /// Two cells give one column: import without `ignoring`, or choose a profile.
  case keepOneColumn(ignoring: String)
  /// Read the file as `encoding` (`utf-8` or `gb18030`).
  case chooseEncoding(String)
  /// Read another of the workbook's `sheets`.
  case chooseSheet([String])
  /// Take the GMV (and order count) the file gives: `direct` or `overall`.
  case chooseGMV(String)
  /// The file reads better as `kind`: import it as that kind, or choose a profile.
  case importAs(RecordKind)
  /// Import the mapping of 千川 material ids to video ids first, or give the file a video id
  /// column.
  case mapMaterials
  /// Find the rows with the ledger's check; `correct`: then correct them with a logged change;
  /// `narrow`: or read fewer rows (a shorter window, one brand or KOL).
  case checkLedger(correct: Bool = false, narrow: Bool = false)
  /// Import the day's plays, or correct the row with a logged change.
  case addPlays
  /// Restore the schema: `table` (its data cannot be rebuilt) from a backup, an index or view
  /// by upgrading the ledger.
  case restoreSchema(table: Bool)
  /// Once the stored value is corrected, upgrade the ledger again.
  case upgradeAgain
  /// Add a date column, or give one day for every row of the input.
  case giveDate
  /// Name the sale a shortlist is for: a promotion of the ledger, or its first day.
  case nameSale
  /// Recompute the running sums from the daily metric rows (the table was changed outside
  /// aimt); `checkFirst`: find the videos with the deep check first.
  case rebuildRunningSums(checkFirst: Bool = false)

  /// The remedy in words for any program.
  public var description: String {
    switch self {
    case .createMissing(let entity, let key, let byOtherID):
      if byOtherID {
        return "add the 抖音号 column, or allow creating missing records to create the KOL as "
          + "'\(key)'"
      }
      return entity == .brand
        ? "brands come with their videos: add a video of it, or allow creating missing records"
        : "add it first, or allow creating missing records"
    case .sumDuplicates:
      return "add a placement_id column to keep one row per order, or allow summing duplicate "
        + "rows to add them up"
    case .giveSource:
      return "fill in a source column, or give one source for every row"
    case .chooseProfile(let candidates, let column, let orSource):
      let choose =
        candidates.isEmpty
        ? "choose a profile with your own mapping"
        : "choose the profile " + candidates.joined(separator: " or ")
      return (column.map { "add the column \($0), or " } ?? "") + choose
        + (orSource
          ? "; or, if every row is of one source (a shop file's GMV is natural traffic), give "
            + "that source: a profile that reads more of this header needs one" : "")
    case .ignoreColumn(let column, let profile, let rename):
      return (rename ? "rename the header cell, " : "") + "choose "
        + (profile.map { "the profile \($0)" } ?? "a profile that maps it")
        + ", or ignore the column \(column) to import without it"
    case .keepOneColumn(let column):
      return "keep one by ignoring the column \(column), or choose a profile"
    case .chooseEncoding(let encoding):
      return encoding == "utf-8"
        ? "re-save the file as \"csv utf-8\", or read it as utf-8 to see where the utf-8 is "
          + "broken"
        : "if the file was saved as gbk/gb18030 (excel's chinese default), read it as "
          + encoding
    case .chooseSheet(let sheets):
      return "the sheets are: " + Remedy.quoted(sheets) + "; choose one of them"
    case .chooseGMV(let gmv):
      return "choose the \(gmv) GMV"
    case .importAs(let kind):
      return "import it as \(kind.rawValue), or choose a profile that maps its columns"
    case .mapMaterials:
      return "add the mapping by importing a file that has both columns first (a 千川 material "
        + "report with 素材ID and 视频ID, or a CSV 'material_id,video_id,date,source' read "
        + "with the generic profile), or give this file a 视频ID column"
    case .checkLedger(let correct, let narrow):
      return "check the ledger to find "
        + (correct ? "the row, and correct it with a logged change" : "the rows beyond the limits")
        + (narrow ? ", or narrow the report to fewer days, a brand or a KOL" : "")
    case .addPlays:
      return "import the day's plays or correct the row with a logged change"
    case .restoreSchema(let table):
      return table
        ? "restore the ledger from a backup (upgrading cannot rebuild a table's data)"
        : "open the ledger for writing with create to restore it"
    case .upgradeAgain:
      return "then open the ledger for writing with create again"
    case .giveDate:
      return "add a date column (日期), or give one day for every row"
    case .nameSale:
      return "name the sale: a promotion of the ledger, or its first day"
    case .rebuildRunningSums(let checkFirst):
      return (checkFirst ? "run the deep check, then " : "")
        + "rebuild the running sums from the metric rows"
    }
  }

  /// `'a', 'b'`: names as a list quotes them.
  package static func quoted(_ names: [String]) -> String {
    names.map { "'\($0)'" }.joined(separator: ", ")
  }
}
