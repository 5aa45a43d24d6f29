import Foundation
import GRDB
import TestSupport
import Testing

@testable import LedgerStore

// Rows inserted after a video's stored days get their running rows as they are written
// (RunningAppender); rows anywhere else are left to the refresh. Whatever the mix in one
// write, the sums equal a recomputation.

private typealias B = LedgerBuilder

private func row(_ day: String, _ video: String = "v1", impressions: Int64) -> MetricInput {
  MetricInput(
    day: B.day(day), videoID: video, source: .natural, values: [.impressions: impressions])
}

/// The natural impressions of `video`'s running sums through `day`, nil when its stored chunks
/// hold no day `day`.
private func running(_ ledger: Ledger, _ day: String, _ video: String = "v1") throws -> Int64? {
  let day = Int32(B.day(day).daysSinceEpoch)
  return try ledger.read { db in
    let bytes = try Data.fetchOne(
      db,
      sql: """
        SELECT r.sums FROM metric_running r JOIN video v ON v.id = r.video_ref
        WHERE v.video_id = ? AND r.chunk = ?
        """, arguments: [video, day >> 4])
    guard let bytes else { return nil }
    let totals = RunningTotals()
    var found = false
    _ = bytes.withUnsafeBytes { raw in
      RunningChunk.forEachDay(raw, through: day, base: totals, scratch: RunningTotals()) {
        stored, own in
        for index in 0..<RunningTotals.width { totals.values[index] += own.values[index] }
        found = stored == day
      }
    }
    return found ? totals[Source.natural.code, .impressions] : nil
  }
}

@Test func rowsAppendedBackwardsAndAmongStoredDaysInOneWriteSumUp() throws {
  let ledger = try B.ledgerWithVideo()
  try ledger.write { writer in
    try writer.upsert(VideoInput(videoID: "v2"), at: .commandLine)
    // Days 5 and 6, then day 3 (before the days just built), then 7, and another video
    // between.
    for input in [
      row("2026-05-05", impressions: 1), row("2026-05-06", impressions: 2),
      row("2026-05-03", impressions: 4), row("2026-05-05", "v2", impressions: 100),
      row("2026-05-07", impressions: 8),
    ] {
      try writer.upsert(input, at: .commandLine)
    }
  }
  #expect(try ledger.check(deep: true).isEmpty)
  #expect(try running(ledger, "2026-05-03") == 4)
  #expect(try running(ledger, "2026-05-07") == 15)
  // After the stored days (appended), then before them (refreshed), then a stored day
  // restated, in one write.
  try ledger.write { writer in
    for input in [
      row("2026-05-08", impressions: 16), row("2026-05-09", impressions: 32),
      row("2026-05-01", impressions: 64), row("2026-05-06", impressions: 3),
      row("2026-05-10", impressions: 128),
    ] {
      try writer.upsert(input, at: .commandLine)
    }
  }
  #expect(try ledger.check(deep: true).isEmpty)
  #expect(try running(ledger, "2026-05-01") == 64)
  #expect(try running(ledger, "2026-05-10") == 64 + 4 + 1 + 3 + 8 + 16 + 32 + 128)
  #expect(try running(ledger, "2026-05-05", "v2") == 100)
}

@Test func aVideoWhoseBrandChangesBeforeOrAfterItsAppendedRowsCountsForItsNewBrand() throws {
  for changeFirst in [true, false] {
    let ledger = try B.ledgerWithVideo()
    try ledger.write { writer in
      try writer.upsert(row("2026-05-01", impressions: 1), at: .commandLine)
    }
    try ledger.write { writer in
      var video = VideoInput(videoID: "v1")
      video.brand = "C"
      if changeFirst { try writer.upsert(video, at: .commandLine) }
      try writer.upsert(row("2026-05-02", impressions: 2), at: .commandLine)
      try writer.upsert(row("2026-05-03", impressions: 4), at: .commandLine)
      if !changeFirst { try writer.upsert(video, at: .commandLine) }
    }
    #expect(try ledger.check(deep: true).isEmpty, "change first: \(changeFirst)")
    let brands = try ledger.read { db in
      try String.fetchAll(db, sql: "SELECT DISTINCT brand FROM metric_brand_day")
    }
    #expect(brands == ["C"], "change first: \(changeFirst)")
  }
}
