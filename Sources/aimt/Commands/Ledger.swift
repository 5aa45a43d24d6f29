import ArgumentParser
import LedgerImport
import LedgerStore

struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create the ledger, or upgrade it to this aimt's schema. Safe to run again.",
    discussion: "Example: aimt init --db brand.db")
  @OptionGroup var ledger: LedgerOptions
  @Flag(
    help: """
      Recompute the running sums the reports read from the daily metric rows: needed only after \
      the metric table was changed outside aimt ('aimt check --deep' says so).
      """)
  var rebuildSums = false
  @Flag(
    help: """
      Rewrite the ledger file with 16 KiB pages and no free space (SQLite's VACUUM): a ledger \
      made by an aimt before 2026-12 has 4 KiB pages, which reports over every video read more \
      slowly. Needs the ledger alone (no other aimt or sqlite3 has it open) and free disk \
      space about twice its size; an interrupted rewrite changes nothing.
      """)
  var repack = false

  func run() throws {
    let store = try Ledger.open(path: ledger.path, create: true)
    for object in try store.restoreSchemaObjects() {
      Terminal.write("restored \(object), which was missing or altered\n")
    }
    if repack {
      let done = try store.repack()
      Terminal.write(
        "repacked: pages \(done.pageSizeBefore / 1024) KiB -> \(done.pageSizeAfter / 1024) KiB, "
          + "file \(Self.size(done.bytesBefore)) -> \(Self.size(done.bytesAfter))\n")
    }
    if rebuildSums {
      let (videos, days) = try store.rebuildRunningSums()
      func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
      Terminal.write(
        videos == 0 && days == 0
          ? "running sums: all agree with the metric rows\n"
          : "running sums: recomputed; \(count(videos, "video")) and \(count(days, "day")) had "
            + "differed\n")
    }
    let migrations = try store.appliedMigrations()
    Terminal.write(
      "ledger \(ledger.path) ready (schema \(migrations.last ?? "none"), "
        + "\(migrations.count) migration\(migrations.count == 1 ? "" : "s"))\n")
    let pageSize = try store.filePageSize()
    if pageSize < Ledger.pageSize {
      Terminal.write(
        "note: its pages are \(pageSize / 1024) KiB (an earlier aimt's); reports over every video "
          + "read 16 KiB pages faster: 'aimt init --repack --db \(ledger.path)' rewrites it\n")
    }
  }

  /// A file size as a user reads it: bytes, or KiB, MiB, GiB with one decimal.
  static func size(_ bytes: Int64) -> String {
    for (unit, scale) in [("GiB", Int64(1) << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
    where bytes >= scale {
      let tenths = (bytes * 10 + scale / 2) / scale
      return "\(tenths / 10).\(tenths % 10) \(unit)"
    }
    return "\(bytes) bytes"
  }
}

struct Config: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Read or change the ledger's settings (CPM price, ROI floor, tiers, …).",
    subcommands: [Get.self, Set.self])

  struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "get",
      abstract: "Print one setting, or all of them with their meaning.",
      discussion: "Example: aimt config get cpm_price")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A setting's key; omit to list all.") var key: String?

    func run() throws {
      let store = try ledger.openForReading()
      if let key {
        Terminal.write(try store.setting(key) + "\n")
        return
      }
      var table = OutputTable(columns: ["key", "value", "default", "meaning"].map(Column.init))
      for (setting, value, _) in try store.settings() {
        table.append([
          .text(setting.key), .text(value), .text(setting.defaultValue), .text(setting.summary),
        ])
      }
      try output.emit(table)
    }
  }

  struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set",
      abstract: "Change a setting of this ledger.",
      discussion: "Example: aimt config set roi_floor 0.8")
    @OptionGroup var ledger: LedgerOptions
    @Argument var key: String
    @Argument var value: String

    func run() throws {
      let store = try ledger.openForWriting()
      try store.setSetting(key, value)
      Terminal.write("\(key) = \(try store.setting(key))\n")
    }
  }
}

