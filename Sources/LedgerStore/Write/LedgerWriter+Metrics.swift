import Foundation
internal import GRDB

// The metric rows: the importer's hot path (batches in key order, blocks of 32 rows) and the
// one-row path of `aimt log`.

extension LedgerWriter {
  /// Inserts or updates one day's numbers of a video, source and order.
  ///
  /// Only the given fields are written; a changed value is kept as a revision.
  package func upsert(_ input: MetricInput, at location: SourceLocation) throws {
    var values = MetricValues()
    for field in MetricField.allCases {
      if let value = input.values[field] { values.set(field, value) }
    }
    var placementID = input.placementID
    try placementID.withUTF8 { bytes in
      try upsertMetric(
        day: input.day, videoID: input.videoID, source: input.source, placementID: bytes,
        values: values, at: location)
    }
  }

  /// Writes one metric row from already-parsed values: the importer's hot path.
  ///
  /// Only the values given (`values.present`) are written; the others keep their stored
  /// values. A second row with the same key in one write is reported with both lines,
  /// unless duplicates are summed (``WriteOptions/sumDuplicates``).
  package func upsertMetric(
    day: Day, videoID: String, source: Source, placementID: UnsafeBufferPointer<UInt8>,
    values: MetricValues, at location: SourceLocation
  ) throws {
    guard let videoRef = try requireVideo(videoID, at: location) else { return }
    try upsertMetric(
      day: day, videoRef: videoRef, source: source, placementID: placementID, values: values,
      at: location)
  }

  /// Writes a batch of metric rows parsed by an importer, and reports the problems found
  /// among them, in file order: the importer's hot path.
  ///
  /// Each row is checked and written as ``upsertMetric(day:videoID:source:placementID:values:at:)``
  /// would; each video's row id is kept by its id's bytes (``VideoRefCache``), so a video
  /// named again skips the lookup.
  package func upsertMetrics(_ batch: MetricBatch, file: String) throws {
    // Moved out of `self` for the loop: no exclusivity check or copy-on-write per row.
    var keys = MetricKeySet()
    swap(&keys, &seenMetricKeys)
    var sorted = SortedMetrics()
    swap(&sorted, &sortedMetrics)
    var videos = VideoRefCache()
    swap(&videos, &videoRefCache)
    var counts = WriteCounts()
    if !batchesPrepared { try prepareBatches(keys: &keys, sorted: &sorted) }
    let place = try batchPlace()
    defer {
      swap(&keys, &seenMetricKeys)
      swap(&sorted, &sortedMetrics)
      swap(&videos, &videoRefCache)
      record(counts, kind: .metrics)
    }
    try batch.forEach { row, videoID, placementID in
      let location = SourceLocation(file: file, line: row.line)
      let videoRef: Int64
      if let known = videos.ref(videoID) {
        videoRef = known
      } else {
        guard let ref = try requireVideo(String(decoding: videoID, as: UTF8.self), at: location)
        else { return }
        videos.add(videoID, ref: ref)
        videoRef = ref
      }
      try writeMetric(
        day: row.day, videoRef: videoRef, source: row.source, placementID: placementID,
        values: row.values, at: location, batch: place, keys: &keys, sorted: &sorted,
        counts: &counts)
    } problem: {
      report($0)
    }
    try lastUpserter?.upserter.flush(&counts)
    for pair in batch.materials { try upsertMaterial(pair) }
  }

  /// Sizes the key set once (grown by doubling, it would leave its old storage behind in the
  /// allocator) and the run of rows kept for key order, and notes how many videos the ledger
  /// has: a file's videos are then looked up one by one, and all loaded in one scan only once
  /// the lookups reach an eighth of them, so a day's file costs its own rows, not the ledger's.
  func prepareBatches(keys: inout MetricKeySet, sorted: inout SortedMetrics) throws {
    // Row ids count up from 1 and videos are never deleted: the largest is the count, found
    // with one seek.
    let videos = try Int.fetchOne(db, sql: "SELECT max(id) FROM video") ?? 0
    keys.reserve(videoRefsUpTo: videos)
    sorted.capacity = max(sortRunRows ?? SortedMetrics.runRows, 1)
    sorted.groupRows = sortGroupRows ?? (mergesWhileReading ? sorted.capacity : Int.max)
    videoLookupsBeforeLoading = max(videos / 8, 1_000)
    batchesPrepared = true
  }

  /// Loads every stored video's id in one scan.
  func loadVideoRefs() throws {
    let videos = try Int.fetchOne(db, sql: "SELECT count(*) FROM video") ?? 0
    videoRefs.reserveCapacity(videoRefs.count + videos)
    let rows = try Row.fetchCursor(db, sql: "SELECT video_id, id FROM video")
    while let row = try rows.next() { videoRefs[row[0]] = row[1] }
    videoRefsLoaded = true
  }

