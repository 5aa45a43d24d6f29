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
struct FirstSeen: Equatable {
  var file: String?
  var line: Int?

  /// "line 3" in the same file, "a.csv:3" in another, "the command line" for a `log`.
  func describe(relativeTo location: SourceLocation) -> String {
    guard let line else { return "the command line" }
    if file == location.file { return "line \(line)" }
    return SourceLocation.place(file: file ?? "?", line: line)
  }
}

/// What ``MetricKeySet/insert(_:placementID:given:at:)`` found.
enum KeySighting: Equatable {
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
/// as runs of consecutive days that gave the same numbers, in an array per source indexed by
/// video: an export has one row per video and day, so a video's 90 days are one run, and
/// scattered days within 128 days are bits; 32 bytes a video inline, and 8 bytes for each gap
/// beyond that. The memory grows with the videos, not with the rows. Where each row came from is not kept; a duplicate
/// is reported as ``KeySighting/duplicateSomewhere`` and the importer reads its files again to
/// name the earlier line (only when the import fails anyway). Order-level rows (a few thousand
/// Dou+ orders) are kept by their full key with where they came from.
struct MetricKeySet {
  /// Consecutive days of one stream that gave the same numbers: 8 bytes.
  private struct Run {
    var start: Int32
    var count: UInt16
    /// The numbers given (a `MetricValues.present` mask) plus bit 15, so a row that gave no
    /// number is still seen; 0 for no run at all.
    var mask: UInt16

    /// One past the last day.
    var end: Int32 { start + Int32(count) }
  }

  /// One video and source: its only run, or where its runs went once it has more than one.
  private struct Stream {
    /// The only run (`bits` 0), or the window of `bits` (its start and the numbers of all
    /// its days; count unused).
    var run = Run(start: 0, count: 0, mask: 0)
    /// The index of the stream's runs in `spilled`, or -1 while they fit inline.
    var spill: Int32 = -1
    /// Scattered days that gave the same numbers (a Dou+ order every few days): bit i is day
    /// `run.start + i`, 128 days in 16 bytes.
    var bits: UInt128 = 0
  }

  /// The streams of each source (by source code) indexed by video: 32 bytes a video, no
  /// hashing, no allocation per stream while its days are one run or fit 128 days.
  private var dense: [[Stream]] = Array(repeating: [], count: 16)
  /// How many videos `dense` makes room for when a source is first seen.
  private var denseVideos = 0
  /// Streams of videos far beyond the ledger's (ids set by hand in sqlite3).
  private var far: [UInt64: Stream] = [:]
  private var spilled: [[Run]] = []
  private var other: [String: UInt64] = [:]
  private var files: [String] = []

  /// Bit 15 of a run's mask: the day was seen.
  private static let seen: UInt16 = 0x8000

  /// How many streams have more than one run (kept in arrays of their own).
  var spilledStreams: Int { spilled.count }

  /// Makes room for videos with ids up to `maxVideoRef`, so the per-video arrays never grow on
  /// the way (an array that doubles leaves its old storage behind in the allocator).
  mutating func reserve(videoRefsUpTo maxVideoRef: Int) {
    denseVideos = max(denseVideos, maxVideoRef + 1)
  }

  /// Records the key with the numbers it gives (a `MetricValues.present` mask) and says
  /// whether an earlier row of the write gave some of the same numbers.
  mutating func insert(
    _ key: MetricKey, placementID: UnsafeBufferPointer<UInt8>, given: UInt16,
    at location: SourceLocation
  ) -> KeySighting {
    if placementID.isEmpty, key.packed != nil {
      return insertDay(key, given: given) ? .duplicateSomewhere : .new
    }
    let full =
      "\(key.videoRef)|\(key.day)|\(key.source)|" + String(decoding: placementID, as: UTF8.self)
    let origin = encode(location) | UInt64(given) << 48
    guard let first = other.updateValue(origin, forKey: full) else { return .new }
    if Self.overlaps(UInt16(truncatingIfNeeded: first >> 48), given) {
      other[full] = first
      return .duplicate(decode(first))
    }
    // Complementary numbers: remember all of them, under the first row's origin.
    other[full] = (first | origin) & 0xFFFF_0000_0000_0000 | first & 0x0000_FFFF_FFFF_FFFF
    return .new
  }

  /// True when two rows that give `first` and `second` numbers (`MetricValues.present`
  /// masks) are the same row given twice: they give some of the same numbers, or neither gives
  /// any.
  static func overlaps(_ first: UInt16, _ second: UInt16) -> Bool {
    first & second != 0 || first | second == 0
  }

  /// Adds one day of a stream (a packed key: video and day in range, source below 16); true
  /// when the day was seen with some of the same numbers.
  private mutating func insertDay(_ key: MetricKey, given: UInt16) -> Bool {
    let video = Int(key.videoRef)
    let source = key.source
    let mask = UInt16(given) | Self.seen
    // Without a reservation (a one-row write) or for an id far beyond it: the dictionary.
    if video >= dense[source].count, denseVideos > 0, video < 2 * denseVideos + 1024 {
      let size = max(video + 1, denseVideos, 2 * dense[source].count)
      dense[source].append(contentsOf: repeatElement(Stream(), count: size - dense[source].count))
    }
    if video < dense[source].count {
      return Self.add(day: key.day, mask: mask, to: &dense[source][video], spilled: &spilled)
    }
    var stream = far[key.stream] ?? Stream()
    defer { far[key.stream] = stream }
    return Self.add(day: key.day, mask: mask, to: &stream, spilled: &spilled)
  }

