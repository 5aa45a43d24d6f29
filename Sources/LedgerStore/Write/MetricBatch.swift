/// One metric row parsed from a file, waiting in a batch to be written.
package struct ParsedMetric: Sendable {
  package var line: Int
  package var day: Day
  package var source: Source
  package var values: MetricValues
  /// The video id is `text[videoStart..<videoEnd]` of the batch, the order id (possibly empty)
  /// `text[videoEnd..<placementEnd]`.
  package var videoStart: Int
  package var videoEnd: Int
  package var placementEnd: Int

  /// A row whose ids have just been appended to a batch's `text`.
  package init(
    line: Int, day: Day, source: Source, values: MetricValues, videoStart: Int, videoEnd: Int,
    placementEnd: Int
  ) {
    self.line = line
    self.day = day
    self.source = source
    self.values = values
    self.videoStart = videoStart
    self.videoEnd = videoEnd
    self.placementEnd = placementEnd
  }
}

/// Rows parsed from a stretch of a file, with the problems found among them in file order.
package final class MetricBatch {
  /// The most rows a batch holds.
  package static let capacity = 4096

  package var rows: [ParsedMetric] = []
  /// The bytes of the rows' ids.
  package var text: [UInt8] = []
  /// Problems, each with the number of rows parsed before it.
  private(set) var problems: [(before: Int, problem: Problem)] = []
  /// Material ids and the videos they show, from rows that give both (written after the
  /// rows; docs/decisions.md, "Material ids").
  package var materials: [MaterialPair] = []
  /// Records read from the file up to the end of this batch, good or bad.
  package var recordsRead = 0
  package var bytesRead = 0
  /// True for the file's last batch.
  package var isLast = false

  /// An empty batch.
  package init() {
    rows.reserveCapacity(Self.capacity)
    text.reserveCapacity(Self.capacity * 32)
  }

  /// Records a problem found before the next row.
  package func report(_ problem: Problem) { problems.append((rows.count, problem)) }

  /// Empties the batch for the next rows.
  package func reset() {
    rows.removeAll(keepingCapacity: true)
    text.removeAll(keepingCapacity: true)
    problems.removeAll(keepingCapacity: true)
    materials.removeAll(keepingCapacity: true)
    isLast = false
  }

  /// Calls `body` with each row and its id bytes, and `problem` with each problem, in file
  /// order.
  package func forEach(
    row body: (ParsedMetric, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws ->
      Void,
    problem: (Problem) -> Void
  ) rethrows {
    var next = 0
    try text.withUnsafeBufferPointer { text in
      for (index, row) in rows.enumerated() {
        while next < problems.count, problems[next].before == index {
          problem(problems[next].problem)
          next += 1
        }
        try body(
          row, UnsafeBufferPointer(rebasing: text[row.videoStart..<row.videoEnd]),
          UnsafeBufferPointer(rebasing: text[row.videoEnd..<row.placementEnd]))
      }
    }
    while next < problems.count {
      problem(problems[next].problem)
      next += 1
    }
  }
}