  func upsertMetric(
    day: Day, videoRef: Int64, source: Source, placementID: UnsafeBufferPointer<UInt8>,
    values: MetricValues, at location: SourceLocation
  ) throws {
    var counts = WriteCounts()
    try writeMetric(
      day: day, videoRef: videoRef, source: source, placementID: placementID, values: values,
      at: location, batch: batchPlace(), keys: &seenMetricKeys, sorted: &unsorted,
      counts: &counts)
    try lastUpserter?.upserter.flush(&counts)
    record(counts, kind: .metrics)
  }

  /// Checks one metric row and writes it (or keeps it for the upserter's next block), adding
  /// its outcome to `counts`; a row with a problem, a duplicate, or a row staged to be summed
  /// counts nothing.
  func writeMetric(
    day: Day, videoRef: Int64, source: Source, placementID: UnsafeBufferPointer<UInt8>,
    values: MetricValues, at location: SourceLocation, batch: BatchPlace,
    keys: inout MetricKeySet, sorted: inout SortedMetrics, counts: inout WriteCounts
  ) throws {
    guard LedgerRules.metricIsValid(source: source, values: values) else {
      for violation in LedgerRules.metricViolations(source: source, values: values) {
        report(location.problem(violation.column, violation.message))
      }
      return
    }
    let key = MetricKey(videoRef: videoRef, day: day.daysSinceEpoch, source: source.code)
    if source == .douPlus, try bookedVideos().contains(videoRef) {
      douPlusLocations[
        DouPlusRowKey(
          videoRef: videoRef, day: day.daysSinceEpoch,
          placementID: String(decoding: placementID, as: UTF8.self))] = location
    }
    if options.sumDuplicates {
      try stage(key: key, placementID: placementID, values: values, batch: batch.id)
      return
    }
    switch keys.insert(key, placementID: placementID, given: values.present, at: location)
    {
    case .new: break
    case .duplicate(let first):
      report(
        location.problem(
          "video_id", Self.duplicateMessage(first.describe(relativeTo: location)),
          remedy: .sumDuplicates))
      return
    case .duplicateSomewhere:
      if problems.count < Self.problemLimit, let packed = key.packed {
        unplacedDuplicates[packed, default: []].append(
          UnplacedDuplicate(
            problem: problems.count, batch: summary.batchIDs.count, location: location,
            given: values.present))
      }
      report(
        location.problem(
          "video_id", Self.duplicateMessage("an earlier row"), remedy: .sumDuplicates))
      return
    }
    guard !hasProblems else { return }
    if sorted.capacity > 0, placementID.isEmpty, let packed = key.packed {
      if sorted.streaming, packed >= sorted.lastKey {
        // In key order so far: written as it comes (equal keys keep their file order), once
        // a video came with a second day or a whole run came in order. Until then the rows
        // are held in the run: a file sorted by date starts with a day in key order, and that
        // day written at once would put a row of every video in the table, so that every row
        // after it went into the middle of the table instead of after the rows before it.
        let laterDay = packed >> 28 == sorted.lastKey >> 28 && packed >> 4 != sorted.lastKey >> 4
        sorted.lastKey = packed
        if sorted.holding {
          sorted.run.append(SortedMetric(key: packed, values: values, batch: batch.place))
          if laterDay || sorted.run.count >= sorted.capacity {
            if !mergesWhileReading && (moreMetricFilesFollow || !laterDay) {
              // Through the WAL, rows that may be followed by rows of the same videos below
              // them (a first day of several, or other files to come) are kept and merged
              // once at the end: each page changed once (docs/internals.md, "One pass through
              // the WAL"). A file sorted by video goes on as it comes.
              sorted.holding = false
              sorted.streaming = false
              try spillRun(&sorted, counts: &counts)
            } else {
              try writeHeldRun(&sorted, counts: &counts)
            }
          }
          return
        }
      } else {
        sorted.streaming = false
        sorted.run.append(SortedMetric(key: packed, values: values, batch: batch.place))
        if sorted.run.count >= sorted.capacity { try spillRun(&sorted, counts: &counts) }
        return
      }
    }
    if let packed = key.packed { noteWritten(packed) }
    try metricUpserter(values.present, counts: &counts).write(
      videoRef: videoRef, day: day.daysSinceEpoch, source: source, placementID: placementID,
      values: values, batch: batch.id, counts: &counts)
  }

