import Foundation
import Testing

// `aimt backup` on the real binary: the copy appears under its name whole or not at all, and
// every refusal names the backup, not the ledger.

/// The number in the first line of `sqlite3 DB SQL`.
private func count(_ cli: CLI, _ database: String, _ sql: String) throws -> Int {
  let text = try cli.sqlite3(database, sql).trimmingCharacters(in: .whitespacesAndNewlines)
  return Int(text) ?? -1
}

/// The names in the working folder that start with `prefix` or with `.prefix` (a temporary
/// copy), sorted.
private func files(_ cli: CLI, startingWith prefix: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: cli.folder)
    .filter { $0.hasPrefix(prefix) || $0.hasPrefix("." + prefix) }.sorted()
}

/// A demo ledger `big.db` (tens of thousands of metric rows) and its metric row count.
private func bigLedger() throws -> (CLI, Int) {
  let cli = try CLI()
  try cli.ok("demo", "--db", "big.db")
  let rows = try count(cli, "big.db", "SELECT count(*) FROM metric")
  try #require(rows > 10_000)
  return (cli, rows)
}

/// Starts `aimt backup NAME --db big.db`, sends `signal` after `delay` seconds, and waits.
private func interruptedBackup(
  _ cli: CLI, to name: String, after delay: Double, signal: Int32
) throws -> Int32 {
  let process = Process()
  process.executableURL = CLI.binary
  process.arguments = ["backup", name, "--db", "big.db"]
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  process.environment = signal == SIGKILL ? cli.environmentToKill() : CLI.environment
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  process.standardInput = FileHandle.nullDevice
  try process.run()
  if delay > 0 { Thread.sleep(forTimeInterval: delay) }
  kill(process.processIdentifier, signal)
  process.waitUntilExit()
  return process.terminationStatus
}

/// Either `name` does not exist, or it is a whole ledger that checks clean with `rows` metric
/// rows; nothing else is left under its name (no journal that would roll it back to empty).
private func expectNothingOrAWholeCopy(
  _ cli: CLI, _ name: String, rows: Int, sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let leftovers = try files(cli, startingWith: name).filter { !$0.hasPrefix(".") }
  guard FileManager.default.fileExists(atPath: cli.path(name)) else {
    #expect(leftovers.isEmpty, "\(leftovers)", sourceLocation: sourceLocation)
    return
  }
  #expect(leftovers == [name], "\(leftovers)", sourceLocation: sourceLocation)
  let check = try cli.run(["check", "--db", name])
  #expect(check.status == 0, "\(name): \(check.stderr)", sourceLocation: sourceLocation)
  #expect(
    try count(cli, name, "SELECT count(*) FROM metric") == rows, "\(name)",
    sourceLocation: sourceLocation)
}

/// `aimt backup` through the binary.
struct BackupTests {
  @Test func backupIntoAMissingFolderNamesTheFolder() throws {
    let cli = try CLI()
    try cli.ok("init")
    let result = try cli.run(["backup", "backups/x.db"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "aimt: error: cannot write the backup backups/x.db: the folder backups does not exist; "
        + "create it first\n")
    #expect(!FileManager.default.fileExists(atPath: cli.path("backups")))
  }

  @Test func backupOntoAnExistingFileRefusesAndLeavesItAlone() throws {
    let cli = try CLI()
    try cli.ok("init")
    try FileManager.default.createDirectory(
      atPath: cli.path("backups"), withIntermediateDirectories: false)
    try Data("keep me".utf8).write(to: URL(fileURLWithPath: cli.path("backups/x.db")))
    let result = try cli.run(["backup", "backups/x.db"])
    #expect(result.status == 65)
    #expect(
      result.stderr
        == "aimt: error: backups/x.db already exists; choose a new file name (aimt never overwrites)\n"
    )
    #expect(try String(contentsOfFile: cli.path("backups/x.db"), encoding: .utf8) == "keep me")
    #expect(try FileManager.default.contentsOfDirectory(atPath: cli.path("backups")) == ["x.db"])
    // A dangling symbolic link is a name in use too.
    try FileManager.default.createSymbolicLink(
      atPath: cli.path("backups/link.db"), withDestinationPath: "nowhere.db")
    let link = try cli.run(["backup", "backups/link.db"])
    #expect(link.status == 65)
    #expect(!FileManager.default.fileExists(atPath: cli.path("backups/nowhere.db")))
  }

  @Test func backupIsOneSelfContainedFileAndLeavesNoTemporaryFile() throws {
    let cli = try CLI()
    try cli.ok("init")
    try cli.ok("kol", "add", "dy1", "--name", "小美", "--followers", "1000", "--as-of", "2026-04-30")
    try cli.ok("backup", "copy.db")
    #expect(try files(cli, startingWith: "copy.db") == ["copy.db"])
    let attributes = try FileManager.default.attributesOfItem(atPath: cli.path("copy.db"))
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    #expect(try cli.sqlite3("copy.db", "PRAGMA journal_mode") == "wal\n")
    #expect(try cli.ok("kol", "list", "--db", "copy.db", "--format", "csv").stdout.contains("dy1"))
  }

  @Test(.timeLimit(.minutes(5)))
  func killedBackupLeavesNoFileOrAWholeCopyUnderItsName() throws {
    let (cli, rows) = try bigLedger()
    let clock = ContinuousClock()
    let elapsed = try clock.measure { try cli.ok("backup", "whole.db", "--db", "big.db") }
    try expectNothingOrAWholeCopy(cli, "whole.db", rows: rows)
    let whole = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    // From before the copy starts to after it is done; which of them land mid-copy varies.
    let delays = [0, 0.01, 0.02, 0.05, 0.25, 0.5, 0.75, 1, 1.5].map { $0 * whole }
    for (index, delay) in delays.enumerated() {
      let name = "killed\(index).db"
      _ = try interruptedBackup(cli, to: name, after: delay, signal: SIGKILL)
      try expectNothingOrAWholeCopy(cli, name, rows: rows)
    }
  }

  @Test(.timeLimit(.minutes(5)))
  func interruptedBackupRemovesItsTemporaryCopy() throws {
    let (cli, rows) = try bigLedger()
    let clock = ContinuousClock()
    let elapsed = try clock.measure { try cli.ok("backup", "whole.db", "--db", "big.db") }
    let whole = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    for (index, delay) in [0.1, 0.3, 0.5, 0.7, 0.9].map({ $0 * whole }).enumerated() {
      let name = "stopped\(index).db"
      let status = try interruptedBackup(cli, to: name, after: delay, signal: SIGINT)
      try expectNothingOrAWholeCopy(cli, name, rows: rows)
      // SIGINT (Ctrl-C) cleans up: no temporary copy is left behind either.
      #expect(
        try files(cli, startingWith: name).filter { $0.hasPrefix(".") }.isEmpty, "status \(status)")
    }
  }
}
