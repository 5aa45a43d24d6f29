import Foundation
internal import GRDB

/// What a write is: recorded as one `import_batch` row, which every revision it makes names.
package struct BatchInfo: Sendable {
  /// `import`, `log`, `add` or `demo`.
  package var command: String
  /// The kind of entity: `kols`, `videos`, `placements`, `metrics`, `audience`, `promotions`.
  package var kind: String
  package var file: String?
  package var sha256: String?
  package var profile: String?

  /// A batch description.
  package init(
    command: String, kind: String, file: String? = nil, sha256: String? = nil,
    profile: String? = nil
  ) {
    self.command = command
    self.kind = kind
    self.file = file
    self.sha256 = sha256
    self.profile = profile
  }
}

/// Choices that change how a write treats references and whether it keeps its work.
public struct WriteOptions: Sendable {
  /// Create referenced KOLs, videos and brands that do not exist, with only their keys.
  public var createMissing = false
  /// Validate and count everything, then roll back.
  public var dryRun = false
  /// Add up metric rows that share a key in one write instead of refusing them.
  public var sumDuplicates = false
  /// The write may load many metric rows (an import of metrics).
  ///
  /// Into a ledger with none yet, it goes through a rollback journal when this process has the
  /// file alone (docs/internals.md, "A first load under a rollback journal"). Its statements
  /// leave out the schema's CHECKs, which the metric writer checks itself (docs/internals.md,
  /// "Limits checked once"): such a write writes metric rows, their batches, the sums kept
  /// from them, material ids (refused empty before) and, with `createMissing`, the videos they
  /// name (an id, refused empty before, and the defaults).
  package var loadsMetrics = false
  /// With a number n, a first load's pages written behind fail from the (n+1)th on, as on a
  /// full disk (tests; docs/internals.md, "Pages written behind").
  package var failingPageBehind: Int?

  /// The defaults: references must exist; the write is kept.
  public init(createMissing: Bool = false, dryRun: Bool = false, sumDuplicates: Bool = false) {
    self.createMissing = createMissing
    self.dryRun = dryRun
    self.sumDuplicates = sumDuplicates
  }
}

extension Ledger {
  /// Runs `body` with a ``LedgerWriter`` inside one IMMEDIATE transaction.
  ///
  /// Problems are collected (not thrown one by one) so the user sees all of them at once;
  /// if any were found, everything is rolled back and ``LedgerError/invalidData(_:)`` lists them.
  /// With `options.dryRun` the transaction is rolled back even when all is well.
  @discardableResult
  package func write(
    options: WriteOptions = WriteOptions(), _ body: (LedgerWriter) throws -> Void
  ) throws(LedgerError) -> WriteSummary {
    do {
      return try writer.writeWithoutTransaction { db in
        var summary = WriteSummary()
        let firstLoad =
          try options.loadsMetrics && !options.dryRun
          ? beginFirstLoad(db, failingPage: options.failingPageBehind) : nil
        defer { if firstLoad != nil { endFirstLoad(db) } }
        try db.inTransaction(.immediate) {
          // The batch rows are inserted when the write finishes (`LedgerWriter.insertBatches`):
          // the rows that name them are checked at the commit. Only for this transaction.
          try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
          // An import of metrics writes rows the metric writer holds to the ledger's limits
          // itself (`MetricUpserter.checkLimits`): the schema's CHECKs (22 comparisons SQLite
          // runs a row of `metric`, of about 85) are left out of the statements it prepares
          // (docs/internals.md, "Limits checked once"). Every other write has them: switched
          // off again before the commit (SQLite then prepares each statement again, with them,
          // at its next use), and at the start of a write if that failed.
          let ignoresChecks = try Bool.fetchOne(db, sql: "PRAGMA ignore_check_constraints")
          if ignoresChecks != options.loadsMetrics {
            try db.execute(
              sql: "PRAGMA ignore_check_constraints = \(options.loadsMetrics ? "ON" : "OFF")")
          }
          defer {
            if options.loadsMetrics {
              try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            }
          }
          let writer = LedgerWriter(db: db, options: options)
          writer.mergesWhileReading = firstLoad != nil
          try body(writer)
          summary = try writer.finish()
          return options.dryRun ? .rollback : .commit
        }
        summary.firstLoad = firstLoad != nil
        summary.pagesWrittenBehind = firstLoad == true
        return summary
      }
    } catch {
      throw LedgerError(error, path: path, doing: "writing to the ledger")
    }
  }
}

