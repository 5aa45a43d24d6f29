internal import GRDB
public import LedgerStore

/// Whether a backtested video was booked.
public enum BacktestGroup: String, Sendable, Equatable, CaseIterable {
  case chosen
  case leftOut = "left_out"
}

/// One video of a shortlist backtest: what the lookback said, what the sale did.
public struct ShortlistBacktestRow: Sendable, Equatable {
  public var group: BacktestGroup
  /// The shortlist rank; nil when left out.
  public var rank: Int?
  public var video: VideoFacts
  /// The model and paid ROI over the lookback (what the shortlist saw).
  public var lookback: TrafficModel
  /// Why it was left out (the first rule failed).
  public var failedRule: ShortlistRule?
  /// `report roi` over the sale's days.
  public var sale: TrafficModel
}

/// `backtest shortlist`: the shortlist as of its lock date against what the sale did.
public struct ShortlistBacktest: Sendable {
  public var shortlist: Shortlist
  public var rows: [ShortlistBacktestRow]

  /// The sale's numbers of a group, added up (nil when the group is empty).
  public func total(_ group: BacktestGroup, settings: QuerySettings) -> TrafficModel? {
    let members = rows.filter { $0.group == group }
    guard !members.isEmpty else { return nil }
    var sums = TrafficSums()
    for row in members { sums.add(row.sale.sums) }
    return TrafficModel(
      current: sums, previous: nil, cpm: .price(fen: settings.cpmPrice),
      floor: shortlist.floor, declineRatio: settings.declineRatio)
  }
}

/// One video and day of an advice backtest: the advice then, the next days' outcome.
public struct AdviceBacktestRow: Sendable, Equatable {
  public var advice: Advice
  /// The days after the advice: `advice.asOf + 1 … + outcomeDays`.
  public var next: TrafficModel
}

/// `backtest advice`: each day's advice against the following week.
public struct AdviceBacktest: Sendable {
  public var since: Day
  public var until: Day
  public var outcomeDays: Int
  public var rows: [AdviceBacktestRow]
}

extension Ledger {
  /// Replays the shortlist of a promotion as of its lock date (it reads only the lookback),
  /// then puts each considered video's sale numbers beside it (docs/method.md, "Backtests").
  ///
  /// Considered: the chosen videos, and the left-out ones with traffic in the lookback or
  /// the sale.
  public func backtestShortlist(_ query: ShortlistQuery) throws(LedgerError)
    -> ShortlistBacktest
  {
    var full = query
    full.limit = nil
    let list = try shortlist(full)
    var roi = ROIQuery()
    roi.asOf = list.saleEnd
    roi.window = list.saleEnd - list.saleStart + 1
    roi.filter = query.filter
    let sale = Dictionary(try roiReport(roi).rows.map { ($0.key ?? "", $0.model) }) { a, _ in a }
    let settings = try querySettings()
    func saleModel(_ video: VideoFacts) -> TrafficModel {
      sale[video.videoID]
        ?? TrafficModel(
          current: TrafficSums(), previous: nil, cpm: .price(fen: settings.cpmPrice),
          floor: list.floor, declineRatio: settings.declineRatio)
    }
    var rows = list.entries.map { entry in
      ShortlistBacktestRow(
        group: .chosen, rank: entry.rank, video: entry.video, lookback: entry.model,
        failedRule: nil, sale: saleModel(entry.video))
    }
    for entry in list.excluded where entry.model.sums.rows > 0 || sale[entry.video.videoID] != nil {
      rows.append(
        ShortlistBacktestRow(
          group: .leftOut, rank: nil, video: entry.video, lookback: entry.model,
          failedRule: entry.failed?.rule, sale: saleModel(entry.video)))
    }
    return ShortlistBacktest(shortlist: list, rows: rows)
  }

  /// Each day's advice from `since` to `until` against the next `outcomeDays` days.
  public func backtestAdvice(
    since: Day, until: Day, window: Int = 7, outcomeDays: Int = 7,
    filter: VideoFilter = VideoFilter()
  ) throws(LedgerError) -> AdviceBacktest {
    let settings = try querySettings()
    let days = max(outcomeDays, 1)
    let rows = try read { db in
      let context = try DecisionContext(db, settings: settings)
      let groups = Grouper(.video, context.directory)
      let slots = Dictionary(
        context.directory.videos.enumerated().map { ($1.ref, $0) }
      ) { a, _ in a }
      var rows: [AdviceBacktestRow] = []
      var day = since
      while day <= until {
        let advice = try AdviceReader.advise(
          db, context: context, asOf: day, window: max(window, 1), filter: filter,
          thresholds: DecisionThresholds(settings), sale: context.sale(on: day),
          keepSilent: false)
        let (next, _) = try WindowSums.compute(
          db, groups: groups, asOf: day.adding(days: days), window: days, filter: filter,
          tool: nil)
        for item in advice {
          let sums = slots[item.video.ref].map { next[$0] } ?? TrafficSums()
          rows.append(
            AdviceBacktestRow(
              advice: item,
              next: TrafficModel(
                current: sums, previous: nil, cpm: .price(fen: settings.cpmPrice),
                floor: settings.roiFloor, declineRatio: settings.declineRatio)))
        }
        day = day.adding(days: 1)
      }
      return rows
    }
    return AdviceBacktest(since: since, until: until, outcomeDays: days, rows: rows)
  }
}
