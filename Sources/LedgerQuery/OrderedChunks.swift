import Foundation
internal import LedgerStore

/// How ``OrderedChunks/forEach(count:plan:make:body:)`` shares out its work.
package struct ChunkPlan: Sendable, Equatable {
  /// Threads that make results (this one included); 1 makes them all on this thread.
  package var threads: Int
  /// Results made per chunk: a thread takes a chunk at a time.
  package var chunk: Int
  /// Chunks made and not yet handed to the body, at most: bounds the memory held.
  package var ahead: Int

  package init(threads: Int, chunk: Int = 256, ahead: Int = 16) {
    self.threads = threads
    self.chunk = max(chunk, 1)
    self.ahead = max(ahead, 1)
  }

  /// Two threads on a machine of more than one core, else one (``Ledger/workThreads``).
  package static var automatic: ChunkPlan { ChunkPlan(threads: Ledger.workThreads) }
}

/// A list of results made on two cores and handed over in order (docs/internals.md, "Advice
/// made on two cores").
package enum OrderedChunks {
  /// Calls `make(index)` for every index of `0..<count`, chunk by chunk on this thread and a
  /// second one at once, and `body` with the results in index order, on this thread.
  ///
  /// This thread hands over each chunk as soon as it is made; when the next one is still being
  /// made by the other thread, it makes a later one meanwhile, so neither core waits while
  /// there is work. At most `plan.ahead` chunks wait to be handed over. `make` runs on both
  /// threads at once: it must only read state that nothing changes while this runs. When
  /// `body` throws, no chunk is begun after it, and the error is thrown once the other thread
  /// has stopped: nothing reaches `make` after this returns.
  package static func forEach<T>(
    count: Int, plan: ChunkPlan = .automatic, make: (Int) -> T, body: (T) throws -> Void
  ) rethrows {
    guard plan.threads > 1, count > plan.chunk else {
      for index in 0..<count { try body(make(index)) }
      return
    }
    try forEachChunk(
      count: count, plan: plan, make: { $0.map(make) },
      body: { results in for result in results { try body(result) } })
  }

  /// ``forEach(count:plan:make:body:)`` a chunk at a time.
  ///
  /// `make` gets the indices of a chunk (ascending, `plan.chunk` of them but the last chunk's)
  /// and makes one result for all of them, which `body` gets in the chunks' order, on this
  /// thread. On one thread the chunks are made one after the other here.
  package static func forEachChunk<T>(
    count: Int, plan: ChunkPlan = .automatic, make: (Range<Int>) -> T, body: (T) throws -> Void
  ) rethrows {
    guard plan.threads > 1, count > plan.chunk else {
      for start in stride(from: 0, to: count, by: plan.chunk) {
        try body(make(start..<min(start + plan.chunk, count)))
      }
      return
    }
    try withoutActuallyEscaping(make) { make in
      let work = ChunkWork(count: count, plan: plan, make: make)
      let thread = Thread { work.runOther() }
      thread.start()
      defer { work.finish() }
      for chunk in 0..<work.chunks {
        try body(work.take(chunk))
        work.handedOver(chunk)
      }
    }
  }
}

/// The state the two threads of ``OrderedChunks/forEachChunk(count:plan:make:body:)`` share, under
/// one condition lock: the next chunk to begin, the chunks made and not yet handed over, and
/// how far they were handed over.
private final class ChunkWork<T>: @unchecked Sendable {
  private let condition = NSCondition()
  private let count: Int
  private let plan: ChunkPlan
  let chunks: Int
  /// Held until ``finish()``, so that nothing holds it once `forEach` returns.
  private var make: ((Range<Int>) -> T)?
  private var next = 0
  private var handed = 0
  private var made: [Int: T] = [:]
  private var stopped = false
  private var otherDone = false

  init(count: Int, plan: ChunkPlan, make: @escaping (Range<Int>) -> T) {
    self.count = count
    self.plan = plan
    self.chunks = (count + plan.chunk - 1) / plan.chunk
    self.make = make
  }

