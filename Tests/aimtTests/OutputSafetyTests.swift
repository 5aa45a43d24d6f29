import Foundation
import LedgerStore
import Testing

@testable import aimt

// MARK: - Helpers

/// A one-column table keyed `v` of `cells`.
private func values(_ cells: [Cell]) -> OutputTable {
  OutputTable(columns: [Column("v")], rows: cells.map { [$0] })
}

/// A ledger with KOL dy1 and video v1 of brand 山茶花.
private func seeded() throws -> CLI {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1", "--name", "美妆达人小美")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1", "--brand", "山茶花")
  try cli.ok("log", "2026-05-01", "v1", "natural", "--impressions", "250000", "--gmv", "20000")
  return cli
}

/// Runs a process in the CLI's folder and collects what it printed.
private func collect(_ process: Process, _ cli: CLI) throws -> CLIResult {
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  var env = ProcessInfo.processInfo.environment
  env["AIMT_DB"] = nil
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

/// Runs `aimt ARGS` under `umask 000`, where a file created 0666 stays world-writable.
private func runWithOpenUmask(_ cli: CLI, _ arguments: [String]) throws -> CLIResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", "umask 000 && exec \"$0\" \"$@\"", CLI.binary.path] + arguments
  return try collect(process, cli)
}

/// Runs `aimt ARGS` as the unprivileged user `nobody` (root ignores permissions); nil when
/// that cannot be arranged.
private func runAsNobody(_ cli: CLI, _ arguments: [String]) throws -> CLIResult? {
  let setpriv = "/usr/bin/setpriv"
  guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: setpriv)
  process.arguments =
    ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path] + arguments
  let result = try collect(process, cli)
  return result.stderr.contains("Permission denied") && result.status == 126 ? nil : result
}

/// A libc function the Glibc module does not export (the pseudo-terminal calls need
/// `_XOPEN_SOURCE`), looked up by name.
private func libc<Function>(_ name: String, as type: Function.Type) throws -> Function {
  let symbol = try #require(dlsym(dlopen(nil, RTLD_NOW), name), "no \(name) in libc")
  return unsafeBitCast(symbol, to: type)
}

/// Runs `aimt ARGS` with standard output on a pseudo-terminal, as when a user types the
/// command; returns what the terminal received (its line discipline turns LF into CRLF).
private func runOnTerminal(_ cli: CLI, _ arguments: [String]) throws -> String {
  typealias OpenPT = @convention(c) (Int32) -> Int32
  typealias PTSName = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
  let master = try libc("posix_openpt", as: OpenPT.self)(O_RDWR | O_NOCTTY)
  try #require(master >= 0)
  defer { close(master) }
  let grant = try libc("grantpt", as: OpenPT.self)
  let unlock = try libc("unlockpt", as: OpenPT.self)
  let ptsname = try libc("ptsname", as: PTSName.self)
  try #require(grant(master) == 0 && unlock(master) == 0)
  let name = try #require(ptsname(master).map { String(cString: $0) })
  let slave = open(name, O_RDWR | O_NOCTTY)
  try #require(slave >= 0)
  let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
  let process = Process()
  process.executableURL = CLI.binary
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  process.standardOutput = terminal
  process.standardError = FileHandle.nullDevice
  process.standardInput = FileHandle.nullDevice
  try process.run()
  // Once the child has exited and this copy is closed, reading the master ends with EIO.
  try terminal.close()
  var received: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 4096)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
    if count <= 0 { break }
    received += chunk.prefix(count)
  }
  process.waitUntilExit()
  #expect(process.terminationStatus == 0)
  return String(decoding: received, as: UTF8.self)
}

/// The permission bits of a file.
private func mode(_ path: String) throws -> Int {
  try #require(
    FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
}

/// Text with the controls a hostile file might carry: escapes, a bell, a C1 CSI, a bidi
/// override, and a line break.
private let hostile = "a\u{1B}[2Jb\u{7}\u{9B}c\u{202E}d\nline"

// MARK: - Formula neutralisation (renderers)

