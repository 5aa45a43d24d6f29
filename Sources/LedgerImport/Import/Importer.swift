internal import Crypto
import Foundation
public import LedgerStore

/// Which header profile reads a file: detected from the header, named, or a user's own file.
public enum ProfileChoice: Sendable, Equatable {
  case auto
  case named(String)
  case file(String)

  /// Reads `--profile`: `auto`, a built-in name (`generic` means the kind's generic profile),
  /// or a path (anything with a `/` or ending in `.json`).
  public init(argument: String) {
    if argument == "auto" {
      self = .auto
    } else if argument.contains("/") || argument.hasSuffix(".json") {
      self = .file(argument)
    } else {
      self = .named(argument)
    }
  }
}

/// How `aimt import` reads and writes.
public struct ImportOptions: Sendable {
  public var kind: RecordKind
  public var profile: ProfileChoice = .auto
  public var encoding: TextEncodingChoice = .auto
  /// The source of metric rows in files without a source column.
  public var source: Source?
  public var write = WriteOptions()
  /// The command each import batch records: `import`, or `demo` for the demo's generated files
  /// (which is how `aimt demo` knows a ledger it may replace).
  public var command = "import"
  /// Record each batch's file by its name alone (`metrics.csv`) instead of the path given, for
  /// files read from a temporary folder that will not exist later.
  public var recordsFileNameOnly = false
  /// Header cells to leave out (`--ignore`), as the files write them or normalised; each must
  /// be in some file's header.
  public var ignoredColumns: [String] = []
  /// The sheet of a workbook (`.xlsx`) to read (`--sheet`); nil reads the first.
  ///
  /// Text files have no sheets and ignore it.
  public var sheet: String?
  /// The day of KOL rows that carry none (`--as-of`): a 星图 quote needs one.
  public var asOf: Day?
  /// Which of a 千川 file's two GMVs (and order counts) is `gmv` (`--gmv`); nil: the default,
  /// direct (docs/decisions.md, "Direct or overall GMV").
  public var gmv: GMVChoice?
  /// Asked between batches of rows: true stops the import, which then writes nothing and
  /// throws ``ImportInterruption/message`` (Ctrl-C).
  public var isCancelled: (@Sendable () -> Bool)?
  /// Rows in a sorted run of a metrics file (nil: the default); tests make it small.
  package var sortRunRows: Int?
  /// Rows of sorted runs merged as a group while reading goes on (nil: the default).
  package var sortGroupRows: Int?
  /// The folder of the temporary file of sorted runs (nil: `TMPDIR`'s).
  package var spillDirectory: String?
  /// The most rows that file takes, as if the disk were full past them (nil: no limit).
  package var spillRowLimit: Int?

  /// Options for importing files of `kind` with everything else at its default.
  public init(kind: RecordKind) { self.kind = kind }
}

/// Which GMV of a 千川 file that gives both is the row's `gmv` (`--gmv`).
public enum GMVChoice: String, Sendable, CaseIterable {
  /// 直接成交金额 / `pay_order_amount`: orders placed from the ad itself (the default).
  case direct
  /// 整体成交金额: the ad's orders and those it is credited with through other paths.
  case overall
}

/// Where an import is, for a progress line.
public struct ImportProgress: Sendable {
  public var file: String
  public var rows: Int
  public var bytesRead: Int
  public var totalBytes: Int
}

/// What was read from one file.
public struct FileReport: Sendable, Equatable {
  public var file: String
  public var profile: String
  /// Why this profile was chosen (for `auto`).
  public var profileReason: String
  public var encoding: String
  public var format: String
  public var rows: Int
  /// Title and note rows above the header that were skipped (docs/decisions.md, "Title and
  /// total rows").
  public var titleRows = 0
  /// Total rows (`合计`, `Total`) at the end of the table that were skipped.
  public var totalRows = 0
  /// Header cells the profile does not map (kept out of the ledger).
  public var ignoredColumns: [String] { ignored.map(\.name) }
  /// The same with the reason each is left out.
  public var ignored: [IgnoredColumn]
}

