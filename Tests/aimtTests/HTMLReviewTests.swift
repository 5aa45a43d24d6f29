import Foundation
import LedgerStore
import Testing

@testable import aimt

// End-to-end tests of `aimt report html`: the real binary on a ledger entered through the
// CLI, the page read back as text.

// MARK: - The ledger

extension CLI {
  /// Writes `text` to a file of the working folder and returns its path.
  fileprivate func file(_ name: String, _ text: String) throws -> String {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
    return path(name)
  }
}

/// The brand of the review ledger: hostile on purpose, it must come out escaped.
private let hostileBrand = "<script>alert(1)</script>"

/// A ledger with one brand (named `brand`) of four videos over 2026-05-01…14.
///
/// v1…v4 have 20,000 natural plays a day earning 16, 12, 8 and 4 fen a play (models 4.0, 3.0,
/// 2.0 and 1.0 at ¥40), v1 and v3 Dou+ spend on some days; v4's title is hostile. Two 5A
/// snapshots come from a CSV import; `roi_floor` is 0.8; the sale 618-2026 starts 2026-06-15
/// (so its lookback ends 2026-05-15 and holds the data).
private func reviewLedger(brand: String = hostileBrand) throws -> CLI {
  let cli = try CLI()
  try cli.ok(["init"])
  try cli.ok(["kol", "add", "dy1", "--followers", "1,500,000", "--as-of", "2026-04-01"])
  let titles = ["春日妆容", "通勤五分钟", "约会妆", "<img src=x onerror=alert('t')> & \"quote\""]
  for (index, title) in titles.enumerated() {
    try cli.ok([
      "video", "add", "v\(index + 1)", "--kol-id", "dy1", "--brand", brand, "--title", title,
      "--published", "2026-04-20 20:00", "--ad-review", "passed",
    ])
  }
  var metrics = "date,video_id,source,impressions,cost,gmv,likes,comments\n"
  for day in 1...14 {
    let date = "2026-05-" + (day < 10 ? "0" : "") + String(day)
    for (index, fenPerPlay) in [16, 12, 8, 4].enumerated() {
      let gmv = Money.yuan(Int64(fenPerPlay * 20_000))
      metrics += "\(date),v\(index + 1),natural,20000,0,\(gmv),600,60\n"
    }
    if day % 2 == 0 { metrics += "\(date),v1,dou_plus,8000,300,900,40,4\n" }
    if day % 3 == 0 { metrics += "\(date),v3,dou_plus,5000,200,150,10,1\n" }
  }
  try cli.ok(["import", "metrics", try cli.file("metrics.csv", metrics)])
  let audience = """
    date,brand,o,a1,a2,a3,a4,a5
    2026-05-07,\(brand),90000,30000,12000,8000,2000,500
    2026-05-14,\(brand),95000,34000,15000,9000,2300,600

    """
  try cli.ok(["import", "audience", try cli.file("yuntu.csv", audience)])
  try cli.ok(["promotion", "add", "618-2026", "--start", "2026-06-15", "--end", "2026-06-18"])
  try cli.ok(["config", "set", "roi_floor", "0.8"])
  return cli
}

/// Writes the review page of `brand` as of 2026-05-14 and returns it.
private func reviewPage(_ cli: CLI, brand: String = hostileBrand) throws -> String {
  try cli.ok([
    "report", "html", "--brand", brand, "--as-of", "2026-05-14", "-o", "review.html",
  ])
  return try String(contentsOfFile: cli.path("review.html"), encoding: .utf8)
}

// MARK: - Reading the page back

/// The text of the `<svg data-chart="NAME">` element, or nil.
private func chart(_ name: String, in page: String) -> Substring? {
  guard
    let start = page.range(of: "<svg class=\"chart\" id=\"chart-\(name)\" data-chart=\"\(name)\"")
  else { return nil }
  guard let end = page.range(of: "</svg>", range: start.upperBound..<page.endIndex) else {
    return nil
  }
  return page[start.lowerBound..<end.upperBound]
}

/// The text of `<section id="NAME">` up to its end, or nil.
private func section(_ name: String, in page: String) -> Substring? {
  guard let start = page.range(of: "<section id=\"\(name)\""),
    let end = page.range(of: "</section>", range: start.upperBound..<page.endIndex)
  else { return nil }
  return page[start.lowerBound..<end.upperBound]
}

/// The groups of each match of `pattern` (a regular expression).
private func matches(_ pattern: String, in text: some StringProtocol) -> [[String]] {
  guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
  let string = String(text)
  let range = NSRange(string.startIndex..., in: string)
  return regex.matches(in: string, range: range).map { match in
    (0..<match.numberOfRanges).map { group in
      Range(match.range(at: group), in: string).map { String(string[$0]) } ?? ""
    }
  }
}

// MARK: - The page

