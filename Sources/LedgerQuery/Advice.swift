internal import GRDB
internal import GRDBSQLite
public import LedgerStore

/// The AIMT next step for a video.
public enum AdviceAction: String, Sendable, Equatable, CaseIterable {
  case douPlus = "dou_plus"
  case suixintui
  case contentService = "content_service"
  case kolBidding = "kol_bidding"
  case hold
  case stop
}

/// The questions `advise` answers.
public struct AdviseQuery: Sendable {
  /// One video; nil: every video the filter selects that has metrics in the window.
  public var videoID: String?
  /// The day advised on; nil: the latest day with any metric.
  public var asOf: Day?
  /// Days of the window judged (the model, the trend, the paid ROI).
  public var window: Int = 7
  public var floor: Fraction?
  public var filter = VideoFilter()
  /// Judge as inside this promotion (by name) whatever `asOf` is; nil: the promotion `asOf`
  /// falls in, if any.
  public var promotion: String?

  /// Every video, 7-day window, as of the latest day.
  public init() {}
}

/// The advice for one video: the facts the rules read and their decision.
public struct Advice: Sendable, Equatable {
  public var video: VideoFacts
  public var asOf: Day
  public var followers: Int64?
  public var kolTier: KOLTier?
  /// Days since publication on `asOf`; nil when the publish time is unknown.
  public var ageDays: Int?
  /// The model over the window ending `asOf`.
  public var model: TrafficModel
  /// The model over the first `launch_days` after publishing, natural traffic only; nil when
  /// the publish time is unknown or the launch is after `asOf`.
  public var launchModel: TrafficModel?
  /// Median natural plays of the KOL's videos over the last 90 days (the account's weight).
  public var accountWeight: Fraction?
  /// The promotion the decision was made in, if any.
  public var sale: SaleWindow?
  /// What the rule engine decided.
  public var decision: Decision

  public var action: AdviceAction { decision.action }
  /// For `dou_plus` and `suixintui`: smart or targeted.
  public var mode: DeliveryMode? { decision.mode }
  public var strategy: Strategy? { decision.strategy }
  /// Natural impressions behind the model the decision rests on.
  public var evidenceImpressions: Int64 { decision.evidenceImpressions }
  /// Why, one sentence each, in the order the rules were applied.
  public var reasons: [String] { decision.reasons.map(\.text) }
}

extension Ledger {
  /// The next AIMT step per video (docs/method.md, "Decisions": one rule engine for advise,
  /// shortlist, plan and video show).
  public func advise(_ query: AdviseQuery) throws(LedgerError) -> [Advice] {
    try advise(query, plan: .automatic)
  }

  /// ``advise(_:)`` made as `plan` says (tests compare one thread with two).
  package func advise(_ query: AdviseQuery, plan: ChunkPlan) throws(LedgerError) -> [Advice] {
    var advice: [Advice] = []
    try forEachAdvice(query, plan: plan) { advice.append($0) }
    return advice
  }

  /// ``advise(_:)`` one video at a time: calls `body` with each video's advice in the order
  /// `advise` lists them, holding none of them (the CLI prints 224,000 videos' advice as it
  /// comes).
  package func forEachAdvice(
    _ query: AdviseQuery, plan: ChunkPlan = .automatic, _ body: (Advice) throws -> Void
  ) throws(LedgerError) {
    try withAdviceMaker(query) { maker, db in
      try AdviceReader.forEach(maker, db, plan: plan, body)
    }
  }

  /// ``forEachAdvice(_:plan:_:)`` as text.
  ///
  /// `text` appends each video's line to the bytes it is given, on the thread that made the
  /// advice (either of two), and `body` gets the lines in runs, with how many each holds, in
  /// the order `advise` lists them. The CLI prints the lines made there, so that neither the
  /// 1.5 KB advice nor its printing passes through one thread, and a chunk's lines cross
  /// threads as one array (docs/internals.md, "Advice made on two cores").
  ///
  /// `text` gets the advice and its position in that order (0 for the first); it runs on two
  /// threads at once, so it must only read state that nothing changes meanwhile.
  package func forEachAdvice(
    _ query: AdviseQuery, plan: ChunkPlan = .automatic,
    text: (Advice, Int, inout [UInt8]) -> Void,
    _ body: (_ lines: [UInt8], _ rows: Int) throws -> Void
  ) throws(LedgerError) {
    try withAdviceMaker(query) { maker, db in
      try AdviceReader.forEachText(maker, db, plan: plan, text: text, body)
    }
  }