/// What an import did: per file, and the write's counts per kind.
public struct ImportReport: Sendable, Equatable {
  public var files: [FileReport]
  public var summary: WriteSummary

  /// The header cells left out of the import, each once however many files carry it.
  public var ignoredColumns: [IgnoredColumn] {
    var seen: Set<IgnoredColumn> = []
    return files.flatMap(\.ignored).filter { seen.insert($0).inserted }
  }
}

/// How an interrupted import ends (``ImportOptions/isCancelled``).
package enum ImportInterruption {
  /// What the error of an interrupted import says.
  package static let message = "interrupted: nothing was written"
}

/// Thrown inside the write to roll an interrupted import back.
struct ImportInterrupted: Error {}

extension Ledger {
  /// Imports files of one kind in one transaction: all of them or nothing.
  ///
  /// Every problem in every file is collected (up to ``LedgerWriter/problemLimit``) and
  /// reported as `FILE:LINE: column: message`; if there is any, nothing is written.
  public func importFiles(
    _ paths: [String], options: ImportOptions,
    progress: ((ImportProgress) -> Void)? = nil
  ) throws(LedgerError) -> ImportReport {
    var files: [FileReport] = []
    let summary: WriteSummary
    var writeOptions = options.write
    writeOptions.loadsMetrics = options.kind == .metrics
    do {
      summary = try write(options: writeOptions) { writer in
        try importFiles(paths, options: options, into: writer, files: &files, progress: progress)
      }
    } catch {
      if options.isCancelled?() == true { throw .storage(message: ImportInterruption.message) }
      throw error
    }
    return ImportReport(files: files, summary: summary)
  }

  private func importFiles(
    _ paths: [String], options: ImportOptions, into writer: LedgerWriter,
    files: inout [FileReport], progress: ((ImportProgress) -> Void)?
  ) throws {
    writer.sortRunRows = options.sortRunRows
    writer.sortGroupRows = options.sortGroupRows
    if let directory = options.spillDirectory { writer.spillDirectory = directory }
    writer.spillRowLimit = options.spillRowLimit
    var metricFiles: [(file: FileImport, batch: Int)] = []
    var headers: [(file: String, header: [String])] = []
    for path in paths {
      if options.isCancelled?() == true { throw ImportInterrupted() }
      let file = FileImport(path: path, options: options, writer: writer)
      if let report = try file.run(progress: progress, headers: &headers) {
        files.append(report)
        if options.kind == .metrics { metricFiles.append((file, writer.batchCount)) }
      }
    }
    reportUnmatchedIgnores(options.ignoredColumns, headers: headers, into: writer)
    // A duplicate row's earlier row is not kept while importing (millions of rows); the
    // import fails anyway, so the files are read again to name it.
    if writer.hasUnplacedDuplicates {
      for (file, batch) in metricFiles { try file.offerRowsAgain(batch: batch) }
    }
  }

  /// Reports each `--ignore` name that is in no header read (a typo would ignore nothing).
  private func reportUnmatchedIgnores(
    _ names: [String], headers: [(file: String, header: [String])], into writer: LedgerWriter
  ) {
    let cells = Set(headers.flatMap(\.header).map(HeaderProfile.normalize))
    for name in names where !cells.contains(HeaderProfile.normalize(name)) {
      let shown = headers.prefix(3).map { "\($0.file) has: \($0.header.joined(separator: ", "))" }
      writer.report(
        SourceLocation.commandLine.problem(
          "ignore",
          "'\(name)' is in no file's header, so it ignores nothing; check its spelling"
            + (shown.isEmpty ? "" : " (\(shown.joined(separator: "; ")))")))
    }
  }
}

/// The import of one file into an open write.
struct FileImport {
  let path: String
  let options: ImportOptions
  let writer: LedgerWriter

  private func problem(
    line: Int, _ column: String, _ message: String, file: String? = nil, remedy: Remedy? = nil
  ) {
    writer.report(
      SourceLocation(file: file ?? path, line: line).problem(column, message, remedy: remedy))
  }

