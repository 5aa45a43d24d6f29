import Foundation
import GRDB
import LedgerStore
import TestSupport
import Testing

@testable import LedgerImport

// A file's rows are written in the metric table's key order whatever the file's order:
// streamed while they come in order, else sorted in runs spilled to a temporary file and
// merged. The ledger must not depend on the order, the runs or the spill.

private let videoCount = 24
private let dayCount = 30
private let firstDay: Int32 = 20_454  // 2026-01-01

/// One row of a generated metrics file: its key for ordering, and its text.
private struct Line {
  var video: Int
  var day: Int
  var text: String
}

/// Natural rows of every video and day, Dou+ rows without an order on some days and with two
/// orders on others: seeded, so every ledger sees the same numbers.
private func lines(days: Range<Int> = 0..<dayCount, seed: UInt64 = 7) -> [Line] {
  var random = SplitMix64(state: seed)
  var lines: [Line] = []
  for video in 0..<videoCount {
    for day in days {
      let date = Day(daysSinceEpoch: firstDay + Int32(day))
      let id = String(format: "w%02d", video)
      func add(_ source: String, _ order: String, cost: Bool) {
        let cells = [
          "\(date)", id, source, order, "\(random.int(0...90_000))",
          cost ? "\(random.int(100...9_999)).\(random.int(10...99))" : "0",
          "\(random.int(0...50_000)).\(random.int(10...99))", "\(random.int(0...300))",
        ]
        lines.append(Line(video: video, day: day, text: cells.joined(separator: ",")))
      }
      add("natural", "", cost: false)
      if (video + day) % 4 == 0 { add("dou_plus", "", cost: true) }
      if (video + day) % 7 == 0 {
        add("dou_plus", "P\(video)-\(day)", cost: true)
        add("dou_plus", "Q\(video)-\(day)", cost: true)
      }
    }
  }
  return lines
}

private let header = "date,video_id,source,placement_id,impressions,cost,gmv,orders\n"

private func text(_ lines: [Line]) -> String {
  header + lines.map { $0.text + "\n" }.joined()
}

/// By date, then video (daily exports concatenated).
private func byDate(_ lines: [Line]) -> [Line] {
  lines.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }
    .map(\.element)
}

private func shuffled(_ lines: [Line], seed: UInt64) -> [Line] {
  var random = SplitMix64(state: seed)
  return lines.shuffled(using: &random)
}

/// A fixture whose ledger also holds videos w00…w23, made in that order (the same row ids in
/// every fixture).
private func videoFixture() throws -> Fixture {
  let fixture = try Fixture()
  try fixture.ledger.write { writer in
    for video in 0..<videoCount {
      var input = VideoInput(videoID: String(format: "w%02d", video))
      input.kolID = "dy1"
      input.brand = "山茶花"
      try writer.upsert(input, at: .commandLine)
    }
  }
  return fixture
}

/// The stored facts and both kinds of sums, row by row (batch ids and times left out).
private func tables(_ fixture: Fixture) throws -> [String] {
  try fixture.ledger.read { db in
    let metric = try Row.fetchAll(
      db,
      sql: """
        SELECT video_ref, day, source, placement_id, impressions, cost, gmv, orders, likes,
               comments, shares, follows, refund, given
        FROM metric ORDER BY video_ref, day, source, placement_id
        """)
    let running = try Row.fetchAll(
      db, sql: "SELECT video_ref, chunk, hex(sums) FROM metric_running ORDER BY video_ref, chunk")
    let days = try Row.fetchAll(db, sql: "SELECT day, hex(sums) FROM metric_day ORDER BY day")
    let brandDays = try Row.fetchAll(
      db, sql: "SELECT brand, day, hex(sums) FROM metric_brand_day ORDER BY brand, day")
    return [metric.description, running.description, days.description, brandDays.description]
  }
}

/// The ledger after importing `lines` as one file, with runs of `runRows` rows.
private func imported(
  _ lines: [Line], runRows: Int? = nil, configure: (inout ImportOptions) -> Void = { _ in }
) throws -> (fixture: Fixture, counts: WriteCounts) {
  let fixture = try videoFixture()
  let report = try fixture.importing(.metrics, [try fixture.file("m.csv", text(lines))]) {
    $0.sortRunRows = runRows
    configure(&$0)
  }
  return (fixture, report.summary[.metrics])
}

