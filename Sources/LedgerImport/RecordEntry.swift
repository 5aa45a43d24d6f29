package import LedgerStore

/// One parsed record of any kind, ready to write.
package typealias ParsedRecord = LedgerRecord

extension RecordParser {
  /// Parses fields of `kind` into a record; nil (with problems recorded) when they are wrong.
  package mutating func record(
    _ kind: RecordKind, _ fields: [String: String], at location: SourceLocation,
    defaultSource: Source? = nil
  ) -> ParsedRecord? {
    let before = problems.count
    let record: ParsedRecord? =
      switch kind {
      case .kols: kol(fields, at: location).map(ParsedRecord.kol)
      case .videos: video(fields, at: location).map(ParsedRecord.video)
      case .placements:
        placement(fields, at: location).map { input in
          // A Dou+ order list has no tool column: its profile's source is the tool.
          var input = input
          if input.tool == nil, fields["tool"] == nil, let defaultSource, defaultSource != .natural
          {
            input.tool = defaultSource
          }
          return ParsedRecord.placement(input)
        }
      case .metrics:
        metric(fields, at: location, defaultSource: defaultSource).map(ParsedRecord.metric)
      case .audience: audience(fields, at: location).map(ParsedRecord.audience)
      case .promotions: promotion(fields, at: location).map(ParsedRecord.promotion)
      }
    return problems.count == before ? record : nil
  }
}

extension Ledger {
  /// Adds or updates one record given as text fields on the command line (`aimt kol add`,
  /// `aimt log`, …): parsed and written exactly as an imported row would be, as one batch.
  @discardableResult
  package func enter(
    _ kind: RecordKind, fields: [String: String], command: String,
    options: WriteOptions = WriteOptions()
  ) throws(LedgerError) -> WriteSummary {
    var parser = RecordParser()
    let parsed = parser.record(kind, fields, at: .commandLine)
    guard let parsed, parser.problems.isEmpty else { throw .invalidData(parser.problems) }
    return try write(options: options) { writer in
      try writer.beginBatch(BatchInfo(command: command, kind: kind.rawValue))
      try writer.upsert(parsed, at: .commandLine)
    }
  }
}