  /// Adds a day to a stream; true when it was seen with some of the same numbers.
  private static func add(
    day: Int32, mask: UInt16, to stream: inout Stream, spilled: inout [[Run]]
  ) -> Bool {
    if stream.spill < 0 {
      let run = stream.run
      if run.mask == 0 {
        stream.run = Run(start: day, count: 1, mask: mask)
        return false
      }
      if stream.bits == 0 {
        if day == run.end, run.mask == mask, run.count < .max {
          stream.run.count += 1
          return false
        }
        if run.mask == mask, run.start <= day, day < run.end { return true }
        // Another stretch with the same numbers within 128 days: the days as bits.
        let base = min(run.start, day)
        if run.mask == mask, Int(max(run.end - 1, day)) - Int(base) < 128 {
          let ones: UInt128 = run.count >= 128 ? .max : (1 << UInt128(run.count)) - 1
          stream.bits = ones << UInt128(run.start - base) | 1 << UInt128(day - base)
          stream.run = Run(start: base, count: 0, mask: mask)
          return false
        }
      } else {
        let offset = Int(day) - Int(run.start)
        if (0..<128).contains(offset), stream.bits >> UInt128(offset) & 1 != 0 {
          if overlaps(run.mask & ~Self.seen, mask & ~Self.seen) {
            return true
          }
        } else if run.mask == mask, offset >= 0, offset < 128 {
          stream.bits |= 1 << UInt128(offset)
          return false
        } else if run.mask == mask, offset < 0,
          127 - stream.bits.leadingZeroBitCount - offset < 128
        {
          stream.bits = stream.bits << UInt128(-offset) | 1
          stream.run.start = day
          return false
        }
      }
      // Anything else (other numbers, a wider span): the days as runs in an array.
      stream.spill = Int32(spilled.count)
      spilled.append(stream.bits == 0 ? [run] : runs(of: stream))
      stream.bits = 0
    }
    return add(day: day, mask: mask, to: &spilled[Int(stream.spill)])
  }

  /// The days of a stream's bits as runs.
  private static func runs(of stream: Stream) -> [Run] {
    var runs: [Run] = []
    var bits = stream.bits
    var offset: Int32 = 0
    while bits != 0 {
      let gap = bits.trailingZeroBitCount
      bits >>= UInt128(gap)
      offset += Int32(gap)
      let days = (~bits).trailingZeroBitCount
      runs.append(Run(start: stream.run.start + offset, count: UInt16(days), mask: stream.run.mask))
      bits >>= UInt128(days)
      offset += Int32(days)
    }
    return runs
  }

  /// Adds a day to a stream's runs (sorted, not overlapping, neighbours of equal mask joined).
  private static func add(day: Int32, mask: UInt16, to runs: inout [Run]) -> Bool {
    // The usual case: a day after the stream's last one.
    if let last = runs.last, day >= last.end {
      if day == last.end, last.mask == mask, last.count < .max {
        runs[runs.count - 1].count += 1
      } else {
        runs.append(Run(start: day, count: 1, mask: mask))
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
      if overlaps(run.mask & ~Self.seen, mask & ~Self.seen) {
        return true
      }
      // Complementary numbers: the day now holds both, split out of its run.
      var pieces: [Run] = []
      if run.start < day {
        pieces.append(Run(start: run.start, count: UInt16(day - run.start), mask: run.mask))
      }
      pieces.append(Run(start: day, count: 1, mask: run.mask | mask))
      if day + 1 < run.end {
        pieces.append(Run(start: day + 1, count: UInt16(run.end - day - 1), mask: run.mask))
      }
      runs.replaceSubrange(low...low, with: pieces)
    } else {
      runs.insert(Run(start: day, count: 1, mask: mask), at: low)
    }
    joinNeighbours(&runs, around: low)
    return false
  }

  /// Joins adjacent runs of equal mask near `index` (the runs an insert or split touched).
  private static func joinNeighbours(_ runs: inout [Run], around index: Int) {
    var position = max(index - 1, 0)
    var last = min(index + 3, runs.count - 1)
    while position < last {
      let joined = Int(runs[position].count) + Int(runs[position + 1].count)
      if runs[position].end == runs[position + 1].start,
        runs[position].mask == runs[position + 1].mask, joined <= Int(UInt16.max)
      {
        runs[position].count = UInt16(joined)
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
    // 16 bits of file (an import of more than 65,535 files names a wrong earlier file, never
    // a wrong row), 32 of line; the top 16 bits hold the numbers given.
    return UInt64(UInt16(truncatingIfNeeded: files.count - 1)) << 32
      | UInt64(UInt32(truncatingIfNeeded: line))
  }

  /// The origin of a row from the command line (no file, no line).
  private let noOrigin: UInt64 = 0x0000_FFFF_FFFF_FFFF

  private func decode(_ origin: UInt64) -> FirstSeen {
    let place = origin & 0x0000_FFFF_FFFF_FFFF
    guard place != noOrigin else { return FirstSeen(file: nil, line: nil) }
    let index = Int(place >> 32)
    return FirstSeen(
      file: index < files.count ? files[index] : nil, line: Int(place & 0xFFFF_FFFF))
  }
}
