import Foundation
import Testing

/// The bytes and modification time of a file: what a read command must leave alone.
private func fingerprint(_ path: String) throws -> (Data, Date?) {
  let data = try Data(contentsOf: URL(fileURLWithPath: path))
  let attributes = try FileManager.default.attributesOfItem(atPath: path)
  return (data, attributes[.modificationDate] as? Date)
}

/// Every command that only reads, with the arguments it needs on the small demo ledger.
private let readCommands: [[String]] = [
  ["report", "roi"], ["report", "roi", "--series", "--format", "table"],
  ["report", "roi", "--by", "kol"], ["report", "spend", "--by", "tool"],
  ["report", "5a", "--brand", "山茶花"], ["report", "html", "--brand", "山茶花", "-o", "-"],
  ["shortlist", "--promotion", "618-2026"], ["advise"], ["video", "show", "v1001"],
  ["video", "list"], ["kol", "list"], ["kol", "show", "dy_xiaomei"], ["placement", "list"],
  ["promotion", "list"], ["promotion", "show", "618-2026"], ["history", "v1001"], ["check"],
  ["check", "--deep"], ["config", "get"], ["sql", "SELECT count(*) FROM metric"],
  ["plan", "--budget", "1000000"], ["backtest", "shortlist", "--promotion", "520-2026"],
  ["backtest", "advice", "--since", "2026-05-20", "--until", "2026-05-21"],
  ["shortlist", "--promotion", "618-2026", "--budget", "2000000"],
]

@Test func everyReadCommandLeavesTheLedgerFileByteForByteUnchanged() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "40", "--days", "40")
  let before = try fingerprint(cli.path("d.db"))
  for command in readCommands {
    let result = try cli.run(command + ["--db", "d.db"])
    #expect(result.status == 0, "\(command): \(result.stderr)")
    let after = try fingerprint(cli.path("d.db"))
    #expect(after.0 == before.0, "aimt \(command.joined(separator: " ")) changed the ledger")
    #expect(after.1 == before.1, "aimt \(command.joined(separator: " ")) touched its mtime")
  }
  // The backup reads the ledger too.
  try cli.ok("backup", cli.path("copy.db"), "--db", "d.db")
  #expect(try fingerprint(cli.path("d.db")).0 == before.0)
}

@Test func aReadDoesNotUpgradeAnOlderLedgerButSaysToRunInit() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "20", "--days", "20")
  _ = try cli.sqlite3("d.db", "DELETE FROM grdb_migrations WHERE identifier = '0002_analyst_views'")
  _ = try cli.sqlite3("d.db", "DROP VIEW video_daily; DROP VIEW audience_5a")
  let before = try fingerprint(cli.path("d.db")).0
  for command in [["report", "spend"], ["check"], ["kol", "list"]] {
    let result = try cli.run(command + ["--db", "d.db"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("run 'aimt init --db d.db' to upgrade it"), "\(result.stderr)")
  }
  #expect(try fingerprint(cli.path("d.db")).0 == before)
  // A backup before the upgrade is what a careful user makes: it works on the older ledger.
  try cli.ok("backup", "before-upgrade.db", "--db", "d.db")
  #expect(try fingerprint(cli.path("d.db")).0 == before)
  try cli.ok("init", "--db", "d.db")
  try cli.ok("report", "spend", "--db", "d.db")
}

@Test func aHandEditedMigrationRecordIsExplainedNotReportedAsARawSQLiteError() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "20", "--days", "20")
  _ = try cli.sqlite3("d.db", "DELETE FROM grdb_migrations WHERE identifier = '0002_analyst_views'")
  let result = try cli.run(["init", "--db", "d.db"])
  #expect(result.status == 1)
  #expect(result.stderr.contains("grdb_migrations"))
  #expect(result.stderr.contains("INSERT INTO grdb_migrations VALUES ('0002_analyst_views')"))
}

@Test func aPathThatIsNotALedgerFileIsRefusedBeforeSQLiteOpensIt() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "10", "--days", "10")
  _ = try cli.sqlite3("other.db", "CREATE TABLE t (x)")
  #expect(FileManager.default.createFile(atPath: cli.path("zero.db"), contents: Data()))
  #expect(mkfifo(cli.path("fifo"), 0o600) == 0)
  let cases: [(String, String)] = [
    ("/dev/null", "not a regular file"), (cli.path("fifo"), "not a regular file"),
    (cli.folder, "it is a folder"), ("other.db", "not an aimt ledger"),
    ("zero.db", "the file is empty"), ("none.db", "no ledger at none.db"),
  ]
  for (path, message) in cases {
    for command in [
      ["report", "spend"], ["check"], ["log", "2026-05-01", "v1", "natural", "--impressions", "1"],
    ] {
      let result = try cli.run(command + ["--db", path])
      #expect(result.status == 1, "\(command) \(path)")
      #expect(result.stderr.contains(message), "\(command) \(path): \(result.stderr)")
    }
  }
  #expect(
    try cli.sqlite3("other.db", ".tables").trimmingCharacters(in: .whitespacesAndNewlines) == "t")
  #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal"))
  #expect(!FileManager.default.fileExists(atPath: cli.path("none.db")))
  let zero = try FileManager.default.attributesOfItem(atPath: cli.path("zero.db"))
  #expect((zero[.size] as? Int) == 0)
  // init alone makes an empty file a ledger; an SQLite file of another program stays as it is.
  try cli.ok("init", "--db", "zero.db")
  #expect(try cli.run(["init", "--db", "other.db"]).status == 1)
}