@Test func reviewPageIsOneSelfContainedDocument() throws {
  let page = try reviewPage(try reviewLedger())
  #expect(page.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
  #expect(page.contains("<meta charset=\"utf-8\">"))
  #expect(page.contains("\"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\""))
  #expect(page.contains("@media print"))
  for reference in [
    "http://", "https://", "<script", "<link", "@import", "src=\"", "<img", "<iframe",
  ] {
    #expect(!page.contains(reference), "the page has \(reference)")
  }
  // The only url() is the hatch pattern defined in the page itself.
  #expect(matches(#"url\(([^)]*)\)"#, in: page).map { $0[1] }.allSatisfy { $0.hasPrefix("#") })
  #expect(page.hasSuffix("</html>\n"))
}

@Test func reviewPageHasEverySectionAndChart() throws {
  let page = try reviewPage(try reviewLedger())
  for section in HTMLReview.sections {
    #expect(page.contains("<section id=\"\(section)\""), "section \(section)")
  }
  for name in HTMLReview.charts {
    let svg = try #require(chart(name, in: page), "chart \(name)")
    #expect(svg.contains("<rect") || svg.contains("<path"), "chart \(name) draws nothing")
  }
  for label in ["每日花费与GMV", "滚动流量ROI模型", "5A 人群资产", "视频表现", "大促内容服务短名单", "数据来源"] {
    #expect(page.contains(label))
  }
}

@Test func hostileTextIsEscaped() throws {
  let page = try reviewPage(try reviewLedger())
  #expect(!page.contains(hostileBrand))
  #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
  // The command that rebuilds the page quotes the brand for the shell.
  #expect(page.contains("--brand &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; --as-of"))
  #expect(!page.contains("<img src=x"))
  #expect(page.contains("&lt;img src=x onerror=alert(&#39;t&#39;)&gt; &amp; &quot;quote&quot;"))
}

@Test func escapingCoversTheFiveSpecialCharacters() {
  #expect(
    HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
  #expect(HTML.escape("山茶花 · 1:2") == "山茶花 · 1:2")
}

@Test func videoTableNumbersEqualTheROIReport() throws {
  let cli = try reviewLedger(brand: "B")
  let page = try reviewPage(cli, brand: "B")
  let csv = try cli.ok([
    "report", "roi", "--brand", "B", "--window", "7", "--as-of", "2026-05-14", "--format", "csv",
  ]).stdout
  let lines = csv.split(whereSeparator: \.isNewline).map {
    $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  }
  let header = try #require(lines.first)
  var report: [String: [String: String]] = [:]
  for line in lines.dropFirst() {
    report[line[0]] = Dictionary(uniqueKeysWithValues: zip(header, line))
  }
  #expect(report.count == 4)
  let videos = try #require(section("videos", in: page))
  var checked = 0
  for row in matches(#"<tr data-video="([^"]*)"[^>]*>(.*?)</tr>"#, in: videos) {
    let expected = try #require(report[row[1]], "video \(row[1]) is not in report roi")
    for cell in matches(#"data-col="([a-z_]+)" data-value="([^"]*)""#, in: row[2]) {
      guard let value = expected[cell[1]] else { continue }
      #expect(cell[2] == value, "\(row[1]) \(cell[1]): page \(cell[2]), report roi \(value)")
      checked += 1
    }
  }
  // Four videos, eight values each (model, impressions, GMV, cost, paid GMV, paid ROI, rate, trend).
  #expect(checked == 4 * 8)
  let best = try #require(videos.components(separatedBy: "id=\"videos-best\"").last)
  #expect(matches(#"<tr data-video="(v\d)""#, in: best).map { $0[1] } == ["v1", "v2", "v3", "v4"])
}

@Test func floorLineIsDrawnAtTheConfiguredFloor() throws {
  let page = try reviewPage(try reviewLedger())
  let svg = try #require(chart("roi-model", in: page))
  let floor = try #require(
    matches(#"<g class="floor" data-floor="([0-9.]+)"><line x1="[0-9.]+" y1="([0-9.]+)""#, in: svg)
      .first)
  #expect(floor[1] == "0.80")
  #expect(svg.contains("下限 0.80"))
  // The line sits where 0.8 falls between the axis ticks.
  let ticks = matches(
    #"y="([0-9.]+)" text-anchor="end" dominant-baseline="middle">([0-9.]+)</text>"#, in: svg
  )
  .compactMap { match -> (value: Double, y: Double)? in
    guard let y = Double(match[1]), let value = Double(match[2]) else { return nil }
    return (value, y)
  }
  let low = try #require(ticks.first)
  let high = try #require(ticks.last)
  #expect(low.value == 0 && high.value > 0.8)
  let expected = low.y + (high.y - low.y) * 0.8 / high.value
  let drawn = try #require(Double(floor[2]))
  #expect(abs(drawn - expected) < 0.2, "floor at y \(drawn), expected \(expected)")
  #expect(page.contains("ROI 下限 0.80"))
}

