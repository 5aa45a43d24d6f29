import Foundation

/// Sorts full runs of rows kept for key order and appends them to a ``MetricSpill`` on a
/// thread of its own, one run at a time, while the writing thread goes on with its inserts
/// (docs/internals.md, "Writing a file in key order").
///
/// The writing thread hands a full run over with ``hand(_:)`` and gets back an empty buffer
/// for the next one; before it hands the next run, reads the spill's runs to merge them, or
/// ends, it waits for the run in flight with ``settle(_:)``. The run and the spill's list of
/// runs are so only ever touched by one thread at a time, the semaphore between the two:
/// unchecked for Sendable on that ground.
final class RunSpiller: @unchecked Sendable {
  let spill: MetricSpill
  private let queue = DispatchQueue(label: "aimt-spill")
  private let done = DispatchSemaphore(value: 0)
  /// The run in flight (sorted on the spilling thread), or the empty buffer given back next.
  private var run: [SortedMetric] = []
  /// Whether the run in flight was appended to the spill.
  private var appended = true
  /// True from ``hand(_:)`` until ``settle(_:)``.
  private(set) var inFlight = false

  /// A spiller appending to `spill`, its buffers sized for runs of `capacity` rows.
  init(_ spill: MetricSpill, capacity: Int) {
    self.spill = spill
    run.reserveCapacity(capacity)
  }

  /// Hands a full run over to be sorted and appended.
  ///
  /// `rows` becomes an empty buffer for the next run. The run before must be settled.
  func hand(_ rows: inout [SortedMetric]) {
    precondition(!inFlight, "the run before is still in flight")
    swap(&rows, &run)
    inFlight = true
    queue.async { [self] in
      // Stable: rows of one key (complementary numbers) keep their file order.
      run.sort { $0.key < $1.key }
      appended = spill.append(run)
      done.signal()
    }
  }

  /// True when no run is in flight or the one in flight is done: ``settle(_:)`` would not
  /// wait.
  var isIdle: Bool {
    guard inFlight else { return true }
    guard done.wait(timeout: .now()) == .success else { return false }
    // Taken: given back for ``settle(_:)`` to take again.
    done.signal()
    return true
  }

  /// Waits for the run in flight, if any.
  ///
  /// If it could not be appended (a full disk), hands its rows, in key order, to `unspilled`
  /// and returns false; true otherwise.
  @discardableResult
  func settle(_ unspilled: ([SortedMetric]) throws -> Void) rethrows -> Bool {
    guard inFlight else { return true }
    done.wait()
    inFlight = false
    defer { run.removeAll(keepingCapacity: true) }
    guard appended else {
      try unspilled(run)
      return false
    }
    return true
  }
}
