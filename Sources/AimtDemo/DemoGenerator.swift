import Foundation
import LedgerImport
package import LedgerStore

/// The size and seed of a generated demo data set.
///
/// The data always ends on ``lastDay`` (2026-05-31) and the demo sale (`618-2026`) follows it,
/// so the same parameters give the same files on every run and every machine.
package struct DemoParameters: Sendable, Equatable {
  /// The seed of every random draw.
  package var seed: UInt64
  /// How many videos (`v1001`, `v1002`, …); `v1001` is always the worked example.
  package var videos: Int
  /// How many days of metrics, ending on ``lastDay``.
  package var days: Int

  /// The defaults: seed 1, 500 videos, 120 days.
  package init(seed: UInt64 = 1, videos: Int = 500, days: Int = 120) {
    self.seed = seed
    self.videos = videos
    self.days = days
  }

  /// The last day of the generated metrics: 2026-05-31.
  package static let lastDay = Day(daysSinceEpoch: 20_604)

  /// The first day of the generated metrics.
  package var firstDay: Day { Self.lastDay.adding(days: 1 - max(days, 1)) }

  /// Whether the named cases (``DemoCase``) take their numbers: only when all of them fit, so
  /// a tiny demo keeps its first videos on every brand.
  package var holdsCases: Bool { videos > DemoCase.allCases.count }

  /// How many KOLs post the videos: 60, or one per ten videos for larger sets.
  package var kolCount: Int { max(60, videos / 10) }
}