@Test func ledgerIsTheSameWhateverTheFileOrderAndRunSize() throws {
  let rows = lines()
  let (reference, counts) = try imported(rows)
  #expect(counts.inserted == rows.count)
  let expected = try tables(reference)
  for (name, order) in [
    ("by date", byDate(rows)), ("random", shuffled(rows, seed: 11)),
    ("reversed", Array(rows.reversed())),
  ] {
    // Runs and groups of merged runs, small enough for many of each.
    for (runRows, groupRows) in [(nil, nil), (1, nil), (7, 30), (7, nil), (100, 200)] {
      let (fixture, counts) = try imported(order, runRows: runRows) {
        $0.sortGroupRows = groupRows
      }
      let label = "\(name), runs of \(runRows ?? 0), groups of \(groupRows ?? 0)"
      #expect(counts.inserted == rows.count, "\(label)")
      #expect(try tables(fixture) == expected, "\(label)")
    }
  }
}

@Test func fileSortedByDateIsWrittenInKeyOrderFromItsFirstDayOn() throws {
  // Its first day comes in key order. Held in the run, not written as it comes, it is merged
  // with the later days: written at once, it would put a row of every video in the table
  // first, and every later row would go back into the middle of the table.
  let rows = lines().filter { !$0.text.contains(",P") && !$0.text.contains(",Q") }
  let (reference, _) = try imported(rows)
  let fixture = try videoFixture()
  let report = try fixture.importing(.metrics, [try fixture.file("m.csv", text(byDate(rows)))]) {
    $0.sortRunRows = 60
    $0.sortGroupRows = 100_000
  }
  #expect(report.summary[.metrics].inserted == rows.count)
  #expect(report.summary.metricKeyDescents == 0)
  #expect(try tables(fixture) == tables(reference))
  // A file in key order: held until a video comes with its second day, then written as it
  // comes.
  let ordered = try videoFixture()
  let again = try ordered.importing(.metrics, [try ordered.file("m.csv", text(rows))]) {
    $0.sortRunRows = 60
  }
  #expect(again.summary.metricKeyDescents == 0)
  #expect(try tables(ordered) == tables(reference))
  // Two files each sorted by date in one import: each is counted from its first row.
  let two = try videoFixture()
  let first = byDate(rows.filter { $0.day % 2 == 0 })
  let second = byDate(rows.filter { $0.day % 2 == 1 })
  let both = try two.importing(
    .metrics, [try two.file("a.csv", text(first)), try two.file("b.csv", text(second))]
  ) {
    $0.sortRunRows = 60
    $0.sortGroupRows = 100_000
  }
  #expect(both.summary.metricKeyDescents == 0)
  #expect(try tables(two) == tables(reference))
}

@Test func ledgerIsTheSameWhenNoTemporaryFileCanBeMade() throws {
  let rows = byDate(lines())
  let expected = try tables(imported(lines()).fixture)
  let (fixture, counts) = try imported(rows, runRows: 50) {
    $0.spillDirectory = "/nonexistent-aimt-folder"
    $0.sortGroupRows = 100
  }
  #expect(counts.inserted == rows.count)
  #expect(try tables(fixture) == expected)
}

@Test func ledgerIsTheSameWhenTheTemporaryFileFillsUpMidway() throws {
  // Runs of 10 rows on their own thread: the first run refused, or the fourth after three
  // were spilled (some merged in a group, some not yet), then every later run written as it
  // fills.
  let rows = byDate(lines())
  let expected = try tables(imported(lines()).fixture)
  for limit in [0, 30, 45] {
    let (fixture, counts) = try imported(rows, runRows: 10) {
      $0.spillRowLimit = limit
      $0.sortGroupRows = 20
    }
    #expect(counts.inserted == rows.count, "limit \(limit)")
    #expect(try tables(fixture) == expected, "limit \(limit)")
    #expect(try findings(fixture).isEmpty, "limit \(limit)")
  }
}

