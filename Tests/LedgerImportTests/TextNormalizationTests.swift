import Foundation
import LedgerStore
import Testing

@testable import LedgerImport

@Test(arguments: [
  ("v1", "v1"),
  ("v1\u{3000}", "v1"),
  ("\u{3000}v1", "v1"),
  ("v1\u{00A0}", "v1"),
  ("\u{FEFF}v1", "v1"),
  ("\u{200B}v1\u{200D}", "v1"),
  (" \tv1 \r\n", "v1"),
  ("v 1", "v 1"),
  ("v\u{3000}1", "v\u{3000}1"),
  ("cafe\u{301}", "caf\u{E9}"),
  ("\u{3000}", ""),
  ("", ""),
  ("山茶花\u{3000}", "山茶花"),
  ("Ｖ1", "Ｖ1"),
])
func oneNormaliserTrimsInvisibleEndsAndComposes(text: String, expected: String) {
  #expect(TextNormalization.normalized(text) == expected)
  var bytes: [UInt8] = [1]
  Array(text.utf8).withUnsafeBufferPointer { TextNormalization.append(normalizing: $0, to: &bytes) }
  #expect(bytes == [1] + Array(expected.utf8), "the byte path agrees")
}

@Test func theRecordParserUsesTheNormaliserForEveryText() {
  var parser = RecordParser()
  let record = parser.record(
    .videos, ["video_id": "v1\u{3000}", "kol_id": "\u{00A0}dy1", "title": "cafe\u{301}\u{200B}"],
    at: .commandLine)
  guard case .video(let video) = record else {
    Issue.record("\(parser.problems)")
    return
  }
  #expect(video.videoID == "v1")
  #expect(video.kolID == "dy1")
  #expect(video.title == "caf\u{E9}")
  #expect(RecordParser.parseSource("自然\u{3000}") == .natural)
}

@Test func metricImportsStoreTheNormalisedVideoAndPlacement() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "m.csv",
    "date,video_id,source,placement_id,cost\n2026-05-01,v1\u{3000},dou_plus,\u{00A0}O1\u{FEFF},5\n")
  try fixture.importing(.metrics, [path])
  #expect(try fixture.metrics() == ["2026-05-01|v1|dou_plus|O1|0|500|0|0|0|0|0|0"])
}