@Test func aReadRunsWhileAnotherProcessHoldsTheWriteLock() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "10", "--days", "10")
  // sqlite3 holds a write transaction open (and says so with a file) while aimt reads.
  let holder = Process()
  holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  holder.arguments = [
    "sqlite3", cli.path("d.db"), "BEGIN IMMEDIATE;", "INSERT INTO setting VALUES ('x', 'y');",
    ".shell touch '\(cli.path("locked"))'; while [ ! -e '\(cli.path("done"))' ]; do sleep 0.05; done",
    "COMMIT;",
  ]
  holder.standardOutput = FileHandle.nullDevice
  holder.standardError = FileHandle.nullDevice
  try holder.run()
  defer {
    _ = FileManager.default.createFile(atPath: cli.path("done"), contents: Data())
    holder.waitUntilExit()
  }
  // Wait until the lock is really held, however long that takes on a loaded machine.
  while holder.isRunning && !FileManager.default.fileExists(atPath: cli.path("locked")) {
    usleep(10_000)
  }
  #expect(holder.isRunning)
  let result = try cli.run(["report", "spend", "--db", "d.db"])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(holder.isRunning, "the write lock was released before the read ran")
}

/// A ledger as aimt wrote it before schema 0003: the first two migrations, run by sqlite3.
private func ledgerOfSchema0002(_ cli: CLI, extra: String) throws {
  let migrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations")
  var sql = "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);\n"
  for name in ["0001_ledger", "0002_analyst_views"] {
    sql += try String(
      contentsOf: migrations.appendingPathComponent(name + ".sql"), encoding: .utf8)
    sql += "\nINSERT INTO grdb_migrations VALUES ('\(name)');\n"
  }
  sql += """
    INSERT INTO import_batch (batch_id, command, kind, created_at)
      VALUES (1, 'log', 'metrics', '2026-05-01 00:00:00');
    INSERT INTO kol (kol_id) VALUES ('k1');
    INSERT INTO video (id, video_id, kol_id) VALUES (1, 'v1', 'k1');
    INSERT INTO metric (video_ref, day, source, impressions, gmv, batch_id)
      VALUES (1, 20574, 0, 250000, 2000000, 1);
    PRAGMA journal_mode = WAL;
    """ + extra
  _ = try cli.sqlite3("old.db", sql)
}

@Test func initUpgradesALedgerOfAnOlderSchemaKeepingEveryRow() throws {
  let cli = try CLI()
  try ledgerOfSchema0002(cli, extra: "")
  // Writes refuse too: only init upgrades.
  let log = try cli.run([
    "log", "2026-05-02", "v1", "natural", "--impressions", "1", "--db", "old.db",
  ])
  #expect(log.status == 1)
  #expect(log.stderr.contains("missing schema 0003_strict_numbers"))
  try cli.ok("init", "--db", "old.db")
  #expect(try cli.sqlite3("old.db", "SELECT impressions, gmv FROM metric") == "250000|2000000\n")
  #expect(
    try cli.sqlite3("old.db", "SELECT sql LIKE '%STRICT%' FROM sqlite_schema WHERE name = 'metric'")
      == "1\n")
  try cli.ok("check", "--deep", "--db", "old.db")
  let roi = try cli.ok(
    "report", "roi", "--window", "1", "--as-of", "2026-05-01", "--db", "old.db", "--format",
    "csv")
  #expect(roi.stdout.contains("v1,250000,20000.00,80.00,40.00,2.00"))
}

@Test func anUpgradeStopsOnAValueStoredByHandThatIsTextAndChangesNothing() throws {
  let cli = try CLI()
  try ledgerOfSchema0002(cli, extra: "\nUPDATE metric SET impressions = 'abc';")
  let before = try Data(contentsOf: URL(fileURLWithPath: cli.path("old.db")))
  let result = try cli.run(["init", "--db", "old.db"])
  #expect(result.status == 1)
  #expect(result.stderr.contains("stopped, changing nothing: a stored value is not a whole number"))
  #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("old.db"))) == before)
  #expect(
    try cli.sqlite3("old.db", "SELECT identifier FROM grdb_migrations ORDER BY 1")
      == "0001_ledger\n0002_analyst_views\n")
}
