import Foundation
import ZIPFoundation

/// Reads a compressed entry of a workbook within its own bytes (docs/decisions.md, "xlsx").
///
/// ZIPFoundation inflates an entry by reading the archive on from the entry's start until the
/// deflate stream ends; a damaged entry whose stream does not end before the file does made it
/// loop for ever on Linux, reading nothing at the file's end (a flipped byte in a workbook
/// hung `aimt import`). Here the entry's compressed bytes are located from the archive's
/// central directory and its local header, and handed to the inflater with a bound: asked for
/// more than the entry holds, the read fails, and the workbook is refused as damaged.
enum ZipEntryBytes {
  /// The entry's bytes ran out before its deflate stream ended.
  struct CutShort: Error {}

  /// Inflates `entry` of the archive file at `url`, handing its bytes to `consumer` in pieces of
  /// at most `bufferSize`, and returns their CRC-32; nil when the entry cannot be located in
  /// the file (the caller refuses the workbook).
  static func inflate(
    _ entry: Entry, in url: URL, bufferSize: Int, consumer: (Data) throws -> Void
  ) throws -> CRC32? {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    guard let start = try dataOffset(of: entry.path, in: handle) else { return nil }
    try handle.seek(toOffset: start)
    let size = Int64(clamping: entry.compressedSize)
    // ZIPFoundation's inflater tells zlib each piece is `bufferSize` long, whatever its length,
    // so each piece is that long: the entry's last bytes are followed by zeros (past its size,
    // the next read fails, and a stream that used them fails its checksum).
    return try Data.decompress(
      size: size, bufferSize: bufferSize, skipCRC32: false,
      provider: { position, length in
        let left = size - position
        guard left > 0 else { throw CutShort() }
        var piece = try handle.read(upToCount: Int(min(Int64(length), left))) ?? Data()
        guard !piece.isEmpty else { throw CutShort() }
        if piece.count < length { piece.append(Data(count: length - piece.count)) }
        return piece
      },
      consumer: consumer)
  }

  /// Where the compressed bytes of the entry named `name` begin, from the central directory
  /// (ZIP64 included) and the entry's local header; nil when either is not where it should be.
  static func dataOffset(of name: String, in handle: FileHandle) throws -> UInt64? {
    let fileSize = try handle.seekToEnd()
    // The end-of-central-directory record: 22 bytes and a comment of up to 65,535.
    let tailStart = fileSize > 65_557 ? fileSize - 65_557 : 0
    let tail = try bytes(handle, at: tailStart, count: Int(fileSize - tailStart))
    guard tail.count >= 22,
      let end = (0...(tail.count - 22)).reversed().first(where: {
        tail.uint32(at: $0) == 0x0605_4b50
      })
    else { return nil }
    var directoryOffset = UInt64(tail.uint32(at: end + 16))
    var directorySize = UInt64(tail.uint32(at: end + 12))
    if directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
      // ZIP64: a locator of 20 bytes before the record names the ZIP64 record.
      guard end >= 20, tail.uint32(at: end - 20) == 0x0706_4b50 else { return nil }
      let record = try bytes(handle, at: tail.uint64(at: end - 12), count: 56)
      guard record.count == 56, record.uint32(at: 0) == 0x0606_4b50 else { return nil }
      directorySize = record.uint64(at: 40)
      directoryOffset = record.uint64(at: 48)
    }
    guard directorySize <= fileSize, directoryOffset <= fileSize - directorySize else {
      return nil
    }
    let directory = try bytes(handle, at: directoryOffset, count: Int(directorySize))
    let wanted = Array(name.utf8)
    var at = 0
    while at + 46 <= directory.count, directory.uint32(at: at) == 0x0201_4b50 {
      let nameLength = Int(directory.uint16(at: at + 28))
      let extraLength = Int(directory.uint16(at: at + 30))
      let commentLength = Int(directory.uint16(at: at + 32))
      let next = at + 46 + nameLength + extraLength + commentLength
      guard next <= directory.count else { return nil }
      if Array(directory[(at + 46)..<(at + 46 + nameLength)]) == wanted {
        var header = UInt64(directory.uint32(at: at + 42))
        if header == 0xFFFF_FFFF {
          guard
            let wide = zip64HeaderOffset(
              directory, extra: (at + 46 + nameLength)..<(at + 46 + nameLength + extraLength),
              sizes: [directory.uint32(at: at + 24), directory.uint32(at: at + 20)])
          else { return nil }
          header = wide
        }
        let local = try bytes(handle, at: header, count: 30)
        guard local.count == 30, local.uint32(at: 0) == 0x0403_4b50 else { return nil }
        return header + 30 + UInt64(local.uint16(at: 26)) + UInt64(local.uint16(at: 28))
      }
      at = next
    }
    return nil
  }

  /// The local header's offset in a central-directory record's ZIP64 extra field (id 1): after
  /// the 8-byte uncompressed and compressed sizes that are there (those whose 4-byte fields
  /// read 0xFFFFFFFF, in that order).
  private static func zip64HeaderOffset(_ bytes: [UInt8], extra: Range<Int>, sizes: [UInt32])
    -> UInt64?
  {
    var at = extra.lowerBound
    while at + 4 <= extra.upperBound {
      let id = bytes.uint16(at: at)
      let length = Int(bytes.uint16(at: at + 2))
      if id == 1 {
        let skip = 8 * sizes.filter { $0 == 0xFFFF_FFFF }.count
        guard skip + 8 <= length, at + 4 + length <= extra.upperBound else { return nil }
        return bytes.uint64(at: at + 4 + skip)
      }
      at += 4 + length
    }
    return nil
  }

  /// Up to `count` bytes of the file from `offset` (fewer at its end).
  private static func bytes(_ handle: FileHandle, at offset: UInt64, count: Int) throws
    -> [UInt8]
  {
    try handle.seek(toOffset: offset)
    return Array(try handle.read(upToCount: count) ?? Data())
  }
}

extension [UInt8] {
  /// The little-endian number of 2, 4 or 8 bytes at `at` (0 past the end).
  fileprivate func uint16(at: Int) -> UInt16 { UInt16(truncatingIfNeeded: little(at, 2)) }
  fileprivate func uint32(at: Int) -> UInt32 { UInt32(truncatingIfNeeded: little(at, 4)) }
  fileprivate func uint64(at: Int) -> UInt64 { little(at, 8) }

  private func little(_ at: Int, _ width: Int) -> UInt64 {
    guard at >= 0, at + width <= count else { return 0 }
    var value: UInt64 = 0
    for index in (0..<width).reversed() { value = value << 8 | UInt64(self[at + index]) }
    return value
  }
}
