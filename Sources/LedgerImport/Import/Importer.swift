import Foundation
public import LedgerStore

// An import: the files of one kind in one write (each read by `FileImport`, FileImport.swift),
// with its options and reports in ImportOptions.swift.

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
    writer.deferredRunningByteLimit = options.deferredRunningByteLimit
    var metricFiles: [(file: FileImport, batch: Int)] = []
    var headers: [(file: String, header: [String])] = []
    for (index, path) in paths.enumerated() {
      if options.isCancelled?() == true { throw ImportInterrupted() }
      writer.moreMetricFilesFollow = options.kind == .metrics && index < paths.count - 1
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