@Test func csvPrefixesFormulaTextWithAQuoteButLeavesNumbersAlone() {
  let table = values([
    .text("=HYPERLINK(\"http://evil\",\"x\")"), .text("+cmd|' /C calc'!A0"), .text("@SUM(1+1)"),
    .text("-x"), .text("\tx"), .text("\rx"), .text("-12.5"), .text("-3"), .text("+7"),
    .text("-"), .text("a=b"), .text(""), .int(-3), .money(-1250), .real(-2.5),
  ])
  #expect(
    render(table, as: .csv)
      == [
        "v", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"", "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)", "'-x", "'\tx", "\"'\rx\"", "-12.5", "-3", "+7", "'-", "a=b", "", "-3",
        "-12.50", "-2.5",
      ].map { $0 + "\r\n" }.joined())
}

@Test func tsvPrefixesFormulaTextWithAQuote() {
  let table = values([.text("=1+1"), .text("@x"), .text("\tx"), .text("-12.5"), .money(-5)])
  #expect(render(table, as: .tsv) == "v\n'=1+1\n'@x\n' x\n-12.5\n-0.05\n")
}

@Test func formulaHeaderOfAnSQLColumnIsNeutralisedToo() {
  let table = OutputTable(columns: [Column("=cmd()")], rows: [[.int(1)]])
  #expect(render(table, as: .csv) == "'=cmd()\r\n1\r\n")
}

@Test func rawOptionKeepsFormulaTextAsItCame() {
  let table = values([.text("=1+1"), .text("@x")])
  let raw = RenderOptions(neutraliseFormulas: false)
  #expect(render(table, as: .csv, options: raw) == "v\r\n=1+1\r\n@x\r\n")
  #expect(render(table, as: .tsv, options: raw) == "v\n=1+1\n@x\n")
}

@Test func jsonAndMarkdownKeepFormulaTextAsItCame() {
  let table = values([.text("=1+1")])
  #expect(render(table, as: .ndjson) == "{\"v\":\"=1+1\"}\n")
  #expect(render(table, as: .markdown) == "| v |\n|---|\n| =1+1 |\n")
}

// MARK: - Control characters (renderers)

@Test func csvToAFileKeepsControlBytesInsideQuotes() {
  #expect(render(values([.text(hostile)]), as: .csv) == "v\r\n\"" + hostile + "\"\r\n")
}

@Test func everyFormatForATerminalShowsControlCharactersAsEscapes() {
  let table = values([.text(hostile)])
  let terminal = RenderOptions(escapeControls: true)
  let shown = "a\\u{1b}[2Jb\\u{7}\\u{9b}c\\u{202e}d"
  #expect(render(table, as: .csv, options: terminal) == "v\r\n\"" + shown + "\nline\"\r\n")
  #expect(render(table, as: .tsv, options: terminal) == "v\n" + shown + " line\n")
  #expect(
    render(table, as: .markdown, options: terminal) == "| v |\n|---|\n| " + shown + "<br>line |\n")
  let json = "{\"v\":\"a\\u001b[2Jb\\u0007\\u009bc\\u202ed\\u000aline\"}\n"
  #expect(render(table, as: .ndjson, options: terminal) == json)
  #expect(render(table, as: .json, options: terminal) == "[\n" + json + "]\n")
  #expect(
    render(table, as: .table, options: terminal) == "v\n" + String(repeating: "─", count: 16)
      + "\na [2Jb  c d line\n")
}

@Test func jsonEscapesForATerminalStillDecodeToTheSameText() throws {
  let text = hostile + "\u{7F}\u{2066}x\u{2069}"
  let ndjson = render(
    values([.text(text)]), as: .ndjson, options: RenderOptions(escapeControls: true))
  #expect(!ndjson.unicodeScalars.contains { ControlEscaping.isUnsafe($0) && $0 != "\n" })
  let decoded = try JSONSerialization.jsonObject(with: Data(ndjson.utf8)) as? [String: String]
  #expect(decoded?["v"] == text)
}

@Test func tableBlanksBidiOverrides() {
  #expect(render(values([.text("a\u{202E}b\u{2067}c")]), as: .table) == "v\n─────\na b c\n")
}

