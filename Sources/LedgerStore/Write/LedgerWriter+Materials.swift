internal import GRDB

// The 千川 material ids (素材ID) of videos: a material export that carries both ids fills the
// `material` table, and a file with only material ids is read through it (docs/decisions.md,
// "Material ids").

/// A material id and the video it shows, as a file's row gives them.
package struct MaterialPair: Sendable, Equatable {
  package var materialID: String
  package var videoID: String
  package var location: SourceLocation

  package init(materialID: String, videoID: String, location: SourceLocation) {
    self.materialID = materialID
    self.videoID = videoID
    self.location = location
  }
}

extension LedgerWriter {
  /// Every stored material id with the video id it maps to.
  package func materialVideos() throws -> [String: String] {
    var result: [String: String] = [:]
    let rows = try Row.fetchCursor(
      db,
      sql: """
        SELECT m.material_id, v.video_id FROM material AS m JOIN video AS v ON v.id = m.video_ref
        """)
    while let row = try rows.next() { result[row[0]] = row[1] }
    return result
  }

  /// Records that a material id shows a video; a material id already mapped to another video is
  /// a problem (a material shows one video).
  package func upsertMaterial(_ pair: MaterialPair) throws {
    guard !pair.materialID.isEmpty,
      let videoRef = try requireVideo(pair.videoID, at: pair.location)
    else { return }
    let stored = try Row.fetchOne(
      db.cachedStatement(
        sql: """
          SELECT m.video_ref, v.video_id FROM material AS m JOIN video AS v ON v.id = m.video_ref
          WHERE m.material_id = ?
          """),
      arguments: [pair.materialID])
    if let stored {
      let ref: Int64 = stored[0]
      if ref == videoRef {
        record(.unchanged, kind: .materials)
      } else {
        let other: String = stored[1]
        report(
          pair.location.problem(
            "material_id",
            "material \(pair.materialID) is on record as video \(other), not \(pair.videoID); "
              + "a material shows one video: check the file's 素材ID and 视频ID columns"))
      }
      return
    }
    try db.cachedStatement(
      sql: "INSERT INTO material (material_id, video_ref, batch_id) VALUES (?, ?, ?)"
    ).execute(arguments: [pair.materialID, videoRef, try currentBatch()])
    record(.inserted, kind: .materials)
  }
}
