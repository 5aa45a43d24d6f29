internal import Crypto
import Foundation
import LedgerStore

/// The import of one file into an open write: this file reads and writes its rows;
/// FileImport+Header.swift reads its header (the profile, `--ignore`, `--gmv`).
struct FileImport {
  let path: String
  let options: ImportOptions
  let writer: LedgerWriter

  /// Reports a problem at `line` of this file (or of `file`, a workbook's sheet).
  func problem(
    line: Int, _ column: String, _ message: String, file: String? = nil, remedy: Remedy? = nil
  ) {
    writer.report(
      SourceLocation(file: file ?? path, line: line).problem(column, message, remedy: remedy))
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
