import Foundation
internal import GRDB

// The rules across rows, run when a write finishes: no Dou+ and content service on one video
// at the same time, as placements and as Dou+ numbers inside a booking.

extension LedgerWriter {
  // MARK: - Cross-row rules

  func bookedVideos() throws -> Set<Int64> {
    if let bookedVideoRefs { return bookedVideoRefs }
    let refs = Set(
      try Int64.fetchAll(
        db, sql: "SELECT DISTINCT video_ref FROM placement WHERE tool = 'content_service'"))
    bookedVideoRefs = refs
    return refs
  }

  /// Refuses Dou+ numbers written on a day that a content-service booking on the same video
  /// covers (rows of this write, and rows under bookings this write changed).
  func checkDouPlusInBookings() throws {
    let batches = "[" + summary.batchIDs.map(String.init).joined(separator: ",") + "]"
    let videos = "[" + touchedPlacementVideos.sorted().map(String.init).joined(separator: ",") + "]"
    let rows = try Row.fetchAll(
      db, sql: LedgerRules.douPlusInBookingSQL, arguments: [batches, videos])
    for row in rows {
      let day = Day(daysSinceEpoch: row["day"])
      let order: String = row["placement_id"]
      let booking: String = row["booking"]
      let key = DouPlusRowKey(
        videoRef: row["video_ref"], day: day.daysSinceEpoch, placementID: order)
      let location = douPlusLocations[key] ?? placementLocations[booking] ?? .commandLine
      report(
        location.problem(
          "source",
          LedgerRules.douPlusInBookingMessage(
            video: row["video_id"], day: day, order: order, booking: booking,
            start: row["start"], end: row["end"])))
    }
  }

  func checkOverlaps() throws {
    let refs = "[" + touchedPlacementVideos.sorted().map(String.init).joined(separator: ",") + "]"
    let rows = try Row.fetchAll(db, sql: LedgerRules.overlapSQL, arguments: [refs])
    for row in rows {
      let douPlus: String = row["dou_plus"]
      let contentService: String = row["content_service"]
      let video: String = row["video_id"]
      let message = LedgerRules.overlapMessage(
        douPlus: douPlus, contentService: contentService, video: video)
      let location =
        placementLocations[douPlus] ?? placementLocations[contentService] ?? .commandLine
      report(location.problem("placement_id", message))
    }
  }
}

/// A Dou+ metric row's key, to find the line it came from.
struct DouPlusRowKey: Hashable {
  var videoRef: Int64
  var day: Int32
  var placementID: String
}
