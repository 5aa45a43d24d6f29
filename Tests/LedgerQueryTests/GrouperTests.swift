import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerQuery

/// A ledger of `count` videos with random KOLs, brands and chains (each sometimes unset), and
/// one natural, one Dou+ and one Qianchuan row on 2026-02-01 for each video.
private func groupedLedger(_ random: inout SplitMix64, videos count: Int) throws -> Ledger {
  let ledger = try Ledger.inMemory()
  let day = Day(daysSinceEpoch: 20_485)
  try ledger.write(options: WriteOptions(createMissing: true)) { writer in
    for video in 0..<count {
      var input = VideoInput(videoID: "v\(video)")
      input.kolID = random.chance(70) ? "k\(random.int(0...3))" : nil
      input.brand = random.chance(80) ? ["Alpha", "Beta", "伽马"][Int(random.int(0...2))] : nil
      input.chain = random.chance(60) ? SalesChain.allCases[Int(random.int(0...1))] : nil
      try writer.upsert(input, at: .commandLine)
      for (source, cost) in [(Source.natural, 0), (.douPlus, 10_000), (.qianchuan, 100_000)] {
        try writer.upsert(
          MetricInput(
            day: day, videoID: "v\(video)", source: source,
            placementID: source == .natural ? "" : "P\(video)-\(source.code)",
            values: [.impressions: random.int(1...9_000), .cost: Int64(cost) * (Int64(video) + 1)]),
          at: .commandLine)
      }
    }
  }
  return ledger
}

@Test func groupsReadFromTheKeyColumnAloneEqualTheDirectorysForEveryGroupingAndFilter() throws {
  var random = SplitMix64(state: 41)
  let ledger = try groupedLedger(&random, videos: 40)
  try ledger.read { db in
    let all = try VideoDirectory(db)
    let filters = [
      VideoFilter(), VideoFilter(brand: "Alpha"), VideoFilter(brand: "伽马"),
      VideoFilter(kolID: "k1"), VideoFilter(videoID: "v7"), VideoFilter(brand: "none"),
    ]
    var compared = 0
    for filter in filters {
      let directory = try VideoDirectory(db, filter: filter)
      for grouping in ROIGrouping.allCases {
        let keyed = try Grouper(db, grouping, filter: filter)
        let full = Grouper(grouping, directory)
        let context = "\(grouping) \(filter)"
        #expect(keyed.count == full.count, "\(context)")
        #expect((0..<keyed.count).map(keyed.key) == (0..<full.count).map(full.key), "\(context)")
        // Every ref of the ledger and past it, every source.
        for ref in -1...(all.videos.last?.ref ?? 0) + 2 {
          for source in 0..<Source.allCases.count + 1 {
            #expect(
              keyed.group(videoRef: ref, source: source)
                == full.group(videoRef: ref, source: source),
              "\(context) ref \(ref) source \(source)")
            compared += 1
          }
        }
      }
    }
    #expect(compared > 1_000)
    // A group of videos holds exactly the videos with its key.
    let byKOL = try Grouper(db, .kol, filter: VideoFilter())
    for video in all.videos {
      let group = try #require(byKOL.group(videoRef: video.ref, source: 0))
      #expect(byKOL.key(group) == video.kolID)
    }
  }
}

@Test func spendByStageCountsQianchuanOnAKOLsOwnVideoAsInfluenceAndElsewhereAsMagnify() throws {
  var random = SplitMix64(state: 42)
  let ledger = try groupedLedger(&random, videos: 12)
  var wanted: [String: Int64] = [:]
  try ledger.read { db in
    for video in try VideoDirectory(db).videos {
      let index = Int64(video.videoID.dropFirst())!
      wanted["influence", default: 0] += 10_000 * (index + 1)
      wanted[video.kolID == nil ? "magnify" : "influence", default: 0] += 100_000 * (index + 1)
    }
  }
  #expect(wanted["magnify", default: 0] > 0 && wanted["influence", default: 0] > 0)
  var query = SpendQuery()
  query.grouping = .stage
  let report = try ledger.spendReport(query)
  #expect(report.rows.map(\.key) == ["influence", "magnify", "natural"])
  for row in report.rows {
    #expect(row.cost == wanted[row.key ?? "", default: 0], "\(row.key ?? "-")")
  }
}