  /// Whether a profile reads `header` as this kind (how the header row is found below title
  /// rows): the detected one for `auto`, else the one chosen, with every required column.
  private func recognises(_ header: [String]) -> Bool {
    let header = visible(header)
    let kind = options.kind.rawValue
    let profile: HeaderProfile?
    switch options.profile {
    case .auto: return Profiles.best(kind: kind, header: header) != nil
    case .named(let name):
      profile = name == "generic" ? Profiles.generic(kind: kind) : Profiles.named(name)
    case .file(let file): profile = try? Profiles.load(path: file)
    }
    guard let profile else { return false }
    let mapped = Set(profile.map(header: header).keys.compactMap { $0 })
    return options.kind.requiredColumns.allSatisfy { column in
      mapped.contains(column) || (column == "source" && defaultSource(profile) != nil)
    }
  }

  /// Opens the file and finds its table (``ShapedSource``).
  private func open(observingBytes observer: ((UnsafeRawBufferPointer) -> Void)?)
    throws(ReadError) -> ShapedSource
  {
    let source =
      if let observer {
        try RecordFiles.open(
          path: path, encoding: options.encoding, sheet: options.sheet, observingBytes: observer)
      } else {
        try RecordFiles.open(path: path, encoding: options.encoding, sheet: options.sheet)
      }
    return ShapedSource(source, recognises: recognises)
  }

  /// The columns that a total row leaves empty: its ids.
  private static func idColumns(_ keys: [String?]) -> [Int] {
    let ids: Set<String> = ["video_id", "kol_id", "placement_id", "brand", "promotion"]
    return keys.indices.filter { keys[$0].map(ids.contains) ?? false }
  }

  /// The normalised `--ignore` names.
  private var ignoring: Set<String> { Set(options.ignoredColumns.map(HeaderProfile.normalize)) }

  /// The header with the cells named by `--ignore` blanked: no profile maps them.
  private func visible(_ header: [String]) -> [String] {
    let ignoring = ignoring
    guard !ignoring.isEmpty else { return header }
    return header.map { ignoring.contains(HeaderProfile.normalize($0)) ? "" : $0 }
  }