/// Writes records into the ledger inside one transaction, the way every write path must:
/// partial fields merged onto stored values, the ledger rules checked on the merged record,
/// changed values recorded as revisions of the current batch, problems collected with their
/// source locations.
///
/// Get one from ``Ledger/write(options:_:)``; call ``beginBatch(_:)`` before writing rows.
///
/// One job a file: this one holds the state and the batch bookkeeping;
/// `LedgerWriter+Entities.swift` the KOLs, videos, placements, 5A snapshots and promotions;
/// `LedgerWriter+Metrics.swift` the metric rows (the importer's hot path);
/// `LedgerWriter+SumDuplicates.swift` `--sum-duplicates`; `LedgerWriter+CrossRowRules.swift`
/// the rules checked when a write finishes.
package final class LedgerWriter {
  let db: Database
  let options: WriteOptions
  /// The most problems kept; later ones are only counted.
  package static let problemLimit = 200

  // Read a metric row (by one thread: a write is one transaction on one connection):
  // unchecked for exclusivity, a dynamic check at every access of a class's property otherwise.
  @exclusivity(unchecked) var problems: [Problem] = []
  var droppedProblems = 0
  /// Its batch ids are read a row (each kept row names its batch by its place among them).
  @exclusivity(unchecked) var summary = WriteSummary()
  @exclusivity(unchecked) var batchID: Int64?
  var batchKind = ""
  var batchCounts = WriteCounts()
  /// The write's batches, in the order begun: their rows are inserted when it finishes
  /// (``insertBatches()``), each with its file's digest and its counts.
  var batches: [PendingBatch] = []
  var videoRefs: [String: Int64] = [:]
  var placementLocations: [String: SourceLocation] = [:]
  var touchedPlacementVideos: Set<Int64> = []
  var metricUpserters: [UInt16: MetricUpserter] = [:]
  /// Each metric batch's outcomes, written to its batch row when the write finishes.
  let metricTally = MetricBatchTally()
  /// The videos whose metric rows this write changed: their running sums are rewritten
  /// before it commits.
  let runningDirty = RunningSumsDirty()
  /// The running rows of the rows this write appends after a video's stored days, built as
  /// they are written.
  let runningAppender: RunningAppender
  @exclusivity(unchecked) var lastUpserter: (mask: UInt16, upserter: MetricUpserter)?
  var seenMetricKeys = MetricKeySet()
  /// The packed key of the last metric row written, and the rows written with a smaller key
  /// than the one before (``WriteSummary/metricKeyDescents``); touched a row, so unchecked for
  /// exclusivity (one thread writes).
  @exclusivity(unchecked) var lastWrittenMetricKey: UInt64 = 0
  @exclusivity(unchecked) var metricKeyDescents = 0
  /// The row ids of the videos the metric batches named, by their ids' bytes.
  var videoRefCache = VideoRefCache()
  /// Checked metric rows waiting to be written in key order (batch path only).
  var sortedMetrics = SortedMetrics()
  /// Rows in a sorted run of a metrics file (nil: ``SortedMetrics/runRows``); tests make it
  /// small to merge many runs.
  package var sortRunRows: Int?
  /// The fewest rows of spilled runs merged as a group (nil: a run's in a first load, else
  /// every row: see ``mergesWhileReading``).
  package var sortGroupRows: Int?
  /// Whether the spilled runs are merged and written in groups while the files are read.
  ///
  /// So in a first load, which goes through a rollback journal. Into a ledger with metrics,
  /// through the WAL, they are merged once when the files end, so that each page is changed
  /// once: a page changed again after SQLite spilled it to the WAL is written over its frame,
  /// and SQLite then reads the WAL back at the commit (docs/internals.md, "One pass through
  /// the WAL").
  var mergesWhileReading = true
  /// Set by the importer while a file of metrics is read that other files of metrics follow
  /// in the same write: through the WAL, its rows are then kept with theirs rather than
  /// written as they come.
  package var moreMetricFilesFollow = false
  /// The folder of the temporary file of sorted runs.
  package var spillDirectory = FileManager.default.temporaryDirectory.path
  /// The most rows that file takes, as if the disk were full past them (nil: no limit); tests
  /// set it to see a spill fail midway.
  package var spillRowLimit: Int?
  /// The most bytes the temporary file of deferred running rows takes, as if the disk were full
  /// past them (nil: no limit); tests set it.
  package var deferredRunningByteLimit: Int?
  /// The one-row path's sort buffer, of capacity 0: it never holds a row.
  ///
  /// Not `sortedMetrics`, which a row's write may flush while it is borrowed (the first row
  /// begins a batch, closing the last).
  var unsorted = SortedMetrics()
  /// True once every stored video is in `videoRefs`.
  var videoRefsLoaded = false
  /// True once the metric batches' buffers are sized.
  var batchesPrepared = false
  /// Videos looked up one by one so far, and after how many more all are loaded at once.
  var videoLookups = 0
  var videoLookupsBeforeLoading = Int.max
  var unplacedDuplicates: [UInt64: [UnplacedDuplicate]] = [:]
  var stagedFields: Set<MetricField>?
  /// Where each Dou+ metric row of this write came from, to name its line if it falls inside a
  /// content-service booking.
  var douPlusLocations: [DouPlusRowKey: SourceLocation] = [:]
  /// The videos with a content-service booking (loaded at the first Dou+ row): only their
  /// Dou+ rows can break the booking rule, so only theirs are remembered.
  var bookedVideoRefs: Set<Int64>?
  /// Where each entity key of this write's files was first given.
  var entityLocations: [String: SourceLocation] = [:]
  let createdAt: String

  init(db: Database, options: WriteOptions) {
    self.db = db
    self.options = options
    runningAppender = RunningAppender(db: db, dirty: runningDirty)
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    createdAt = formatter.string(from: Date())
  }

  /// True when problems were found so far.
  package var hasProblems: Bool { !problems.isEmpty }

  /// How many problems were found so far (including those past ``problemLimit``).
  package var problemCount: Int { problems.count + droppedProblems }

  /// Records a problem found by the caller (a parse error, say); the write will be refused.
  package func report(_ problem: Problem) {
    if problems.count < Self.problemLimit {
      problems.append(problem)
    } else {
      droppedProblems += 1
    }
  }

  /// Starts a new batch (one per input file); the rows written after it name it.
  ///
  /// A batch of metrics after one of metrics continues the same stream of rows in key order:
  /// the rows kept for key order stay kept, each naming its own batch, so that files put
  /// together (a day's export each) are written as one file would be, each page once a merged
  /// group, not once a file (docs/internals.md, "Writing a file in key order").
  package func beginBatch(_ info: BatchInfo) throws {
    let metrics = WrittenKind.metrics.rawValue
    let continues = info.kind == metrics && batchKind == metrics
    try closeBatch(writingMetrics: !continues)
    // The id SQLite would give the row (the largest plus one; nothing else writes while this
    // write holds the ledger), the row itself inserted when the write finishes.
    let last =
      try batches.last?.id ?? Int64.fetchOne(db, sql: "SELECT max(batch_id) FROM import_batch")
    let (id, overflow) = (last ?? 0).addingReportingOverflow(1)
    guard !overflow else {
      throw LedgerError.implausibleData(
        message: "the ledger's last import batch has id \(Int64.max), the largest there is "
          + "(edited outside aimt?), so a new batch cannot be numbered after it",
        remedy: .checkLedger(correct: true))
    }
    batches.append(PendingBatch(id: id, info: info))
    batchID = id
    batchKind = info.kind
    batchCounts = WriteCounts()
    summary.batchIDs.append(id)
  }

  /// Records the SHA-256 of the current batch's file, known once the file has been read.
  package func recordDigest(_ sha256: String) throws {
    guard !batches.isEmpty else { return }
    batches[batches.count - 1].info.sha256 = sha256
  }

  /// Ends the current batch: writes the metric rows still kept unless `writingMetrics` is
  /// false (the next batch continues them), and notes the batch's counts unless it is of
  /// metrics (tallied per row: ``insertBatches()`` takes those from the tally).
  func closeBatch(writingMetrics: Bool = true) throws {
    if writingMetrics { try flushMetrics() }
    guard batchKind != WrittenKind.metrics.rawValue, !batches.isEmpty else { return }
    batches[batches.count - 1].counts = batchCounts
  }

  /// Inserts the write's batch rows, each with its counts (a metric batch's from the tally),
  /// once every row that names them is written.
  ///
  /// Inserted last, not when each batch began and then updated: a write larger than SQLite's
  /// page cache spills its first changed pages to the WAL early, and changing one of them
  /// again rewrites that frame in place, after which SQLite reads every later frame back at
  /// the commit to recompute its checksum (the whole WAL, 2.3 GB for a day of 224,000 videos;
  /// docs/internals.md, "Batch rows written last"). The rows that name a batch before it is
  /// inserted are checked against it at the commit: ``Ledger/write(options:_:)`` defers the
  /// foreign keys.
  func insertBatches() throws {
    guard !batches.isEmpty else { return }
    let statement = try db.makeStatement(
      sql: """
        INSERT INTO import_batch (batch_id, command, kind, file, sha256, profile, inserted,
                                  updated, unchanged, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    for batch in batches {
      let info = batch.info
      let counts =
        info.kind == WrittenKind.metrics.rawValue
        ? metricTally.counts[batch.id] ?? WriteCounts() : batch.counts
      try statement.execute(arguments: [
        batch.id, info.command, info.kind, info.file, info.sha256, info.profile,
        counts.inserted, counts.updated, counts.unchanged, createdAt,
      ])
    }
  }

  /// A batch begun by this write, inserted when it finishes.
  struct PendingBatch {
    let id: Int64
    var info: BatchInfo
    /// The outcomes of a batch of another kind than metrics (a metric batch's are tallied).
    var counts = WriteCounts()
  }

  func currentBatch() throws -> Int64 {
    if let batchID { return batchID }
    try beginBatch(BatchInfo(command: "write", kind: "mixed"))
    guard let batchID else { preconditionFailure("beginBatch sets the batch") }
    return batchID
  }

  /// Runs the cross-row rules, closes the batch and returns the summary; throws the collected
  /// problems if there are any.
  func finish() throws -> WriteSummary {
    try flushMetrics()
    if problems.isEmpty { try flushStaged() }
    if !touchedPlacementVideos.isEmpty && problems.isEmpty {
      try checkOverlaps()
    }
    if problems.isEmpty && (!touchedPlacementVideos.isEmpty || bookedVideoRefs?.isEmpty == false) {
      try checkDouPlusInBookings()
    }
    if !problems.isEmpty {
      var all = problems
      if droppedProblems > 0 {
        all.append(
          SourceLocation.commandLine.problem(
            "input", "\(droppedProblems) more problems not shown; fix the ones above first"))
      }
      throw LedgerError.invalidData(all)
    }
    // Bring the running sums up to date inside the transaction (a dry run is rolled back).
    if !options.dryRun {
      try RunningSums.refresh(db, runningDirty, appender: runningAppender)
    }
    try closeBatch()
    try insertBatches()
    summary.metricKeyDescents = metricKeyDescents
    summary.deferredRunningRows = runningAppender.deferredRows
    return summary
  }

  /// Adds counts to the write's summary and, for a batch of another kind than metrics (whose
  /// rows count for their own batches in ``metricTally``), to the current batch's.
  func record(_ counts: WriteCounts, kind: WrittenKind) {
    summary.record(counts, kind: kind)
    guard kind != .metrics, kind.rawValue == batchKind else { return }
    batchCounts.inserted += counts.inserted
    batchCounts.updated += counts.updated
    batchCounts.unchanged += counts.unchanged
  }

  func record(_ outcome: WriteOutcome, kind: WrittenKind) {
    summary.record(outcome, kind: kind)
    guard kind != .metrics, kind.rawValue == batchKind else { return }
    switch outcome {
    case .inserted: batchCounts.inserted += 1
    case .updated: batchCounts.updated += 1
    case .unchanged: batchCounts.unchanged += 1
    }
  }
}
