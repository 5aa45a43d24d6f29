import Foundation
import Testing

/// Runs `aimt ARGS` as the unprivileged user `nobody` (root ignores file permissions, so a
/// read-only ledger can only be tried as another user); nil when that cannot be arranged.
private func runAsNobody(_ cli: CLI, _ arguments: [String]) throws -> CLIResult? {
  let setpriv = "/usr/bin/setpriv"
  guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: setpriv)
  process.arguments =
    ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path] + arguments
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let result = CLIResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
  // The binary may sit where `nobody` cannot reach it (a home folder): then nothing is learnt.
  return result.stderr.contains("Permission denied") && result.status == 126 ? nil : result
}

@Test func readOnlyLedgerIsRefusedWithWhatToDoAndLeftUnchanged() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1")
  let ledger = cli.path("aimt.db")
  try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.folder)
  try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ledger)
  let before = try Data(contentsOf: URL(fileURLWithPath: ledger))
  guard
    let result = try runAsNobody(
      cli, ["log", "2026-05-01", "v1", "natural", "--impressions", "5", "--db", ledger])
  else { return }
  #expect(result.status == 1)
  #expect(result.stderr.contains("is read-only"), "\(result.stderr)")
  #expect(result.stderr.contains("check their permissions"))
  #expect(!result.stderr.contains("SQLITE") && !result.stderr.contains("Fatal error"))
  #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == before)
}

@Test func newLedgerInAFolderWithoutWriteAccessIsRefusedClearly() throws {
  let cli = try CLI()
  let folder = cli.path("locked")
  try FileManager.default.createDirectory(
    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
  try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.folder)
  guard let result = try runAsNobody(cli, ["init", "--db", folder + "/aimt.db"]) else { return }
  #expect(result.status != 0)
  #expect(result.stderr.hasPrefix("aimt: error: "), "\(result.stderr)")
  #expect(!result.stderr.contains("SQLITE") && !result.stderr.contains("Fatal error"))
  #expect(!FileManager.default.fileExists(atPath: folder + "/aimt.db"))
}
