import LedgerStore

/// The named videos the demo holds so that every decision rule has a video that shows it
/// (docs/decisions-guide.md, "The demo's cases").
///
/// Each case takes the place of the generated video of its number (`v1002` is case 1), with
/// its own KOL, so the rules see exactly the facts the case is about; a demo of 13 videos or
/// fewer holds none of them (``DemoParameters/holdsCases``). Most are evergreen: they keep a long tail of natural plays
/// (over 100,000 a week), so the advice as of the last day rests on real evidence. The
/// decisions named below are the ones `aimt advise` takes as of 2026-05-31 with the default
/// settings.
package enum DemoCase: Int, CaseIterable, Sendable {
  /// `v1002`: a super-head KOL's evergreen video: content service.
  case superHeadService = 1
  /// `v1003`: a head KOL's video: content service.
  case headService
  /// `v1004`: a mid KOL with account weight who authorised bidding: KOL bidding.
  case kolBidding
  /// `v1005`: a mid KOL's fresh video (over 500,000 followers, account weight), not
  /// authorised for bidding: Dou+ in smart mode.
  case smartDouPlus
  /// `v1006`: a tail KOL's video: Dou+ in targeted mode (under 500,000 followers).
  case targetedDouPlus
  /// `v1007`: a closed-loop (抖店) video: 随心推 instead of Dou+.
  case closedLoop
  /// `v1008`: a KOC's small video with a good model: hold, not enough data. The KOC's two
  /// small videos keep the median of its videos' plays, its account weight, low.
  case tooLittleData
  /// `v1009`: the KOC's earlier small video (it keeps the account's median plays low).
  case kocEarlierVideo
  /// `v1010`: the KOC's one big video, authorised for bidding: never KOL bidding (no account
  /// weight), a Dou+ pressure test instead.
  case kocViral
  /// `v1011`: a head KOL's video whose model is below the floor: hold.
  case belowFloor
  /// `v1012`: a video whose Dou+ orders this week return less than the floor: stop.
  case paidBelowFloor
  /// `v1013`: a super-head KOL's video published the day before the data ends: judged on its
  /// launch model, content service.
  case superHeadLaunch
  /// `v1014`: a mid KOL's video with a Dou+ order running into the 618 sale: Dou+ before the
  /// sale, hold inside it (its model of 3.2 stays above the floor at the sale's CPM, so the
  /// sale rule is what holds it).
  case douPlusIntoSale

  /// The video's id.
  package var videoID: String { "v" + String(1001 + rawValue) }

  /// The action `aimt advise` takes for it as of the last day (its `action` column).
  package var action: String {
    switch self {
    case .superHeadService, .headService, .superHeadLaunch: "content_service"
    case .kolBidding: "kol_bidding"
    case .smartDouPlus, .targetedDouPlus, .kocViral, .douPlusIntoSale: "dou_plus"
    case .closedLoop: "suixintui"
    case .tooLittleData, .kocEarlierVideo, .belowFloor: "hold"
    case .paidBelowFloor: "stop"
    }
  }
}

extension DemoGenerator {
  /// The first brand's weekly budget, fen: ¥2,000,000 (one super-head and two head bookings
  /// of content service, the rest for Dou+, 随心推 and bidding; docs/decisions-guide.md).
  package static let weeklyBudget: Int64 = 200_000_000

  /// The named cases' KOLs, after the generated ones (only the cases post on them).
  static let caseKOLs: [KOL] = [
    KOL(id: "dy_xingchen", name: "星辰美妆", category: "beauty", followers: 8_600_000),
    KOL(id: "dy_anni", name: "安妮的梳妆台", category: "beauty", followers: 2_100_000),
    KOL(id: "dy_chengzi", name: "橙子爱护肤", category: "skincare", followers: 640_000),
    KOL(id: "dy_doudou", name: "豆豆好物", category: "lifestyle", followers: 48_000),
    KOL(id: "dy_mumu", name: "木木的小店", category: "skincare", followers: 310_000),
    KOL(id: "dy_xiaoyu", name: "小鱼的日常", category: "lifestyle", followers: 2_300),
    KOL(id: "dy_jiajia", name: "佳佳穿搭", category: "fashion", followers: 1_400_000),
    KOL(id: "dy_qiqi", name: "七七的衣橱", category: "fashion", followers: 220_000),
    KOL(id: "dy_lulu", name: "露露美妆", category: "beauty", followers: 15_000_000),
    KOL(id: "dy_xiaolu", name: "小鹿成分党", category: "skincare", followers: 380_000),
    KOL(id: "dy_tangtang", name: "糖糖爱通勤", category: "beauty", followers: 720_000),
  ]

