import Foundation
import Testing

/// The result of running the built `aimt` binary.
struct CLIResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs the real `aimt` binary in a temporary folder, as a user would.
struct CLI {
  /// The temporary working folder; the ledger is `aimt.db` in it unless a test says otherwise.
  let folder: String

  init() throws {
    folder = NSTemporaryDirectory() + "aimt-cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
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

  /// Runs `aimt ARGS` with the working folder as current directory and no terminal.
  @discardableResult
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    var env = ProcessInfo.processInfo.environment
    env["AIMT_DB"] = nil
    env.merge(environment) { _, new in new }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
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

  /// Runs the system sqlite3 CLI on a ledger, as a user inspecting it would.
  func sqlite3(_ database: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path(database), sql]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}
