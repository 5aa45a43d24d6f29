import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// `aimt sql` on the real binary: rows streamed in constant memory, a time limit, and a
// connection that can only read the ledger and says so in words.

/// What a child `aimt` did: its exit status, its output (written to files, not pipes), and the
/// most memory it held at once.
private struct Measured {
  var status: Int32
  var stdout: String
  var stderr: String
  /// The child's peak resident set size, in bytes (`ru_maxrss` of its own `wait4`).
  var peakBytes: Int
}

/// Runs `aimt ARGS` in the working folder with stdout and stderr in files and reaps it with
/// `wait4`, whose rusage is this child's alone (not every child the test process ever had).
private func measure(_ cli: CLI, _ arguments: [String]) throws -> Measured {
  let outPath = cli.path("measured.out")
  let errPath = cli.path("measured.err")
  let argv = [CLI.binary.path] + arguments
  var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
  defer { for pointer in cArgs { free(pointer) } }
  #if canImport(Glibc)
  var actions = posix_spawn_file_actions_t()
  #else
  var actions: posix_spawn_file_actions_t? = nil
  #endif
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  var environment = ProcessInfo.processInfo.environment
  environment["AIMT_DB"] = nil
  var cEnv: [UnsafeMutablePointer<CChar>?] =
    environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
  defer { for pointer in cEnv { free(pointer) } }
  // posix_spawn has no portable "working directory" action: give the child absolute paths.
  var pid: pid_t = 0
  let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
  try #require(spawned == 0, "posix_spawn failed: \(spawned)")
  var status: Int32 = 0
  var usage = rusage()
  var reaped: pid_t
  #if canImport(Darwin)
  repeat { reaped = wait4(pid, &status, 0, &usage) } while reaped < 0 && errno == EINTR
  let peak = Int(usage.ru_maxrss)  // bytes on Darwin
  #else
  // On Linux the child's ru_maxrss includes this test process's own footprint (posix_spawn
  // shares its memory until exec), so the child's high-water mark is read from /proc while it
  // runs: VmHWM only grows, and the last reading before it exits is the closest to its peak.
  var peak = 0
  repeat {
    reaped = wait4(pid, &status, WNOHANG, &usage)
    if reaped == 0 {
      let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
      if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "")
      {
        peak = max(peak, kilobytes * 1024)
      }
      usleep(5_000)
    }
  } while reaped == 0 || (reaped < 0 && errno == EINTR)
  #endif
  try #require(reaped == pid)
  let exited = status & 0x7f == 0
  return Measured(
    status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
    stdout: try String(contentsOfFile: outPath, encoding: .utf8),
    stderr: try String(contentsOfFile: errPath, encoding: .utf8), peakBytes: peak)
}

/// A fresh, empty ledger `aimt.db` in a new working folder.
private func emptyLedger() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  return cli
}

/// `n` rows of two integers made by a recursive CTE, no table needed.
private func counting(to n: Int) -> String {
  """
  WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < \(n))
  SELECT n, n * 2 AS twice FROM c
  """
}