@Test func dateSortedFileOfEarlierDaysFillsInBeforeStoredDays() throws {
  // Days 15–29 first, then days 0–14 by date: the running rows of every later day change.
  let whole = try tables(imported(lines()).fixture)
  let late = lines().filter { $0.day >= 15 }
  let early = byDate(lines().filter { $0.day < 15 })
  for runRows in [nil, 9] {
    let (fixture, _) = try imported(late)
    let report = try fixture.importing(.metrics, [try fixture.file("early.csv", text(early))]) {
      $0.sortRunRows = runRows
    }
    #expect(report.summary[.metrics].inserted == early.count)
    #expect(try tables(fixture) == whole)
    // The same file again changes nothing.
    let again = try fixture.importing(.metrics, [fixture.folder + "/early.csv"]) {
      $0.sortRunRows = runRows
    }
    #expect(again.summary[.metrics].unchanged == early.count)
    #expect(try tables(fixture) == whole)
  }
}

@Test func restatedDateSortedFileUpdatesAsAVideoSortedOneDoes() throws {
  // Every row of days 10–29 restated with other numbers, imported into days 0–29.
  let restated = lines(seed: 99).filter { $0.day >= 10 }
  let (byVideo, videoCounts) = try imported(lines())
  try byVideo.importing(.metrics, [try byVideo.file("r.csv", text(restated))])
  let (sorted, _) = try imported(lines())
  let report = try sorted.importing(
    .metrics, [try sorted.file("r.csv", text(shuffled(restated, seed: 5)))]
  ) {
    $0.sortRunRows = 13
    $0.sortGroupRows = 40
  }
  #expect(videoCounts.inserted == lines().count)
  #expect(report.summary[.metrics].updated + report.summary[.metrics].unchanged == restated.count)
  #expect(try tables(sorted) == tables(byVideo))
  #expect(
    try sorted.ledger.history(videoID: "w03").count
      == byVideo.ledger.history(videoID: "w03").count)
}

@Test func restatedRowInADateSortedFileIsRefusedUnlessSummed() throws {
  // One key twice, far apart in a file sorted by date: refused, and nothing written.
  var rows = byDate(lines())
  let repeated = rows[3]
  rows.append(repeated)
  let fixture = try videoFixture()
  let path = try fixture.file("m.csv", text(rows))
  let before = try fixture.snapshot()
  let beforeSums = try tables(fixture)
  #expect(throws: LedgerError.self) {
    try fixture.importing(.metrics, [path]) {
      $0.sortRunRows = 10
      $0.sortGroupRows = 30
    }
  }
  #expect(try fixture.snapshot() == before)
  #expect(try tables(fixture) == beforeSums)
  // Summed, the ledger is the one of the same rows summed in video order.
  let summed = try fixture.importing(.metrics, [path]) {
    $0.sortRunRows = 10
    $0.write.sumDuplicates = true
  }
  #expect(summed.summary[.metrics].inserted == rows.count - 1)
  let (byVideo, counts) = try imported(lines() + [repeated]) { $0.write.sumDuplicates = true }
  #expect(counts.inserted == rows.count - 1)
  #expect(try tables(fixture) == tables(byVideo))
  #expect(try tables(fixture) != tables(imported(lines()).fixture))
}

@Test func problemInTheMiddleOfADateSortedFileWritesNothing() throws {
  var rows = byDate(lines())
  rows[rows.count / 2].text = rows[rows.count / 2].text.replacingOccurrences(
    of: ",natural,", with: ",nowhere,")
  for runRows in [nil, 10] {
    let fixture = try videoFixture()
    // Rows already stored for some days: the refused file leaves them as they were.
    try fixture.importing(.metrics, [try fixture.file("old.csv", text(lines(days: 0..<3)))])
    let before = try fixture.snapshot()
    let beforeSums = try tables(fixture)
    #expect(throws: LedgerError.self) {
      try fixture.importing(.metrics, [try fixture.file("m.csv", text(rows))]) {
        $0.sortRunRows = runRows
        $0.sortGroupRows = 40
      }
    }
    #expect(try fixture.snapshot() == before)
    #expect(try tables(fixture) == beforeSums)
  }
}

