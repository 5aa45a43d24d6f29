import Foundation
import LedgerStore
import Testing

@testable import LedgerImport

// An import's refusals carry their remedy as facts, worded without the command line
// (docs/internals.md, "Errors: facts in the library, words in the CLI").

/// A metrics file the ledger refuses, and the remedy its first problem carries.
struct RefusedFile: Sendable, CustomStringConvertible {
  var text: String
  var remedy: Remedy
  var description: String { "\(remedy)" }
}

private let refusedFiles: [RefusedFile] = [
  RefusedFile(
    text: "date,video_id,source,cost\n2026-05-01,v9,natural,1\n",
    remedy: .createMissing(.video, key: "v9")),
  RefusedFile(
    text: "date,video_id,source,cost\n2026-05-01,v1,dou_plus,1\n2026-05-01,v1,dou_plus,2\n",
    remedy: .sumDuplicates),
  RefusedFile(text: "date,video_id,cost\n2026-05-01,v1,1\n", remedy: .giveSource),
  RefusedFile(
    text: "日期,视频ID,流量来源,展示数,成交定单数\n2026-05-01,v1,自然,100,3\n",
    remedy: .ignoreColumn("成交定单数", rename: true)),
  RefusedFile(
    text: "日期,视频ID,消耗,展示次数,成交金额\n2026-05-01,v1,1,2,3\n",
    remedy: .chooseProfile(candidates: ["ad", "content-service", "qianchuan", "suixintui"])),
  RefusedFile(
    text: "日期,视频ID,流量来源,展示数,播放量,消耗\n2026-05-01,v1,DOU+,100,7,2.5\n",
    remedy: .keepOneColumn(ignoring: "播放量")),
]

@Test(arguments: refusedFiles)
func aRefusedImportCarriesItsRemedyAndNoCommandLineWords(_ refused: RefusedFile) throws {
  let fixture = try Fixture()
  let path = try fixture.file("m.csv", refused.text)
  do {
    try fixture.importing(.metrics, [path])
    Issue.record("the file was imported")
  } catch {
    guard case .invalidData(let problems) = error else { throw error }
    #expect(problems.first?.remedy == refused.remedy, "\(problems)")
    for problem in problems {
      #expect(!problem.description.contains("--"), "\(problem)")
      #expect(!problem.description.contains("aimt "), "\(problem)")
    }
  }
}

@Test func anInvalidUTF8FileSuggestsReadingItAsGB18030() throws {
  let fixture = try Fixture()
  let header = Array("date,video_id,source,cost\n".utf8)
  let path = try fixture.bytes("m.csv", header + [0xD6, 0xD0, 0x0A])
  do {
    try fixture.importing(.metrics, [path]) { $0.encoding = .utf8 }
    Issue.record("the file was imported")
  } catch {
    guard case .invalidData(let problems) = error else { throw error }
    #expect(problems.contains { $0.remedy == .chooseEncoding("gb18030") }, "\(problems)")
  }
}