  /// The current batch (begun now if none is), and its place among the write's batches.
  func batchPlace() throws -> BatchPlace {
    let id = try currentBatch()
    return BatchPlace(id: id, place: UInt32(summary.batchIDs.count - 1))
  }

  /// A batch's id and its place among the write's batches (``SortedMetric/batch``).
  struct BatchPlace {
    var id: Int64
    var place: UInt32
  }

  /// Notes the key of a metric row about to be written (``WriteSummary/metricKeyDescents``).
  @inline(__always) func noteWritten(_ packed: UInt64) {
    if packed < lastWrittenMetricKey { metricKeyDescents += 1 }
    lastWrittenMetricKey = packed
  }

  /// Writes the rows held while they came in key order, and writes the next ones as they
  /// come.
  func writeHeldRun(_ sorted: inout SortedMetrics, counts: inout WriteCounts) throws {
    sorted.holding = false
    for row in sorted.run { try writeSorted(row, counts: &counts) }
    sorted.run.removeAll(keepingCapacity: true)
  }

  /// Writes one row kept for key order.
  func writeSorted(_ row: SortedMetric, counts: inout WriteCounts) throws {
    guard let source = Source(code: Int(row.key & 15)) else { return }
    noteWritten(row.key)
    try metricUpserter(row.values.present, counts: &counts).write(
      videoRef: Int64(row.key >> 28), day: Int32(truncatingIfNeeded: (row.key >> 4) & 0xFF_FFFF),
      source: source, placementID: UnsafeBufferPointer(start: nil, count: 0),
      values: row.values, batch: summary.batchIDs[Int(row.batch)], counts: &counts)
  }

  /// Hands the full run over to be sorted and appended to the temporary file of runs on the
  /// spilling thread (``RunSpiller``), and starts merging a group when the runs spilled and not
  /// yet merged hold enough rows; if that file cannot be made or written, writes the run now,
  /// in key order.
  func spillRun(_ sorted: inout SortedMetrics, counts: inout WriteCounts) throws {
    if !sorted.spillFailed, sorted.spiller == nil {
      if let spill = MetricSpill(directory: spillDirectory, rowLimit: spillRowLimit) {
        sorted.spiller = RunSpiller(spill, capacity: sorted.capacity)
      } else {
        sorted.spillFailed = true
      }
    }
    try settleSpill(&sorted, counts: &counts)
    if !sorted.spillFailed, let spiller = sorted.spiller {
      try startGroup(&sorted)
      spiller.hand(&sorted.run)
      return
    }
    // Stable: rows of one key (complementary numbers) keep their file order.
    sorted.run.sort { $0.key < $1.key }
    for row in sorted.run { try writeSorted(row, counts: &counts) }
    sorted.run.removeAll(keepingCapacity: true)
  }

  /// Starts merging the spilled runs not merged yet as a group, if none is being merged and
  /// they hold enough rows; the run in flight must be settled.
  func startGroup(_ sorted: inout SortedMetrics) throws {
    guard sorted.merging == nil, !sorted.spillFailed, let spill = sorted.spill,
      spill.rows(from: sorted.groupedRuns) >= sorted.groupRows
    else { return }
    sorted.merging = try MetricMerge(spill, runs: sorted.groupedRuns..<spill.runs.count)
    sorted.groupedRuns = spill.runs.count
    // Each group adds days to every video: its running rows are inserted once, at the end.
    runningAppender.deferRows(directory: spillDirectory, byteLimit: deferredRunningByteLimit)
  }

  /// Writes up to `rows` rows of the group of sorted runs being merged.
  ///
  /// Starts the next group when none is being merged and enough runs are spilled; returns
  /// false when there was nothing to write (no group ready, or a problem found). The importer
  /// calls it while no batch of rows is ready, so that the writing thread merges while the
  /// reading one reads (docs/internals.md, "Writing a file in key order").
  package func writeSortedAhead(rows: Int) throws -> Bool {
    guard !hasProblems else { return false }
    var sorted = SortedMetrics()
    swap(&sorted, &sortedMetrics)
    var counts = WriteCounts()
    defer {
      swap(&sorted, &sortedMetrics)
      record(counts, kind: .metrics)
    }
    if sorted.merging == nil {
      // The run in flight counts once it is spilled: not waited for here.
      guard let spiller = sorted.spiller, spiller.isIdle else { return false }
      try settleSpill(&sorted, counts: &counts)
      try startGroup(&sorted)
    }
    guard let merge = sorted.merging else { return false }
    for _ in 0..<rows {
      guard let row = try merge.next() else {
        sorted.merging = nil
        break
      }
      try writeSorted(row, counts: &counts)
    }
    return true
  }

