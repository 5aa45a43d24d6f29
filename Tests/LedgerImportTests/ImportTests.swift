import Foundation
import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

/// A temporary folder with a ledger holding KOL dy1 and videos v1, v2 (the fuzz tests use it
/// too); the folder is removed when the test lets go of the fixture.
final class Fixture {
  let folder: String
  let ledger: Ledger

  deinit {
    try? FileManager.default.removeItem(atPath: folder)
  }

  init() throws {
    folder = NSTemporaryDirectory() + "aimt-import-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    ledger = try Ledger.open(path: folder + "/aimt.db", create: true)
    try ledger.write { writer in
      try writer.upsert(KOLInput(kolID: "dy1"), at: .commandLine)
      for id in ["v1", "v2"] {
        var video = VideoInput(videoID: id)
        video.kolID = "dy1"
        video.brand = "山茶花"
        try writer.upsert(video, at: .commandLine)
      }
    }
  }

  /// Writes a file (UTF-8 text, or raw bytes) and returns its path.
  func file(_ name: String, _ text: String) throws -> String {
    try bytes(name, Array(text.utf8))
  }

  func bytes(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = folder + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @discardableResult
  func importing(
    _ kind: RecordKind, _ paths: [String], configure: (inout ImportOptions) -> Void = { _ in }
  ) throws(LedgerError) -> ImportReport {
    var options = ImportOptions(kind: kind)
    configure(&options)
    return try ledger.importFiles(paths, options: options)
  }

  /// The metric rows as `date|video|source|order|impressions|cost|gmv|orders|likes|comments|…`.
  func metrics() throws -> [String] {
    try ledger.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT date, video_id, source, placement_id, impressions, cost_fen, gmv_fen, orders,
                 likes, comments, shares, follows
          FROM daily_metrics ORDER BY date, video_id, source, placement_id
          """
      ).map { row in row.databaseValues.map(plain).joined(separator: "|") }
    }
  }

  /// Every table's content, to show a refused import changed nothing.
  func snapshot() throws -> String {
    try ledger.read { db in
      var text = ""
      for table in [
        "brand", "kol", "kol_followers", "video", "placement", "metric", "audience", "promotion",
        "import_batch", "revision",
      ] {
        text += "\(table):" + (try Row.fetchAll(db, sql: "SELECT * FROM \(table)").description)
      }
      return text
    }
  }
}

/// A stored value as text, without the quotes `DatabaseValue.description` adds.
private func plain(_ value: DatabaseValue) -> String {
  switch value.storage {
  case .string(let text): text
  case .int64(let int): String(int)
  case .null: "NULL"
  default: value.description
  }
}

private func problems(_ body: () throws -> Void) -> [Problem] {
  do {
    try body()
    return []
  } catch let error as LedgerError {
    if case .invalidData(let problems) = error { return problems }
    return [SourceLocation.commandLine.problem("error", "\(error)")]
  } catch {
    return [SourceLocation.commandLine.problem("error", "\(error)")]
  }
}

@Test func seedExampleImportsToExactFen() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "seed.csv", "date,video_id,source,impressions,gmv\n2026-05-01,v1,natural,250000,20000\n")
  let report = try fixture.importing(.metrics, [path])
  #expect(report.summary[.metrics].inserted == 1)
  #expect(report.files.first?.profile == "generic-metrics")
  #expect(try fixture.metrics() == ["2026-05-01|v1|natural||250000|0|2000000|0|0|0|0|0"])
}

@Test func gb18030ChineseExportStoresTheSameValuesAsTheGenericFile() throws {
  let generic = try Fixture()
  try generic.importing(
    .metrics,
    [
      try generic.file(
        "m.csv",
        "date,video_id,source,impressions,cost,gmv,orders\n"
          + "2026-05-01,v1,dou_plus,12345,1234.50,20000.00,7\n"
          + "2026-05-02,v2,natural,250000,,20000,3\n")
    ])
  let chinese = try Fixture()
  let text =
    "日期,视频ID,流量来源,展示数,消耗,成交金额,成交订单数\r\n"
    + "2026/05/01,v1,DOU+,\"12,345\",\"¥1,234.50\",\"￥20,000.00\",7\r\n"
    + "2026/5/2,v2,自然流量,\"250,000\",,\"20,000\",3\r\n"
  let report = try chinese.importing(.metrics, [try chinese.bytes("导出.csv", gb18030(text))])
  #expect(report.files.first?.encoding == "gb18030")
  #expect(try chinese.metrics() == generic.metrics())
  #expect(try chinese.metrics().count == 2)
}

@Test func douPlusSpendFileAndShopGMVFileMergeIntoCompleteRows() throws {
  let fixture = try Fixture()
  let spend = try fixture.file(
    "douplus.csv", "date,video_id,impressions,cost\n2026-05-03,v1,12500,500\n")
  let shop = try fixture.file("shop.csv", "date,video_id,gmv,orders\n2026-05-03,v1,610.00,4\n")
  try fixture.importing(.metrics, [spend]) { $0.source = .douPlus }
  try fixture.importing(.metrics, [shop]) { $0.source = .douPlus }
  #expect(try fixture.metrics() == ["2026-05-03|v1|dou_plus||12500|50000|61000|4|0|0|0|0"])
  #expect(try fixture.ledger.history(videoID: "v1").isEmpty)
}

@Test func spendAndGMVFilesInOneImportCompleteEachOther() throws {
  let fixture = try Fixture()
  let spend = try fixture.file(
    "douplus.csv", "date,video_id,impressions,cost\n2026-05-03,v1,12500,500\n")
  let shop = try fixture.file("shop.csv", "date,video_id,gmv,orders\n2026-05-03,v1,610.00,4\n")
  try fixture.importing(.metrics, [spend, shop]) { $0.source = .douPlus }
  #expect(try fixture.metrics() == ["2026-05-03|v1|dou_plus||12500|50000|61000|4|0|0|0|0"])
  let overlapping = try fixture.file("again.csv", "date,video_id,cost\n2026-05-03,v1,600\n")
  let found = problems {
    try fixture.importing(.metrics, [spend, overlapping]) { $0.source = .douPlus }
  }
  #expect(
    found.map(\.description) == [
      "\(overlapping):2: video_id: same date, video_id, source and placement_id as "
        + "\(spend):2 with some of the same numbers; add a placement_id column to keep one row "
        + "per order, or allow summing duplicate rows to add them up"
    ])
}

@Test func badRowAnywhereRefusesTheWholeImportNamingItsLine() throws {
  let fixture = try Fixture()
  let before = try fixture.snapshot()
  let good = try fixture.file("good.csv", "date,video_id,source,gmv\n2026-05-01,v1,natural,1\n")
  let bad = try fixture.file(
    "bad.csv",
    "date,video_id,source,gmv\n2026-05-01,v2,natural,1\n2026-05-02,v2,natural,1.234\n")
  let found = problems { try fixture.importing(.metrics, [good, bad]) }
  #expect(found.map(\.description).contains { $0.hasPrefix("\(bad):3: gmv: ") })
  #expect(try fixture.snapshot() == before)
}

@Test func everyBadRowIsListed() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "m.csv",
    "date,video_id,source,cost\n2026-02-30,v1,natural,0\n2026-05-01,v9,natural,0\n"
      + "2026-05-01,v1,natural,5\n2026-05-01,v1,tv,1\n")
  let found = problems { try fixture.importing(.metrics, [path]) }
  #expect(found.map(\.location.line) == [2, 3, 4, 5])
  #expect(found.map(\.column) == ["date", "video_id", "cost", "source"])
}

@Test func reimportingIdenticalDataChangesNothing() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "m.csv",
    "date,video_id,source,impressions,gmv\n2026-05-01,v1,natural,1,2\n2026-05-02,v1,natural,3,4\n")
  try fixture.importing(.metrics, [path])
  let again = try fixture.importing(.metrics, [path])
  #expect(again.summary[.metrics].inserted == 0)
  #expect(again.summary[.metrics].updated == 0)
  #expect(again.summary[.metrics].unchanged == 2)
  #expect(try fixture.ledger.history(videoID: "v1").isEmpty)
}

@Test func changedValueIsUpdatedAndKeptAsARevisionOfItsBatch() throws {
  let fixture = try Fixture()
  try fixture.importing(
    .metrics,
    [try fixture.file("a.csv", "date,video_id,source,gmv\n2026-05-01,v1,natural,100\n")])
  let restated = try fixture.file("b.csv", "date,video_id,source,gmv\n2026-05-01,v1,natural,120\n")
  let report = try fixture.importing(.metrics, [restated])
  #expect(report.summary[.metrics].updated == 1)
  let history = try fixture.ledger.history(videoID: "v1")
  #expect(history.count == 1)
  #expect(history.first?.old == .integer(10_000))
  #expect(history.first?.new == .integer(12_000))
  #expect(history.first?.file == restated)
  #expect(history.first?.command == "import")
}

@Test func duplicateKeyInOneImportNamesBothLinesOrIsSummed() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "orders.csv",
    "date,video_id,source,cost\n2026-05-01,v1,dou_plus,100\n2026-05-01,v1,dou_plus,200\n")
  let found = problems { try fixture.importing(.metrics, [path]) }
  #expect(found.count == 1)
  #expect(found.first?.location.line == 3)
  #expect(found.first?.message.contains("line 2") == true)
  #expect(found.first?.remedy == .sumDuplicates)
  let summed = try fixture.importing(.metrics, [path]) { $0.write.sumDuplicates = true }
  #expect(summed.summary[.metrics].inserted == 1)
  #expect(try fixture.metrics() == ["2026-05-01|v1|dou_plus||0|30000|0|0|0|0|0|0"])
  let again = try fixture.importing(.metrics, [path]) { $0.write.sumDuplicates = true }
  #expect(again.summary[.metrics].unchanged == 1)
}

@Test func summedRowsNameTheLastFileThatAddedToThemAndOthersTheirOwn() throws {
  let fixture = try Fixture()
  let header = "date,video_id,source,cost\n"
  let a = try fixture.file(
    "a.csv", header + "2026-05-01,v1,dou_plus,100\n2026-05-02,v1,dou_plus,50\n")
  let b = try fixture.file(
    "b.csv", header + "2026-05-03,v1,dou_plus,70\n2026-05-01,v1,dou_plus,200\n")
  let report = try fixture.importing(.metrics, [a, b]) { $0.write.sumDuplicates = true }
  let batches = report.summary.batchIDs
  #expect(batches.count == 2)
  let stored = { () throws -> [String] in
    try fixture.ledger.read { db in
      try String.fetchAll(
        db,
        sql: """
          SELECT m.day || ':' || m.cost || ':' || b.file
          FROM metric AS m JOIN import_batch AS b USING (batch_id) ORDER BY m.day
          """)
    }
  }
  let days = (20574...20576).map(String.init)
  #expect(
    try stored() == ["\(days[0]):30000:\(b)", "\(days[1]):5000:\(a)", "\(days[2]):7000:\(b)"])
  let counts = try fixture.ledger.read { db in
    try Row.fetchAll(
      db, sql: "SELECT inserted, updated, unchanged FROM import_batch ORDER BY batch_id"
    ).map { [$0[0], $0[1], $0[2]] as [Int] }
  }
  #expect(counts.suffix(2) == [[1, 0, 0], [2, 0, 0]])
  // Restated in the first file only: the revision and the count are that file's.
  let a2 = try fixture.file(
    "a2.csv", header + "2026-05-01,v1,dou_plus,100\n2026-05-02,v1,dou_plus,60\n")
  try fixture.importing(.metrics, [a2, b]) { $0.write.sumDuplicates = true }
  #expect(
    try stored() == ["\(days[0]):30000:\(b)", "\(days[1]):6000:\(a2)", "\(days[2]):7000:\(b)"])
  let history = try fixture.ledger.history(videoID: "v1")
  #expect(history.map(\.file) == [a2])
  #expect(history.first?.new == .integer(6_000))
}

@Test func orderLevelRowsKeepOneRowPerPlacement() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "orders.csv",
    "date,video_id,source,placement_id,cost\n2026-05-01,v1,dou_plus,O1,100\n"
      + "2026-05-01,v1,dou_plus,O2,200\n")
  try fixture.importing(.metrics, [path])
  #expect(try fixture.metrics().count == 2)
}

@Test func unknownReferencesAreListedUnlessCreateMissing() throws {
  let fixture = try Fixture()
  let path = try fixture.file(
    "videos.csv", "video_id,kol_id,brand\nv3,dy9,新品牌\nv4,dy9,新品牌\n")
  let found = problems { try fixture.importing(.videos, [path]) }
  #expect(found.map(\.location.line) == [2, 3])
  let report = try fixture.importing(.videos, [path]) { $0.write.createMissing = true }
  #expect(report.summary[.videos].inserted == 2)
  #expect(report.summary[.kols].inserted == 1)
  #expect(try fixture.ledger.kol("dy9").kolID == "dy9")
}

@Test func dryRunValidatesAndWritesNothing() throws {
  let fixture = try Fixture()
  let before = try fixture.snapshot()
  let path = try fixture.file("m.csv", "date,video_id,source,gmv\n2026-05-01,v1,natural,1\n")
  let report = try fixture.importing(.metrics, [path]) { $0.write.dryRun = true }
  #expect(report.summary[.metrics].inserted == 1)
  #expect(try fixture.snapshot() == before)
}

@Test func fileWithoutSourceColumnNeedsSourceOption() throws {
  let fixture = try Fixture()
  let path = try fixture.file("m.csv", "date,video_id,cost\n2026-05-01,v1,1\n")
  let found = problems { try fixture.importing(.metrics, [path]) }
  #expect(found.first?.remedy == .giveSource)
  try fixture.importing(.metrics, [path]) { $0.source = .qianchuan }
  #expect(try fixture.metrics().first?.contains("qianchuan") == true)
}

@Test(arguments: [
  ("m.csv", "date,video_id,source,gmv\n2026-05-01,v1,natural,1\n"),
  (
    "m.json",
    "[{\"date\": \"2026-05-01\", \"video_id\": \"v1\", \"source\": \"natural\", \"gmv\": 1}]\n  \n"
  ),
  (
    "m.ndjson",
    "{\"date\": \"2026-05-01\", \"video_id\": \"v1\", \"source\": \"natural\", \"gmv\": 1}\n\n"
  ),
])
func importBatchRecordsFileHashProfileAndCounts(name: String, text: String) throws {
  let fixture = try Fixture()
  let path = try fixture.file(name, text)
  try fixture.importing(.metrics, [path])
  let row = try fixture.ledger.read { db in
    try Row.fetchOne(db, sql: "SELECT * FROM import_batch WHERE command = 'import'")
  }
  #expect(row?["file"] == path)
  #expect(row?["profile"] == "generic-metrics")
  #expect(row?["inserted"] == 1)
  let digest: String? = row?["sha256"]
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
  process.arguments = [path]
  let output = Pipe()
  process.standardOutput = output
  try process.run()
  let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  #expect(digest == printed.split(separator: " ").first.map(String.init))
}

@Test func otherKindsImportFromJSONAndNDJSON() throws {
  let fixture = try Fixture()
  let placements = try fixture.file(
    "p.json",
    """
    [{"placement_id": "P1", "video_id": "v1", "tool": "dou_plus", "budget": "500",
      "start": "2026-05-04 10:00", "end": "2026-05-05 10:00"}]
    """)
  try fixture.importing(.placements, [placements])
  #expect(try fixture.ledger.placement("P1").budget == 50_000)
  let audience = try fixture.file(
    "a.ndjson",
    """
    {"date": "2026-05-01", "brand": "山茶花", "o": 0, "a1": 1000, "a2": 200, "a3": 50, "a4": 0, "a5": 0}
    {"date": "2026-05-08", "brand": "山茶花", "o": 0, "a1": 1200, "a2": 260, "a3": 70, "a4": 0, "a5": 0}
    """)
  let report = try fixture.importing(.audience, [audience])
  #expect(report.summary[.audience].inserted == 2)
}

/// Random valid metric files (seeded) round-trip exactly.
@Test func randomValidFilesRoundTripExactly() throws {
  var generator = SplitMixGenerator(state: 20_260_501)
  for round in 0..<5 {
    let fixture = try Fixture()
    var text = "date,video_id,source,placement_id,impressions,cost,gmv,orders,likes\n"
    var expected: [String] = []
    var seen = Set<String>()
    for _ in 0..<200 {
      let day = Int.random(in: 1...28, using: &generator)
      let date = "2026-05-\(day < 10 ? "0" : "")\(day)"
      let video = Bool.random(using: &generator) ? "v1" : "v2"
      let source = Source.allCases.randomElement(using: &generator) ?? .natural
      let order =
        Bool.random(using: &generator) ? "" : "O\(Int.random(in: 1...3, using: &generator))"
      guard seen.insert("\(date)|\(video)|\(source.rawValue)|\(order)").inserted else { continue }
      let impressions = Int64.random(in: 0...10_000_000, using: &generator)
      let cost = source == .natural ? 0 : Int64.random(in: 0...100_000_000, using: &generator)
      let gmv = Int64.random(in: 0...100_000_000, using: &generator)
      let orders = Int64.random(in: 0...1_000, using: &generator)
      let likes = Int64.random(in: 0...100_000, using: &generator)
      let grouped = Bool.random(using: &generator)
      let money = { (fen: Int64) in grouped ? "\"¥\(Money.yuanGrouped(fen))\"" : Money.yuan(fen) }
      text +=
        "\(date),\(video),\(source.rawValue),\(order),\(impressions),\(money(cost)),"
        + "\(money(gmv)),\(orders),\(likes)\n"
      expected.append(
        "\(date)|\(video)|\(source.rawValue)|\(order)|\(impressions)|\(cost)|\(gmv)|\(orders)|"
          + "\(likes)|0|0|0")
    }
    try fixture.importing(.metrics, [try fixture.file("r\(round).csv", text)])
    let stored = try fixture.metrics()
    #expect(stored.count == expected.count)
    #expect(Set(stored) == Set(expected))
  }
}

@Test func userProfileWithMoneyInFenAndMilliFenStoresExactFen() throws {
  let fixture = try Fixture()
  let metricsProfile = try fixture.file(
    "api.json",
    """
    {"name": "api", "kind": "metrics", "source": "qianchuan", "money_unit": "milli_fen",
     "columns": {"stat_time_day": "date", "material_id": "video_id", "stat_cost": "cost"}}
    """)
  // Milli-fen round half to even to the fen: 1234.567 → 1235, 1234.5 → 1234, 1234.499 → 1234.
  let dump = try fixture.file(
    "dump.csv",
    "stat_time_day,material_id,stat_cost\n2026-05-01 00:00:00,v1,1234567\n"
      + "2026-05-02 00:00:00,v1,1234500\n2026-05-03 00:00:00,v1,1234499\n")
  try fixture.importing(.metrics, [dump]) { $0.profile = .file(metricsProfile) }
  #expect(
    try fixture.metrics() == [
      "2026-05-01|v1|qianchuan||0|1235|0|0|0|0|0|0", "2026-05-02|v1|qianchuan||0|1234|0|0|0|0|0|0",
      "2026-05-03|v1|qianchuan||0|1234|0|0|0|0|0|0",
    ])
  let ordersProfile = try fixture.file(
    "orders.json",
    """
    {"name": "orders", "kind": "placements", "money_unit": "fen",
     "columns": {"order_id": "placement_id", "item_id": "video_id", "budget": "budget",
                 "tool": "tool", "start": "start"}}
    """)
  let orders = try fixture.file(
    "orders.csv", "order_id,item_id,tool,budget,start\nO1,v1,dou_plus,50000,2026-05-01 10:00\n")
  try fixture.importing(.placements, [orders]) { $0.profile = .file(ordersProfile) }
  #expect(try fixture.ledger.placement("O1").budget == 50_000)
}

/// 2026-01-01 in days since 1970.
private let newYear: Int32 = 20_454

/// A metrics file of v1's natural rows for the given days from 2026-01-01, with `gmv(day)` yuan.
private func dailyFile(_ days: Range<Int>, gmv: (Int) -> Int) -> String {
  var text = "date,video_id,source,impressions,gmv\n"
  for day in days {
    let date = Day(daysSinceEpoch: newYear + Int32(day))
    text += "\(date),v1,natural,\(day + 1),\(gmv(day))\n"
  }
  return text
}

@Test func rowsWrittenInBlocksCountAndReviseAsRowByRowWould() throws {
  let fixture = try Fixture()
  let first = try fixture.importing(
    .metrics, [try fixture.file("a.csv", dailyFile(0..<100) { $0 })])
  #expect(first.summary[.metrics] == WriteCounts(inserted: 100, updated: 0, unchanged: 0))
  // Days 0–63 unchanged (two whole blocks), every 5th of days 64–99 restated, days 100–149
  // new: the block of days 96–127 mixes all three.
  let restated: (Int) -> Int = { $0 >= 64 && $0 % 5 == 0 ? $0 + 1000 : $0 }
  let second = try fixture.file("b.csv", dailyFile(0..<150, gmv: restated))
  let changed = (64..<100).filter { $0 % 5 == 0 }.count
  let report = try fixture.importing(.metrics, [second])
  #expect(
    report.summary[.metrics]
      == WriteCounts(inserted: 50, updated: changed, unchanged: 100 - changed))
  #expect(try fixture.ledger.history(videoID: "v1").count == changed)
  // A first block that meets stored rows (days 90–99 of c.csv) falls back to row by row.
  let third = try fixture.file("c.csv", dailyFile(90..<200) { $0 < 100 ? $0 + 7 : restated($0) })
  let again = try fixture.importing(.metrics, [third])
  #expect(again.summary[.metrics] == WriteCounts(inserted: 50, updated: 10, unchanged: 50))
  let expected = (0..<200).map { day -> String in
    let date = Day(daysSinceEpoch: newYear + Int32(day))
    let gmv = (90..<100).contains(day) ? day + 7 : restated(day)
    return "\(date)|v1|natural||\(day + 1)|0|\(gmv * 100)|0|0|0|0|0"
  }
  #expect(try fixture.metrics() == expected)
  let unchanged = try fixture.importing(.metrics, [third])
  #expect(unchanged.summary[.metrics] == WriteCounts(inserted: 0, updated: 0, unchanged: 110))
}

@Test func duplicateFoundAmongManyRowsNamesTheEarlierLineAcrossFiles() throws {
  let fixture = try Fixture()
  let spend = try fixture.file("spend.csv", dailyFile(0..<5000) { $0 })
  var shopText = "date,video_id,source,orders,gmv\n"
  for (day, cells) in [(20, ",5"), (4000, "1,"), (4000, "2,")] {
    shopText += "\(Day(daysSinceEpoch: newYear + Int32(day))),v1,natural,\(cells)\n"
  }
  let shop = try fixture.file("shop.csv", shopText)
  let found = problems { try fixture.importing(.metrics, [spend, shop]) }
  // Day 20 repeats spend.csv's gmv; day 4000's orders complete spend.csv's row the first time
  // and repeat line 3 the second.
  #expect(
    found.map { "\($0.location.line ?? 0) " + ($0.message.split(separator: " with")[0]) } == [
      "2 same date, video_id, source and placement_id as \(spend):22",
      "4 same date, video_id, source and placement_id as line 3",
    ])
}

@Test func fileSortedByDateImportsAsTheSameRowsAsOneSortedByVideo() throws {
  // 2 videos x 36,000 days: more rows than one sorted chunk, written out of file order.
  let days = 36_000
  func file(byDate: Bool) -> String {
    var text = "date,video_id,source,impressions,gmv,orders\n"
    let keys =
      byDate
      ? (0..<days).flatMap { day in ["v1", "v2"].map { (day, $0) } }
      : ["v1", "v2"].flatMap { video in (0..<days).map { (day: $0, video) } }
    for (day, video) in keys {
      let date = Day(daysSinceEpoch: Int32(day))
      text += "\(date),\(video),natural,\(day % 1000),\(video == "v1" ? day : 7),\n"
    }
    // Complementary numbers for one key, in the same file and chunk: the orders come later.
    text += "1970-01-02,v1,natural,,,5\n"
    return text
  }
  let byVideo = try Fixture()
  let byDate = try Fixture()
  let first = try byVideo.importing(.metrics, [try byVideo.file("v.csv", file(byDate: false))])
  let second = try byDate.importing(.metrics, [try byDate.file("d.csv", file(byDate: true))])
  #expect(first.summary[.metrics] == second.summary[.metrics])
  #expect(second.summary[.metrics].inserted == 2 * days)
  #expect(try byDate.metrics() == byVideo.metrics())
  #expect(try byDate.metrics().first == "1970-01-01|v1|natural||0|0|0|0|0|0|0|0")
  #expect(try byDate.metrics()[2] == "1970-01-02|v1|natural||1|0|100|5|0|0|0|0")
  let again = try byDate.importing(.metrics, [byDate.folder + "/d.csv"])
  #expect(again.summary[.metrics] == WriteCounts(inserted: 0, updated: 0, unchanged: 2 * days + 1))
}

@Test func aDashInAMetricCellIsNoValueAsAnEmptyCellIs() throws {
  // The exports write -, --, — or － where they have no number: the ledger reads an empty
  // cell, in CSV, xlsx, JSON and a column whose header names a unit, and a restated row keeps
  // its stored value. A dash with digits is still a negative number, refused.
  let header = "date,video_id,source,impressions,gmv,orders,likes\n"
  func load(_ fixture: Fixture, _ cells: [String]) throws -> [String] {
    try fixture.importing(
      .metrics, [try fixture.file("first.csv", header + "2026-05-01,v1,natural,1,77,1,1\n")])
    let rows = [
      "2026-05-01,v1,natural,\(cells[0]),\(cells[1]),3,\(cells[2])",
      "2026-05-02,v2,natural,\(cells[3]),100,\(cells[0]),4",
    ]
    let csv = try fixture.file("m.csv", header + rows.joined(separator: "\n") + "\n")
    var workbook = XlsxWriter(
      rows: [["date", "video_id", "source", "impressions", "likes"].map { XlsxCell.text($0) }])
    workbook.sheets[0].rows.append(
      (2, [.text("2026-05-03"), .text("v1"), .text("natural"), .text(cells[1]), .number("5")]))
    let xlsx = fixture.folder + "/m.xlsx"
    try workbook.write(to: xlsx)
    let json = try fixture.file(
      "m.json",
      #"[{"date":"2026-05-04","video_id":"v2","source":"natural","impressions":"\#(cells[2])","likes":"6"}]"#
    )
    let unit = try fixture.file(
      "u.csv", "date,video_id,source,impressions,成交金额(万元)\n2026-05-05,v1,natural,9,\(cells[3])\n")
    for path in [csv, xlsx, json, unit] { try fixture.importing(.metrics, [path]) }
    return try fixture.ledger.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT day, video_ref, source, impressions, gmv, orders, likes, given FROM metric
          ORDER BY day, video_ref
          """
      ).map { "\($0)" }
    }
  }
  let dashed = try load(Fixture(), ["-", "--", "—", " － "])
  #expect(dashed == (try load(Fixture(), ["", "", "", ""])))
  #expect(dashed.count == 5)
  // The command line reads the same values as the importer (`aimt log`).
  let logged = try Fixture()
  try logged.ledger.enter(
    .metrics,
    fields: [
      "date": "2026-05-06", "video_id": "v1", "source": "natural", "impressions": "-",
      "likes": "8",
    ], command: "log")
  #expect(try logged.metrics() == ["2026-05-06|v1|natural||0|0|0|0|8|0|0|0"])
  // The first day's GMV, restated with a dash, is the one stored before.
  #expect(dashed.first?.contains("gmv:7700") == true)
  let fixture = try Fixture()
  // Only a metric's number: a dash in the date is no date, named as such.
  let bad = try fixture.file(
    "bad.csv",
    header
      + "2026-05-01,v1,natural,-5,1,1,1\n2026-05-01,v2,natural,-x,1,1,1\n-,v1,natural,1,1,1,1\n")
  let found = problems { try fixture.importing(.metrics, [bad]) }
  #expect(found.map(\.location.line) == [2, 3, 4])
  #expect(found.map(\.column) == ["impressions", "impressions", "date"])
  #expect(found.last?.message.contains("\"-\"") == true)
}
