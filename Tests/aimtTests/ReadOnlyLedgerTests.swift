import Foundation
import Testing

/// `setpriv`, to run as another user; root ignores file permissions, so a read-only ledger can
/// only be tried as another user.
private let setpriv = executableOnPath("setpriv")

/// Whether `aimt` can be run as the unprivileged user `nobody` here: as root, with `setpriv`,
/// and with the binary where `nobody` can reach it (not in a private home folder).
private let canRunAsNobody: Bool = {
  guard getuid() == 0, let setpriv else { return false }
  let probe = try? runToEnd(
    URL(fileURLWithPath: setpriv),
    ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "--help"], in: "/",
    environment: CLI.environment)
  return probe?.status == 0
}()

/// Runs `aimt ARGS` as the unprivileged user `nobody`.
private func runAsNobody(_ cli: CLI, _ arguments: [String]) throws -> CLIResult {
  try runToEnd(
    URL(fileURLWithPath: setpriv ?? "/usr/bin/setpriv"),
    ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path] + arguments,
    in: cli.folder, environment: CLI.environment)
}

@Test(.enabled(if: canRunAsNobody, "needs root, setpriv, and the binary readable by nobody"))
func readOnlyLedgerIsRefusedWithWhatToDoAndLeftUnchanged() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1")
  let ledger = cli.path("aimt.db")
  try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.folder)
  try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ledger)
  let before = try Data(contentsOf: URL(fileURLWithPath: ledger))
  let result = try runAsNobody(
    cli, ["log", "2026-05-01", "v1", "natural", "--impressions", "5", "--db", ledger])
  #expect(result.status == 1)
  #expect(result.stderr.contains("is read-only"), "\(result.stderr)")
  #expect(result.stderr.contains("check their permissions"))
  #expect(!result.stderr.contains("SQLITE") && !result.stderr.contains("Fatal error"))
  #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == before)
}

@Test(.enabled(if: canRunAsNobody, "needs root, setpriv, and the binary readable by nobody"))
func newLedgerInAFolderWithoutWriteAccessIsRefusedClearly() throws {
  let cli = try CLI()
  let folder = cli.path("locked")
  try FileManager.default.createDirectory(
    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
  try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.folder)
  let result = try runAsNobody(cli, ["init", "--db", folder + "/aimt.db"])
  #expect(result.status != 0)
  #expect(result.stderr.hasPrefix("aimt: error: "), "\(result.stderr)")
  #expect(!result.stderr.contains("SQLITE") && !result.stderr.contains("Fatal error"))
  #expect(!FileManager.default.fileExists(atPath: folder + "/aimt.db"))
}