/// `aimt sql` through the binary.
struct SQLCommandTests {
  @Test(.timeLimit(.minutes(3)))
  func sqlStreamsTwoMillionRowsInBoundedMemory() throws {
    let cli = try emptyLedger()
    let rows = 2_000_000
    let result = try measure(
      cli, ["sql", counting(to: rows), "--format", "csv", "--db", cli.path("aimt.db")])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\r\n", omittingEmptySubsequences: true)
    #expect(lines.count == rows + 1)
    #expect(lines.first == "n,twice")
    #expect(lines.last == "\(rows),\(2 * rows)")
    // Held in memory, two million rows of cells take several hundred MB; streamed, the binary's
    // own footprint (about 20-30 MB) plus one output chunk.
    #expect(
      result.peakBytes > 0 && result.peakBytes < 100 << 20, "peak RSS \(result.peakBytes >> 20) MB")
  }

  @Test func sqlStreamsEveryLineFormat() throws {
    let cli = try emptyLedger()
    let query = counting(to: 3)
    #expect(try cli.ok("sql", query, "--format", "tsv").stdout == "n\ttwice\n1\t2\n2\t4\n3\t6\n")
    #expect(
      try cli.ok("sql", query, "--format", "ndjson").stdout
        == "{\"n\":1,\"twice\":2}\n{\"n\":2,\"twice\":4}\n{\"n\":3,\"twice\":6}\n")
    let json = try cli.ok("sql", query, "--format", "json").stdout
    let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Int]]
    #expect(parsed == [["n": 1, "twice": 2], ["n": 2, "twice": 4], ["n": 3, "twice": 6]])
    #expect(try cli.ok("sql", "SELECT 1 AS a WHERE 0", "--format", "json").stdout == "[]\n")
    let table = try cli.ok("sql", query, "--format", "table").stdout
    #expect(table.contains("twice") && table.contains("6"))
    let markdown = try cli.ok("sql", query, "--format", "markdown").stdout
    #expect(markdown.hasPrefix("| n | twice |\n|---:|---:|\n| 1 | 2 |"))
  }

  // The limit only stops a hang if --timeout ever broke (the query never ends); it is wide so
  // that a loaded machine, running many tests at once, cannot trip it.
  @Test(.timeLimit(.minutes(10)))
  func sqlStopsAQueryThatRunsLongerThanItsTimeout() throws {
    let cli = try emptyLedger()
    let endless = """
      WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c
      """
    let result = try cli.run(["sql", endless, "--timeout", "1"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "aimt: error: sql: the query ran longer than 1 s and was stopped; narrow it or raise --timeout\n"
    )
    #expect(try cli.run(["sql", "SELECT 1", "--timeout", "0"]).status == 64)
  }

  @Test func sqlRefusesTheFTS3TokenizerAndLoadExtension() throws {
    let cli = try emptyLedger()
    let tokenizer = try cli.run(["sql", "SELECT hex(fts3_tokenizer('simple'))"])
    #expect(tokenizer.status == 1)
    #expect(tokenizer.stdout.isEmpty)
    #expect(
      tokenizer.stderr == "aimt: error: sql: aimt sql cannot call fts3_tokenizer(); it is unsafe\n",
      "\(tokenizer.stderr)")
    let load = try cli.run(["sql", "SELECT load_extension('x')"])
    #expect(load.status == 1)
    #expect(
      load.stderr == "aimt: error: sql: aimt sql cannot call load_extension(); it is unsafe\n")
  }

  @Test func sqlRefusesAttachWithASentence() throws {
    let cli = try emptyLedger()
    for statement in ["ATTACH 'other.db' AS other", "DETACH other"] {
      let result = try cli.run(["sql", statement])
      #expect(result.status == 1)
      #expect(
        result.stderr
          == "aimt: error: sql: aimt sql reads this ledger only; it cannot attach or detach other "
          + "databases\n", "\(result.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: cli.path("other.db")))
  }

  @Test func sqlRefusesWritesWithASentence() throws {
    let cli = try emptyLedger()
    let message =
      "aimt: error: sql: aimt sql only reads the ledger; to change data use the log, import or "
      + "add commands\n"
    for statement in [
      "DELETE FROM video", "INSERT INTO setting(key, value) VALUES ('x', 'y')",
      "CREATE TABLE t(x)", "DROP VIEW daily_metrics", "PRAGMA user_version = 7",
      "PRAGMA trusted_schema = ON", "PRAGMA query_only = OFF", "PRAGMA writable_schema = ON",
      "VACUUM", "VACUUM INTO 'copy.db'",
    ] {
      let result = try cli.run(["sql", statement])
      #expect(result.status == 1, "\(statement)")
      #expect(result.stderr == message, "\(statement): \(result.stderr)")
    }
    // Reading the schema is fine, with the views working under trusted_schema=OFF.
    let info = try cli.ok("sql", "PRAGMA table_info(video)", "--format", "csv").stdout
    #expect(info.contains("video_id"))
    let columns = try cli.ok(
      "sql", "SELECT name FROM pragma_table_info('video') WHERE name = 'video_id'", "--format",
      "csv"
    ).stdout
    #expect(columns == "name\r\nvideo_id\r\n")
    #expect(try cli.ok("sql", "SELECT value FROM json_each('[7]')").stdout == "value\n7\n")
    let schema = try cli.run(["sql", "UPDATE sqlite_master SET sql = '' WHERE name = 'video'"])
    #expect(schema.status == 1)
    #expect(schema.stderr == "aimt: error: sql: table sqlite_master may not be modified\n")
    try cli.ok("sql", "SELECT * FROM daily_metrics", "--format", "csv")
  }

  @Test func sqlRunsOneStatement() throws {
    let cli = try emptyLedger()
    let result = try cli.run(["sql", "SELECT 1; SELECT 2"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "aimt: error: sql: aimt sql runs one statement; remove everything after the first ';'\n")
    // A trailing ';', blank space or a comment after it is not a second statement.
    #expect(
      try cli.ok("sql", "SELECT 1 AS one; -- done\n", "--format", "csv").stdout == "one\r\n1\r\n")
    let empty = try cli.run(["sql", "  -- nothing\n"])
    #expect(empty.status == 1)
    #expect(empty.stderr == "aimt: error: sql: the query is empty; give one SELECT statement\n")
    let syntax = try cli.run(["sql", "SELEC 1"])
    #expect(syntax.stderr == "aimt: error: sql: near \"SELEC\": syntax error\n")
  }
}