  /// Calls `body` with what makes the advice `query` asks for, in a read of the ledger; not
  /// when the ledger has no metric and `query` names no day.
  private func withAdviceMaker(
    _ query: AdviseQuery, _ body: (AdviceMaker, Database) throws -> Void
  ) throws(LedgerError) {
    // One video or one KOL reads only the videos of that KOL (the account weight needs them
    // all), or the one video when it has no KOL.
    var scope = VideoFilter(kolID: query.filter.kolID)
    if let videoID = query.videoID {
      let video = try video(videoID)
      scope = video.kolID.map { VideoFilter(kolID: $0) } ?? VideoFilter(videoID: videoID)
    }
    let settings = try querySettings()
    let forcedSale = try query.promotion.map { name throws(LedgerError) in
      try saleWindow(named: name, settings: settings)
    }
    try read { [scope] db in
      let context = try DecisionContext(db, settings: settings, filter: scope)
      guard let asOf = try query.asOf ?? MetricScan.latestDay(db) else { return }
      var filter = query.filter
      filter.videoID = query.videoID ?? filter.videoID
      var thresholds = DecisionThresholds(settings)
      thresholds.floor = query.floor ?? settings.roiFloor
      let maker = try AdviceMaker(
        db, context: context, asOf: asOf, window: max(query.window, 1), filter: filter,
        thresholds: thresholds, sale: forcedSale ?? context.sale(on: asOf),
        keepSilent: query.videoID != nil)
      try body(maker, db)
    }
  }
}

/// A video's launch: its natural traffic over the first `launch_days` after publishing, up to
/// `asOf`, read from its running sums (docs/internals.md, "Running sums"): the row at or before
/// the launch's last day less the row before the publish day, two seeks in the video's own
/// rows whatever its history, where a scan of the launch's days read a page of `metric`.
struct LaunchSums {
  let settings: QuerySettings
  let asOf: Day
  /// Scratch for the two stored rows.
  private let end = RunningTotals()
  private let start = RunningTotals()

  static let sql = """
    SELECT (SELECT sums FROM metric_running WHERE video_ref = ?1 AND chunk <= (?3 >> 4)
              ORDER BY chunk DESC LIMIT 1),
           (SELECT sums FROM metric_running WHERE video_ref = ?1 AND chunk <= (?2 >> 4)
              ORDER BY chunk DESC LIMIT 1)
    """

  init(settings: QuerySettings, asOf: Day) {
    self.settings = settings
    self.asOf = asOf
  }

  /// Whether `video` is in its launch on `asOf` (as the rules judge it: docs/method.md,
  /// "Decisions").
  func isInLaunch(_ video: VideoFacts) -> Bool {
    guard let published = video.published?.day else { return false }
    let age = asOf - published
    return age >= 0 && age < settings.launchDays
  }

  /// Whether `video` has a launch model on `asOf`: a publish time on or before it, and
  /// `launch_days` above 0.
  func hasLaunch(_ video: VideoFacts) -> Bool {
    guard let published = video.published?.day else { return false }
    return published <= asOf && settings.launchDays > 0
  }

  /// The launch model of `video` from its launch's natural sums, read already.
  ///
  /// nil when it has none (``hasLaunch(_:)``). Reads nothing: safe on any thread.
  func model(video: VideoFacts, natural: StreamTotals) -> TrafficModel? {
    guard hasLaunch(video) else { return nil }
    var sums = TrafficSums()
    sums.add(natural, source: 0)
    return LaunchSums.model(sums, settings: settings)
  }

  /// The launch model of `video`; nil without a publish time, when it is after `asOf`, or
  /// when `launch_days` is 0.
  func model(
    _ db: Database, video: VideoFacts, natural: StreamTotals? = nil
  ) throws -> TrafficModel? {
    guard hasLaunch(video), let published = video.published?.day else { return nil }
    if let natural { return model(video: video, natural: natural) }
    let last = min(published.adding(days: settings.launchDays - 1), asOf)
    let statement = try db.cachedStatement(sql: LaunchSums.sql)
    let before = Int32(truncatingIfNeeded: published.adding(days: -1).daysSinceEpoch)
    let through = Int32(truncatingIfNeeded: last.daysSinceEpoch)
    try statement.setArguments([video.ref, Int64(before), Int64(through)])
    var sums = TrafficSums()
    try RunningSums.step(statement, db) { handle in
      end.clear()
      start.clear()
      for (column, day, totals) in [(Int32(0), through, end), (Int32(1), before, start)] {
        guard
          RunningChunk.accumulate(column: column, of: handle, through: day, sign: 1, into: totals)
        else { throw RunningSums.damaged(video.ref) }
      }
      // Both rows fit in Int64 (a write refuses any total beyond), so the wrapping difference
      // is exact.
      for index in 0..<RunningField.count { end.values[index] &-= start.values[index] }
      sums.add(end.stream(0), source: 0)
    }
    return LaunchSums.model(sums, settings: settings)
  }

