/// Owns the chunk buffer of a `JSONRecordReader`, which as a struct cannot free it.
final class ChunkBuffer {
  let bytes: UnsafeMutablePointer<UInt8>

  init(capacity: Int) {
    bytes = .allocate(capacity: capacity)
  }

  deinit {
    bytes.deallocate()
  }
}