// MARK: - Through the binary

@Test func kolListCSVNeutralisesAFormulaNameAndRawKeepsIt() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1", "--name", "=HYPERLINK(\"http://evil\",\"x\")")
  try cli.ok("kol", "add", "dy2", "--name", "@SUM(1+1)")
  let csv = try cli.ok("kol", "list", "--format", "csv", "--bom").stdout
  #expect(csv.contains("dy1,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""), "\(csv)")
  #expect(csv.contains("dy2,'@SUM(1+1)"), "\(csv)")
  let raw = try cli.ok("kol", "list", "--format", "csv", "--raw").stdout
  #expect(raw.contains("dy1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""), "\(raw)")
  #expect(raw.contains("dy2,@SUM(1+1)"), "\(raw)")
}

@Test func sqlCSVNeutralisesFormulasAndKeepsNegativeNumbers() throws {
  let cli = try seeded()
  let result = try cli.ok(
    "sql", "SELECT '-12.5' AS a, -3 AS b, -2.5 AS c, '=1+1' AS d, '-x' AS e, '+cmd' AS f",
    "--format", "csv")
  #expect(result.stdout == "a,b,c,d,e,f\r\n-12.5,-3,-2.5,'=1+1,'-x,'+cmd\r\n")
}

@Test func videoListTSVNeutralisesAFormulaTitle() throws {
  let cli = try seeded()
  try cli.ok("video", "add", "v2", "--kol-id", "dy1", "--title=-2+3")
  let result = try cli.ok("video", "list", "--format", "tsv")
  #expect(result.stdout.contains("\t'-2+3\t"), "\(result.stdout)")
}

@Test func csvOnATerminalShowsEscapeSequencesAsText() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1", "--name", "x\u{1B}]0;pwned\u{7}\u{1B}[2Jy")
  let shown = try runOnTerminal(cli, ["kol", "list", "--format", "csv"])
  #expect(shown.contains("x\\u{1b}]0;pwned\\u{7}\\u{1b}[2Jy"), "\(shown)")
  #expect(!shown.utf8.contains(0x1B) && !shown.utf8.contains(0x07))
  // Piped, the bytes stay as they are.
  let piped = try cli.ok("kol", "list", "--format", "csv").stdout
  #expect(piped.contains("x\u{1B}]0;pwned\u{7}\u{1B}[2Jy"))
}

@Test func importProblemShowsEscapeSequencesOfTheFileAsText() throws {
  let cli = try seeded()
  let file = cli.path("badv.csv")
  try Data("video_id,kol_id,chain\nv9,dy1,\u{1B}]0;pwned\u{7}\u{1B}[2Jx\u{9B}\n".utf8).write(
    to: URL(fileURLWithPath: file))
  let result = try cli.run(["import", "videos", file])
  #expect(result.status == 65)
  #expect(result.stderr.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2Jx\\u{9b}"), "\(result.stderr)")
  #expect(!result.stderr.unicodeScalars.contains { ControlEscaping.isUnsafe($0) && $0 != "\n" })
}

@Test func errorMessagesShowControlCharactersOfArgumentsAsText() throws {
  let cli = try seeded()
  let missing = try cli.run(["kol", "show", "\u{1B}[2J\u{202E}x"])
  #expect(missing.status == 65)
  #expect(missing.stderr.contains("'\\u{1b}[2J\\u{202e}x'"), "\(missing.stderr)")
  let usage = try cli.run(["kol", "list", "--format", "x\u{1B}[2J"])
  #expect(usage.status == 64)
  #expect(usage.stderr.contains("x\\u{1b}[2J"), "\(usage.stderr)")
  let log = try cli.run(["log", "2026-05-01", "v1", "natural\r\u{1B}[1A", "--impressions", "5"])
  #expect(log.status == 65)
  #expect(log.stderr.contains("natural\\u{d}\\u{1b}[1A"), "\(log.stderr)")
  for result in [missing, usage, log] {
    #expect(!result.stderr.unicodeScalars.contains { ControlEscaping.isUnsafe($0) && $0 != "\n" })
  }
}

