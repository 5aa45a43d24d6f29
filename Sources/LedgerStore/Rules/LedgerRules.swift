/// The ledger rules of the contract, in one place.
///
/// Single-row rules are Swift functions over the record as it would be stored (after a partial
/// write is merged with the stored values), used by every write path and by `aimt check`.
/// The cross-row rule (no Dou+ and content service overlapping on one video) is one SQL query,
/// run after each write that touches placements and by `aimt check`.
public enum LedgerRules {
  /// Dou+ budget limits, in fen: ¥100 to ¥5,000,000.
  public static let douPlusBudget: ClosedRange<Int64> = 10_000...500_000_000
  /// Content-service minimum booking, in fen: ¥50,000.
  public static let contentServiceMinimum: Int64 = 5_000_000

  /// A rule broken by one field of a record.
  public struct Violation: Sendable, Equatable {
    /// The column key.
    public var column: String
    /// What is wrong and what to do.
    public var message: String
  }

  /// The problems of a placement as it would be stored.
  public static func placementViolations(
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
    if let end, end < start {
      violations.append(
        Violation(column: "end", message: "end \(end) is before start \(start)"))
    }
    return violations
  }

  /// The problems of a promotion as it would be stored.
  public static func promotionViolations(start: Day, end: Day) -> [Violation] {
    guard end < start else { return [] }
    return [Violation(column: "end", message: "end \(end) is before start \(start)")]
  }

  /// The problem of a metric row as it would be stored (natural traffic carries no cost).
  public static func metricViolations(source: Source, cost: Int64) -> [Violation] {
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

  /// The sentence for one overlapping pair.
  static func overlapMessage(douPlus: String, contentService: String, video: String) -> String {
    "Dou+ order \(douPlus) and content-service booking \(contentService) overlap in time on "
      + "video \(video); they are mutually exclusive: move one so they do not overlap"
  }
}
