import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C during an import rolls the whole import back.
///
/// Either the import finished before the signal (exit 0, every row) or it stopped (exit 130,
/// the message, no row); never part of it.
///
/// Not timed: the test waits until the process has installed its SIGINT handler (Linux shows
/// the caught signals in /proc/PID/status), then signals it until it ends.
@Test func ctrlCDuringAnImportWritesNothingAndExits130() throws {
  let cli = try CLI()
  try cli.ok("init")
  let videos = 200
  let days = 5000
  var kols = "video_id,kol_id,brand\n"
  for video in 0..<videos { kols += "v\(video),dy1,山茶花\n" }
  try Data(kols.utf8).write(to: URL(fileURLWithPath: cli.path("videos.csv")))
  try cli.ok("import", "videos", "videos.csv", "--create-missing")
  let batchesBefore = try cli.sqlite3("aimt.db", "SELECT count(*) FROM import_batch")

  // 1,000,000 rows: several seconds of work, so the signal nearly always lands mid-import.
  var metrics: [UInt8] = Array("date,video_id,source,impressions,gmv\n".utf8)
  metrics.reserveCapacity(videos * days * 40)
  let first = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01
  var dates: [[UInt8]] = []
  let formatter = DateFormatter()
  formatter.locale = Locale(identifier: "en_US_POSIX")
  formatter.timeZone = TimeZone(identifier: "UTC")
  formatter.dateFormat = "yyyy-MM-dd"
  for day in 0..<days {
    dates.append(Array(formatter.string(from: first.addingTimeInterval(Double(day) * 86_400)).utf8))
  }
  for video in 0..<videos {
    let id = Array(",v\(video),natural,".utf8)
    for day in 0..<days {
      metrics += dates[day]
      metrics += id
      metrics += Array("\(day + 1),\(video).5\n".utf8)
    }
  }
  try Data(metrics).write(to: URL(fileURLWithPath: cli.path("metrics.csv")))

  let process = Process()
  process.executableURL = CLI.binary
  process.arguments = ["import", "metrics", "metrics.csv"]
  process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
  var environment = ProcessInfo.processInfo.environment
  environment["AIMT_DB"] = nil
  process.environment = environment
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let pid = process.processIdentifier
  // Read the pipes on their own threads so that a full pipe never blocks the import.
  let outData = Collected()
  let errData = Collected()
  let readers = DispatchGroup()
  DispatchQueue.global().async(group: readers) {
    outData.set(out.fileHandleForReading.readDataToEndOfFile())
  }
  DispatchQueue.global().async(group: readers) {
    errData.set(err.fileHandleForReading.readDataToEndOfFile())
  }
  var handlerSeen = false
  while process.isRunning, !handlerSeen { handlerSeen = catchesSIGINT(pid) }
  while process.isRunning {
    kill(pid, SIGINT)
    usleep(20_000)
  }
  process.waitUntilExit()
  readers.wait()
  let stderr = String(decoding: errData.data, as: UTF8.self)
  let rows = try cli.sqlite3("aimt.db", "SELECT count(*) FROM metric")
  let batches = try cli.sqlite3("aimt.db", "SELECT count(*) FROM import_batch")
  switch process.terminationStatus {
  case 130:
    #expect(stderr == "aimt: interrupted: nothing was written\n")
    #expect(rows == "0\n")
    #expect(batches == batchesBefore)
  case 0:
    #expect(rows == "\(videos * days)\n")
    // A million rows cannot be imported between two looks at /proc: aimt never installed it.
    #expect(handlerSeen, "aimt import never installed a SIGINT handler")
  default:
    Issue.record(
      "exit \(process.terminationStatus) (\(process.terminationReason)): \(stderr)")
  }
  #expect(try cli.ok("check").stderr.isEmpty)
}

/// Whether process `pid` has a handler for SIGINT (bit 2 of SigCgt in /proc/PID/status).
private func catchesSIGINT(_ pid: Int32) -> Bool {
  guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
    let mask = UInt64(
      line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
  else { return false }
  return mask & (1 << (SIGINT - 1)) != 0
}

/// Bytes handed over from a reading thread.
private final class Collected: @unchecked Sendable {
  private let lock = NSLock()
  private var bytes = Data()

  func set(_ data: Data) { lock.withLock { bytes = data } }
  var data: Data { lock.withLock { bytes } }
}