  /// Reads the file and writes its rows; nil when it cannot be read or its header is refused.
  ///
  /// Appends the header to `headers`.
  func run(
    progress: ((ImportProgress) -> Void)?, headers: inout [(file: String, header: [String])]
  ) throws -> FileReport? {
    let hasher = FileHasher()
    let source: ShapedSource
    do {
      source = try open(observingBytes: hasher.update)
    } catch {
      problem(line: max(error.line, 1), "file", error.message, remedy: error.remedy)
      return nil
    }
    let file = source.problemFile(path)
    let headerLine = source.headerLine
    headers.append((path, source.header))
    let header = visible(source.header)
    guard let (profile, chosenReason) = resolveProfile(header: header, file: file, line: headerLine)
    else { return nil }
    let (keys, away) = mappedKeys(profile, header: header)
    let duplicates = Self.duplicates(keys)
    for key in duplicates {
      let cells = zip(source.header, keys).filter { $0.1 == key }.map(\.0)
      problem(
        line: headerLine, key,
        "two header cells map to \(key) (\(cells.joined(separator: ", ")))", file: file,
        remedy: .keepOneColumn(ignoring: cells.last ?? key))
    }
    let present = Set(keys.compactMap { $0 })
    let alternatives = ["date": "start", "video_id": "material_id"]
    let missing = options.kind.requiredColumns.filter { column in
      !present.contains(column) && !(column == "source" && defaultSource(profile) != nil)
        && !(options.kind == .metrics && alternatives[column].map(present.contains) == true)
    }
    if !options.kind.identifyingColumns.isEmpty,
      !options.kind.identifyingColumns.contains(where: present.contains)
    {
      problem(
        line: headerLine, options.kind.identifyingColumns[0],
        "no column maps to \(options.kind.identifyingColumns.joined(separator: ", ")) "
          + "(抖音号, 星图ID, 达人UID); the header has: \(source.header.joined(separator: ", "))",
        file: file, remedy: .chooseProfile())
      return nil
    }
    if options.kind == .audience {
      let layerProblems = AudienceLayers.headerProblems(header: source.header, keys: keys)
      for found in layerProblems {
        problem(line: headerLine, found.column, found.message, file: file, remedy: found.remedy)
      }
      guard layerProblems.isEmpty else { return nil }
    }
    for column in missing {
      let (facts, remedy): (String, Remedy) =
        column == "source"
        ? ("", .giveSource)
        : ("; the header has: \(source.header.joined(separator: ", "))", .chooseProfile())
      problem(
        line: headerLine, column, "no column maps to \(column)\(facts)", file: file,
        remedy: remedy)
    }
    guard duplicates.isEmpty, missing.isEmpty, !away.failed else { return nil }
    let check = HeaderCheck(kind: options.kind, profile: profile).check(
      header: source.header, keys: keys, ignoring: ignoring, chosenAway: away.reasons)
    for refusal in check.refusals {
      problem(line: headerLine, refusal.column, refusal.message, file: file, remedy: refusal.remedy)
    }
    guard check.refusals.isEmpty else { return nil }
    let reason =
      options.profile == .auto
      ? Profiles.mapsReason(profile, keys: keys, header: source.header) : chosenReason
    try writer.beginBatch(
      BatchInfo(
        command: options.command, kind: options.kind.rawValue,
        file: options.recordsFileNameOnly ? URL(fileURLWithPath: path).lastPathComponent : path,
        sha256: nil,
        profile: profile.name))
    var rowReader = RowReader(
      kind: options.kind, keys: keys, profile: profile, defaultSource: defaultSource(profile),
      path: path, units: profile.units(header: header), header: source.header)
    rowReader.asOf = options.asOf
    if keys.contains("material_id") { rowReader.materials = try writer.materialVideos() }
    source.watchTotals(idColumns: Self.idColumns(keys))
    let rows =
      options.kind == .metrics
      ? try writeMetrics(source, rowReader, columns: keys.count, file: file, progress: progress)
      : try writeRecords(source, rowReader, columns: keys.count, file: file, progress: progress)
    // The reader has seen the whole file by now (a stop on a problem fails the import anyway).
    try writer.recordDigest(hasher.hexDigest())
    return FileReport(
      file: path, profile: profile.name, profileReason: reason, encoding: source.encodingName,
      format: source.formatName, rows: rows, titleRows: source.titleRows,
      totalRows: source.totalRows, ignored: check.ignored)
  }

  /// Writes the records of a file of any kind but metrics, one by one.
  private func writeRecords(
    _ source: any RecordSource, _ reader: RowReader, columns: Int, file: String,
    progress: ((ImportProgress) -> Void)?
  ) throws -> Int {
    var source = source
    var reader = reader
    var rows = 0
    while true {
      let more: Bool
      do {
        more = try source.next()
      } catch {
        problem(line: error.line, "file", error.message, file: file, remedy: error.remedy)
        break
      }
      guard more else { break }
      rows += 1
      if let message = extraFieldsMessage(source, columns: columns) {
        problem(line: source.line, "row", message, file: file)
        continue
      }
      try reader.write(source, at: SourceLocation(file: file, line: source.line), into: writer)
      if writer.problemCount > LedgerWriter.problemLimit { break }
      if rows & 1023 == 0, options.isCancelled?() == true { throw ImportInterrupted() }
    }
    try reader.finish(into: writer)
    progress?(
      ImportProgress(
        file: path, rows: rows, bytesRead: source.totalBytes, totalBytes: source.totalBytes))
    return rows
  }

