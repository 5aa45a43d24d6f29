import Foundation
import Glibc
import Testing

/// The result of running the built `aimt` binary.
struct CLIResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs the real `aimt` binary in a temporary folder, as a user would.
///
/// The folder and all in it are removed when the last reference to the harness goes.
final class CLI: Sendable {
  /// The temporary working folder; the ledger is `aimt.db` in it unless a test says otherwise.
  let folder: String

  init() throws {
    folder = NSTemporaryDirectory() + "aimt-cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: folder)
  }

  /// The built binary, beside the test bundle in the build products folder.
  static var binary: URL {
    var url = Bundle.main.bundleURL
    if url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
    let candidate = url.appendingPathComponent("aimt")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    // swift-testing's runner may live elsewhere; fall back to the package's .build folder.
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent(".build/debug/aimt")
  }

  /// This process's environment without `AIMT_DB`, so that no test reaches the user's ledger.
  static var environment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["AIMT_DB"] = nil
    return environment
  }

  /// The environment of a run a test kills with SIGKILL: under coverage (`swift test
  /// --enable-code-coverage`) its profile goes to the test's own folder, so a profile cut off
  /// while the process was writing it at exit cannot break the merge of the others.
  func environmentToKill() -> [String: String] {
    var environment = CLI.environment
    if environment["LLVM_PROFILE_FILE"] != nil {
      environment["LLVM_PROFILE_FILE"] = path("coverage-of-a-killed-run-%p.profraw")
    }
    return environment
  }

  /// Runs `aimt ARGS` with the working folder as current directory and no terminal.
  @discardableResult
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
    let env = Self.environment.merging(environment) { _, new in new }
    return try runToEnd(Self.binary, arguments, in: folder, environment: env)
  }

  /// Runs and expects success.
  @discardableResult
  func ok(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws
    -> CLIResult
  {
    try ok(arguments, sourceLocation: sourceLocation)
  }

  /// Runs `aimt ARGS` from an array and expects success.
  @discardableResult
  func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> CLIResult
  {
    let result = try run(arguments)
    #expect(
      result.status == 0, "aimt \(arguments.joined(separator: " ")) failed: \(result.stderr)",
      sourceLocation: sourceLocation)
    return result
  }

  /// The path of a file in the working folder.
  func path(_ name: String) -> String { folder + "/" + name }

  /// The `sqlite3` command on PATH, or nil when there is none (tests that need it are then
  /// skipped: see ``Trait/needsSQLite3``).
  static let sqlite3Path: String? = executableOnPath("sqlite3")

  /// Runs the sqlite3 CLI on a ledger, as a user inspecting it would: each of `commands` an
  /// argument of its own (SQL, or a dot-command such as `.system`), run in order.
  func sqlite3(_ database: String, _ commands: String...) throws -> String {
    struct NoSQLite3: Error, CustomStringConvertible {
      var description: String { "no sqlite3 on PATH: mark the test .needsSQLite3" }
    }
    guard let sqlite3 = Self.sqlite3Path else { throw NoSQLite3() }
    return try runToEnd(
      URL(fileURLWithPath: sqlite3), [path(database)] + commands, in: folder,
      environment: ProcessInfo.processInfo.environment
    ).stdout
  }
}

extension Trait where Self == ConditionTrait {
  /// Skips a test that inspects ledgers with the `sqlite3` command when it is not installed.
  static var needsSQLite3: Self {
    .enabled(if: CLI.sqlite3Path != nil, "needs the sqlite3 command on PATH")
  }
}

/// The first executable file called `name` in the folders of PATH.
func executableOnPath(_ name: String) -> String? {
  let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
  for folder in folders {
    let candidate = folder + "/" + name
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
  }
  return nil
}

/// Runs `executable ARGS` in `folder` with no input, waits, and returns all it wrote.
///
/// Both pipes are read at once: reading one to its end first would leave
/// the child blocked on the other once it fills the pipe's buffer (64 KiB), and the test hung.
func runToEnd(
  _ executable: URL, _ arguments: [String], in folder: String, environment: [String: String]
) throws -> CLIResult {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: folder)
  process.environment = environment
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()  // which closes this process's copies of the pipes' write ends
  let (outData, errData) = readBoth(
    out.fileHandleForReading.fileDescriptor, err.fileHandleForReading.fileDescriptor)
  process.waitUntilExit()
  return CLIResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// Reads two file descriptors to their ends together, on this thread, with poll(2).
func readBoth(_ first: Int32, _ second: Int32) -> (Data, Data) {
  var data = [Data(), Data()]
  var fds = [
    pollfd(fd: first, events: Int16(POLLIN), revents: 0),
    pollfd(fd: second, events: Int16(POLLIN), revents: 0),
  ]
  var buffer = [UInt8](repeating: 0, count: 65_536)
  while fds.contains(where: { $0.fd >= 0 }) {
    let ready = poll(&fds, nfds_t(fds.count), -1)
    if ready < 0 {
      if errno == EINTR { continue }
      break
    }
    for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
      let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
      if count > 0 {
        data[index].append(contentsOf: buffer[0..<count])
      } else if count == 0 || errno != EINTR && errno != EAGAIN {
        fds[index].fd = -1  // the end (or an error): poll ignores negative descriptors
      }
    }
  }
  return (data[0], data[1])
}
