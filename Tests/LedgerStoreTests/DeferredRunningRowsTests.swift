import Foundation
import Testing

@testable import LedgerStore

// The running rows kept for the end of a date-sorted load are written to their temporary file
// by a thread of its own, one buffer at a time (docs/internals.md, "Pages written behind"); a
// write that fails there is answered when the writing thread next waits for it.

@Test
func aBufferWrittenOnItsOwnThreadLandsAtItsOffsetAndAFailedOneIsAnsweredAtTheNextSettle()
  throws
{
  let folder = NSTemporaryDirectory() + "aimt-buffer-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let descriptor = try #require(MetricSpill.unnamedFile(in: folder, prefix: "test"))
  defer { close(descriptor) }
  let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
  defer { buffer.deallocate() }
  for index in 0..<64 { buffer.storeBytes(of: UInt8(index), toByteOffset: index, as: UInt8.self) }

  let writer = DeferredRunningRows.BufferWriter(descriptor: descriptor, buffer: buffer)
  writer.write(count: 64, at: 100)
  #expect(writer.settle() == nil)
  var read = [UInt8](repeating: 0, count: 64)
  #expect(pread(descriptor, &read, 64, 100) == 64)
  #expect(read == (0..<64).map { UInt8($0) })

  let broken = DeferredRunningRows.BufferWriter(descriptor: -1, buffer: buffer)
  broken.write(count: 64, at: 0)
  #expect(broken.settle() == String(cString: strerror(EBADF)))
  // Answered once; nothing in flight after.
  #expect(broken.settle() == nil)
}
