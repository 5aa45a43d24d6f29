import Foundation
import Testing

// Crash safety (SIGKILL during an import) and concurrent writers, on the real binary.

/// A metrics file of `videos` × `days` natural rows (videos created by `--create-missing`).
private func writeMetrics(_ cli: CLI, name: String, videos: Int, days: Int) throws -> Int {
  var text = "date,video_id,source,impressions,gmv,likes,comments\n"
  text.reserveCapacity(videos * days * 48)
  for video in 0..<videos {
    for day in 1...days {
      let date = "2026-0\(day <= 31 ? 3 : 4)-\(String(format: "%02d", day <= 31 ? day : day - 31))"
      text += "\(date),v\(video),natural,\(1000 + video * 7 + day),\(video % 90).\(day % 10)0,"
      text += "\(day),\(video % 5)\n"
    }
  }
  try Data(text.utf8).write(to: URL(fileURLWithPath: cli.path(name)))
  return videos * days
}

/// Starts `aimt ARGS` in the working folder without waiting for it.
private func start(_ cli: CLI, _ arguments: [String]) throws -> Process {
  let process = Process()
  process.executableURL = CLI.binary
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  process.standardInput = FileHandle.nullDevice
  try process.run()
  return process
}

/// The number in the first line of `sqlite3 DB SQL`.
private func count(_ cli: CLI, _ database: String, _ sql: String) throws -> Int {
  let text = try cli.sqlite3(database, sql).trimmingCharacters(in: .whitespacesAndNewlines)
  return Int(text) ?? -1
}

@Test(.timeLimit(.minutes(5)))
func importKilledAtAnyMomentLeavesAllOrNothingAndTheSameImportThenSucceeds() throws {
  let cli = try CLI()
  try cli.ok("init", "--db", "base.db")
  let rows = try writeMetrics(cli, name: "metrics.csv", videos: 600, days: 60)
  let arguments = ["import", "metrics", "metrics.csv", "--create-missing", "--db", "victim.db"]
  func fresh() throws {
    for suffix in ["", "-wal", "-shm"] {
      try? FileManager.default.removeItem(atPath: cli.path("victim.db" + suffix))
    }
    try FileManager.default.copyItem(atPath: cli.path("base.db"), toPath: cli.path("victim.db"))
  }

  // How long a whole import takes here, to spread the kills over it.
  try fresh()
  let clock = ContinuousClock()
  let elapsed = try clock.measure { try cli.ok(arguments) }
  #expect(try count(cli, "victim.db", "SELECT count(*) FROM metric") == rows)
  let whole = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

  // Early, mid-write, and closely around the commit at the end (timing varies from run to
  // run, so the late ones land just before, during or after it).
  var outcomes: [String] = []
  for fraction in [0.01, 0.2, 0.5, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.4] {
    try fresh()
    let process = try start(cli, arguments)
    Thread.sleep(forTimeInterval: whole * fraction)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let check = try cli.run(["check", "--db", "victim.db"])
    #expect(check.status == 0, "check after a kill at \(fraction): \(check.stderr)")
    let stored = try count(cli, "victim.db", "SELECT count(*) FROM metric")
    let batches = try count(
      cli, "victim.db", "SELECT count(*) FROM import_batch WHERE kind = 'metrics'")
    let videos = try count(cli, "victim.db", "SELECT count(*) FROM video")
    #expect(
      (stored == 0 && batches == 0 && videos == 0) || (stored == rows && batches == 1),
      "kill at \(fraction) of \(whole) s left \(stored) rows, \(batches) batches, \(videos) videos")
    outcomes.append("\(fraction): " + (stored == 0 ? "none" : "all"))
  }
  // The same import then succeeds on a ledger that was killed mid-write.
  try fresh()
  let process = try start(cli, arguments)
  Thread.sleep(forTimeInterval: whole * 0.5)
  kill(process.processIdentifier, SIGKILL)
  process.waitUntilExit()
  try cli.ok(arguments)
  #expect(try count(cli, "victim.db", "SELECT count(*) FROM metric") == rows)
  try cli.ok("check", "--db", "victim.db")
  print("crash safety: an import of \(rows) rows takes \(whole) s; killed at \(outcomes)")
  // Most kills land before the commit; at least one must have, or the test proved nothing.
  #expect(outcomes.contains { $0.hasSuffix("none") }, "\(outcomes)")
}

@Test(.timeLimit(.minutes(5)))
func concurrentWritersAllSucceedOrSayTheLedgerIsBusyAndNoRowIsLost() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  for video in 0..<4 { try cli.ok("video", "add", "w\(video)", "--kol-id", "dy1") }
  _ = try writeMetrics(cli, name: "bulk.csv", videos: 200, days: 30)

  // Four writers logging 25 days each, and one bulk import, all at once; a backup midway.
  let group = DispatchGroup()
  let results = Results()
  for video in 0..<4 {
    group.enter()
    DispatchQueue.global().async {
      defer { group.leave() }
      for day in 1...25 {
        let date = "2026-05-\(String(format: "%02d", day))"
        let result = try? cli.run([
          "log", date, "w\(video)", "natural", "--impressions", "\(day * 100)", "--gmv", "1",
        ])
        results.add(result, label: "w\(video) \(date)")
      }
    }
  }
  group.enter()
  DispatchQueue.global().async {
    defer { group.leave() }
    results.add(
      try? cli.run(["import", "metrics", "bulk.csv", "--create-missing"]), label: "import")
  }
  Thread.sleep(forTimeInterval: 0.3)
  let backup = try cli.run(["backup", "during.db"])
  group.wait()

  #expect(backup.status == 0, "backup: \(backup.stderr)")
  try cli.ok("check", "--db", "during.db")
  #expect(results.crashed.isEmpty, "\(results.crashed)")
  for failure in results.failed {
    #expect(failure.stderr.contains("busy"), "\(failure.label): \(failure.stderr)")
  }
  // Every write that said it succeeded is there; none that failed is.
  let logged = results.succeeded.filter { $0 != "import" }.count
  #expect(
    try count(
      cli, "aimt.db",
      "SELECT count(*) FROM metric m JOIN video v ON v.id = m.video_ref "
        + "WHERE v.video_id LIKE 'w%'") == logged)
  let imported = results.succeeded.contains("import") ? 6_000 : 0
  #expect(
    try count(
      cli, "aimt.db",
      "SELECT count(*) FROM metric m JOIN video v ON v.id = m.video_ref "
        + "WHERE v.video_id LIKE 'v%'") == imported)
  try cli.ok("check")
  // With a 10-second busy timeout, writers this short all get their turn.
  #expect(results.failed.isEmpty, "\(results.failed.map(\.label))")
}

/// What the concurrent writers reported, collected from several threads.
private final class Results: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var succeeded: [String] = []
  private(set) var failed: [(label: String, stderr: String)] = []
  private(set) var crashed: [String] = []

  func add(_ result: CLIResult?, label: String) {
    lock.lock()
    defer { lock.unlock() }
    guard let result else { return crashed.append("\(label): did not run") }
    switch result.status {
    case 0: succeeded.append(label)
    case 1, 65: failed.append((label, result.stderr))
    default: crashed.append("\(label): exit \(result.status) \(result.stderr)")
    }
  }
}