@Test func twoDateSortedFilesInOneImportAreEachWrittenInKeyOrder() throws {
  let expected = try tables(imported(lines()).fixture)
  let fixture = try videoFixture()
  let first = byDate(lines().filter { $0.day % 2 == 0 })
  let second = byDate(lines().filter { $0.day % 2 == 1 })
  let report = try fixture.importing(
    .metrics, [try fixture.file("a.csv", text(first)), try fixture.file("b.csv", text(second))]
  ) {
    $0.sortRunRows = 25
    $0.sortGroupRows = 60
  }
  #expect(report.summary[.metrics].inserted == first.count + second.count)
  #expect(try tables(fixture) == expected)
}

// The running rows, day totals and brand day totals of rows appended after a video's stored
// days are built as the rows are written (RunningAppender); the rest by the refresh. Either
// way they must equal a recomputation from the metric rows: `check --deep` finds nothing.

/// The deep check's findings (none when every sum equals a recomputation).
private func findings(_ fixture: Fixture) throws -> [String] {
  try fixture.ledger.check(deep: true).map(\.subject)
}

@Test func sumsEqualARecomputationAfterADateSortedImportWhateverTheRuns() throws {
  let rows = byDate(lines())
  for (runRows, groupRows) in [(nil, nil), (1, nil), (5, 12), (17, 40), (100, 200)] {
    let (fixture, counts) = try imported(rows, runRows: runRows) { $0.sortGroupRows = groupRows }
    let label = "runs of \(runRows ?? 0), groups of \(groupRows ?? 0)"
    #expect(counts.inserted == rows.count, "\(label)")
    #expect(try findings(fixture).isEmpty, "\(label)")
  }
}

@Test func sumsEqualARecomputationAfterDateSortedDaysAfterAndAmongStoredOnes() throws {
  let whole = try tables(imported(lines()).fixture)
  // Later days after earlier ones (appended), then the same days again (unchanged), then
  // every other day of a ledger that has the others (filled in among stored days).
  for runRows in [nil, 7] {
    let (fixture, _) = try imported(lines().filter { $0.day < 10 })
    let late = byDate(lines().filter { $0.day >= 10 })
    for _ in 0..<2 {
      try fixture.importing(.metrics, [try fixture.file("late.csv", text(late))]) {
        $0.sortRunRows = runRows
        $0.sortGroupRows = 50
      }
      #expect(try findings(fixture).isEmpty)
      #expect(try tables(fixture) == whole)
    }
    let (gaps, _) = try imported(lines().filter { $0.day % 3 != 1 })
    try gaps.importing(
      .metrics, [try gaps.file("gaps.csv", text(byDate(lines().filter { $0.day % 3 == 1 })))]
    ) {
      $0.sortRunRows = runRows
      $0.sortGroupRows = 50
    }
    #expect(try findings(gaps).isEmpty)
    #expect(try tables(gaps) == whole)
  }
}

@Test func sumsEqualARecomputationAfterRestatedAndSummedDateSortedFiles() throws {
  let restated = byDate(lines(seed: 99).filter { $0.day >= 10 })
  for runRows in [nil, 11] {
    let (fixture, _) = try imported(lines())
    try fixture.importing(.metrics, [try fixture.file("r.csv", text(restated))]) {
      $0.sortRunRows = runRows
      $0.sortGroupRows = 30
    }
    #expect(try findings(fixture).isEmpty)
    // Each row twice, summed: the second of each key goes to the refresh.
    let (summed, counts) = try imported(byDate(lines() + lines()), runRows: runRows) {
      $0.write.sumDuplicates = true
      $0.sortGroupRows = 30
    }
    #expect(counts.inserted == lines().count)
    #expect(try findings(summed).isEmpty)
  }
}