  /// The result of `chunk`, made by whichever thread began it first.
  private func makeChunk(_ chunk: Int, _ make: (Range<Int>) -> T) -> T {
    let start = chunk * plan.chunk
    return make(start..<min(start + plan.chunk, count))
  }

  /// Whether a chunk may be begun now: one is left, and not too many wait.
  private var mayBegin: Bool { next < chunks && next < handed + plan.ahead }

  /// The second thread: begins chunks while any is left and not too many wait.
  func runOther() {
    condition.lock()
    while true {
      while !stopped, next < chunks, !mayBegin { condition.wait() }
      guard !stopped, mayBegin, let make else { break }
      let chunk = next
      next += 1
      condition.unlock()
      let results = makeChunk(chunk, make)
      condition.lock()
      made[chunk] = results
      condition.broadcast()
    }
    otherDone = true
    condition.broadcast()
    condition.unlock()
  }

  /// The result of `chunk` for this thread to hand over: made here when no thread began it,
  /// else waited for, making a later chunk meanwhile when one may be begun.
  func take(_ chunk: Int) -> T {
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let results = made.removeValue(forKey: chunk) { return results }
      guard let make else { preconditionFailure("a chunk taken after finish") }
      if mayBegin {
        let begun = next
        next += 1
        condition.unlock()
        let results = makeChunk(begun, make)
        condition.lock()
        if begun == chunk { return results }
        made[begun] = results
        continue
      }
      condition.wait()
    }
  }

  /// Records that `chunk` was handed over: the other thread may begin another.
  func handedOver(_ chunk: Int) {
    condition.lock()
    handed = chunk + 1
    condition.broadcast()
    condition.unlock()
  }

  /// Stops the other thread, waits until it has, and lets go of `make`.
  func finish() {
    condition.lock()
    stopped = true
    condition.broadcast()
    while !otherDone { condition.wait() }
    make = nil
    made = [:]
    condition.unlock()
  }
}

/// Work split in two halves of a range, one on this thread and one on a second, for work whose
/// every index is independent of the others (docs/internals.md, "Rows made on two cores").
package enum TwoHalves {
  /// Below this many indices the work stays on one thread: a second thread costs about what
  /// a few thousand small pieces of work do.
  package static let least = 4_096

  /// `0..<count` in two halves (the second one empty on one thread, or below `least`).
  package static func ranges(
    count: Int, threads: Int = Ledger.workThreads, least: Int = TwoHalves.least
  ) -> [Range<Int>] {
    guard threads > 1, count >= least else { return [0..<count, count..<count] }
    return [0..<count / 2, count / 2..<count]
  }

  /// Calls `body` with 0 and 1, the index of each of `halves`, 1 on another thread unless
  /// that half is empty, and returns when both are done.
  ///
  /// `body` runs on two threads at once: it must only read state that nothing changes
  /// meanwhile, and write only what its own half reaches.
  package static func run(_ halves: [Range<Int>], _ body: (_ half: Int) -> Void) {
    precondition(halves.count == 2)
    guard !halves[1].isEmpty else {
      body(0)
      return
    }
    withoutActuallyEscaping(body) { body in
      let other = HalfWork(body: body)
      let thread = Thread { other.run() }
      thread.start()
      body(0)
      other.wait()
    }
  }
}

/// The second half of a ``TwoHalves`` run: its body until it has run, and whether it has.
private final class HalfWork: @unchecked Sendable {
  private let condition = NSCondition()
  private var body: ((Int) -> Void)?
  private var done = false

  init(body: @escaping (Int) -> Void) { self.body = body }

  func run() {
    body?(1)
    condition.lock()
    body = nil
    done = true
    condition.broadcast()
    condition.unlock()
  }

  /// Waits until the half has run: nothing reaches the body after this returns.
  func wait() {
    condition.lock()
    while !done { condition.wait() }
    condition.unlock()
  }
}
