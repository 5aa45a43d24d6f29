/// The kinds of records a ledger holds, named as on the command line (`aimt import KIND`).
public enum RecordKind: String, CaseIterable, Sendable {
  case kols, videos, placements, metrics, audience, promotions
}

/// One record of any kind, ready to write through the ledger's rules.
public enum LedgerRecord: Sendable, Equatable {
  case kol(KOLInput)
  case video(VideoInput)
  case placement(PlacementInput)
  case metric(MetricInput)
  case audience(AudienceInput)
  case promotion(PromotionInput)

  /// The kind of the record.
  public var kind: RecordKind {
    switch self {
    case .kol: .kols
    case .video: .videos
    case .placement: .placements
    case .metric: .metrics
    case .audience: .audience
    case .promotion: .promotions
    }
  }
}

extension LedgerWriter {
  /// Writes one record.
  package func upsert(_ record: LedgerRecord, at location: SourceLocation) throws {
    switch record {
    case .kol(let input): try upsert(input, at: location)
    case .video(let input): try upsert(input, at: location)
    case .placement(let input): try upsert(input, at: location)
    case .metric(let input): try upsert(input, at: location)
    case .audience(let input): try upsert(input, at: location)
    case .promotion(let input): try upsert(input, at: location)
    }
  }
}

extension Ledger {
  /// Writes records through every ledger rule, in one transaction: each record's fields merged
  /// onto the stored ones, the rules checked on the result, changed values kept as revisions.
  ///
  /// Each run of records of one kind is one import batch named `command`. If anything is wrong,
  /// nothing is written and ``LedgerError/invalidData(_:)`` lists every problem (its location
  /// is the record's position, `record:N`).
  @discardableResult
  public func record(
    _ records: [LedgerRecord], command: String = "api", options: WriteOptions = WriteOptions()
  ) throws(LedgerError) -> WriteSummary {
    try write(options: options) { writer in
      var kind: RecordKind?
      for (index, record) in records.enumerated() {
        if record.kind != kind {
          kind = record.kind
          try writer.beginBatch(BatchInfo(command: command, kind: record.kind.rawValue))
        }
        try writer.upsert(record, at: SourceLocation(file: "record", line: index + 1))
      }
    }
  }
}