  /// Waits for the run being spilled; if it could not be appended (a full disk), writes its
  /// rows now and spills no more.
  func settleSpill(_ sorted: inout SortedMetrics, counts: inout WriteCounts) throws {
    guard let spiller = sorted.spiller else { return }
    let appended = try spiller.settle { rows in
      for row in rows { try writeSorted(row, counts: &counts) }
    }
    if !appended { sorted.spillFailed = true }
  }

  /// Writes every row kept for key order (the group being merged, then the runs left in the
  /// temporary file merged with the last one), then forgets them.
  func writeAllSorted(_ sorted: inout SortedMetrics, counts: inout WriteCounts) throws {
    defer { sorted.reset() }
    guard !hasProblems else { return }
    if let merge = sorted.merging {
      while let row = try merge.next() { try writeSorted(row, counts: &counts) }
      sorted.merging = nil
    }
    try settleSpill(&sorted, counts: &counts)
    sorted.run.sort { $0.key < $1.key }
    if let spill = sorted.spill, sorted.groupedRuns < spill.runs.count {
      let merge = try MetricMerge(
        spill, runs: sorted.groupedRuns..<spill.runs.count, last: sorted.run)
      while let row = try merge.next() { try writeSorted(row, counts: &counts) }
    } else {
      for row in sorted.run { try writeSorted(row, counts: &counts) }
    }
  }

  /// Writes every metric row still kept: in the sort buffer, and in the upserter's block.
  func flushMetrics() throws {
    var counts = WriteCounts()
    try writeAllSorted(&sortedMetrics, counts: &counts)
    try lastUpserter?.upserter.flush(&counts)
    record(counts, kind: .metrics)
  }

  static func duplicateMessage(_ first: String) -> String {
    "same date, video_id, source and placement_id as \(first) with some of the same numbers"
  }

  /// A duplicate row whose earlier row is still to be named.
  struct UnplacedDuplicate {
    /// Its problem's index in `problems`.
    var problem: Int
    /// The batch (1-based, in this write) and place of the duplicate row.
    var batch: Int
    var location: SourceLocation
    var given: UInt16
    var placed = false
  }

  /// True when a duplicate row was found whose earlier row is not known yet: read the
  /// batches' rows again and hand them to ``offerEarlierRow(batch:day:videoID:source:given:at:)``.
  package var hasUnplacedDuplicates: Bool {
    unplacedDuplicates.values.contains { $0.contains { !$0.placed } }
  }

  /// How many batches this write has begun: the number of the current one, from 1.
  package var batchCount: Int { summary.batchIDs.count }

  /// Offers a row read again from batch `batch` as the earlier row of a duplicate.
  ///
  /// If it is the earlier row of a duplicate found later, the duplicate's problem now names
  /// it. Rows must be offered in the order they were first
  /// written; the first one that gave some of the same numbers is named.
  package func offerEarlierRow(
    batch: Int, day: Day, videoID: String, source: Source, given: UInt16,
    at location: SourceLocation
  ) {
    guard let videoRef = videoRefs[videoID],
      let packed = MetricKey(videoRef: videoRef, day: day.daysSinceEpoch, source: source.code)
        .packed,
      var waiting = unplacedDuplicates[packed]
    else { return }
    for index in waiting.indices where !waiting[index].placed {
      let duplicate = waiting[index]
      let earlier =
        batch < duplicate.batch
        || (batch == duplicate.batch && (location.line ?? 0) < (duplicate.location.line ?? 0))
      guard earlier, MetricKeySet.overlaps(given, duplicate.given) else { continue }
      let first = FirstSeen(file: location.file, line: location.line)
      problems[duplicate.problem] = duplicate.location.problem(
        "video_id", Self.duplicateMessage(first.describe(relativeTo: duplicate.location)),
        remedy: .sumDuplicates)
      waiting[index].placed = true
    }
    unplacedDuplicates[packed] = waiting
  }

  /// The upserter for one set of given fields (bit mask), the last one used first.
  ///
  /// The rows the previous one keeps for a block are written first.
  func metricUpserter(_ mask: UInt16, counts: inout WriteCounts) throws -> MetricUpserter {
    if let last = lastUpserter {
      if last.mask == mask { return last.upserter }
      try last.upserter.flush(&counts)
    }
    let upserter: MetricUpserter
    if let cached = metricUpserters[mask] {
      upserter = cached
    } else {
      let fields = MetricField.allCases.filter { mask & (1 << $0.index) != 0 }
      upserter = try MetricUpserter(
        db: db, fields: fields, tally: metricTally, dirty: runningDirty,
        appender: runningAppender)
      metricUpserters[mask] = upserter
    }
    lastUpserter = (mask, upserter)
    return upserter
  }
}
