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

/// The keys of the metric rows written so far in one write, with where each came from and
/// which numbers they gave.
///
/// A key seen again is a duplicate when the two rows give some of the same numbers; rows that
/// give different numbers (a Dou+ spend file and a shop GMV file in one import) complete each
/// other. Rows not tied to an order (the common case, millions of them) are kept as one packed
/// UInt64 key and a UInt64 origin (numbers given, file, line); order-level rows by their full
/// key.
struct MetricKeySet {
  private var packed: [UInt64: UInt64] = [:]
  private var other: [String: UInt64] = [:]
  private var files: [String] = []

  /// Records the key with the numbers it gives (a `MetricValues.present` mask); returns where
  /// it was first seen when an earlier row of the write gave some of the same numbers.
  mutating func insert(
    _ key: MetricKey, placementID: UnsafeBufferPointer<UInt8>, given: UInt8,
    at location: SourceLocation
  ) -> FirstSeen? {
    let origin = encode(location) | UInt64(given) << 56
    let duplicate: UInt64?
    if placementID.isEmpty, let compact = key.packed {
      duplicate = Self.merge(&packed, compact, origin)
    } else {
      let full =
        "\(key.videoRef)|\(key.day)|\(key.source)|"
        + String(decoding: placementID, as: UTF8.self)
      duplicate = Self.merge(&other, full, origin)
    }
    return duplicate.map(decode)
  }

  /// Records `origin` under `key`; returns the first origin when the rows overlap.
  ///
  /// Static, so that the dictionary is not shared with a copy of `self` (a copy-on-write of
  /// millions of entries per row).
  private static func merge<Key: Hashable>(
    _ seen: inout [Key: UInt64], _ key: Key, _ origin: UInt64
  ) -> UInt64? {
    guard let first = seen.updateValue(origin, forKey: key) else { return nil }
    let overlap = (first >> 56) & (origin >> 56)
    if overlap != 0 || origin >> 56 == 0 {
      seen[key] = first
      return first
    }
    // Complementary numbers: remember all of them, under the first row's origin.
    seen[key] = (first | origin) & 0xFF00_0000_0000_0000 | first & 0x00FF_FFFF_FFFF_FFFF
    return nil
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