// MARK: - File modes

@Test func reportHTMLFileIsPrivateEvenUnderAnOpenUmask() throws {
  let cli = try seeded()
  let result = try runWithOpenUmask(cli, ["report", "html", "--brand", "山茶花", "-o", "r.html"])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(try mode(cli.path("r.html")) == 0o600)
  // An existing, readable page is replaced by a private one.
  try FileManager.default.setAttributes(
    [.posixPermissions: 0o644], ofItemAtPath: cli.path("r.html"))
  try cli.ok("report", "html", "--brand", "山茶花", "-o", "r.html")
  #expect(try mode(cli.path("r.html")) == 0o600)
}

@Test func demoCSVFilesArePrivateEvenUnderAnOpenUmask() throws {
  let cli = try CLI()
  let result = try runWithOpenUmask(
    cli, ["demo", "--videos", "3", "--days", "2", "--out", "data"])
  #expect(result.status == 0, "\(result.stderr)")
  let files = try FileManager.default.contentsOfDirectory(atPath: cli.path("data"))
  #expect(files.contains("metrics.csv"))
  for file in files { #expect(try mode(cli.path("data/" + file)) == 0o600, "\(file)") }
}

// MARK: - Messages that say what to do

@Test func reportHTMLIntoAMissingFolderNamesTheFolderToCreate() throws {
  let cli = try seeded()
  let result = try cli.run(["report", "html", "--brand", "山茶花", "-o", "no/such/x.html"])
  #expect(result.status == 1)
  #expect(result.stderr.contains("the folder no/such does not exist"), "\(result.stderr)")
  #expect(result.stderr.contains("mkdir -p no/such"), "\(result.stderr)")
  #expect(!result.stderr.contains("could not be completed"))
}

@Test func reportHTMLIntoALockedFolderSaysPermissionIsDenied() throws {
  let cli = try seeded()
  // The ledger's folder and files open to `nobody`; only the output folder is locked.
  try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: cli.folder)
  for file in try FileManager.default.contentsOfDirectory(atPath: cli.folder) {
    try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: cli.path(file))
  }
  let locked = cli.path("locked")
  try FileManager.default.createDirectory(
    atPath: locked, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
  guard
    let result = try runAsNobody(
      cli, ["report", "html", "--brand", "山茶花", "-o", locked + "/x.html", "--db", "aimt.db"])
  else { return }
  #expect(result.status == 1)
  #expect(
    result.stderr.contains("permission denied: you cannot create files in the folder \(locked)"),
    "\(result.stderr)")
  #expect(try FileManager.default.contentsOfDirectory(atPath: locked).isEmpty)
}

@Test func negativeMoneyAfterASpaceGetsTheSameMessageAsAfterEquals() throws {
  let cli = try seeded()
  let day = ["log", "2026-05-01", "v1", "natural", "--impressions", "5"]
  let joined = try cli.run(day + ["--gmv=-1"])
  let spaced = try cli.run(day + ["--gmv", "-1"])
  #expect(joined.status == 65)
  #expect(spaced.status == joined.status)
  #expect(spaced.stderr == joined.stderr)
  let cost = try cli.run(day + ["--cost", "-5"])
  #expect(cost.status == 65)
  #expect(cost.stderr.contains("cost"), "\(cost.stderr)")
  let followers = try cli.run(["kol", "add", "dy9", "--followers", "-5"])
  #expect(followers.status == 65, "\(followers.stderr)")
  let budget = try cli.run([
    "placement", "add", "P9", "--video-id", "v1", "--tool", "dou_plus", "--budget", "-500",
    "--start", "2026-05-04 10:00",
  ])
  #expect(budget.status == 65, "\(budget.stderr)")
}

@Test func versionNamesAimtAndTheLedgerSchemaItWrites() throws {
  let cli = try CLI()
  let result = try cli.ok("--version")
  let schema = try #require(Schema.migrations.last?.identifier)
  #expect(result.stdout == "aimt \(aimtVersion) (ledger schema \(schema))\n")
  #expect(result.stdout.hasPrefix("aimt 0."))
}