  /// Writes the rows of a metrics file while a second thread reads and parses the next ones
  /// (and hashes the file): reading overlaps SQLite's work.
  private func writeMetrics(
    _ source: ShapedSource, _ reader: RowReader, columns: Int, file: String,
    progress: ((ImportProgress) -> Void)?
  ) throws -> Int {
    let batches = MetricBatchReader(source: source, reader: reader, file: file, columns: columns)
    let channel = BatchChannel()
    let finished = DispatchSemaphore(value: 0)
    batches.start(into: channel, finished: finished)
    defer {
      channel.stop()
      finished.wait()
    }
    let totalBytes = source.totalBytes
    var reported = 0
    while true {
      let batch = try channel.receive { try writer.writeSortedAhead(rows: BatchChannel.rowsAhead) }
      if options.isCancelled?() == true { throw ImportInterrupted() }
      try writer.upsertMetrics(batch, file: file)
      let records = batch.recordsRead
      let last = batch.isLast || writer.problemCount > LedgerWriter.problemLimit
      if last || records >> 16 != reported >> 16 {
        progress?(
          ImportProgress(
            file: path, rows: records, bytesRead: batch.bytesRead, totalBytes: totalBytes))
        reported = records
      }
      channel.recycle(batch)
      if last { return records }
    }
  }

  /// Reads a metrics file written as batch `batch` again and offers its rows to the writer, to
  /// name the earlier row of each duplicate it found (see ``LedgerWriter/hasUnplacedDuplicates``).
  func offerRowsAgain(batch: Int) throws {
    let source: ShapedSource
    do {
      source = try open(observingBytes: nil)
    } catch {
      return
    }
    let file = source.problemFile(path)
    let header = visible(source.header)
    guard
      let (profile, _) = resolveProfile(
        header: header, file: file, line: source.headerLine, quiet: true)
    else { return }
    let keys = mappedKeys(profile, header: header, quiet: true).keys
    source.watchTotals(idColumns: Self.idColumns(keys))
    var rowReader = RowReader(
      kind: options.kind, keys: keys, profile: profile, defaultSource: defaultSource(profile),
      path: path, units: profile.units(header: header), header: source.header)
    if keys.contains("material_id") { rowReader.materials = (try? writer.materialVideos()) ?? [:] }
    let reader = MetricBatchReader(
      source: source, reader: rowReader, file: file, columns: keys.count)
    let rows = MetricBatch()
    repeat {
      reader.fill(rows)
      rows.forEach { row, videoID, _ in
        writer.offerEarlierRow(
          batch: batch, day: row.day, videoID: String(decoding: videoID, as: UTF8.self),
          source: row.source, given: row.values.present,
          at: SourceLocation(file: file, line: row.line))
      } problem: { _ in
      }
    } while !rows.isLast
  }

  /// The keys of the header's cells once the direct or overall GMV is chosen.
  ///
  /// Of a 千川 file's direct and overall
  /// GMV (and order counts) is made: the chosen one becomes `gmv` (`orders`), the other is
  /// left out with its reason (normalised cell → reason). `failed` when `--gmv` asks for a
  /// GMV the file does not give.
  func mappedKeys(
    _ profile: HeaderProfile, header: [String], quiet: Bool = false
  ) -> (keys: [String?], away: (reasons: [String: (reason: String, remedy: Remedy?)], failed: Bool))
  {
    var keys = profile.map(header: header).keys
    var reasons: [String: (reason: String, remedy: Remedy?)] = [:]
    var failed = false
    let chosen = options.gmv ?? .direct
    for (plain, what) in [("gmv", "GMV"), ("orders", "order count")] {
      let direct = keys.firstIndex(of: "direct_\(plain)")
      let overall = keys.firstIndex(of: "overall_\(plain)")
      switch (direct, overall) {
      case (let direct?, let overall?):
        let (kept, other) = chosen == .direct ? (direct, overall) : (overall, direct)
        keys[kept] = plain
        keys[other] = nil
        let flag = chosen == .direct ? "overall" : "direct"
        reasons[HeaderProfile.normalize(header[other])] = (
          "the other \(what): the \(chosen.rawValue) one is read", .chooseGMV(flag)
        )
      case (let only?, nil), (nil, let only?):
        let given: GMVChoice = only == direct ? .direct : .overall
        if let asked = options.gmv, asked != given {
          failed = true
          if !quiet {
            problem(
              line: 1, "gmv",
              "the \(asked.rawValue) \(what) is asked for, but the file gives only the "
                + "\(given.rawValue) one (\(header[only]))", remedy: .chooseGMV(given.rawValue))
          }
        }
        keys[only] = plain
      case (nil, nil):
        break
      }
    }
    return (keys, (reasons, failed))
  }

