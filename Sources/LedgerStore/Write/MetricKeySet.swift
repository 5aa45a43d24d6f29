/// A metric row's key without its order id, packed for the duplicate check.
struct MetricKey: Hashable {
  var videoRef: Int64
  var day: Int32
  var source: Int

  /// 36 bits of video, 24 of day, 4 of source: one UInt64, no collisions within those ranges.
  var packed: UInt64? {
    guard videoRef >= 0, videoRef < 1 << 36, day >= 0, day < 1 << 24, source >= 0, source < 16
    else { return nil }
    return UInt64(videoRef) << 28 | UInt64(day) << 4 | UInt64(source)
  }

  /// The video and source alone: one stream of days.
  var stream: UInt64 { UInt64(truncatingIfNeeded: videoRef) << 4 | UInt64(source & 15) }
}

/// Where a row was first seen in this write.
struct FirstSeen {
  var file: String?
  var line: Int?

  /// "line 3" in the same file, "a.csv:3" in another, "the command line" for a `log`.
  func describe(relativeTo location: SourceLocation) -> String {
    guard let line else { return "the command line" }
    if file == location.file { return "line \(line)" }
    return "\(file ?? "?"):\(line)"
  }
}

/// What ``MetricKeySet/insert(_:placementID:given:at:)`` found.
enum KeySighting {
  /// The key is new in this write, or earlier rows gave only other numbers.
  case new
  /// An earlier row of this write gave some of the same numbers; where it was is known.
  case duplicate(FirstSeen)
  /// An earlier row gave some of the same numbers; where it was is not kept (see
  /// ``MetricKeySet``) and is found by reading the input again.
  case duplicateSomewhere
}

/// The keys of the metric rows written so far in one write, with which numbers they gave.
///
/// A key seen again is a duplicate when the two rows give some of the same numbers; rows that
/// give different numbers (a Dou+ spend file and a shop GMV file in one import) complete each
/// other.
///
/// Rows not tied to an order (the common case, millions of them) are kept per video and source
/// as runs of consecutive days that gave the same numbers: an export has one row per video and
/// day, so a video's 90 days are one run of 12 bytes, and the memory grows with the videos and
/// the gaps in their days, not with the rows. Where each row came from is not kept; a duplicate
/// is reported as ``KeySighting/duplicateSomewhere`` and the importer reads its files again to
/// name the earlier line (only when the import fails anyway). Order-level rows (a few thousand
/// Dou+ orders) are kept by their full key with where they came from.
struct MetricKeySet {
  /// Consecutive days of one stream that gave the same numbers.
  private struct Run {
    var start: Int32
    /// One past the last day.
    var end: Int32
    /// The numbers given (a `MetricValues.present` mask) plus bit 8, so a row that gave no
    /// number is still seen.
    var mask: UInt16
  }

  private var streamIndex: [UInt64: Int] = [:]
  private var streams: [[Run]] = []
  private var lastStream: UInt64 = .max
  private var lastIndex = 0
  private var other: [String: UInt64] = [:]
  private var files: [String] = []

  /// Bit 8 of a run's mask: the day was seen.
  private static let seen: UInt16 = 0x100

  /// Records the key with the numbers it gives (a `MetricValues.present` mask) and says
  /// whether an earlier row of the write gave some of the same numbers.
  mutating func insert(
    _ key: MetricKey, placementID: UnsafeBufferPointer<UInt8>, given: UInt8,
    at location: SourceLocation
  ) -> KeySighting {
    if placementID.isEmpty, key.packed != nil {
      return insertDay(key, given: given) ? .duplicateSomewhere : .new
    }
    let full =
      "\(key.videoRef)|\(key.day)|\(key.source)|" + String(decoding: placementID, as: UTF8.self)
    let origin = encode(location) | UInt64(given) << 56
    guard let first = other.updateValue(origin, forKey: full) else { return .new }
    if Self.overlaps(UInt8(first >> 56), given) {
      other[full] = first
      return .duplicate(decode(first))
    }
    // Complementary numbers: remember all of them, under the first row's origin.
    other[full] = (first | origin) & 0xFF00_0000_0000_0000 | first & 0x00FF_FFFF_FFFF_FFFF
    return .new
  }

