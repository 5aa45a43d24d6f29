import LedgerStore

/// A small ledger built in code for tests: KOL dy1, video v1 (brand B), ready for metrics.
enum LedgerBuilder {
  static func ledgerWithVideo() throws -> Ledger {
    let ledger = try Ledger.inMemory()
    try ledger.write { writer in
      try writer.beginBatch(BatchInfo(command: "add", kind: "kols"))
      var kol = KOLInput(kolID: "dy1")
      kol.followers = 600_000
      kol.asOf = Day(year: 2026, month: 4, day: 1)
      try writer.upsert(kol, at: .commandLine)
      var video = VideoInput(videoID: "v1")
      video.kolID = "dy1"
      video.brand = "B"
      try writer.upsert(video, at: .commandLine)
    }
    return ledger
  }

  static func day(_ text: String) -> Day {
    (try? Day.parse(text)) ?? Day(daysSinceEpoch: 0)
  }

  static func moment(_ text: String) -> DateTime {
    (try? DateTime.parse(text)) ?? DateTime(day: Day(daysSinceEpoch: 0), secondOfDay: 0)
  }

  static func placement(
    _ id: String, tool: Source, budget: Int64?, start: String, end: String?, video: String = "v1"
  ) -> PlacementInput {
    var input = PlacementInput(placementID: id)
    input.videoID = video
    input.tool = tool
    input.budget = budget
    input.start = moment(start)
    input.end = end.map(moment)
    return input
  }

  /// The problems of a refused write, or [] when it was accepted.
  static func problems(_ body: () throws -> Void) -> [Problem] {
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
}
