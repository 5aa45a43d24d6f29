import Foundation
import Testing

@testable import LedgerStore

// Errors: facts in the library, words in the CLI (docs/internals.md). The library's words for
// a remedy name no command-line option and no aimt command.

/// One of each remedy family, with the facts it carries.
private let everyRemedy: [Remedy] = [
  .createMissing(.kol, key: "dy1"), .createMissing(.video, key: "v1"),
  .createMissing(.brand, key: "山茶花"), .createMissing(.kol, key: "xingtu:7", byOtherID: true),
  .sumDuplicates, .giveSource, .chooseProfile(),
  .chooseProfile(candidates: ["ad", "qianchuan"], orSource: true),
  .chooseProfile(addColumn: "层级"), .ignoreColumn("播放数", profile: "ad"),
  .ignoreColumn("成交定单数", rename: true), .keepOneColumn(ignoring: "展示数"),
  .chooseEncoding("utf-8"), .chooseEncoding("gb18030"), .chooseSheet(["说明", "数据"]),
  .chooseGMV("overall"), .importAs(.metrics), .mapMaterials, .checkLedger(),
  .checkLedger(correct: true), .checkLedger(narrow: true), .addPlays,
  .restoreSchema(table: true), .restoreSchema(table: false), .upgradeAgain, .giveDate, .nameSale,
  .rebuildRunningSums(),
  .rebuildRunningSums(checkFirst: true),
]

/// True when `text` names an option (`--x`) or an aimt command.
private func namesTheCommandLine(_ text: String) -> Bool {
  text.contains("--") || text.contains("aimt ")
}

@Test(arguments: everyRemedy)
func aRemedyIsWordedWithoutTheCommandLine(_ remedy: Remedy) {
  let problem = SourceLocation(file: "m.csv", line: 2).problem(
    "video_id", "is wrong", remedy: remedy)
  #expect(problem.remedy == remedy)
  #expect(problem.description == "m.csv:2: video_id: is wrong; \(remedy)")
  #expect(!namesTheCommandLine(problem.description), "\(problem.description)")
  let finding = CheckFinding(subject: "schema", message: "view v is missing", remedy: remedy)
  #expect(finding.description == "schema: view v is missing; \(remedy)")
  let error = LedgerError.implausibleData(message: "a row is negative", remedy: remedy)
  #expect(error.description == "a row is negative; \(remedy)")
  #expect(!error.isDataError)
}

@Test func aProblemWithoutARemedyIsItsMessage() {
  let problem = SourceLocation.commandLine.problem("FILE", "exists")
  #expect(problem.remedy == nil)
  #expect(problem.description == "FILE: exists")
  #expect(CheckFinding(subject: "integrity", message: "bad").description == "integrity: bad")
}

@Test func aRemedyQuotingAHugeValueIsShortenedLikeItsMessage() {
  let key = String(repeating: "v", count: 200_000)
  let problem = SourceLocation(file: "m.csv", line: 2).problem(
    "video_id", "no video '\(key)' in the ledger", remedy: .chooseSheet([key]))
  #expect(problem.description.count < 2 * Problem.maxMessageCharacters + 200)
  #expect(problem.description.hasSuffix("'; choose one of them"))
}

@Test func aMissingVideoIsRefusedWithTheCreateMissingRemedy() throws {
  let folder = NSTemporaryDirectory() + "aimt-remedy-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let ledger = try Ledger.open(path: folder + "/aimt.db", create: true)
  var placement = VideoInput(videoID: "v1")
  placement.kolID = "dy9"
  do {
    try ledger.write { writer in try writer.upsert(placement, at: .commandLine) }
    Issue.record("a video of a missing KOL was written")
  } catch {
    guard case .invalidData(let problems) = error else { throw error }
    #expect(problems.map(\.remedy) == [.createMissing(.kol, key: "dy9")])
    #expect(!problems.contains { namesTheCommandLine($0.description) })
  }
}