@Test func partialRowsCompletedLaterInTheSameDateSortedFileSumUp() throws {
  // Each key's impressions early in the file and its gmv at the end: the second row of a key
  // updates the first, so the video is rebuilt by the refresh from that day on.
  let rows = byDate(lines().filter { $0.day < 6 })
  func cells(_ line: Line, keep: Set<Int>) -> String {
    line.text.split(separator: ",", omittingEmptySubsequences: false).enumerated()
      .map { keep.contains($0.offset) ? String($0.element) : "" }.joined(separator: ",")
  }
  let first = rows.map {
    Line(video: $0.video, day: $0.day, text: cells($0, keep: [0, 1, 2, 3, 4, 5]))
  }
  let second = rows.map {
    Line(video: $0.video, day: $0.day, text: cells($0, keep: [0, 1, 2, 3, 6, 7]))
  }
  let (fixture, _) = try imported(first + second, runRows: 9) { $0.sortGroupRows = 30 }
  #expect(try findings(fixture).isEmpty)
  #expect(try tables(fixture) == tables(imported(rows).fixture))
}

@Test func duplicateInADateSortedFileIsReportedAtItsLines() throws {
  var rows = byDate(lines())
  rows.insert(rows[40], at: 300)
  let fixture = try videoFixture()
  let path = try fixture.file("m.csv", text(rows))
  let error = #expect(throws: LedgerError.self) {
    try fixture.importing(.metrics, [path]) {
      $0.sortRunRows = 10
      $0.sortGroupRows = 30
    }
  }
  guard case .invalidData(let problems) = error else {
    Issue.record("\(String(describing: error))")
    return
  }
  // Line 1 is the header: row 40 is on line 42, its copy (row 300) on line 302.
  #expect(problems.first?.location.line == 302, "\(problems)")
  #expect(problems.first?.message.contains("line 42") == true, "\(problems)")
  #expect(try findings(fixture).isEmpty)
}

@Test func runningRowsOfMergedGroupsAreInsertedOnceAtTheEndInKeyOrder() throws {
  // Many groups (one a stretch of the temporary file), into a new ledger and after stored days.
  let expected = try tables(imported(lines()).fixture)
  for (runRows, groupRows) in [(10, 20), (7, 30), (100, 200)] {
    let label = "runs of \(runRows), groups of \(groupRows)"
    let fixture = try videoFixture()
    let report = try fixture.importing(
      .metrics, [try fixture.file("m.csv", text(byDate(lines())))]
    ) {
      $0.sortRunRows = runRows
      $0.sortGroupRows = groupRows
    }
    #expect(report.summary.deferredRunningRows > 0, "\(label)")
    #expect(try tables(fixture) == expected, "\(label)")
    #expect(try findings(fixture).isEmpty, "\(label)")

    let later = try videoFixture()
    try later.importing(.metrics, [try later.file("a.csv", text(lines().filter { $0.day < 10 }))])
    let rest = try later.importing(
      .metrics, [try later.file("b.csv", text(byDate(lines().filter { $0.day >= 10 })))]
    ) {
      $0.sortRunRows = runRows
      $0.sortGroupRows = groupRows
    }
    #expect(rest.summary.deferredRunningRows > 0, "\(label), after stored days")
    #expect(try tables(later) == expected, "\(label), after stored days")
    #expect(try findings(later).isEmpty, "\(label), after stored days")
  }
  // A file in key order is written as it comes: nothing is deferred.
  let ordered = try videoFixture()
  let report = try ordered.importing(.metrics, [try ordered.file("m.csv", text(lines()))]) {
    $0.sortRunRows = 10
    $0.sortGroupRows = 20
  }
  #expect(report.summary.deferredRunningRows == 0)
  #expect(try tables(ordered) == expected)
}

@Test func runningRowsThatCannotBeKeptInTheTemporaryFileRefuseTheImportWhole() throws {
  let fixture = try videoFixture()
  try fixture.importing(.metrics, [try fixture.file("old.csv", text(lines(days: 0..<3)))])
  let before = try fixture.snapshot()
  let beforeSums = try tables(fixture)
  var message = ""
  do {
    try fixture.importing(.metrics, [try fixture.file("m.csv", text(byDate(lines())))]) {
      $0.sortRunRows = 10
      $0.sortGroupRows = 20
      $0.deferredRunningByteLimit = 0
    }
  } catch let error as LedgerError {
    if case .storage(let text) = error { message = text }
  }
  #expect(message.contains("the running sums kept in a temporary file failed (the disk is full)"))
  #expect(message.contains("Free space in the temporary folder (TMPDIR) and import again"))
  #expect(try fixture.snapshot() == before)
  #expect(try tables(fixture) == beforeSums)
}