@Test func nearPromotionShowsItsShortlist() throws {
  let page = try reviewPage(try reviewLedger())
  #expect(page.contains("618-2026：2026-06-15 至 2026-06-18"))
  #expect(page.contains("<table class=\"shortlist\">"))
}

@Test func noPromotionNearSaysSo() throws {
  let cli = try reviewLedger()
  try cli.ok(["promotion", "add", "618-2026", "--start", "2026-09-01", "--end", "2026-09-18"])
  let page = try reviewPage(cli)
  #expect(page.contains("近期没有大促"))
  #expect(!page.contains("<table class=\"shortlist\">"))
}

@Test func provenanceNamesTheImportedFiles() throws {
  let page = try reviewPage(try reviewLedger())
  let provenance = try #require(section("provenance", in: page))
  #expect(provenance.contains("/metrics.csv<"))
  #expect(provenance.contains("/yuntu.csv<"))
  // 14 days of four videos read (and 11 Dou+ rows), from the first batch.
  #expect(provenance.contains("data-col=\"rows\" data-value=\"67\""))
  #expect(provenance.contains("data-col=\"rows\" data-value=\"2\""))
}

// MARK: - Output and errors

@Test func outputOptionWritesTheFileAndSaysSo() throws {
  let cli = try reviewLedger(brand: "B")
  let result = try cli.ok(["report", "html", "--brand", "B", "--output", "weekly.html"])
  #expect(result.stdout == "wrote weekly.html: review of B 2026-04-15 to 2026-05-14\n")
  #expect(FileManager.default.fileExists(atPath: cli.path("weekly.html")))
  let defaultName = try cli.ok(["report", "html", "--brand", "B"])
  #expect(defaultName.stdout.hasPrefix("wrote review.html"))
  #expect(FileManager.default.fileExists(atPath: cli.path("review.html")))
}

@Test func dashWritesThePageToStandardOutput() throws {
  let cli = try reviewLedger(brand: "B")
  let result = try cli.ok(["report", "html", "--brand", "B", "-o", "-"])
  #expect(result.stdout.hasPrefix("<!DOCTYPE html>"))
  #expect(result.stdout.hasSuffix("</html>\n"))
  #expect(!FileManager.default.fileExists(atPath: cli.path("-")))
  #expect(!FileManager.default.fileExists(atPath: cli.path("review.html")))
}

@Test func unknownBrandIsADataErrorAndWritesNothing() throws {
  let cli = try reviewLedger(brand: "B")
  let result = try cli.run(["report", "html", "--brand", "nobody"])
  #expect(result.status == 65)
  #expect(result.stderr == "aimt: error: no brand 'nobody' in the ledger; the brands are: B\n")
  #expect(!FileManager.default.fileExists(atPath: cli.path("review.html")))
}

@Test func badArgumentsAreUsageErrors() throws {
  let cli = try reviewLedger(brand: "B")
  #expect(try cli.run(["report", "html"]).status == 64)
  #expect(try cli.run(["report", "html", "--brand", "B", "--days", "0"]).status == 64)
  #expect(try cli.run(["report", "html", "--brand", "B", "--as-of", "2026-13-01"]).status == 64)
}

@Test func unwritableOutputFailsWithTheReason() throws {
  let cli = try reviewLedger(brand: "B")
  let result = try cli.run(["report", "html", "--brand", "B", "-o", "no/such/folder/r.html"])
  #expect(result.status == 1)
  #expect(result.stderr.hasPrefix("aimt: cannot write no/such/folder/r.html"))
}

@Test func brandWithoutDataStillGetsEveryChart() throws {
  let cli = try CLI()
  try cli.ok(["init"])
  try cli.ok(["video", "add", "v1", "--kol-id", "dy1", "--brand", "B", "--create-missing"])
  try cli.ok(["report", "html", "--brand", "B", "-o", "empty.html"])
  let page = try String(contentsOfFile: cli.path("empty.html"), encoding: .utf8)
  for name in HTMLReview.charts { #expect(chart(name, in: page) != nil) }
  #expect(page.contains("暂无数据"))
  #expect(page.contains("账本中还没有每日数据"))
}

// MARK: - Axis labels

@Test func axisLabelsAreRoundYuanAndWan() {
  #expect(SVGCharts.axisYuan(0) == "¥0")
  #expect(SVGCharts.axisYuan(500_000) == "¥5,000")
  #expect(SVGCharts.axisYuan(15_000_000) == "¥15万")
  #expect(SVGCharts.axisCount(15_000) == "1.5万")
  #expect(SVGCharts.axisCount(250_000_000) == "2.5亿")
  #expect(SVGCharts.ratioLabel(hundredths: 150, step: 50) == "1.5")
  let ticks = Ticks(max: 221, minimumStep: 10)
  #expect(ticks.step == 50 && ticks.top == 250)
  #expect(Ticks(max: 0, minimumStep: 100).top == 100)
}
