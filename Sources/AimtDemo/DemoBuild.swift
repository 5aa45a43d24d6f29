import Foundation
package import LedgerImport
package import LedgerStore

/// What building the demo ledger did: the files generated and what importing each one wrote.
package struct DemoBuild {
  /// The demo ledger, open for reading and writing.
  package var ledger: Ledger
  /// The generated files, in import order.
  package var files: [DemoFile]
  /// The import of each file, in the same order.
  package var imports: [ImportReport]
}

extension DemoGenerator {
  /// Builds the demo ledger at `path` through the import path a user's files take.
  ///
  /// Writes the six files into a temporary folder, then imports them kind by kind (parents
  /// first) with the generic profiles, as `aimt import KIND FILE --profile generic` would, so
  /// the ledger holds one import batch per file with its name and SHA-256. Each batch's command
  /// is `demo`, which is how a later run knows the file is a demo ledger it may replace: an
  /// earlier demo ledger at `path` that holds nothing else is replaced; any other file is
  /// refused.
  package func buildLedger(at path: String) throws(LedgerError) -> DemoBuild {
    try Self.clearEarlierDemo(at: path)
    let folder = NSTemporaryDirectory() + "aimt-demo-" + UUID().uuidString
    do {
      try FileManager.default.createDirectory(
        atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw .storage(message: "cannot create \(folder): \(error.localizedDescription)")
    }
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let files = try writeFiles(to: folder)
    let ledger = try Ledger.open(path: path, create: true)
    var imports: [ImportReport] = []
    for file in files {
      var options = ImportOptions(kind: file.kind)
      options.profile = .named("generic")
      options.command = "demo"
      options.recordsFileNameOnly = true
      imports.append(try ledger.importFiles([folder + "/" + file.name], options: options))
    }
    return DemoBuild(ledger: ledger, files: files, imports: imports)
  }

  /// Removes an earlier demo ledger at `path` (with its WAL files); refuses any other file.
  private static func clearEarlierDemo(at path: String) throws(LedgerError) {
    guard FileManager.default.fileExists(atPath: path) else { return }
    guard try Ledger.openReadOnly(path: path).isOnlyWritten(byCommand: "demo") else {
      throw LedgerError.invalidData([
        SourceLocation.commandLine.problem(
          "--db",
          "\(path) holds data the demo did not write (imports, entries or settings of your own); "
            + "the demo never replaces it: choose another --db, such as aimt-demo.db")
      ])
    }
    for suffix in ["", "-wal", "-shm"] {
      try? FileManager.default.removeItem(atPath: path + suffix)
    }
  }
}