/// Writes a realistic, deterministic demo data set as the CSV files a user would import.
///
/// Three brands, KOLs of every tier, videos published over the period with natural plays that
/// peak in their first days and then decay, Dou+ orders after the natural warm-up, KOL bidding
/// and Qianchuan campaigns, content-service bookings for the sale, weekly 5A snapshots and the
/// sale itself. The files use the generic profile's headers (the column names of
/// docs/data-model.md) and are written row by row, so memory stays flat whatever the size;
/// every value is drawn from ``DemoRandom`` streams seeded from ``DemoParameters/seed``, so one
/// seed gives byte-identical files. The worked example is kept exactly: `v1001` has 250,000
/// natural plays and ¥20,000 GMV on 2026-05-01, a traffic ROI model of 2.0 at the ¥40 CPM price.
///
/// ## Topics
/// - ``writeFiles(to:)``: the six files, in import order.
/// - ``buildLedger(at:)``: the files imported into a ledger through ``Ledger/importFiles(_:options:progress:)``.
package struct DemoGenerator: Sendable {
  /// The worked example's video.
  package static let workedExampleVideo = "v1001"
  /// The worked example's KOL.
  package static let workedExampleKOL = "dy_xiaomei"
  /// The worked example's first day: 2026-05-01.
  package static let workedExampleDay = Day(daysSinceEpoch: 20_574)
  /// The demo sale's name.
  package static let saleName = "618-2026"
  /// The demo sale's first day: 2026-06-01, the day after the data ends.
  package static let saleStart = Day(daysSinceEpoch: 20_605)
  /// The demo sale's last day: 2026-06-18.
  package static let saleEnd = Day(daysSinceEpoch: 20_622)
  /// The past sale, inside the data, whose outcome `aimt backtest shortlist` shows.
  package static let pastSaleName = "520-2026"
  /// The past sale's first day: 2026-05-13.
  package static let pastSaleStart = Day(daysSinceEpoch: 20_586)
  /// The past sale's last day: 2026-05-20.
  package static let pastSaleEnd = Day(daysSinceEpoch: 20_593)
  /// The three brands, the first one the largest.
  package static let brands = ["山茶花", "白桦林", "青柠檬"]
  /// The kinds in the order they must be imported (parents first).
  package static let importOrder: [RecordKind] = [
    .kols, .videos, .placements, .promotions, .metrics, .audience,
  ]

  /// The size and seed.
  package let parameters: DemoParameters

  /// A generator for `parameters`.
  package init(_ parameters: DemoParameters = DemoParameters()) {
    self.parameters = parameters
  }

  /// Writes `kols.csv`, `videos.csv`, `placements.csv`, `promotions.csv`, `metrics.csv` and
  /// `audience.csv` into `directory` (which must exist), replacing files of those names.
  ///
  /// Returns the files in import order, with their row counts.
  package func writeFiles(to directory: String) throws(LedgerError) -> [DemoFile] {
    var written: [DemoFile] = []
    var brands: [BrandDays] = []
    for kind in Self.importOrder {
      let file = try DemoCSVFile(directory: directory, kind: kind)
      switch kind {
      case .kols: try writeKOLs(file)
      case .videos: try writeVideos(file)
      case .placements: try writePlacements(file)
      case .promotions: try writePromotions(file)
      case .metrics: brands = try writeMetrics(file)
      case .audience: try writeAudience(file, brands: brands)
      }
      try file.close()
      written.append(file.report)
    }
    return written
  }

  // MARK: - KOLs

  /// One KOL, derived from the seed and its number alone.
  struct KOL {
    var id: String
    var name: String
    var category: String
    var followers: Int64
  }

  /// KOL `index`: every twentieth is a super-head, then head, mid, tail and KOC accounts in the
  /// proportions 1 : 3 : 6 : 6 : 4, so every tier is present from 20 KOLs up.
  func kol(_ index: Int) -> KOL {
    if index >= parameters.kolCount {
      return Self.caseKOLs[min(index - parameters.kolCount, Self.caseKOLs.count - 1)]
    }
    if index == 0 {
      return KOL(
        id: Self.workedExampleKOL, name: "美妆达人小美", category: "beauty", followers: 1_200_000)
    }
    var random = DemoRandom(seed: parameters.seed, stream: 1, index: UInt64(index))
    let skew = random.unit() * random.unit()
    let followers: Int64
    switch index % 20 {
    case 1: followers = 5_000_000 + Int64(25_000_000 * skew)
    case 0, 2, 3: followers = 1_000_000 + Int64(4_000_000 * skew)
    case 4...9: followers = 100_000 + Int64(900_000 * skew)
    case 10...15: followers = 10_000 + Int64(90_000 * skew)
    default: followers = 1_000 + Int64(9_000 * random.unit())
    }
    let category = random.pick(Self.kolCategories)
    let person = random.pick(Self.personNames)
    let topic = random.pick(Self.topics)
    let name: String
    switch random.below(4) {
    case 0: name = topic + "达人" + person
    case 1: name = person + "的" + random.pick(Self.places)
    case 2: name = topic + person
    default: name = person + "爱" + topic
    }
    return KOL(
      id: "dy" + String(100_000 + index), name: name, category: category, followers: followers)
  }

  /// Writes every KOL with its follower count on the first day, the named cases' KOLs last.
  private func writeKOLs(_ file: DemoCSVFile) throws(LedgerError) {
    let asOf = parameters.firstDay.description
    for index in 0..<(parameters.kolCount + Self.caseKOLs.count) {
      let kol = kol(index)
      file.text(kol.id)
      file.text(kol.name)
      file.text(kol.category)
      file.count(kol.followers)
      file.text(asOf)
      try file.endRow()
    }
  }

  // MARK: - Videos

  /// One video's facts and the hidden numbers its metrics are drawn from.
  struct Video {
    var index: Int
    var id: String
    var kol: KOL
    var brand: Int
    var title: String
    var published: DateTime
    var chain: SalesChain
    var product: String
    var biddingAuthorized: Bool
    var adReview: AdReview
    /// Natural plays on a full first day.
    var peakPlays: Double
    /// Day-to-day factor of the natural plays after the first day.
    var decay: Double
    /// Natural GMV per thousand plays, in fen (the model is this ÷ 4000 at the ¥40 CPM price).
    var gpmFen: Double
    /// The share of the GPM lost per day of age (0 for most videos).
    var decline: Double
    /// (likes + comments) ÷ plays.
    var engagement: Double
    /// comments ÷ likes.
    var commentRatio: Double
    var shareRate: Double
    var followRate: Double
    /// The average order, in fen.
    var orderFen: Int64
    /// The share of the first day's plays the video keeps getting every day (an evergreen
    /// video's long tail; 0 for the generated videos, set for some named cases).
    var tail: Double = 0

    /// The traffic ROI model the video is drawn around.
    var model: Double { gpmFen / 4000 }
  }

  /// Video `index` (`v1001` is index 0, the worked example), from the seed and index alone.
  func video(_ index: Int) -> Video {
    if index == 0 {
      return Video(
        index: 0, id: Self.workedExampleVideo, kol: kol(0), brand: 0, title: "早八通勤妆 5 分钟",
        published: DateTime(day: Self.workedExampleDay, secondOfDay: 10 * 3600), chain: .tmall,
        product: Self.products[0][0], biddingAuthorized: true, adReview: .passed,
        peakPlays: 250_000, decay: 0.78, gpmFen: 8_000, decline: 0, engagement: 0.0388,
        commentRatio: 0.078, shareRate: 0.002, followRate: 0.0008, orderFen: 12_900)
    }
    if let named = DemoCase(rawValue: index), parameters.holdsCases {
      return caseVideo(named)
    }
    var random = DemoRandom(seed: parameters.seed, stream: 2, index: UInt64(index))
    let kol = kol(random.below(parameters.kolCount))
    // The first videos cover every brand, so each brand's 5A snapshots have a brand to name.
    let drawn = random.below(Self.brands.count)
    let brand = index < Self.brands.count ? index : drawn
    // Published from two weeks before the first day up to the day before the last.
    let offset = random.below(max(parameters.days, 2) + 13) - 14
    let day = min(parameters.firstDay.adding(days: offset), DemoParameters.lastDay.adding(days: -1))
    let second = Int32(random.between(8, 22) * 3600 + random.between(0, 3) * 900)
    let chain: SalesChain = random.chance(0.4) ? .closedLoop : .tmall
    let product = random.pick(Self.products[brand])
    let bidding = random.chance(0.4)
    let review = random.unit()
    let adReview: AdReview = review < 0.82 ? .passed : review < 0.93 ? .pending : .rejected
    let reach = Double(kol.followers) * random.uniform(0.02, 0.25) + random.uniform(2_000, 20_000)
    let decay = random.uniform(0.55, 0.82)
    var model = 0.3 + (random.unit() + random.unit()) * 0.9
    if random.chance(0.08) { model += random.unit() * 1.5 }
    let decline = random.chance(0.3) ? random.uniform(0.005, 0.02) : 0
    return Video(
      index: index, id: "v" + String(1001 + index), kol: kol, brand: brand,
      title: random.pick(Self.titles), published: DateTime(day: day, secondOfDay: second),
      chain: chain, product: product, biddingAuthorized: bidding, adReview: adReview,
      peakPlays: reach, decay: decay, gpmFen: 4_000 * model, decline: decline,
      engagement: random.uniform(0.02, 0.06), commentRatio: random.uniform(0.04, 0.12),
      shareRate: random.uniform(0.001, 0.004), followRate: random.uniform(0.0003, 0.0015),
      orderFen: random.between(69, 299) * 100)
  }

  /// Writes every video's facts.
  private func writeVideos(_ file: DemoCSVFile) throws(LedgerError) {
    for index in 0..<parameters.videos {
      let video = video(index)
      file.text(video.id)
      file.text(video.kol.id)
      file.text(Self.brands[video.brand])
      file.text(video.title)
      file.text(video.published.description)
      file.text(video.chain.rawValue)
      file.text(video.product)
      file.text(video.biddingAuthorized ? "true" : "false")
      file.text(video.adReview.rawValue)
      try file.endRow()
    }
  }

  // MARK: - Placements

  /// One paid placement of a video, and the days its metric rows are booked on.
  struct Order {
    var id: String
    var tool: Source
    var mode: DeliveryMode?
    var targeting: Targeting?
    var strategy: Strategy?
    /// The budget in fen.
    var budget: Int64
    var start: DateTime
    var end: DateTime
    /// The days with a metric row (empty for a booking after the data ends).
    var days: ClosedRange<Day>?
    /// Paid GMV per play against the natural GPM; nil: drawn (the named cases fix it).
    var conversion: Double? = nil
  }

  /// The placements of `video`, in time order within each tool.
  ///
  /// Dou+ orders are 24-hour orders from 10:00, one a day, starting after the three-day natural
  /// warm-up and ending before the sale; a content-service booking covers the sale's first week,
  /// so the two never overlap on one video.
  func orders(of video: Video) -> [Order] {
    if let named = DemoCase(rawValue: video.index), parameters.holdsCases {
      return caseOrders(named, video: video)
    }
    var random = DemoRandom(seed: parameters.seed, stream: 3, index: UInt64(video.index))
    var orders: [Order] = []
    let published = video.published.day
    let first = parameters.firstDay
    let last = DemoParameters.lastDay
    let followers = video.kol.followers
    let superHead = followers >= 5_000_000
    // Dou+: for the videos whose model earns it, a run of daily orders after the warm-up.
    if video.index == 0 || (video.model >= 0.9 && random.chance(0.6)) {
      let begin =
        video.index == 0
        ? published.adding(days: 3)
        : max(published.adding(days: 3), first).adding(days: random.below(4))
      // A super-head's explosive orders are few and large (a day target of ¥100,000 or more).
      let count = video.index == 0 ? 11 : superHead ? 1 + random.below(3) : 2 + random.below(7)
      for number in 0..<count {
        let day = begin.adding(days: number)
        guard day < last else { break }
        let age = day - published
        let smart = followers >= 500_000 && age <= 15
        let strategy: Strategy =
          superHead ? .explosive : random.chance(0.15) ? .realtime : .standard
        let budgetYuan: Int64 =
          superHead
          ? random.between(10_000, 15_000) * 10
          : followers >= 1_000_000
            ? random.between(100, 2_000) * 10
            : followers >= 100_000 ? random.between(50, 500) * 10 : random.between(10, 100) * 10
        orders.append(
          Order(
            id: "DP\(video.index + 1001)-\(number + 1)", tool: .douPlus,
            mode: smart ? .smart : .targeted,
            targeting: smart ? nil : random.pick([.basic, .interest, .kolFollowers]),
            strategy: strategy, budget: budgetYuan * 100,
            start: DateTime(day: day, secondOfDay: 10 * 3600),
            end: DateTime(day: day.adding(days: 1), secondOfDay: 10 * 3600), days: day...day))
      }
    }
    // KOL bidding (OCPM): authorised, reviewed videos of mid KOLs and up, for a week or so.
    if video.biddingAuthorized, video.adReview == .passed, followers >= 100_000,
      random.chance(0.45)
    {
      let start = max(published.adding(days: 2), first).adding(days: random.below(5))
      let end = min(start.adding(days: 4 + random.below(6)), last)
      if start <= end {
        orders.append(
          Order(
            id: "KB\(video.index + 1001)", tool: .kolBidding, mode: nil,
            targeting: random.pick([.yuntu, .laika, .kolBehavior]), strategy: nil,
            budget: random.between(200, 2_000) * 10_000,
            start: DateTime(day: start, secondOfDay: 0),
            end: DateTime.endOfDay(end), days: start...end))
      }
    }
    // Qianchuan: closed-loop videos feed the brand's shop for one to two weeks.
    if video.chain == .closedLoop, random.chance(0.3) {
      let start = max(published.adding(days: 1), first).adding(days: random.below(10))
      let end = min(start.adding(days: 6 + random.below(8)), last)
      if start <= end {
        orders.append(
          Order(
            id: "QC\(video.index + 1001)", tool: .qianchuan, mode: nil,
            targeting: random.pick([.yuntu, .auto]), strategy: nil,
            budget: random.between(100, 1_000) * 10_000,
            start: DateTime(day: start, secondOfDay: 0),
            end: DateTime.endOfDay(end), days: start...end))
      }
    }
    // Content service for the sale's first week: head KOLs' reviewed videos that earn it.
    if followers >= 1_000_000, video.adReview == .passed, video.model >= 1.3,
      video.engagement >= 0.03, video.index == 0 || random.chance(0.4)
    {
      orders.append(
        Order(
          id: "CS618-\(video.id)", tool: .contentService, mode: nil, targeting: nil,
          strategy: nil, budget: superHead ? 100_000_000 : 30_000_000,
          start: DateTime(day: Self.saleStart, secondOfDay: 0),
          end: DateTime.endOfDay(Self.saleStart.adding(days: 6)), days: nil))
    }
    // The past sale's content service, booked by the same measure on the videos published
    // before its lookback ended, with the sale's days in the data (its outcome).
    if followers >= 1_000_000, video.adReview == .passed, video.model >= 1.3,
      video.engagement >= 0.03, published < Self.pastSaleStart.adding(days: -30)
    {
      orders.append(pastSaleBooking(of: video))
    }
    return orders
  }

  /// Writes every video's placements, video by video.
  private func writePlacements(_ file: DemoCSVFile) throws(LedgerError) {
    for index in 0..<parameters.videos {
      let video = video(index)
      for order in orders(of: video) {
        file.text(order.id)
        file.text(video.id)
        file.text(order.tool.rawValue)
        if let mode = order.mode { file.text(mode.rawValue) } else { file.empty() }
        if let targeting = order.targeting { file.text(targeting.rawValue) } else { file.empty() }
        if let strategy = order.strategy { file.text(strategy.rawValue) } else { file.empty() }
        file.money(order.budget)
        file.text(order.start.description)
        file.text(order.end.description)
        try file.endRow()
      }
    }
  }

  /// Writes the past sale, then the demo sale, both at the default sale CPM (no `cpm_price`).
  private func writePromotions(_ file: DemoCSVFile) throws(LedgerError) {
    file.text(Self.pastSaleName)
    file.text(Self.pastSaleStart.description)
    file.text(Self.pastSaleEnd.description)
    file.empty()
    try file.endRow()
    file.text(Self.saleName)
    file.text(Self.saleStart.description)
    file.text(Self.saleEnd.description)
    file.empty()
    try file.endRow()
  }

  // MARK: - Metrics

  /// What the 5A snapshots grow from: per brand and day of the period, the people reached,
  /// their engagements, the orders and the spend.
  struct BrandDays {
    var reach: [Int64]
    var engagements: [Int64]
    var orders: [Int64]

    init(days: Int) {
      reach = Array(repeating: 0, count: days)
      engagements = reach
      orders = reach
    }
  }

  /// The numbers of one metric row.
  struct Numbers {
    var impressions: Int64 = 0
    var cost: Int64 = 0
    var gmv: Int64 = 0
    var orders: Int64 = 0
    var likes: Int64 = 0
    var comments: Int64 = 0
    var shares: Int64 = 0
    var follows: Int64 = 0
  }

  /// Writes every video's natural rows (from its first day in the period, while it has plays)
  /// and its placements' rows, and adds them up per brand and day.
  private func writeMetrics(_ file: DemoCSVFile) throws(LedgerError) -> [BrandDays] {
    var brands = Self.brands.map { _ in BrandDays(days: parameters.days) }
    let first = parameters.firstDay
    let last = DemoParameters.lastDay
    let dayText = (0...(last - min(first, Self.workedExampleDay))).map {
      Array(min(first, Self.workedExampleDay).adding(days: $0).description.utf8)
    }
    let textBase = min(first, Self.workedExampleDay)
    for index in 0..<parameters.videos {
      let video = video(index)
      // Text cells repeated on every row are encoded once per video.
      let videoID = Array(video.id.utf8)
      let orders = orders(of: video).compactMap { order in
        order.days.map { (order, $0, Array(order.tool.rawValue.utf8), Array(order.id.utf8)) }
      }
      var random = DemoRandom(seed: parameters.seed, stream: 4, index: UInt64(index))
      let published = video.published.day
      let opening = 0.35 + 0.65 * Double(86_400 - video.published.secondOfDay) / 86_400
      var curve = 1.0
      var day = published
      while day <= last {
        let age = day - published
        if age >= 2 { curve *= video.decay }
        let weight = (age == 0 ? opening : max(curve, video.tail)) + 0.1 / Double(age + 1)
        let weekday = (Int(day.daysSinceEpoch) + 3) % 7
        let weekend = weekday >= 5 ? 1.12 : 1.0
        let noise = random.uniform(0.85, 1.15)
        let gpmNoise = random.uniform(0.8, 1.2)
        let engagementNoise = random.uniform(0.9, 1.1)
        let written = index == 0 || day >= first
        var natural = Numbers()
        if index == 0, age == 0 {
          // The worked example, exactly: 250,000 plays, ¥20,000 GMV.
          natural.impressions = 250_000
          natural.gmv = 2_000_000
        } else {
          natural.impressions = Int64((video.peakPlays * weight * weekend * noise).rounded())
          let gpm = video.gpmFen * max(0.35, 1 - video.decline * Double(age)) * gpmNoise
          natural.gmv = natural.impressions * Int64(gpm.rounded()) / 1_000
        }
        fillEngagement(&natural, video: video, scale: engagementNoise)
        if written, natural.impressions > 0 {
          try write(file, day: dayText[day - textBase], videoID, Self.naturalText, nil, natural)
          add(natural, day: day, brand: video.brand, to: &brands)
        }
        for (order, days, tool, placement) in orders where written && days.contains(day) {
          let paid = paidNumbers(order, video: video, age: age, random: &random)
          try write(file, day: dayText[day - textBase], videoID, tool, placement, paid)
          add(paid, day: day, brand: video.brand, to: &brands)
        }
        day = day.adding(days: 1)
      }
    }
    return brands
  }

  /// Likes, comments, shares, follows and orders from the plays and GMV.
  private func fillEngagement(_ numbers: inout Numbers, video: Video, scale: Double) {
    let plays = Double(numbers.impressions)
    let engaged = plays * video.engagement * scale
    numbers.likes = Int64((engaged / (1 + video.commentRatio)).rounded())
    numbers.comments = Int64((engaged * video.commentRatio / (1 + video.commentRatio)).rounded())
    numbers.shares = Int64((plays * video.shareRate).rounded())
    numbers.follows = Int64((plays * video.followRate).rounded())
    numbers.orders = numbers.gmv / video.orderFen
  }

  /// One day of a placement: spend under its budget, impressions at the tool's CPM, GMV at a
  /// share of the video's natural GPM (paid traffic converts less, Qianchuan's closed loop more).
  private func paidNumbers(
    _ order: Order, video: Video, age: Int, random: inout DemoRandom
  ) -> Numbers {
    var numbers = Numbers()
    let dailyBudget =
      order.days.map { order.budget / Int64($0.upperBound - $0.lowerBound + 1) } ?? order.budget
    let (spent, cpmFen, drawn): (Double, Int64, Double) =
      switch order.tool {
      case .douPlus:
        (random.uniform(0.82, 1.0), random.between(1_800, 3_500), random.uniform(0.45, 1.15))
      case .kolBidding:
        (random.uniform(0.7, 1.0), random.between(2_500, 4_500), random.uniform(0.6, 1.3))
      default: (random.uniform(0.75, 1.0), random.between(3_000, 6_000), random.uniform(0.7, 1.4))
      }
    let conversion = order.conversion ?? drawn
    numbers.cost = max(Int64((Double(dailyBudget) * spent).rounded()), 1)
    numbers.impressions = numbers.cost * 1_000 / cpmFen
    let gpm = video.gpmFen * max(0.35, 1 - video.decline * Double(age)) * conversion
    numbers.gmv = numbers.impressions * Int64(gpm.rounded()) / 1_000
    fillEngagement(&numbers, video: video, scale: 0.5)
    return numbers
  }

  /// The `natural` source cell.
  private static let naturalText = Array(Source.natural.rawValue.utf8)

  /// Writes one metric row; its text cells come encoded (ids and names never need quoting).
  private func write(
    _ file: DemoCSVFile, day: [UInt8], _ videoID: [UInt8], _ source: [UInt8],
    _ placement: [UInt8]?, _ numbers: Numbers
  ) throws(LedgerError) {
    file.bytes(day)
    file.bytes(videoID)
    file.bytes(source)
    if let placement { file.bytes(placement) } else { file.empty() }
    file.count(numbers.impressions)
    file.money(numbers.cost)
    file.money(numbers.gmv)
    file.count(numbers.orders)
    file.count(numbers.likes)
    file.count(numbers.comments)
    file.count(numbers.shares)
    file.count(numbers.follows)
    file.empty()  // refund: the demo's shops refund nothing
    try file.endRow()
  }

  /// Adds a row's people reached, engagements and orders to its brand's day.
  private func add(_ numbers: Numbers, day: Day, brand: Int, to brands: inout [BrandDays]) {
    let index = day - parameters.firstDay
    guard index >= 0, index < parameters.days else { return }
    brands[brand].reach[index] += numbers.impressions
    brands[brand].engagements[index] +=
      numbers.likes + numbers.comments + numbers.shares + numbers.follows
    brands[brand].orders[index] += numbers.orders
  }
}
