/// The ledger rules of the contract, in one place.
///
/// Single-row rules are Swift functions over the record as it would be stored (after a partial
/// write is merged with the stored values), used by every write path and by `aimt check`.
/// The cross-row rule (no Dou+ and content service overlapping on one video) is one SQL query,
/// run after each write that touches placements and by `aimt check`.
package enum LedgerRules {
  /// Dou+ budget limits, in fen: ¥100 to ¥5,000,000.
  package static let douPlusBudget: ClosedRange<Int64> = 10_000...500_000_000
  /// Content-service minimum booking, in fen: ¥50,000.
  package static let contentServiceMinimum: Int64 = 5_000_000

  /// The largest amount of money one stored value may hold, in fen: just under ¥10 trillion.
  ///
  /// Far above any real day of a video (a Dou+ order is at most ¥5,000,000), and small enough
  /// that the sums of a report can never wrap: see docs/decisions.md, "Limits".
  package static let maxMoney: Int64 = 999_999_999_999_999
  /// The largest count one stored value may hold (impressions, orders, likes, followers, an
  /// audience layer): just under 10 trillion.
  package static let maxCount: Int64 = 9_999_999_999_999

  /// The problem of one number beyond the ledger's limits (or below 0), if any.
  package static func limitViolation(column: String, value: Int64, isMoney: Bool) -> Violation? {
    let limit = isMoney ? maxMoney : maxCount
    if value >= 0 && value <= limit { return nil }
    if value < 0 {
      return Violation(column: column, message: "must not be negative (got \(value))")
    }
    let shown = isMoney ? "¥" + Money.yuanGrouped(value) : String(value)
    let most = isMoney ? "¥" + Money.yuanGrouped(limit) : String(limit)
    return Violation(
      column: column,
      message: "\(shown) is beyond what one row of a ledger may hold (at most \(most)); "
        + "check the file's unit (yuan, fen, thousandths) and the column")
  }

  /// The problems of a metric row's numbers: each beyond the limits, and cost on natural
  /// traffic.
  package static func metricViolations(source: Source, values: MetricValues) -> [Violation] {
    var violations: [Violation] = []
    for field in MetricField.allCases where values.has(field) {
      if let violation = limitViolation(
        column: field.rawValue, value: values[field], isMoney: field.isMoney)
      {
        violations.append(violation)
      }
    }
    return violations + metricViolations(source: source, cost: values[.cost])
  }

  /// True when every number of a metric row is within the limits and natural traffic carries
  /// no cost: the hot path's one test before ``metricViolations(source:values:)``.
  @inline(__always)
  static func metricIsValid(source: Source, values: MetricValues) -> Bool {
    let money = values[.cost] | values[.gmv] | values[.refund]
    let counts =
      values[.impressions] | values[.orders] | values[.likes] | values[.comments]
      | values[.shares] | values[.follows]
    // A negative value has its sign bit set, so it shows in the OR as a negative number.
    return money >= 0 && counts >= 0 && values[.cost] <= maxMoney && values[.gmv] <= maxMoney
      && values[.refund] <= maxMoney
      && values[.impressions] <= maxCount
      && values[.orders] <= maxCount && values[.likes] <= maxCount
      && values[.comments] <= maxCount && values[.shares] <= maxCount
      && values[.follows] <= maxCount && (source != .natural || values[.cost] == 0)
  }

  /// A rule broken by one field of a record.
  package struct Violation: Sendable, Equatable {
    /// The column key.
    package var column: String
    /// What is wrong and what to do.
    package var message: String
  }

  /// The problems of a placement as it would be stored.
  package static func placementViolations(
    tool: Source, budget: Int64?, start: DateTime, end: DateTime?
  ) -> [Violation] {
    var violations: [Violation] = []
    if tool == .natural {
      violations.append(
        Violation(
          column: "tool",
          message: "natural traffic is not a tool; use one of "
            + Source.tools.map(\.rawValue).joined(separator: ", ")))
    }
    if tool == .douPlus {
      if let budget, douPlusBudget.contains(budget) {
      } else {
        let got = budget.map { " (got ¥\(Money.yuanGrouped($0)))" } ?? " (none given)"
        violations.append(
          Violation(
            column: "budget",
            message: "a Dou+ budget must be between ¥100.00 and ¥5,000,000.00\(got)"))
      }
    }
    if tool == .contentService {
      if let budget, budget >= contentServiceMinimum {
      } else {
        let got = budget.map { " (got ¥\(Money.yuanGrouped($0)))" } ?? " (none given)"
        violations.append(
          Violation(
            column: "budget",
            message: "a content-service booking is at least ¥50,000.00\(got); "
              + "below that, pressure-test the video with Dou+ first"))
      }
    }
    if let budget, let violation = limitViolation(column: "budget", value: budget, isMoney: true) {
      violations.append(violation)
    }
    if let end, end < start {
      violations.append(
        Violation(column: "end", message: "end \(end) is before start \(start)"))
    }
    return violations
  }

  /// The problems of a promotion as it would be stored.
  package static func promotionViolations(start: Day, end: Day) -> [Violation] {
    guard end < start else { return [] }
    return [Violation(column: "end", message: "end \(end) is before start \(start)")]
  }

  /// The problem of a metric row as it would be stored (natural traffic carries no cost).
  package static func metricViolations(source: Source, cost: Int64) -> [Violation] {
    guard source == .natural, cost != 0 else { return [] }
    return [
      Violation(
        column: "cost",
        message: "natural traffic carries no cost (got ¥\(Money.yuanGrouped(cost))); "
          + "record the spend under the paid source that bought it")
    ]
  }

  /// Pairs of a Dou+ and a content-service placement on the same video whose times overlap.
  ///
  /// `?1` is NULL for the whole ledger, or a JSON array of `video.id` values to limit the search.
  /// Intervals are half-open: an order ending at 12:00 and a booking starting at 12:00 do not
  /// overlap; a NULL end is open-ended.
  static let overlapSQL = """
    SELECT d.placement_id AS dou_plus, c.placement_id AS content_service, v.video_id,
           d.start AS d_start, d."end" AS d_end, c.start AS c_start, c."end" AS c_end
    FROM placement AS d
    JOIN placement AS c ON c.video_ref = d.video_ref AND c.tool = 'content_service'
    JOIN video AS v ON v.id = d.video_ref
    WHERE d.tool = 'dou_plus'
      AND d.start < coalesce(c."end", '9999-12-31 23:59:59')
      AND c.start < coalesce(d."end", '9999-12-31 23:59:59')
      AND (?1 IS NULL OR d.video_ref IN (SELECT value FROM json_each(?1)))
    ORDER BY v.video_id, d.placement_id, c.placement_id
    """

  /// Dou+ numbers (spend or plays) on a day that a content-service booking on the same video
  /// covers whole: the same exclusion as ``overlapSQL``, for the rows of a Dou+ order report
  /// whose order was never entered as a placement.
  ///
  /// `?1` is NULL for the whole ledger, or a JSON array of import batch ids whose metric rows
  /// are checked; `?2` a JSON array of `video.id` values whose bookings changed. The range on
  /// `m.day` keeps it to one key range of `metric` per booking.
  static let douPlusInBookingSQL = """
    SELECT v.video_id, m.video_ref, m.day, m.placement_id, c.placement_id AS booking,
           c.start, c."end"
    FROM placement AS c
    JOIN video AS v ON v.id = c.video_ref
    JOIN metric AS m ON m.video_ref = c.video_ref AND m.source = 1
      AND m.day BETWEEN CAST(julianday(substr(c.start, 1, 10)) - 2440587.5 AS INTEGER)
        AND coalesce(CAST(julianday(substr(c."end", 1, 10)) - 2440587.5 AS INTEGER), 2147483647)
    WHERE c.tool = 'content_service'
      AND (m.impressions > 0 OR m.cost > 0)
      AND c.start <= date(m.day * 86400, 'unixepoch') || ' 00:00:00'
      AND (c."end" IS NULL OR c."end" >= date(m.day * 86400, 'unixepoch') || ' 23:59:59')
      AND (?1 IS NULL OR m.batch_id IN (SELECT value FROM json_each(?1))
           OR c.video_ref IN (SELECT value FROM json_each(?2)))
    ORDER BY v.video_id, m.day, m.placement_id
    LIMIT 1000
    """

  /// The sentence for Dou+ numbers inside a content-service booking.
  static func douPlusInBookingMessage(
    video: String, day: Day, order: String, booking: String, start: String, end: String?
  ) -> String {
    let orderText = order.isEmpty ? "" : " (order \(order))"
    return "video \(video) has Dou+ numbers\(orderText) on \(day), a day inside "
      + "content-service booking \(booking) (\(start) to \(end ?? "open-ended")); Dou+ and "
      + "content service are mutually exclusive on a video: remove the Dou+ row, or correct "
      + "the booking's dates"
  }

  /// The sentence for one overlapping pair.
  static func overlapMessage(douPlus: String, contentService: String, video: String) -> String {
    "Dou+ order \(douPlus) and content-service booking \(contentService) overlap in time on "
      + "video \(video); they are mutually exclusive: move one so they do not overlap"
  }
}
