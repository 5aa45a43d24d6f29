import Foundation
import Testing

// The harness itself: it must not hang on a large standard error, and must not leave folders.

@Test(.timeLimit(.minutes(10)))
func harnessReadsAStandardErrorLargerThanAPipeBuffer() throws {
  let cli = try CLI()
  try cli.ok("init")
  // 200 problems shown, each naming a long path and a long unknown KOL: over 200 KB, far
  // past the 64 KiB a pipe holds, so a harness that read standard output to its end first
  // would wait forever on a child blocked writing standard error.
  let folder = (0..<3).map { _ in String(repeating: "d", count: 200) }.joined(separator: "/")
  try FileManager.default.createDirectory(
    atPath: cli.path(folder), withIntermediateDirectories: true)
  var videos = "video_id,kol_id,brand\n"
  for row in 0..<300 { videos += "v\(row),\(String(repeating: "k", count: 1_000))\(row),B\n" }
  try Data(videos.utf8).write(to: URL(fileURLWithPath: cli.path(folder + "/videos.csv")))

  let result = try cli.run(["import", "videos", folder + "/videos.csv"])
  #expect(result.status == 65)
  #expect(result.stderr.utf8.count > 128 * 1024, "\(result.stderr.utf8.count) bytes")
  let lines = result.stderr.split(separator: "\n")
  #expect(lines.count == 202)
  #expect(lines.first?.hasPrefix(folder + "/videos.csv:2: kol_id: no KOL 'kkk") == true)
  #expect(lines.last == "aimt: 201 problems; nothing was written")
  #expect(result.stdout.isEmpty)
}

@Test func harnessRemovesItsFolderWhenATestIsDone() throws {
  var folder = ""
  do {
    let cli = try CLI()
    folder = cli.folder
    try cli.ok("init")
    #expect(FileManager.default.fileExists(atPath: cli.path("aimt.db")))
  }
  #expect(!folder.isEmpty)
  #expect(!FileManager.default.fileExists(atPath: folder))
}
