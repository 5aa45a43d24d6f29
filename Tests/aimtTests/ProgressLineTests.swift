import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `aimt ARGS` with standard error on a new pseudo-terminal (standard output on a pipe)
/// and returns what the terminal received and the exit status (shared by the import tests).
func runWithStderrOnTerminal(_ cli: CLI, _ arguments: [String]) throws -> (
  stderr: String, status: Int32
) {
  // /dev/ptmx by hand: Glibc's module brings neither posix_openpt nor the TIOC constants
  // (_IOW('T', 0x31, int) unlocks, _IOR('T', 0x30, unsigned) names the terminal).
  struct NoTerminal: Error {}
  let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
  guard master >= 0 else { throw NoTerminal() }
  defer { close(master) }
  var unlock: CInt = 0
  var number: CInt = 0
  guard ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0
  else { throw NoTerminal() }
  let terminal = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
  guard terminal >= 0 else { throw NoTerminal() }
  let process = Process()
  process.executableURL = CLI.binary
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  process.environment = CLI.environment
  process.standardOutput = Pipe()
  process.standardError = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
  process.standardInput = FileHandle.nullDevice
  try process.run()
  close(terminal)
  var received: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 4096)
  while true {
    // Once the child has exited and the last copy of the terminal is closed, Linux answers EIO.
    let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
    if count <= 0 { break }
    received += buffer[0..<count]
  }
  process.waitUntilExit()
  return (String(decoding: received, as: UTF8.self), process.terminationStatus)
}

@Test func importShowsAProgressLineOnATerminalAndNothingOtherwise() throws {
  let cli = try CLI()
  try cli.ok("init")
  var videos = "video_id,kol_id,brand\n"
  var metrics = "date,video_id,source,impressions,gmv\n"
  for video in 0..<800 {
    videos += "v\(video),dy1,山茶花\n"
    for day in 1...100 {
      metrics += "2026-\(day <= 31 ? "01" : day <= 59 ? "02" : day <= 90 ? "03" : "04")-"
      let date = day <= 31 ? day : day <= 59 ? day - 31 : day <= 90 ? day - 59 : day - 90
      metrics += (date < 10 ? "0" : "") + "\(date),v\(video),natural,\(day),\(video).50\n"
    }
  }
  try Data("kol_id\ndy1\n".utf8).write(to: URL(fileURLWithPath: cli.path("kols.csv")))
  try Data(videos.utf8).write(to: URL(fileURLWithPath: cli.path("videos.csv")))
  try Data(metrics.utf8).write(to: URL(fileURLWithPath: cli.path("metrics.csv")))
  try cli.ok("import", "kols", "kols.csv")
  try cli.ok("import", "videos", "videos.csv")

  let (stderr, status) = try runWithStderrOnTerminal(cli, ["import", "metrics", "metrics.csv"])
  #expect(status == 0)
  // Every 65,536 rows and at the end: the file, rows, rows/s and percent of bytes, each
  // over the last; then the line is cleared for the summary.
  let updates = stderr.components(separatedBy: "\r\u{1B}[K").filter { !$0.isEmpty }
  #expect(updates.first?.hasPrefix("metrics.csv: 65536 rows, ") == true, "\(updates)")
  #expect(updates.last?.hasPrefix("metrics.csv: 80000 rows, ") == true, "\(updates)")
  #expect(updates.last?.hasSuffix(" rows/s, 100%") == true, "\(updates)")
  for update in updates {
    let parts = update.split(separator: " ")
    #expect(parts.count == 6 && Int(parts[3]) != nil && parts[5].hasSuffix("%"), "\(update)")
  }
  #expect(stderr.hasSuffix("\r\u{1B}[K"))

  // Not a terminal: nothing on standard error.
  let piped = try cli.run(["import", "metrics", "metrics.csv"])
  #expect(piped.status == 0)
  #expect(piped.stderr.isEmpty)
}