struct Log: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "log",
    abstract: "Record (or correct) one day's numbers of a video and source by hand.",
    discussion: """
      Only the numbers given are written; a changed value is kept in the history. \
      Money is yuan. The row is read as an imported row is, and every problem in \
      it is listed at once.
      Example: aimt log 2026-05-01 v1 natural --impressions 250000 --gmv 20000
      """)
  @OptionGroup var ledger: LedgerOptions
  // DATE, SOURCE and the numbers are text, parsed as an imported row's cells are, so that every
  // problem of the row is listed at once (exit 65), as an import lists them.
  @Argument(help: "The day, YYYY-MM-DD.") var date: String
  @Argument(help: "The video id.") var videoID: String
  @Argument(
    help: ArgumentHelp(
      "natural or a tool: dou_plus, content_service, kol_bidding, suixintui, qianchuan, "
        + "feed_ad, uni_desk or jd_coads (or 自然流量, DOU+, 千川, … as the exports spell them)."))
  var source: String
  // The numbers take the next word even when it starts with '-' (`--gmv -1`), so a negative
  // value gets the ledger's own message instead of argument-parser's "Missing value".
  @Option(parsing: .unconditional, help: "Impressions (plays) that day.") var impressions: String
  @Option(help: "The order id, when the numbers belong to one order.") var placementID: String?
  @Option(parsing: .unconditional, help: "Spend in yuan.") var cost: String?
  @Option(parsing: .unconditional, help: "GMV in yuan.") var gmv: String?
  @Option(parsing: .unconditional) var orders: String?
  @Option(parsing: .unconditional) var likes: String?
  @Option(parsing: .unconditional) var comments: String?
  @Option(parsing: .unconditional) var shares: String?
  @Option(parsing: .unconditional) var follows: String?
  @Option(parsing: .unconditional, help: "Refunds on that day's GMV, in yuan (kept beside it).")
  var refund: String?
  @Flag(name: .long, help: "Create the video if it does not exist yet.") var createMissing = false

  func run() throws {
    let store = try ledger.openForWriting()
    do {
      let summary = try store.enter(
        .metrics,
        fields: fields([
          "date": date, "video_id": videoID, "source": source, "placement_id": placementID,
          "impressions": impressions, "cost": cost, "gmv": gmv, "orders": orders,
          "likes": likes, "comments": comments, "shares": shares, "follows": follows,
          "refund": refund,
        ]),
        command: "log", options: WriteOptions(createMissing: createMissing))
      printSummary(summary)
    } catch {
      guard case .invalidData(let problems) = error else { throw error }
      // The positional arguments are named as the usage line names them.
      let positional = ["date": "DATE", "video_id": "VIDEO_ID", "source": "SOURCE"]
      throw LedgerError.invalidData(
        problems.map { problem in
          var renamed = problem
          renamed.column = positional[problem.column] ?? problem.column
          return renamed
        })
    }
  }
}

struct History: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract:
      "Show every change to a video's fields and daily numbers, with the write that made it.",
    discussion: "Example: aimt history v1 --date 2026-05-01")
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var output: OutputOptions
  @Argument var videoID: String
  @Option(help: ArgumentHelp("Only this day's numbers.", valueName: "YYYY-MM-DD")) var date: Day?

  func run() throws {
    try output.emit(
      Tables.revisions(
        try ledger.openForReading().history(
          videoID: TextNormalization.normalized(videoID), date: date)))
  }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Verify the ledger: SQLite integrity, foreign keys and every ledger rule.",
    discussion: """
      Prints nothing and exits 0 when all is well; lists each violation and exits 65. \
      Warnings (GMV on a day with 0 impressions of its source) are printed and exit 0. \
      --deep also replays every field's revision history against the stored values (a change \
      made outside aimt shows) and compiles every view.
      Example: aimt check --db brand.db && echo ok
      """)
  @OptionGroup var ledger: LedgerOptions
  @Flag(help: "Also recompute what the raw rows and their history determine (slower).")
  var deep = false

  func run() throws {
    let store = try ledger.openForReading()
    let findings = try store.check(deep: deep)
    // Warnings (exit 0): data that breaks no rule but misleads a number.
    for warning in try store.checkWarnings() {
      Terminal.writeError("\(ledger.path): warning: \(warning.commandLineDescription)\n")
    }
    guard !findings.isEmpty else { return }
    for finding in findings {
      Terminal.writeError("\(ledger.path): \(finding.commandLineDescription)\n")
    }
    throw CommandFailure(
      message: "check found \(findings.count) problem\(findings.count == 1 ? "" : "s")",
      exitCode: 65)
  }
}

struct Backup: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Copy the ledger to a new file, consistently, even while others write to it.",
    discussion: """
      The copy is written under a temporary name beside FILE \
      (.FILE.aimt-tmp-XXXXXX) and renamed when it is whole, so FILE is either a \
      complete ledger or not there at all; Ctrl-C removes the temporary file.
      Example: aimt backup backups/brand-2026-05-01.db
      """)
  @OptionGroup var ledger: LedgerOptions
  @Argument(help: "The new file (never overwritten).") var file: String

  func run() throws {
    let store = try Ledger.openReadOnly(path: ledger.path, anySchema: true)
    do throws(LedgerError) {
      try store.backup(to: file)
    } catch {
      // The file name is taken: a problem with the command line, said in one sentence.
      guard case .invalidData(let problems) = error else { throw error }
      throw CommandFailure(
        message: "error: " + problems.map(\.message).joined(separator: "; "), exitCode: 65)
    }
    Terminal.write("backed up \(ledger.path) to \(file)\n")
  }
}
