import LedgerStore
import Testing

@testable import LedgerImport

private let line2 = SourceLocation(file: "m.csv", line: 2)

@Test func metricFieldsParseIntoExactValues() throws {
  var parser = RecordParser()
  let input = parser.metric(
    [
      "date": "2026/5/1", "video_id": "v1", "source": "自然流量", "impressions": "250,000",
      "gmv": "¥20,000.00",
    ], at: line2)
  #expect(parser.problems.isEmpty)
  #expect(input?.day.description == "2026-05-01")
  #expect(input?.source == .natural)
  #expect(input?.values == [.impressions: 250_000, .gmv: 2_000_000])
}

@Test func absentAndEmptyFieldsAreNotGiven() throws {
  var parser = RecordParser()
  let input = parser.metric(
    ["date": "2026-05-01", "video_id": "v1", "source": "DOU+", "cost": "500", "gmv": ""],
    at: line2)
  #expect(input?.source == .douPlus)
  #expect(input?.values == [.cost: 50_000])
}

@Test func everyBadFieldOfARowIsReportedWithItsLineAndColumn() throws {
  var parser = RecordParser()
  let input = parser.metric(
    ["date": "2026-13-01", "video_id": "v1", "source": "tv", "cost": "1.234", "likes": "-1"],
    at: line2)
  #expect(input == nil)
  #expect(parser.problems.map(\.column) == ["date", "source", "cost", "likes"])
  #expect(parser.problems.allSatisfy { $0.description.hasPrefix("m.csv:2: ") })
}

@Test func missingSourceColumnTakesTheDefaultOrIsRefused() throws {
  var parser = RecordParser()
  let fields = ["date": "2026-05-01", "video_id": "v1", "cost": "100"]
  #expect(parser.metric(fields, at: line2, defaultSource: .qianchuan)?.source == .qianchuan)
  #expect(parser.metric(fields, at: line2) == nil)
  #expect(parser.problems.first?.remedy == .giveSource)
}

@Test func placementEndGivenAsADateMeansTheEndOfThatDay() throws {
  var parser = RecordParser()
  let input = parser.placement(
    [
      "placement_id": "C1", "video_id": "v1", "tool": "内容服务", "budget": "￥50000",
      "start": "2026-06-01", "end": "2026-06-07",
    ], at: line2)
  #expect(input?.tool == .contentService)
  #expect(input?.budget == 5_000_000)
  #expect(input?.start?.description == "2026-06-01 00:00:00")
  #expect(input?.end?.description == "2026-06-07 23:59:59")
}

@Test func videoVocabularyAcceptsTheExportsChineseNames() throws {
  var parser = RecordParser()
  let input = parser.video(
    ["video_id": "v1", "chain": "天猫", "ad_review": "审核通过", "bidding_authorized": "是"],
    at: line2)
  #expect(input?.chain == .tmall)
  #expect(input?.adReview == .passed)
  #expect(input?.biddingAuthorized == true)
}

@Test func everySourceAliasNamesAKnownSource() {
  for source in Source.allCases {
    var parser = RecordParser()
    let fields = ["date": "2026-05-01", "video_id": "v", "source": source.rawValue]
    #expect(parser.metric(fields, at: line2)?.source == source)
  }
  #expect(Set(RecordParser.sourceAliases.values) == Set(Source.allCases))
}