// The files of one import are one stream of rows in key order: a day's export each, put
// together in one import, is written as the same rows in one file sorted by date would be,
// each row naming its own file's batch, each batch counting its own rows.

/// One file per day of `lines`, each sorted by video, in the order of the days.
private func dailyFiles(_ fixture: Fixture, _ lines: [Line], prefix: String) throws -> [String] {
  try Set(lines.map(\.day)).sorted().map { day in
    try fixture.file(
      "\(prefix)-\(String(format: "%02d", day)).csv", text(lines.filter { $0.day == day }))
  }
}

@Test func dailyFilesOfOneImportAreWrittenAsOneFileSortedByDateWould() throws {
  let expected = try tables(imported(lines()).fixture)
  // Runs and groups small enough for many of each: the days after the first come below the
  // rows before them, so they are kept in runs and merged, not written file by file.
  for (runRows, groupRows) in [(10, 20), (25, 60), (nil, nil)] {
    let label = "runs of \(runRows ?? 0), groups of \(groupRows ?? 0)"
    let fixture = try videoFixture()
    let files = try dailyFiles(fixture, lines(), prefix: "day")
    let report = try fixture.importing(.metrics, files) {
      $0.sortRunRows = runRows
      $0.sortGroupRows = groupRows
    }
    #expect(report.summary[.metrics].inserted == lines().count, "\(label)")
    #expect(try tables(fixture) == expected, "\(label)")
    #expect(try findings(fixture).isEmpty, "\(label)")
    if runRows != nil {
      // Merged in groups across the files: each group's running rows kept and inserted once.
      #expect(report.summary.deferredRunningRows > 0, "\(label)")
    }
  }
  // In one group (merged when the last file ends), every row goes after the one before it.
  let rows = lines().filter { !$0.text.contains(",P") && !$0.text.contains(",Q") }
  let fixture = try videoFixture()
  let report = try fixture.importing(.metrics, try dailyFiles(fixture, rows, prefix: "day")) {
    $0.sortRunRows = 60
    $0.sortGroupRows = 100_000
  }
  #expect(report.summary.metricKeyDescents == 0)
  #expect(try findings(fixture).isEmpty)
}

@Test func eachDailyFileOfOneImportKeepsItsOwnBatchAndCounts() throws {
  // Ten days stored; then every day's file in one import: days 0…4 restated with other
  // numbers (updated), 5…9 the same (unchanged), the others new (inserted). Merged, one block
  // of rows holds rows of many files, with outcomes of every kind. Then the same files again
  // (every row unchanged), then every day restated (every row updated). Rows with an order id
  // are written one by one, and cut the blocks short: without them, whole blocks of 32 rows of
  // many files meet stored rows.
  for (runRows, groupRows, orders) in [(10, 20, true), (nil, nil, true), (nil, nil, false)] {
    let all = { (seed: UInt64) in
      lines(seed: seed).filter { orders || (!$0.text.contains(",P") && !$0.text.contains(",Q")) }
    }
    let label = "runs of \(runRows ?? 0), groups of \(groupRows ?? 0), orders \(orders)"
    let fixture = try videoFixture()
    var stored = all(7).filter { $0.day < 10 }
    try fixture.importing(.metrics, [try fixture.file("stored.csv", text(stored))])
    let imports = [
      ("mixed", all(8).filter { $0.day < 5 } + all(7).filter { $0.day >= 5 }),
      ("again", all(8).filter { $0.day < 5 } + all(7).filter { $0.day >= 5 }),
      ("restated", all(9)),
    ]
    for (name, rows) in imports {
      let old = Dictionary(uniqueKeysWithValues: stored.map { (prefix(of: $0.text), $0.text) })
      let files = try dailyFiles(fixture, rows, prefix: name)
      let report = try fixture.importing(.metrics, files) {
        $0.sortRunRows = runRows
        $0.sortGroupRows = groupRows
      }
      let label = "\(label), \(name)"
      #expect(report.summary.batchIDs.count == files.count, "\(label)")
      for (day, batch) in zip(Set(rows.map(\.day)).sorted(), report.summary.batchIDs) {
        let ofDay = rows.filter { $0.day == day }
        let updated = ofDay.filter { line in
          old[prefix(of: line.text)].map { $0 != line.text } ?? false
        }
        let unchanged = ofDay.filter { old[prefix(of: $0.text)] == $0.text }
        let row = try fixture.ledger.read { db in
          try Row.fetchOne(
            db,
            sql: """
              SELECT inserted, updated, unchanged,
                     (SELECT count(*) FROM metric WHERE batch_id = ?1 AND day <> ?2) AS strays
              FROM import_batch WHERE batch_id = ?1
              """, arguments: [batch, Int64(firstDay) + Int64(day)])
        }
        let counts = row.map { [$0["inserted"], $0["updated"], $0["unchanged"]] as [Int] }
        #expect(
          counts
            == [ofDay.count - updated.count - unchanged.count, updated.count, unchanged.count],
          "\(label), day \(day)")
        // Every row this batch wrote or changed is of its day (unchanged rows keep their batch).
        #expect(row?["strays"] == 0, "\(label), day \(day)")
      }
      #expect(try findings(fixture).isEmpty, "\(label)")
      let counts = report.summary[.metrics]
      #expect(counts.inserted + counts.updated + counts.unchanged == rows.count, "\(label)")
      stored = rows
    }
  }
}

