import Foundation
import ZIPFoundation

/// A part of a workbook unpacked on its own thread and read in pieces: ZIPFoundation hands out
/// the bytes of an entry (`extract(_:bufferSize:consumer:)`), the tokenizer asks for them.
///
/// At most `depth` pieces wait, so memory stays flat however large the sheet; unpacking
/// overlaps parsing. ``stop()`` ends the thread early (a failed import does not read on).
final class PartStream: @unchecked Sendable {
  private let condition = NSCondition()
  private var pieces: [Data] = []
  private var finished = false
  private var stopped = false
  private var failed: ReadError?
  private let done = DispatchSemaphore(value: 0)
  private var current = Data()
  private var offset = 0
  private let depth = 4
  /// Unpacked bytes handed to the reader so far.
  private(set) var bytesRead = 0
  /// The part's unpacked size as its zip entry gives it.
  let totalBytes: Int

  /// Starts unpacking `entry` (at most `limit` bytes).
  init(_ entry: Entry, _ archive: Archive, limit: Int) {
    totalBytes = Int(clamping: entry.uncompressedSize)
    let work = Unchecked((entry, archive))
    let thread = Thread { [self] in
      do throws(ReadError) {
        try XlsxWorkbook.extract(work.value.0, work.value.1, limit: limit, bufferSize: 1 << 18) {
          guard self.send($0) else { throw CancellationError() }
        }
        finish(nil)
      } catch {
        finish(error)
      }
      done.signal()
    }
    thread.name = "aimt-unzip"
    thread.start()
  }

  /// Why the unpacking failed, once it has.
  var failure: ReadError? {
    condition.lock()
    defer { condition.unlock() }
    return failed
  }

  private func send(_ data: Data) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while pieces.count >= depth, !stopped { condition.wait() }
    if stopped { return false }
    pieces.append(data)
    condition.broadcast()
    return true
  }

  private func finish(_ error: ReadError?) {
    condition.lock()
    finished = true
    if !stopped { failed = error }
    condition.broadcast()
    condition.unlock()
  }

  /// Ends the unpacking and waits for its thread; call once, when done reading.
  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
    done.wait()
  }

  /// Writes up to `count` bytes to `destination`; 0 at the end of the part.
  ///
  /// A failure of the unpacking is thrown as damage; ``failure`` says what it was.
  func refill(_ destination: UnsafeMutablePointer<UInt8>, _ count: Int) throws(XMLDamage) -> Int {
    while offset == current.count {
      condition.lock()
      while pieces.isEmpty, !finished { condition.wait() }
      if pieces.isEmpty {
        let error = failed
        condition.unlock()
        if let error { throw XMLDamage(message: error.message) }
        return 0
      }
      current = pieces.removeFirst()
      offset = 0
      condition.broadcast()
      condition.unlock()
    }
    let n = min(count, current.count - offset)
    current.withUnsafeBytes { raw in
      if let base = raw.baseAddress {
        destination.update(from: base.assumingMemoryBound(to: UInt8.self) + offset, count: n)
      }
    }
    offset += n
    bytesRead += n
    return n
  }
}

/// Hands a value that is used by one thread at a time to another thread.
struct Unchecked<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

extension RawInput {
  /// Reads the rest of the input, so that its observer sees every byte (a workbook is read
  /// through its zip directory instead; the importer still hashes the file as given).
  func readToEnd() throws(ReadError) {
    let size = 1 << 20
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
    defer { scratch.deallocate() }
    while try read(into: scratch, count: size) > 0 {}
  }
}