  /// The facts of a case that differ from case to case.
  private struct CaseFacts {
    var kol: Int
    var brand: Int
    var published: String
    var hour: Int32 = 12
    var chain: SalesChain = .tmall
    var bidding = false
    var peak: Double
    var decay: Double
    var tail: Double
    var model: Double
    var engagement: Double
  }

  private func facts(_ named: DemoCase) -> CaseFacts {
    switch named {
    case .superHeadService:
      CaseFacts(
        kol: 0, brand: 0, published: "2026-03-01", hour: 20, peak: 700_000, decay: 0.8,
        tail: 0.04, model: 2.3, engagement: 0.045)
    case .headService:
      CaseFacts(
        kol: 1, brand: 0, published: "2026-04-20", peak: 300_000, decay: 0.78, tail: 0.08,
        model: 1.9, engagement: 0.038)
    case .kolBidding:
      CaseFacts(
        kol: 2, brand: 0, published: "2026-04-25", bidding: true, peak: 160_000, decay: 0.75,
        tail: 0.12, model: 1.6, engagement: 0.025)
    case .smartDouPlus:
      CaseFacts(
        kol: 10, brand: 0, published: "2026-05-22", peak: 120_000, decay: 0.8, tail: 0.15,
        model: 1.5, engagement: 0.035)
    case .targetedDouPlus:
      CaseFacts(
        kol: 3, brand: 0, published: "2026-05-15", peak: 90_000, decay: 0.8, tail: 0.2,
        model: 1.4, engagement: 0.05)
    case .closedLoop:
      CaseFacts(
        kol: 4, brand: 0, published: "2026-05-18", chain: .closedLoop, peak: 100_000,
        decay: 0.8, tail: 0.2, model: 1.7, engagement: 0.04)
    case .tooLittleData:
      CaseFacts(
        kol: 5, brand: 0, published: "2026-05-05", peak: 8_000, decay: 0.7, tail: 0.05,
        model: 2.1, engagement: 0.06)
    case .kocEarlierVideo:
      CaseFacts(
        kol: 5, brand: 0, published: "2026-04-15", peak: 6_000, decay: 0.7, tail: 0.03,
        model: 1.0, engagement: 0.05)
    case .kocViral:
      CaseFacts(
        kol: 5, brand: 0, published: "2026-05-12", bidding: true, peak: 150_000, decay: 0.75,
        tail: 0.12, model: 1.45, engagement: 0.055)
    case .belowFloor:
      CaseFacts(
        kol: 6, brand: 1, published: "2026-05-16", peak: 200_000, decay: 0.78, tail: 0.1,
        model: 0.8, engagement: 0.03)
    case .paidBelowFloor:
      CaseFacts(
        kol: 7, brand: 1, published: "2026-05-14", peak: 120_000, decay: 0.8, tail: 0.15,
        model: 0.45, engagement: 0.035)
    case .superHeadLaunch:
      CaseFacts(
        kol: 8, brand: 1, published: "2026-05-30", hour: 19, peak: 1_600_000, decay: 0.75,
        tail: 0, model: 2.1, engagement: 0.042)
    case .douPlusIntoSale:
      CaseFacts(
        kol: 9, brand: 2, published: "2026-05-10", peak: 110_000, decay: 0.8, tail: 0.18,
        model: 3.2, engagement: 0.04)
    }
  }

