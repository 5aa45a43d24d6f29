import Synchronization
import Testing

@testable import LedgerQuery

// Results made on two threads chunk by chunk reach the body in order, each made once, with
// memory bounded and nothing made after a body that throws.

/// Every index's result as `forEach` hands them over, and how many times each was made.
private func handedOver(_ count: Int, _ plan: ChunkPlan) -> (order: [Int], made: [Int]) {
  let made = Mutex([Int](repeating: 0, count: count))
  var order: [Int] = []
  OrderedChunks.forEach(
    count: count, plan: plan,
    make: { index in
      made.withLock { $0[index] += 1 }
      return index * 3
    },
    body: { order.append($0 / 3) })
  return (order, made.withLock { $0 })
}

@Test func chunksMadeOnTwoThreadsReachTheBodyInOrderEachMadeOnce() {
  for plan in [
    ChunkPlan(threads: 2, chunk: 1, ahead: 1), ChunkPlan(threads: 2, chunk: 3, ahead: 2),
    ChunkPlan(threads: 2, chunk: 256, ahead: 16), ChunkPlan(threads: 1, chunk: 3),
  ] {
    for count in [0, 1, 2, 3, 4, 7, 256, 257, 1_000, 10_007] {
      let (order, made) = handedOver(count, plan)
      #expect(order == Array(0..<count), "\(plan), \(count)")
      #expect(made.allSatisfy { $0 == 1 }, "\(plan), \(count)")
    }
  }
}

@Test func aBodyThatThrowsStopsTheMakingWithinTheChunksAhead() {
  struct Stop: Error {}
  let plan = ChunkPlan(threads: 2, chunk: 10, ahead: 3)
  let made = Mutex(0)
  var handed = 0
  #expect(throws: Stop.self) {
    try OrderedChunks.forEach(
      count: 100_000, plan: plan,
      make: { index in
        made.withLock { $0 += 1 }
        return index
      },
      body: { index in
        if index == 55 { throw Stop() }
        handed += 1
      })
  }
  #expect(handed == 55)
  // Chunks 0–5 handed over or begun, at most `ahead` beyond the last one handed over, and
  // one each thread had begun: far fewer than the 100,000.
  #expect(made.withLock { $0 } <= (6 + plan.ahead + 2) * plan.chunk)
}

@Test func chunksMadeWholeReachTheBodyInOrderWithTheirIndices() {
  // Each chunk's indices made at once (the advice's text: one array per chunk), on one
  // thread or two: every index once, in order, chunk after chunk of `plan.chunk`.
  for plan in [
    ChunkPlan(threads: 2, chunk: 1, ahead: 1), ChunkPlan(threads: 2, chunk: 3, ahead: 2),
    ChunkPlan(threads: 2, chunk: 256), ChunkPlan(threads: 1, chunk: 3),
  ] {
    for count in [0, 1, 3, 4, 257, 10_007] {
      let made = Mutex(0)
      var chunks: [Range<Int>] = []
      OrderedChunks.forEachChunk(
        count: count, plan: plan,
        make: { indices in
          made.withLock { $0 += 1 }
          return indices
        },
        body: { chunks.append($0) })
      let expected = stride(from: 0, to: count, by: plan.chunk).map {
        $0..<min($0 + plan.chunk, count)
      }
      #expect(chunks == expected, "\(plan), \(count)")
      #expect(made.withLock { $0 } == expected.count)
    }
  }
}