  /// The keys two or more cells map to, once each, in the order of their second appearance.
  static func duplicates(_ keys: [String?]) -> [String] {
    var seen: Set<String> = []
    var duplicates: [String] = []
    for key in keys.compactMap({ $0 })
    where !seen.insert(key).inserted && !duplicates.contains(key) {
      duplicates.append(key)
    }
    return duplicates
  }

  private func defaultSource(_ profile: HeaderProfile) -> Source? {
    options.source ?? profile.source.flatMap(Source.init(rawValue:))
  }

  private func resolveProfile(
    header: [String], file: String, line: Int, quiet: Bool = false
  ) -> (HeaderProfile, String)? {
    let problem = { (column: String, message: String, remedy: Remedy?) in
      self.problem(line: line, column, message, file: file, remedy: remedy)
    }
    let kind = options.kind.rawValue
    let profile: HeaderProfile
    let reason: String
    switch options.profile {
    case .auto:
      let (best, ties) = Profiles.choose(
        kind: kind, header: header, sourceGiven: options.source != nil)
      guard let best else {
        if !quiet {
          problem(
            "header",
            "no built-in profile reads this header as \(kind) (it needs "
              + options.kind.requiredColumns.joined(separator: ", ") + "); the header has: "
              + header.joined(separator: ", "), .chooseProfile())
        }
        return nil
      }
      if !ties.isEmpty {
        if !quiet {
          let names = ([best] + ties).map {
            "\($0.profile.name) (maps \($0.score))"
          }
          // The profile that reads the header best may have been set aside because the file
          // names no source (a 罗盘 shop file): `--source` is then the likelier fix.
          let needsSource = Profiles.ranked(kind: kind, header: header).first.map {
            $0.profile.source == nil && !$0.keys.contains("source") && options.source == nil
              && $0.score > best.score
          }
          problem(
            "header",
            "more than one profile reads this header, differently: "
              + names.joined(separator: ", "),
            .chooseProfile(
              candidates: ([best] + ties).map(\.profile.name), orSource: needsSource == true))
        }
        return nil
      }
      return (best.profile, Profiles.mapsReason(best.profile, keys: best.keys, header: header))
    case .named(let name):
      guard let found = name == "generic" ? Profiles.generic(kind: kind) : Profiles.named(name)
      else {
        problem(
          "profile",
          "no built-in profile '\(name)'; known: "
            + Profiles.builtIn.map(\.name).joined(separator: ", "), nil)
        return nil
      }
      profile = found
      reason = "profile \(found.name), as chosen"
    case .file(let profileFile):
      do {
        profile = try Profiles.load(path: profileFile)
      } catch {
        problem("profile", "\(profileFile): \(error.message)", nil)
        return nil
      }
      reason = "profile \(profile.name) read from \(profileFile)"
    }
    guard profile.kind == kind else {
      problem(
        "profile",
        "profile \(profile.name) reads \(profile.kind), not \(kind); choose a \(kind) profile",
        nil)
      return nil
    }
    return (profile, reason)
  }

}

/// The SHA-256 of the bytes a reader hands it.
final class FileHasher {
  private var hasher = SHA256()

  func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

  func hexDigest() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}

/// What is wrong with a record that has more fields than the header, unless the extra ones
/// are empty (a trailing separator).
func extraFieldsMessage(_ source: any RecordSource, columns: Int) -> String? {
  guard source.fieldCount > columns,
    !(columns..<source.fieldCount).allSatisfy({ source.withBytes(at: $0) { $0.isEmpty } })
  else { return nil }
  return "has \(source.fieldCount) fields but the header has \(columns); "
    + "quote fields that contain the separator"
}
