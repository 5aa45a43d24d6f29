import ArgumentParser
import Foundation
import LedgerImport
import LedgerStore

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build a small sample ledger and show what aimt keeps.",
    discussion: """
      Writes ./aimt-demo.db (or --db PATH), replacing an earlier demo ledger there but never
      another file. The data is fixed, so every run prints the same numbers.
      Example: aimt demo && aimt video show v1001 --db aimt-demo.db
      """)
  @Option(name: .long, help: "Where to build the demo ledger (default: ./aimt-demo.db).")
  var db = "aimt-demo.db"
  @OptionGroup var output: OutputOptions

  func run() throws {
    let store = try DemoLedger.build(at: db)
    Terminal.write("demo ledger: \(db)\n\n$ aimt video list --db \(db)\n")
    output.emit(Tables.videos(try store.videos()))
    Terminal.write(
      "\n$ aimt video show v1001 --db \(db)   (the worked example: 250k natural plays, ¥20,000 GMV)\n"
    )
    output.emit(Tables.totals(try store.videoTotals(videoID: "v1001")))
    Terminal.write("\n$ aimt placement list --db \(db)\n")
    output.emit(Tables.placements(try store.placements()))
    Terminal.write(
      "\nThe traffic-ROI, spend and 5A reports come with the query module; "
        + "meanwhile try: aimt sql \"SELECT * FROM daily_metrics LIMIT 5\" --db \(db)\n")
  }
}

/// The demo's fixed sample data, written through the same writer as every other path.
enum DemoLedger {
  static func build(at path: String) throws -> Ledger {
    if FileManager.default.fileExists(atPath: path) {
      let existing = try Ledger.openReadOnly(path: path)
      var isDemo = false
      try existing.query(
        "SELECT count(*) FROM import_batch WHERE command = 'demo'", header: { _ in },
        row: { values in isDemo = values.first != .integer(0) })
      guard isDemo else {
        throw CommandFailure(
          message: "\(path) exists and is not a demo ledger; choose another --db", exitCode: 1)
      }
      for suffix in ["", "-wal", "-shm"] {
        try? FileManager.default.removeItem(atPath: path + suffix)
      }
    }
    let store = try Ledger.open(path: path, create: true)
    try store.write { writer in
      try writer.beginBatch(BatchInfo(command: "demo", kind: "kols"))
      for (id, name, category, followers) in [
        ("dy_xiaomei", "美妆达人小美", "beauty", Int64(1_200_000)),
        ("dy_ajie", "护肤阿杰", "skincare", 350_000),
        ("dy_lulu", "露露的化妆间", "beauty", 5_600_000),
      ] {
        var kol = KOLInput(kolID: id)
        kol.name = name
        kol.category = category
        kol.followers = followers
        kol.asOf = Day(year: 2026, month: 4, day: 30)
        try writer.upsert(kol, at: .commandLine)
      }
      try writer.beginBatch(BatchInfo(command: "demo", kind: "videos"))
      for (id, kol, title, day) in [
        ("v1001", "dy_xiaomei", "早八通勤妆 5 分钟", 1), ("v1002", "dy_ajie", "油皮夏天怎么护肤", 2),
        ("v1003", "dy_lulu", "618 必买口红合集", 3),
      ] {
        var video = VideoInput(videoID: id)
        video.kolID = kol
        video.brand = "山茶花"
        video.title = title
        video.published = DateTime(day: try Day.parse("2026-05-0\(day)"), secondOfDay: 20 * 3600)
        video.chain = .tmall
        video.adReview = .passed
        video.biddingAuthorized = id != "v1002"
        try writer.upsert(video, at: .commandLine)
      }
      try writer.beginBatch(BatchInfo(command: "demo", kind: "metrics"))
      let first = try Day.parse("2026-05-01")
      for offset in 0..<14 {
        let day = first.adding(days: offset)
        // The worked example on its first day: 250,000 natural plays and ¥20,000 GMV.
        let decay = Int64(14 - offset)
        try writer.upsert(
          MetricInput(
            day: day, videoID: "v1001", source: .natural,
            values: [
              .impressions: 250_000 * decay / 14, .gmv: 2_000_000 * decay / 14,
              .likes: 9_000 * decay / 14, .comments: 700 * decay / 14,
            ]), at: .commandLine)
        if offset >= 3 {
          try writer.upsert(
            MetricInput(
              day: day, videoID: "v1001", source: .douPlus, placementID: "DP-\(offset)",
              values: [.impressions: 12_500, .cost: 50_000, .gmv: 61_000, .orders: 4]),
            at: .commandLine)
        }
        try writer.upsert(
          MetricInput(
            day: day.adding(days: 1), videoID: "v1002", source: .natural,
            values: [.impressions: 40_000 * decay / 14, .gmv: 120_000 * decay / 14]),
          at: .commandLine)
      }
      try writer.beginBatch(BatchInfo(command: "demo", kind: "placements"))
      for offset in 3..<14 {
        var order = PlacementInput(placementID: "DP-\(offset)")
        order.videoID = "v1001"
        order.tool = .douPlus
        order.mode = .smart
        order.strategy = .standard
        order.budget = 50_000
        order.start = DateTime(day: first.adding(days: offset), secondOfDay: 10 * 3600)
        order.end = DateTime(day: first.adding(days: offset + 1), secondOfDay: 10 * 3600)
        try writer.upsert(order, at: .commandLine)
      }
      var booking = PlacementInput(placementID: "CS-618-v1003")
      booking.videoID = "v1003"
      booking.tool = .contentService
      booking.budget = 80_000_000
      booking.start = DateTime(day: try Day.parse("2026-06-01"), secondOfDay: 0)
      booking.end = DateTime.endOfDay(try Day.parse("2026-06-07"))
      try writer.upsert(booking, at: .commandLine)
      try writer.beginBatch(BatchInfo(command: "demo", kind: "promotions"))
      var sale = PromotionInput(name: "618-2026")
      sale.start = try Day.parse("2026-05-20")
      sale.end = try Day.parse("2026-06-18")
      try writer.upsert(sale, at: .commandLine)
    }
    return store
  }
}
