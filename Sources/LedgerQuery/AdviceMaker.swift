internal import GRDB
internal import LedgerStore

/// Every selected video's advice on one day, made from what one read left in memory: the
/// windows, the launches and the account weights of every video (``DecisionSums``, or the
/// reads apart for a filter it does not serve), the followers and the placements.
///
/// Making an advice reads only that state, which nothing changes once made: any thread may make
/// one (``advice(_:_:)`` without a database), except for a video whose launch was not read with
/// the windows, which only the thread holding the ledger's connection can read.
struct AdviceMaker {
  /// The slots of the videos advised (``VideoDirectory/videos``), in directory order.
  let slots: [Int]
  private let context: DecisionContext
  private let asOf: Day
  private let window: Int
  private let thresholds: DecisionThresholds
  private let sale: SaleWindow?
  private let everyLaunch: Bool
  private let current: SlotTable<TrafficSums>
  private let previous: SlotTable<TrafficSums>
  private let weights: [Fraction?]
  /// The launch's natural sums read with the windows (nil: read per video).
  private let launchSums: DecisionSums?
  private let launch: LaunchSums
  private let followersOfKOL: [Int64?]
  private let engine: RuleEngine
  private let cpm: CPMChoice
  private let dayStart: DateTime
  private let dayEnd: DateTime

  /// Reads what the advice of the videos `filter` selects needs on `asOf`.
  ///
  /// `keepSilent` keeps the videos without a metric row in the window; `explains` false keeps
  /// the reasons' rules without their text; `everyLaunch` false reads the launch model only of
  /// the videos in their launch, the ones the rules judge on it (the others'
  /// ``Advice/launchModel`` is nil).
  init(
    _ db: Database, context: DecisionContext, asOf: Day, window: Int, filter: VideoFilter,
    thresholds: DecisionThresholds, sale: SaleWindow?, keepSilent: Bool, explains: Bool = true,
    everyLaunch: Bool = true
  ) throws {
    let settings = context.settings
    if DecisionSums.serves(filter) {
      let sums = try DecisionSums(
        db, context: context, asOf: asOf, window: window, filter: filter, launches: everyLaunch)
      (current, previous, weights, launchSums) = (sums.current, sums.previous, sums.weights, sums)
    } else {
      let sums = try WindowSums.compute(
        db, groups: Grouper(.video, context.directory), asOf: asOf, window: window,
        filter: filter, tool: nil)
      (current, previous) = (SlotTable(sums.current), SlotTable(sums.previous))
      weights = try AccountWeight.compute(db, context: context, asOf: asOf, of: filter)
      launchSums = nil
    }
    (self.context, self.asOf, self.window, self.thresholds, self.sale) = (
      context, asOf, window, thresholds, sale
    )
    self.everyLaunch = everyLaunch
    launch = LaunchSums(settings: settings, asOf: asOf)
    followersOfKOL = context.followersByKOL(on: asOf)
    var engine = RuleEngine(settings: settings, thresholds: thresholds)
    engine.explains = explains
    self.engine = engine
    cpm = CPMChoice.price(fen: sale?.cpmPrice ?? settings.cpmPrice)
    dayStart = DateTime(day: asOf, secondOfDay: 0)
    dayEnd = DateTime(day: asOf.adding(days: 1), secondOfDay: 0)
    var slots: [Int] = []
    // No copy of each video's facts (five strings retained) when every video matches.
    let everyVideo = filter == VideoFilter()
    for slot in 0..<context.directory.videos.count
    where everyVideo || filter.matches(context.directory.videos[slot]) {
      if current[slot].rows > 0 || keepSilent { slots.append(slot) }
    }
    self.slots = slots
  }

  /// The advice of the `index`th video advised (of ``slots``); nil when its launch is to be
  /// read from the ledger and there is no `db` (a thread that reads nothing).
  func advice(_ index: Int, _ db: Database?) throws -> Advice? {
    let slot = slots[index]
    let settings = context.settings
    let video = context.directory.videos[slot]
    let model = TrafficModel(
      current: current[slot].excludingUnplayedGMV(),
      previous: previous[slot].excludingUnplayedGMV(), cpm: cpm, floor: thresholds.floor,
      declineRatio: settings.declineRatio)
    var launchModel: TrafficModel?
    if everyLaunch || launch.isInLaunch(video) {
      let natural = launchSums?.launch(ofSlot: slot)
      if let db {
        launchModel = try launch.model(db, video: video, natural: natural)
      } else if let natural {
        launchModel = launch.model(video: video, natural: natural)
      } else if launch.hasLaunch(video) {
        return nil
      }
    }
    let kol = context.directory.kols.number(ofSlot: slot)
    let followers = kol.flatMap { followersOfKOL[$0] }
    let placements = context.placements(of: video)
    let facts = DecisionFacts(
      video: video, asOf: asOf, window: window, followers: followers,
      tier: followers.map(settings.tiers.tier(followers:)),
      ageDays: video.published.map { asOf - $0.day }, model: model, launch: launchModel,
      weight: kol.flatMap { weights[$0] },
      running: placements.filter { $0.overlaps(from: dayStart, to: dayEnd) },
      hadSuixintui: placements.contains {
        $0.tool == Source.suixintui.rawValue && $0.start < dayEnd
      },
      sale: sale)
    return Advice(
      video: video, asOf: asOf, followers: followers, kolTier: facts.tier,
      ageDays: facts.ageDays, model: model, launchModel: launchModel,
      accountWeight: facts.weight, sale: sale, decision: engine.decide(facts))
  }