/// A line's key: date, video, source and order id.
private func prefix(of text: String) -> String {
  text.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",")
}

@Test func filesIntoALedgerWithMetricsAreMergedOnceSoEachPageChangesOnce() throws {
  // Through the WAL (a ledger with metrics, not a first load), the rows kept for key order are
  // merged once when the files end, not in groups while they are read, and a file that other
  // files of metrics follow is kept with theirs even past a run: every row is written after
  // the one before it, so no page changes again after SQLite spilled it (docs/internals.md,
  // "One pass through the WAL").
  let rows = lines().filter { !$0.text.contains(",P") && !$0.text.contains(",Q") }
  let expected = try tables(imported(rows).fixture)
  let later = rows.filter { $0.day >= 10 }
  for daily in [true, false] {
    let fixture = try videoFixture()
    let stored = try fixture.importing(
      .metrics, [try fixture.file("stored.csv", text(rows.filter { $0.day < 10 }))])
    #expect(stored.summary.firstLoad)
    let files =
      daily
      ? try dailyFiles(fixture, later, prefix: "day")
      : [try fixture.file("later.csv", text(byDate(later)))]
    // Runs of 10 rows: each day's file (24 rows, in key order) is more than a run.
    let report = try fixture.importing(.metrics, files) { $0.sortRunRows = 10 }
    #expect(!report.summary.firstLoad)
    #expect(report.summary[.metrics].inserted == later.count, "daily: \(daily)")
    #expect(report.summary.metricKeyDescents == 0, "daily: \(daily)")
    #expect(try tables(fixture) == expected, "daily: \(daily)")
    #expect(try findings(fixture).isEmpty, "daily: \(daily)")
  }
}

@Test func totalsPassingInt64AcrossMergedGroupsRefuseTheDateSortedFileWhole() throws {
  // A Dou+ row of the largest cost a row takes, a day for 9,300 days, for one video (with a
  // natural row of another, so the file is sorted by date, not by video): its total passes
  // Int64 only in a late group, counted on from the totals the earlier groups left (noted at
  // the end of each group's stretch of the video, while the days themselves go to the
  // temporary file as their own totals).
  let fixture = try videoFixture()
  let before = try fixture.snapshot()
  let rows = (0..<9_300).map { offset in
    let date = Day(daysSinceEpoch: 10_957 + Int32(offset))
    return "\(date),w00,dou_plus,,1,9999999999999.99,0,0\n\(date),w01,natural,,1,0,0,0\n"
  }
  do {
    try fixture.importing(.metrics, [try fixture.file("m.csv", header + rows.joined())]) {
      $0.sortRunRows = 100
      $0.sortGroupRows = 1_000
    }
    Issue.record("the import was not refused")
  } catch let LedgerError.invalidData(problems) {
    #expect(
      problems.first?.message.contains("would pass 9,223,372,036,854,775,807") == true,
      "\(problems)")
  }
  #expect(try fixture.snapshot() == before)
}