  /// The model of launch sums: no previous window, the ledger's CPM.
  static func model(_ sums: TrafficSums, settings: QuerySettings) -> TrafficModel {
    TrafficModel(
      current: sums.excludingUnplayedGMV(), previous: nil, cpm: .price(fen: settings.cpmPrice),
      floor: settings.roiFloor, declineRatio: settings.declineRatio)
  }
}

/// A KOL's weight: the median of its videos' natural plays over the last 90 days.
enum AccountWeight {
  static let days = 90

  /// The weights the videos of `filter` need, by KOL number (``VideoDirectory/kols``): one
  /// KOL's for one video, else those of the filter's KOL (or of every KOL), from all their
  /// videos whatever the brand; nil for the others.
  static func compute(
    _ db: Database, context: DecisionContext, asOf: Day, of filter: VideoFilter
  ) throws -> [Fraction?] {
    guard let videoID = filter.videoID else {
      return try compute(db, context: context, asOf: asOf, filter: VideoFilter(kolID: filter.kolID))
    }
    // One video needs the weight of one KOL: read only its videos.
    let kol = context.directory.videos.first { $0.videoID == videoID }?.kolID
    guard let kol, filter.kolID == nil || filter.kolID == kol else {
      return Array(repeating: nil, count: context.directory.kols.ids.count)
    }
    return try compute(db, context: context, asOf: asOf, filter: VideoFilter(kolID: kol))
  }

  static func compute(
    _ db: Database, context: DecisionContext, asOf: Day, filter: VideoFilter
  ) throws -> [Fraction?] {
    var plays = [Int64](repeating: 0, count: context.directory.videos.count)
    var seen = [Bool](repeating: false, count: plays.count)
    try RunningWindows.read(db, ends: [asOf.adding(days: -days), asOf], filter: filter) {
      ref, windows in
      guard let natural = windows.stream(0, source: 0),
        let slot = context.directory.slot(ofRef: ref)
      else { return }
      plays[slot] &+= natural.impressions
      seen[slot] = true
    }
    return medians(of: context.directory.kols) { seen[$0] ? plays[$0] : nil }
  }

  /// Per KOL number of `kols`: the median of `plays` over its videos' slots (nil: the slot's
  /// video had none), nil for a KOL whose videos had none.
  ///
  /// The plays are laid out KOL by KOL in one array (a count, then a place, per slot) and each
  /// KOL's run sorted where it lies: no array per KOL.
  static func medians(of kols: KOLNumbers, plays: (Int) -> Int64?) -> [Fraction?] {
    // starts[k]…starts[k + 1]: KOL k's run.
    var starts = [Int](repeating: 0, count: kols.ids.count + 1)
    for slot in 0..<kols.slots {
      if let kol = kols.number(ofSlot: slot), plays(slot) != nil { starts[kol + 1] += 1 }
    }
    for kol in kols.ids.indices { starts[kol + 1] += starts[kol] }
    var next = starts
    var laid = [Int64](repeating: 0, count: starts[kols.ids.count])
    for slot in 0..<kols.slots {
      if let kol = kols.number(ofSlot: slot), let value = plays(slot) {
        laid[next[kol]] = value
        next[kol] += 1
      }
    }
    return kols.ids.indices.map { kol in
      let run = starts[kol]..<starts[kol + 1]
      guard !run.isEmpty else { return nil }
      laid[run].sort()
      return median(ofSorted: laid[run])
    }
  }

  /// The middle value, or the mean of the two middle values, exactly.
  static func median(_ values: [Int64]) -> Fraction {
    median(ofSorted: values.sorted()[...])
  }

  /// The median of values sorted ascending (at least one).
  private static func median(ofSorted sorted: ArraySlice<Int64>) -> Fraction {
    let middle = sorted.startIndex + sorted.count / 2
    if sorted.count % 2 == 1 { return Fraction(sorted[middle]) }
    return Fraction(Int128(sorted[middle - 1]) + Int128(sorted[middle]), over: 2) ?? Fraction(0)
  }
}