  /// The video of a named case.
  func caseVideo(_ named: DemoCase) -> Video {
    let facts = facts(named)
    let day = (try? Day.parse(facts.published)) ?? DemoParameters.lastDay
    return Video(
      index: named.rawValue, id: named.videoID, kol: Self.caseKOLs[facts.kol],
      brand: facts.brand, title: Self.titles[named.rawValue % Self.titles.count],
      published: DateTime(day: day, secondOfDay: facts.hour * 3600), chain: facts.chain,
      product: Self.products[facts.brand][named.rawValue % 3],
      biddingAuthorized: facts.bidding, adReview: .passed, peakPlays: facts.peak,
      decay: facts.decay, gpmFen: 4_000 * facts.model, decline: 0,
      engagement: facts.engagement, commentRatio: 0.08, shareRate: 0.002, followRate: 0.0008,
      orderFen: 12_900, tail: facts.tail)
  }

  /// The placements of a named case (paid orders whose return the case fixes).
  func caseOrders(_ named: DemoCase, video: Video) -> [Order] {
    func douPlus(_ number: Int, _ day: String, yuan: Int64, conversion: Double) -> Order {
      let start = (try? Day.parse(day)) ?? DemoParameters.lastDay
      return Order(
        id: "DP\(video.index + 1001)-\(number)", tool: .douPlus, mode: .targeted,
        targeting: .interest, strategy: .standard, budget: yuan * 100,
        start: DateTime(day: start, secondOfDay: 10 * 3600),
        end: DateTime(day: start.adding(days: 1), secondOfDay: 10 * 3600), days: start...start,
        conversion: conversion)
    }
    let service = Order(
      id: "CS618-\(video.id)", tool: .contentService, mode: nil, targeting: nil, strategy: nil,
      budget: video.kol.followers >= 5_000_000 ? 100_000_000 : 30_000_000,
      start: DateTime(day: Self.saleStart, secondOfDay: 0),
      end: DateTime.endOfDay(Self.saleStart.adding(days: 6)), days: nil)
    switch named {
    case .superHeadService:
      var past = pastSaleBooking(of: video)
      past.conversion = 1.1
      return [past, service]
    case .headService:
      return [service]
    case .kolBidding:
      let start = Day(daysSinceEpoch: 20_581)
      return [
        Order(
          id: "KB\(video.index + 1001)", tool: .kolBidding, mode: nil, targeting: .yuntu,
          strategy: nil, budget: 8_000_000, start: DateTime(day: start, secondOfDay: 0),
          end: DateTime.endOfDay(start.adding(days: 6)), days: start...start.adding(days: 6),
          conversion: 1.0)
      ]
    case .paidBelowFloor:
      return [
        douPlus(1, "2026-05-27", yuan: 3_000, conversion: 0.6),
        douPlus(2, "2026-05-28", yuan: 3_000, conversion: 0.6),
        douPlus(3, "2026-05-29", yuan: 3_000, conversion: 0.6),
      ]
    case .douPlusIntoSale:
      // The last order runs from the data's last day into the sale's first two days.
      var intoSale = douPlus(2, "2026-05-31", yuan: 2_000, conversion: 1.0)
      intoSale.end = DateTime(day: Self.saleStart.adding(days: 1), secondOfDay: 10 * 3600)
      return [douPlus(1, "2026-05-26", yuan: 2_000, conversion: 1.0), intoSale]
    default:
      return []
    }
  }

  /// Content service booked for the past sale, with a metric row on each of its days.
  func pastSaleBooking(of video: Video) -> Order {
    Order(
      id: "CS520-\(video.id)", tool: .contentService, mode: nil, targeting: nil, strategy: nil,
      budget: video.kol.followers >= 5_000_000 ? 100_000_000 : 30_000_000,
      start: DateTime(day: Self.pastSaleStart, secondOfDay: 0),
      end: DateTime.endOfDay(Self.pastSaleEnd), days: Self.pastSaleStart...Self.pastSaleEnd)
  }
}
