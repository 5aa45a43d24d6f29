import Dispatch
import Foundation
package import GRDB
internal import GRDBSQLite
import Synchronization

/// A second connection to a ledger file, which reads the state the ledger's own connection
/// reads, so that a report can read half of the videos on each of two cores
/// (docs/internals.md, "Two cores, one snapshot").
///
/// SQLite's own snapshot functions are not in every SQLite build, so the same state is proved
/// with `PRAGMA data_version`, whose value on one connection changes whenever another
/// connection committed in between two of its reads. The partner reads it before the ledger's
/// read transaction begins (a ``mark()``), and again inside its own transaction when a part is
/// handed to it: equal values mean nothing was committed from before the first transaction
/// began until after the second began, so both read the same state. When they differ (an
/// import committed meanwhile), the part is read on the ledger's own connection after the
/// first: slower, never different.
final class ReadPartner: Sendable {
  private let path: String
  private let busyTimeout: Double
  /// nil until the first mark.
  private let connection = Mutex<DatabaseQueue?>(nil)

  init(path: String, busyTimeout: Double) {
    self.path = path
    self.busyTimeout = busyTimeout
  }

  /// Opens the partner when needed and reads its data version, outside any transaction; nil
  /// when it cannot (then a read uses one connection).
  func mark() -> Mark? {
    connection.withLock { queue -> Mark? in
      do {
        if queue == nil {
          var config = Configuration()
          config.readonly = true
          config.busyMode = .timeout(busyTimeout)
          config.label = "aimt-partner"
          queue = try DatabaseQueue(path: path, configuration: config)
        }
        guard let queue else { return nil }
        let version = try queue.unsafeRead { db in try ReadPartner.dataVersion(db) }
        return Mark(queue: queue, version: version)
      } catch {
        return nil
      }
    }
  }

  /// Closes the partner's connection if it is open (the next mark opens it again): for a
  /// command that needs the file alone (``Ledger/repack()``).
  func close() {
    connection.withLock { $0 = nil }
  }

  static func dataVersion(_ db: Database) throws -> Int64 {
    try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? -1
  }

  /// A partner's data version read before a read transaction of the ledger began.
  struct Mark: Sendable {
    let queue: DatabaseQueue
    let version: Int64
  }
}

/// Reads split in parts: part 0 on the connection of the read that runs, the others on a
/// ``ReadPartner`` that reads the same state, on a thread of its own.
package enum ParallelRead {
  /// The partner marks of the reads running now, by their connection.
  private static let marks = Mutex<[ObjectIdentifier: ReadPartner.Mark]>([:])

  /// Runs `body` with `db` registered as a read whose partner was marked before it began.
  static func registering<T>(
    _ db: Database, _ mark: ReadPartner.Mark?, _ body: () throws -> T
  ) rethrows -> T {
    guard let mark else { return try body() }
    let key = ObjectIdentifier(db)
    marks.withLock { $0[key] = mark }
    defer { _ = marks.withLock { $0.removeValue(forKey: key) } }
    return try body()
  }

  /// How many parts ``run(_:parts:_:)`` splits a read on `db` in: 2 when it has a partner,
  /// else 1.
  package static func parts(_ db: Database) -> Int {
    marks.withLock { $0[ObjectIdentifier(db)] } == nil ? 1 : 2
  }

  /// Calls `body(db, part)` for each part `0..<parts` (``parts(_:)``) and returns the results
  /// in part order: part 0 on `db` on this thread, part 1 at the same time on the partner,
  /// inside a read transaction proved to read the same state as `db`'s, or on `db` after part
  /// 0 when that cannot be proved.
  ///
  /// Each part must touch only its own state and what no part changes. An error of either part
  /// is thrown once both are done (part 0's first).
  package static func run<T>(
    _ db: Database, parts: Int, _ body: (Database, Int) throws -> T
  ) throws -> [T] {
    guard parts == 2, let mark = marks.withLock({ $0[ObjectIdentifier(db)] }) else {
      return try (0..<parts).map { try body(db, $0) }
    }
    // The proof needs this read's transaction to have begun before the partner's: a read
    // begins it (a no-op when the caller has read already).
    _ = try ReadPartner.dataVersion(db)
    let first: Result<T, any Error>
    let second: Result<T?, any Error>
    (first, second) = withoutActuallyEscaping(body) { body in
      let job = PartnerJob(body: body, mark: mark)
      let done = DispatchSemaphore(value: 0)
      // A thread of its own, not a pool's: a caller on a pool's thread (a test, an async
      // caller) that waits here cannot starve the part it waits for.
      let thread = Thread {
        job.run()
        done.signal()
      }
      thread.start()
      let first = Result { try body(db, 0) }
      done.wait()
      // The job let go of `body` before it signalled: nothing holds it past this closure.
      return (first, job.take())
    }
    let part0 = try first.get()
    return [part0, try second.get() ?? body(db, 1)]
  }
}

/// Part 1 of a split read, run on the partner's connection by another thread: it holds the
/// read's body only while it runs, and its result until ``take()``.
private final class PartnerJob<T>: @unchecked Sendable {
  private var body: ((Database, Int) throws -> T)?
  private let mark: ReadPartner.Mark
  private var result: Result<T?, any Error> = .success(nil)

  init(body: @escaping (Database, Int) throws -> T, mark: ReadPartner.Mark) {
    self.body = body
    self.mark = mark
  }

  /// Reads part 1 in a transaction that begins on the state of the mark, else nothing (nil).
  func run() {
    defer { body = nil }
    guard let body else { return }
    let mark = mark
    result = Result {
      try mark.queue.read { partner -> T? in
        // The transaction's first read: it begins here, on the state it reads.
        guard try ReadPartner.dataVersion(partner) == mark.version else { return nil }
        return try body(partner, 1)
      }
    }
  }

  func take() -> Result<T?, any Error> { result }
}