  /// What a chunk of videos' advice became on the thread that made it: runs of lines, each
  /// run's bytes one array (handed to and freed on the other thread once per run, not per
  /// line), cut where a video's advice must be made on the ledger's thread or failed.
  enum TextPiece {
    case text([UInt8], rows: Int)
    case onLedgerThread(index: Int)
    case failed(any Error)
  }

  /// The advice of the videos at `indices` turned into text by `line` (each appending its
  /// video's line, given its position among the videos advised), reading nothing.
  func text(_ indices: Range<Int>, _ line: (Advice, Int, inout [UInt8]) -> Void) -> [TextPiece] {
    var pieces: [TextPiece] = []
    var bytes: [UInt8] = []
    var rows = 0
    func cut() {
      guard rows > 0 else { return }
      pieces.append(.text(bytes, rows: rows))
      (bytes, rows) = ([], 0)
    }
    bytes.reserveCapacity(indices.count * AdviceMaker.lineBytes)
    for index in indices {
      do {
        guard let made = try advice(index, nil) else {
          cut()
          pieces.append(.onLedgerThread(index: index))
          continue
        }
        line(made, index, &bytes)
        rows += 1
      } catch {
        cut()
        pieces.append(.failed(error))
        return pieces
      }
    }
    cut()
    return pieces
  }

  /// Bytes reserved per video for its line: most of the benchmark's lines are shorter (190 on
  /// average at 16×), so a chunk's run seldom grows.
  static let lineBytes = 256
}

/// Reads the facts of every video a filter selects on one day and runs the rule engine.
enum AdviceReader {
  static func advise(
    _ db: Database, context: DecisionContext, asOf: Day, window: Int, filter: VideoFilter,
    thresholds: DecisionThresholds, sale: SaleWindow?, keepSilent: Bool
  ) throws -> [Advice] {
    var advice: [Advice] = []
    try advise(
      db, context: context, asOf: asOf, window: window, filter: filter, thresholds: thresholds,
      sale: sale, keepSilent: keepSilent
    ) { advice.append($0) }
    return advice
  }

  /// Calls `body` with the advice of each video in directory order, made one at a time (the
  /// shortlist keeps only what it ranks, not every video's advice besides); the options are
  /// ``AdviceMaker``'s.
  static func advise(
    _ db: Database, context: DecisionContext, asOf: Day, window: Int, filter: VideoFilter,
    thresholds: DecisionThresholds, sale: SaleWindow?, keepSilent: Bool, explains: Bool = true,
    everyLaunch: Bool = true, plan: ChunkPlan = .automatic, _ body: (Advice) throws -> Void
  ) throws {
    let maker = try AdviceMaker(
      db, context: context, asOf: asOf, window: window, filter: filter, thresholds: thresholds,
      sale: sale, keepSilent: keepSilent, explains: explains, everyLaunch: everyLaunch)
    try forEach(maker, db, plan: plan, body)
  }

  /// Calls `body` with each advice `maker` makes, in order, made on two cores (docs/internals.md,
  /// "Advice made on two cores"): a video whose launch is still to be read (none, when the
  /// launches were read with the windows) is advised on this thread, which holds `db`.
  static func forEach(
    _ maker: AdviceMaker, _ db: Database, plan: ChunkPlan, _ body: (Advice) throws -> Void
  ) throws {
    try OrderedChunks.forEach(
      count: maker.slots.count, plan: plan,
      make: { index in (index, Result { try maker.advice(index, nil) }) },
      body: { index, made in
        if let made = try made.get() {
          try body(made)
        } else if let made = try maker.advice(index, db) {
          try body(made)
        } else {
          preconditionFailure("advice with the ledger at hand is always made")
        }
      })
  }

  /// Calls `body` with the text of the advice `maker` makes, in order, in runs of lines and how
  /// many lines each holds: `text` appends a video's line, given its position among the videos
  /// advised, on the thread that made the advice (either of two; docs/internals.md, "Advice
  /// made on two cores"), so a chunk's lines cross threads as one array.
  static func forEachText(
    _ maker: AdviceMaker, _ db: Database, plan: ChunkPlan,
    text: (Advice, Int, inout [UInt8]) -> Void, _ body: ([UInt8], Int) throws -> Void
  ) throws {
    try OrderedChunks.forEachChunk(
      count: maker.slots.count, plan: plan, make: { maker.text($0, text) },
      body: { pieces in
        for piece in pieces {
          switch piece {
          case .text(let bytes, let rows): try body(bytes, rows)
          case .onLedgerThread(let index):
            guard let made = try maker.advice(index, db) else {
              preconditionFailure("advice with the ledger at hand is always made")
            }
            var bytes: [UInt8] = []
            text(made, index, &bytes)
            try body(bytes, 1)
          case .failed(let error): throw error
          }
        }
      })
  }

  /// The launch model from a scan of the video's rows (the reference ``LaunchSums`` is tested
  /// against).
  ///
  /// The model over the first `launch_days` after publishing, up to `asOf`, natural traffic
  /// only, at the ledger's CPM; nil without a publish time or before it.
  static func scannedLaunchModel(
    _ db: Database, video: VideoFacts, asOf: Day, settings: QuerySettings
  ) throws -> TrafficModel? {
    guard let published = video.published?.day, published <= asOf, settings.launchDays > 0
    else { return nil }
    let last = min(published.adding(days: settings.launchDays - 1), asOf)
    var sums = TrafficSums()
    try MetricScan.scan(db, videoRef: video.ref, from: published, through: last) { row in
      if row.source == 0 { sums.add(row) }
    }
    return LaunchSums.model(sums, settings: settings)
  }
}
