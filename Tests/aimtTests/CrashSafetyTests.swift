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
  process.environment = cli.environmentToKill()
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

@Test(.needsSQLite3, .timeLimit(.minutes(10)))
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

  // How long a whole import takes here, only to spread the kills over it.
  try fresh()
  let clock = ContinuousClock()
  let elapsed = try clock.measure { try cli.ok(arguments) }
  #expect(try count(cli, "victim.db", "SELECT count(*) FROM metric") == rows)
  let whole = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

  // Early, mid-write, and around the commit at the end. Where a kill lands depends on the
  // machine's load, so either outcome passes; what must hold is that the ledger has every row
  // or none, passes check, and takes the same import again.
  var outcomes: [String] = []
  for fraction in [0.01, 0.2, 0.5, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.4] {
    try fresh()
    let process = try start(cli, arguments)
    Thread.sleep(forTimeInterval: whole * fraction)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // --deep: the running sums the reports read agree with the rows the kill left. The
    // ledger has no metrics yet, so the import is a first load under a rollback journal
    // (docs/internals.md, "A first load under a rollback journal"): killed midway, it leaves a
    // -journal, a read says so and names `aimt init`, and that puts the ledger back.
    var check = try cli.run(["check", "--deep", "--db", "victim.db"])
    let journaled = check.status != 0 && check.stderr.contains("left mid-write")
    if journaled {
      #expect(check.stderr.contains("run 'aimt init --db victim.db'"), "\(check.stderr)")
      try cli.ok("init", "--db", "victim.db")
      #expect(!FileManager.default.fileExists(atPath: cli.path("victim.db-journal")))
      check = try cli.run(["check", "--deep", "--db", "victim.db"])
    }
    #expect(check.status == 0, "check after a kill at \(fraction): \(check.stderr)")
    let stored = try count(cli, "victim.db", "SELECT count(*) FROM metric")
    let batches = try count(
      cli, "victim.db", "SELECT count(*) FROM import_batch WHERE kind = 'metrics'")
    let videos = try count(cli, "victim.db", "SELECT count(*) FROM video")
    let none = stored == 0 && batches == 0 && videos == 0
    let all = stored == rows && batches == 1 && videos == 600
    #expect(
      none || all,
      "kill at \(fraction) of \(whole) s left \(stored) rows, \(batches) batches, \(videos) videos")
    outcomes.append(
      "\(fraction): " + (none ? "none" : all ? "all" : "PART") + (journaled ? " (journal)" : ""))
    // The same import then succeeds, whatever the kill left.
    try cli.ok(arguments)
    #expect(try count(cli, "victim.db", "SELECT count(*) FROM metric") == rows)
    try cli.ok("check", "--deep", "--db", "victim.db")
  }
  print("crash safety: an import of \(rows) rows takes \(whole) s; killed at \(outcomes)")
}

@Test(.needsSQLite3, .timeLimit(.minutes(10)))
func concurrentWritersEachSucceedOrSayTheLedgerIsBusyAndNoRowIsLostOrHalfWritten() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  for video in 0..<4 { try cli.ok("video", "add", "w\(video)", "--kol-id", "dy1") }
  let bulkRows = try writeMetrics(cli, name: "bulk.csv", videos: 200, days: 30)

  // Four writers logging 25 days each, and one bulk import, all at once; a backup midway.
  // Under load a writer may wait past the busy timeout: it must then say the ledger is busy
  // and write nothing, so a busy failure is a legitimate outcome; a lost or half row is not.
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
        results.add(result, label: "w\(video)|\(date)|\(day * 100)")
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

  #expect(results.crashed.isEmpty, "\(results.crashed)")
  for failure in results.failed {
    #expect(isBusy(failure.stderr), "\(failure.label): \(failure.stderr)")
  }
  if backup.status == 0 {
    try cli.ok("check", "--db", "during.db")
  } else {
    #expect(isBusy(backup.stderr), "backup: \(backup.stderr)")
  }
  // Exactly the logged rows that said they succeeded are there, each with its own numbers.
  let logged = results.succeeded.filter { $0 != "import" }.sorted()
  let stored = try cli.sqlite3(
    "aimt.db",
    "SELECT video_id || '|' || date || '|' || impressions FROM daily_metrics "
      + "WHERE video_id LIKE 'w%' ORDER BY 1")
  #expect(stored.split(separator: "\n").map(String.init) == logged)
  // The bulk import is all there or not at all.
  let imported = results.succeeded.contains("import") ? bulkRows : 0
  #expect(
    try count(
      cli, "aimt.db",
      "SELECT count(*) FROM metric m JOIN video v ON v.id = m.video_ref "
        + "WHERE v.video_id LIKE 'v%'") == imported)
  try cli.ok("check")
  print(
    "concurrent writers: \(results.succeeded.count) succeeded, \(results.failed.count) busy"
  )
}

/// Whether a failed command said the ledger is busy with another writer.
private func isBusy(_ stderr: String) -> Bool {
  stderr.contains("is busy") && stderr.contains("another aimt is writing")
}

@Test(.needsSQLite3, .timeLimit(.minutes(10)))
func writerWaitingPastTheBusyTimeoutSaysTheLedgerIsBusyAndWritesNothing() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  try cli.ok("video", "add", "w1", "--kol-id", "dy1")
  // Another program holds the write lock, for as long as this test wants: sqlite3 reading
  // its commands from a pipe, inside BEGIN IMMEDIATE until told to roll back.
  let holder = Process()
  holder.executableURL = URL(fileURLWithPath: try #require(CLI.sqlite3Path))
  holder.arguments = [cli.path("aimt.db")]
  let input = Pipe()
  let output = Pipe()
  holder.standardInput = input
  holder.standardOutput = output
  holder.standardError = FileHandle.nullDevice
  try holder.run()
  input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
  var said = Data()
  while !String(decoding: said, as: UTF8.self).contains("locked") {
    let more = output.fileHandleForReading.availableData
    if more.isEmpty { break }
    said += more
  }
  #expect(String(decoding: said, as: UTF8.self) == "locked\n")

  let blocked = try cli.run(["log", "2026-05-01", "w1", "natural", "--impressions", "5"])
  input.fileHandleForWriting.write(Data("ROLLBACK;\n".utf8))
  try input.fileHandleForWriting.close()
  holder.waitUntilExit()

  #expect(blocked.status == 1, "\(blocked.stderr)")
  #expect(isBusy(blocked.stderr), "\(blocked.stderr)")
  #expect(blocked.stderr.contains("try again"))
  #expect(try count(cli, "aimt.db", "SELECT count(*) FROM metric") == 0)
  // Once the other writer is done, the same command goes through.
  try cli.ok("log", "2026-05-01", "w1", "natural", "--impressions", "5")
  #expect(try count(cli, "aimt.db", "SELECT count(*) FROM metric") == 1)
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
