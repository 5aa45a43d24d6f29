/// Where a metric's traffic came from: natural (unpaid) traffic or one of the paid tools.
///
/// The raw values are the names of the data model (docs/data-model.md, "Sources and tools");
/// `code` is how the fact table stores them.
public enum Source: String, CaseIterable, Sendable, Codable {
  case natural
  case douPlus = "dou_plus"
  case contentService = "content_service"
  case kolBidding = "kol_bidding"
  case suixintui
  case qianchuan
  case feedAd = "feed_ad"
  case uniDesk = "uni_desk"
  case jdCoads = "jd_coads"

  /// The small integer stored in `metric.source` (and in the `source` table).
  public var code: Int {
    switch self {
    case .natural: 0
    case .douPlus: 1
    case .contentService: 2
    case .kolBidding: 3
    case .suixintui: 4
    case .qianchuan: 5
    case .feedAd: 6
    case .uniDesk: 7
    case .jdCoads: 8
    }
  }

  /// The source stored under `code`, if any.
  public init?(code: Int) {
    guard let source = Source.allCases.first(where: { $0.code == code }) else { return nil }
    self = source
  }

  /// True for the paid tools (everything but natural traffic).
  public var isPaid: Bool { self != .natural }

  /// The paid tools, the values a placement's `tool` may take.
  public static var tools: [Source] { allCases.filter(\.isPaid) }
}

/// A Dou+ delivery mode: smart (platform-chosen audience) or targeted.
public enum DeliveryMode: String, CaseIterable, Sendable, Codable {
  case smart, targeted
}

/// The audience a placement targets.
public enum Targeting: String, CaseIterable, Sendable, Codable {
  case basic, interest, yuntu, laika, auto
  case kolFollowers = "kol_followers"
  case kolBehavior = "kol_behavior"
}

/// How a Dou+ campaign is run: standard daily orders, real-time top-ups, or explosive.
public enum Strategy: String, CaseIterable, Sendable, Codable {
  case standard, realtime, explosive
}

/// The sales chain a video sells through: Douyin to Tmall, or the Douyin closed loop.
public enum SalesChain: String, CaseIterable, Sendable, Codable {
  case tmall
  case closedLoop = "closed_loop"
}

/// The ad-review state of a video (needed for KOL bidding and content service).
public enum AdReview: String, CaseIterable, Sendable, Codable {
  case pending, passed, rejected
}