  /// True when two rows that give `first` and `second` numbers (`MetricValues.present`
  /// masks) are the same row given twice: they give some of the same numbers, or neither gives
  /// any.
  static func overlaps(_ first: UInt8, _ second: UInt8) -> Bool {
    first & second != 0 || first | second == 0
  }

  /// Adds one day of a stream; true when the day was seen with some of the same numbers.
  private mutating func insertDay(_ key: MetricKey, given: UInt8) -> Bool {
    let stream = key.stream
    let index: Int
    if stream == lastStream {
      index = lastIndex
    } else if let known = streamIndex[stream] {
      index = known
    } else {
      index = streams.count
      streams.append([])
      streamIndex[stream] = index
    }
    lastStream = stream
    lastIndex = index
    return Self.add(day: key.day, mask: UInt16(given) | Self.seen, to: &streams[index])
  }

  /// Adds a day to a stream's runs (sorted, not overlapping, neighbours of equal mask joined).
  private static func add(day: Int32, mask: UInt16, to runs: inout [Run]) -> Bool {
    // The usual case: the day after the stream's last one, giving the same numbers.
    if let last = runs.last, day >= last.end {
      if day == last.end, last.mask == mask {
        runs[runs.count - 1].end += 1
      } else {
        runs.append(Run(start: day, end: day + 1, mask: mask))
      }
      return false
    }
    // The first run that ends after the day.
    var low = 0
    var high = runs.count
    while low < high {
      let middle = (low + high) / 2
      if runs[middle].end <= day { low = middle + 1 } else { high = middle }
    }
    if low < runs.count, runs[low].start <= day {
      let run = runs[low]
      if overlaps(UInt8(truncatingIfNeeded: run.mask), UInt8(truncatingIfNeeded: mask)) {
        return true
      }
      // Complementary numbers: the day now holds both, split out of its run.
      var pieces: [Run] = []
      if run.start < day { pieces.append(Run(start: run.start, end: day, mask: run.mask)) }
      pieces.append(Run(start: day, end: day + 1, mask: run.mask | mask))
      if day + 1 < run.end { pieces.append(Run(start: day + 1, end: run.end, mask: run.mask)) }
      runs.replaceSubrange(low...low, with: pieces)
    } else {
      runs.insert(Run(start: day, end: day + 1, mask: mask), at: low)
    }
    joinNeighbours(&runs, around: low)
    return false
  }

  /// Joins adjacent runs of equal mask near `index` (the runs an insert or split touched).
  private static func joinNeighbours(_ runs: inout [Run], around index: Int) {
    var position = max(index - 1, 0)
    let stop = min(index + 3, runs.count - 1)
    var last = stop
    while position < last {
      if runs[position].end == runs[position + 1].start,
        runs[position].mask == runs[position + 1].mask
      {
        runs[position].end = runs[position + 1].end
        runs.remove(at: position + 1)
        last -= 1
      } else {
        position += 1
      }
    }
  }

  private mutating func encode(_ location: SourceLocation) -> UInt64 {
    guard let file = location.file, let line = location.line else { return noOrigin }
    if files.last != file { files.append(file) }
    return UInt64(files.count - 1) << 32 | UInt64(UInt32(truncatingIfNeeded: line))
  }

  /// The origin of a row from the command line (no file, no line).
  private let noOrigin: UInt64 = 0x00FF_FFFF_FFFF_FFFF

  private func decode(_ origin: UInt64) -> FirstSeen {
    let place = origin & 0x00FF_FFFF_FFFF_FFFF
    guard place != noOrigin else { return FirstSeen(file: nil, line: nil) }
    let index = Int(place >> 32)
    return FirstSeen(
      file: index < files.count ? files[index] : nil, line: Int(place & 0xFFFF_FFFF))
  }
}
