internal import GRDB

extension Ledger {
  /// The warnings of `aimt check` (exit 0): data that breaks no rule but misleads a number.
  ///
  /// GMV on a day without plays of its source: a shop or Taobao Union file brought the GMV of
  /// a day whose plays file is missing or zero. The traffic ROI model leaves such natural GMV
  /// out (docs/method.md, "GMV without plays").
  package func checkWarnings() throws(LedgerError) -> [CheckFinding] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT v.video_id, date(m.day * 86400, 'unixepoch') AS day, s.name AS source,
                 m.placement_id, m.gmv
          FROM metric AS m
          JOIN video AS v ON v.id = m.video_ref
          JOIN source AS s ON s.code = m.source
          WHERE m.impressions = 0 AND m.gmv > 0
          ORDER BY v.video_id, m.day, m.source
          """
      ).map { row in
        let source: String = row["source"]
        let placement: String = row["placement_id"] ?? ""
        let gmv: Int64 = row["gmv"]
        return CheckFinding(
          subject: "gmv_without_plays",
          message: "video \(row["video_id"] as String) on \(row["day"] as String), \(source)"
            + (placement.isEmpty ? "" : " order \(placement)")
            + ": ¥\(Money.yuanGrouped(gmv)) of GMV with 0 impressions"
            + (source == "natural" ? " (left out of the traffic ROI model)" : ""),
          remedy: .addPlays)
      }
    }
  }
}
