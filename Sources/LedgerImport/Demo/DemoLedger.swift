import Foundation
public import LedgerStore

/// The demo's fixed sample data, written through the same writer as every other path.
public enum DemoLedger {
  /// Builds the demo ledger at `path`, replacing an earlier demo ledger there (never another
  /// file: one not built by `aimt demo` is refused).
  public static func build(at path: String) throws -> Ledger {
    if FileManager.default.fileExists(atPath: path) {
      guard try Ledger.openReadOnly(path: path).hasBatches(command: "demo") else {
        throw LedgerError.invalidData([
          SourceLocation.commandLine.problem(
            "--db", "\(path) exists and is not a demo ledger; choose another --db")
        ])
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
        // The worked example on its first day: 250,000 natural plays and ¥20,000 GMV; every
        // later day keeps its 8 fen of GMV per play, so any window's model is exactly 2.0.
        let decay = Int64(14 - offset)
        let plays = 250_000 * decay / 14
        try writer.upsert(
          MetricInput(
            day: day, videoID: "v1001", source: .natural,
            values: [
              .impressions: plays, .gmv: 8 * plays,
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
      try writer.beginBatch(BatchInfo(command: "demo", kind: "audience"))
      // Weekly Yuntu 5A snapshots of the brand: the seeding weeks grow A1–A3 most.
      for (week, o, a1, a2, a3, a4, a5) in [
        (0, 9_800_000, 2_400_000, 610_000, 180_000, 52_000, 9_000),
        (1, 9_650_000, 2_710_000, 702_000, 214_000, 55_500, 9_400),
        (2, 9_500_000, 2_950_000, 781_000, 243_000, 58_900, 9_900),
      ] as [(Int, Int64, Int64, Int64, Int64, Int64, Int64)] {
        try writer.upsert(
          AudienceInput(
            brand: "山茶花", day: first.adding(days: 7 * week),
            values: [
              .o: o, .a1: a1, .a2: a2, .a3: a3, .a4: a4, .a5: a5, .categoryTotal: 48_000_000,
            ]), at: .commandLine)
      }
      try writer.beginBatch(BatchInfo(command: "demo", kind: "promotions"))
      var sale = PromotionInput(name: "618-2026")
      sale.start = try Day.parse("2026-05-20")
      sale.end = try Day.parse("2026-06-18")
      try writer.upsert(sale, at: .commandLine)
    }
    return store
  }
}
