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

/// The keys of the metric rows written so far in one write, with where each came from.
///
/// Rows not tied to an order (the common case, millions of them) are kept as one packed
/// UInt64 and a 32-bit line, a few bytes each; order-level rows by their full key.
struct MetricKeySet {
  private var packed: [UInt64: UInt64] = [:]
  private var other: [String: UInt64] = [:]
  private var files: [String] = []

  /// Records the key; returns where it was first seen when it is a duplicate.
  mutating func insert(
    _ key: MetricKey, placementID: UnsafeBufferPointer<UInt8>, at location: SourceLocation
  ) -> FirstSeen? {
    let origin = encode(location)
    if placementID.isEmpty, let compact = key.packed {
      if let first = packed.updateValue(origin, forKey: compact) {
        packed[compact] = first
        return decode(first)
      }
      return nil
    }
    let full =
      "\(key.videoRef)|\(key.day)|\(key.source)|" + String(decoding: placementID, as: UTF8.self)
    if let first = other.updateValue(origin, forKey: full) {
      other[full] = first
      return decode(first)
    }
    return nil
  }

  private mutating func encode(_ location: SourceLocation) -> UInt64 {
    guard let file = location.file, let line = location.line else { return UInt64.max }
    if files.last != file { files.append(file) }
    return UInt64(files.count - 1) << 32 | UInt64(UInt32(truncatingIfNeeded: line))
  }

  private func decode(_ origin: UInt64) -> FirstSeen {
    guard origin != UInt64.max else { return FirstSeen(file: nil, line: nil) }
    let index = Int(origin >> 32)
    return FirstSeen(
      file: index < files.count ? files[index] : nil, line: Int(origin & 0xFFFF_FFFF))
  }
}
