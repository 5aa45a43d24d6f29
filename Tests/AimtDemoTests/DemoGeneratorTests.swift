import Foundation
import GRDB
import LedgerImport
import LedgerStore
import Testing

@testable import AimtDemo

/// A fresh temporary folder.
private func temporaryFolder() throws -> String {
  let folder = NSTemporaryDirectory() + "aimt-demo-test-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  return folder
}

/// The bytes of each generated file, by name.
private func digests(_ parameters: DemoParameters) throws -> [String: Data] {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  var result: [String: Data] = [:]
  for file in try DemoGenerator(parameters).writeFiles(to: folder) {
    result[file.name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file.name))
  }
  return result
}

/// The rows of a generated CSV file (header first), split on commas (the demo's text has none).
private func csvRows(_ path: String) throws -> [[String]] {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  return text.split(separator: "\n").map { line in
    line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  }
}

private let small = DemoParameters(seed: 1, videos: 40, days: 30)

@Test func sameSeedWritesByteIdenticalFiles() throws {
  let first = try digests(small)
  #expect(first.count == 6)
  #expect(try digests(small) == first)
}

@Test func differentSeedWritesDifferentData() throws {
  let one = try digests(small)
  let two = try digests(DemoParameters(seed: 2, videos: 40, days: 30))
  #expect(one["metrics.csv"] != two["metrics.csv"])
  #expect(one["videos.csv"] != two["videos.csv"])
  #expect(one["promotions.csv"] == two["promotions.csv"])
}

@Test func filesCarryTheGenericHeadersInImportOrder() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let files = try DemoGenerator(small).writeFiles(to: folder)
  #expect(files.map(\.name) == DemoGenerator.importOrder.map { $0.rawValue + ".csv" })
  for file in files {
    let rows = try csvRows(folder + "/" + file.name)
    #expect(rows.first == file.kind.columns)
    #expect(rows.count == file.rows + 1)
    #expect(file.rows > 0)
  }
}

@Test func smallDemoImportsCleanlyThroughImportBatchesAndPassesCheck() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let build = try DemoGenerator(small).buildLedger(at: folder + "/demo.db")
  #expect(try build.ledger.check().isEmpty)
  for (file, report) in zip(build.files, build.imports) {
    #expect(report.files.first?.rows == file.rows)
    #expect(report.summary.batchIDs.count == 1)
  }
  let batches = try build.ledger.read { db in
    try Row.fetchAll(db, sql: "SELECT command, kind, file, sha256 FROM import_batch ORDER BY 1")
  }
  #expect(batches.count == 6)
  for row in batches {
    #expect(row["command"] as String == "demo")
    #expect(row["file"] as String == (row["kind"] as String) + ".csv")
    #expect((row["sha256"] as String?)?.count == 64)
  }
}

@Test func buildingAgainReplacesTheDemoButRefusesAnyOtherFile() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let tiny = DemoGenerator(DemoParameters(videos: 5, days: 10))
  _ = try tiny.buildLedger(at: folder + "/demo.db")
  _ = try tiny.buildLedger(at: folder + "/demo.db")
  _ = try Ledger.open(path: folder + "/mine.db", create: true)
  #expect(throws: LedgerError.self) { try tiny.buildLedger(at: folder + "/mine.db") }
  try Data("notes\n".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
  #expect(throws: LedgerError.self) { try tiny.buildLedger(at: folder + "/notes.txt") }
  #expect(try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8) == "notes\n")
}

@Test func everyKOLTierIsPresentAtDefaultSize() {
  let generator = DemoGenerator()
  #expect(generator.parameters.kolCount == 60)
  var tiers: [String: Int] = [:]
  for index in 0..<generator.parameters.kolCount {
    let followers = generator.kol(index).followers
    let tier =
      followers >= 5_000_000
      ? "super_head"
      : followers >= 1_000_000
        ? "head" : followers >= 100_000 ? "mid" : followers >= 10_000 ? "tail" : "koc"
    tiers[tier, default: 0] += 1
  }
  #expect(Set(tiers.keys) == ["super_head", "head", "mid", "tail", "koc"])
  #expect(tiers.values.allSatisfy { $0 >= 3 })
}

@Test func workedExampleHasAModelOfExactlyTwoOnItsFirstDay() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let build = try DemoGenerator(small).buildLedger(at: folder + "/demo.db")
  let rows = try build.ledger.read { db in
    try Row.fetchAll(
      db,
      sql: """
        SELECT impressions, gmv_fen FROM daily_metrics
        WHERE video_id = 'v1001' AND date = '2026-05-01' AND source = 'natural'
        """)
  }
  #expect(rows.count == 1)
  let impressions: Int64 = rows.first?["impressions"] ?? 0
  let gmv: Int64 = rows.first?["gmv_fen"] ?? 0
  #expect(impressions == 250_000)
  #expect(gmv == 2_000_000)
  // GPM = GMV per thousand plays = ¥80 = 8000 fen; ÷ the ¥40 (4000 fen) CPM price = 2.
  #expect(gmv * 1_000 == 2 * 4_000 * impressions)
}

@Test func douPlusStartsAfterTheWarmUpAndNeverMeetsContentService() {
  let generator = DemoGenerator()
  var douPlus = 0
  var bookings = 0
  var tools: Set<Source> = []
  for index in 0..<generator.parameters.videos {
    let video = generator.video(index)
    let orders = generator.orders(of: video)
    for order in orders {
      tools.insert(order.tool)
      #expect(order.end >= order.start)
      if order.tool == .douPlus {
        douPlus += 1
        #expect(order.start.day >= video.published.day.adding(days: 3), "\(order.id)")
        // The method's Dou+ budget: ¥100 to ¥5,000,000.
        #expect((10_000...500_000_000).contains(order.budget), "\(order.id) \(order.budget)")
        // Only the named case's last order runs into the sale.
        if order.id != "DP1014-2" {
          #expect(order.end < DateTime(day: DemoGenerator.saleStart, secondOfDay: 0))
        }
      }
      if order.tool == .contentService {
        bookings += 1
        // The method's content-service minimum: ¥50,000.
        #expect(order.budget >= 5_000_000, "\(order.id) \(order.budget)")
        for other in orders where other.tool == .douPlus {
          #expect(other.end <= order.start || order.end <= other.start, "\(other.id) \(order.id)")
        }
      }
    }
  }
  #expect(douPlus > 100)
  #expect((3...60).contains(bookings))
  #expect(tools == [.douPlus, .kolBidding, .qianchuan, .contentService])
}

@Test func everyMetricRowNamesAnExistingVideoAndPlacement() throws {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  _ = try DemoGenerator(DemoParameters(seed: 3, videos: 80, days: 45)).writeFiles(to: folder)
  let videos = Set(try csvRows(folder + "/videos.csv").dropFirst().map { $0[0] })
  var placements: [String: (video: String, tool: String)] = [:]
  for row in try csvRows(folder + "/placements.csv").dropFirst() {
    placements[row[0]] = (row[1], row[2])
  }
  var paidRows = 0
  var seen: Set<String> = []
  for row in try csvRows(folder + "/metrics.csv").dropFirst() {
    #expect(videos.contains(row[1]))
    #expect(seen.insert(row[0] + "|" + row[1] + "|" + row[2] + "|" + row[3]).inserted)
    if row[2] == "natural" {
      #expect(row[3].isEmpty)
      #expect(row[5] == "0.00")
    } else {
      paidRows += 1
      let placement = placements[row[3]]
      #expect(placement?.video == row[1], "\(row)")
      #expect(placement?.tool == row[2], "\(row)")
    }
  }
  #expect(paidRows > 0)
}

@Test func demoCalendarEndsTheMonthBeforeTheSale() {
  #expect(DemoParameters.lastDay.description == "2026-05-31")
  #expect(DemoParameters(days: 120).firstDay.description == "2026-02-01")
  #expect(DemoGenerator.workedExampleDay.description == "2026-05-01")
  #expect(DemoGenerator.saleStart.description == "2026-06-01")
  #expect(DemoGenerator.saleEnd.description == "2026-06-18")
  #expect(DemoGenerator.pastSaleStart.description == "2026-05-13")
  #expect(DemoGenerator.pastSaleEnd.description == "2026-05-20")
}

@Test func namedCasesTakeTheirNumbersWithTheirOwnKOLs() {
  let generator = DemoGenerator()
  let caseKOLs = Set(DemoGenerator.caseKOLs.map(\.id))
  for named in DemoCase.allCases {
    let video = generator.video(named.rawValue)
    #expect(video.id == named.videoID)
    #expect(caseKOLs.contains(video.kol.id), "\(named)")
    #expect(generator.kol(generator.parameters.kolCount + 5).id == "dy_xiaoyu")
  }
  // No generated video posts on a case's KOL.
  for index in (DemoCase.allCases.count + 1)..<generator.parameters.videos {
    #expect(!caseKOLs.contains(generator.video(index).kol.id))
  }
  // A demo too small for every case holds none: its first videos cover the three brands.
  let tiny = DemoGenerator(DemoParameters(videos: 13, days: 10))
  #expect(!tiny.parameters.holdsCases)
  #expect((0..<3).map { tiny.video($0).brand } == [0, 1, 2])
  #expect(!caseKOLs.contains(tiny.video(1).kol.id))
  #expect(DemoGenerator(DemoParameters(videos: 14)).video(1).kol.id == "dy_xingchen")
  #expect(DemoCase.douPlusIntoSale.action == "dou_plus")
  #expect(DemoCase.paidBelowFloor.action == "stop")
}

@Test func namedCasesOrdersMatchTheirStory() {
  let generator = DemoGenerator()
  func orders(_ named: DemoCase) -> [DemoGenerator.Order] {
    generator.orders(of: generator.video(named.rawValue))
  }
  let intoSale = orders(.douPlusIntoSale)
  #expect(intoSale.map(\.id) == ["DP1014-1", "DP1014-2"])
  #expect(
    intoSale.last?.end
      == DateTime(day: DemoGenerator.saleStart.adding(days: 1), secondOfDay: 36_000))
  #expect(orders(.paidBelowFloor).allSatisfy { $0.tool == .douPlus && $0.conversion == 0.6 })
  #expect(orders(.superHeadService).map(\.id) == ["CS520-v1002", "CS618-v1002"])
  #expect(orders(.headService).map(\.budget) == [30_000_000])
  #expect(orders(.kolBidding).map(\.tool) == [.kolBidding])
  #expect(orders(.closedLoop).isEmpty)
  #expect(generator.video(DemoCase.closedLoop.rawValue).chain == .closedLoop)
  #expect(generator.video(DemoCase.kocViral.rawValue).kol.followers < 10_000)
  // The past sale's bookings run inside it, with a metric row each day.
  var pastBookings = 0
  for index in 0..<generator.parameters.videos {
    for order in generator.orders(of: generator.video(index)) where order.id.hasPrefix("CS520-") {
      pastBookings += 1
      #expect(order.days == DemoGenerator.pastSaleStart...DemoGenerator.pastSaleEnd)
    }
  }
  #expect(pastBookings >= 3)
}
