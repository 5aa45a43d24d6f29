import Foundation
import LedgerStore

/// Turns the current record of a file into a write, column by column, as the header profile
/// maps them.
///
/// Metric rows (the millions) are parsed straight from the field bytes into fen and counts
/// and handed to the writer's hot path; the other kinds go through ``RecordParser``, the same
/// parser the command line uses.
struct RowReader {
  let kind: RecordKind
  let keys: [String?]
  let profile: HeaderProfile
  let defaultSource: Source?
  /// The file's path, for the cell references of a workbook's problems.
  let path: String
  /// The unit each column's header puts on its values (empty: none; docs/data-model.md,
  /// "Units").
  let units: [HeaderUnit?]
  /// The day of a KOL file's rows that carry none (`--as-of`).
  var asOf: Day?
  private var parser = RecordParser()
  /// The rows of a long-form 5A file, joined into snapshots by ``finish(into:)``.
  private var pivot = AudiencePivot()
  private var sourceCache: [String: Source?] = [:]
  private let metricColumns: MetricColumns?

  init(
    kind: RecordKind, keys: [String?], profile: HeaderProfile, defaultSource: Source?,
    path: String = "",
    units: [HeaderUnit?] = []
  ) {
    self.path = path
    self.kind = kind
    self.units = units.contains { $0 != nil } ? units : []
    self.keys = keys
    self.profile = profile
    self.defaultSource = defaultSource
    metricColumns = kind == .metrics ? MetricColumns(keys: keys) : nil
  }

  /// Writes the current record of a file of any kind but metrics (see ``parseMetric``).
  mutating func write(
    _ source: any RecordSource, at location: SourceLocation, into writer: LedgerWriter
  ) throws {
    var fields: [String: String] = [:]
    var unreadable: Set<Int> = []
    for (field, message) in source.cellProblems {
      guard field < keys.count, let key = keys[field] else { continue }
      unreadable.insert(field)
      writer.report(
        SourceLocation(file: source.problemFile(path, field: field), line: location.line ?? 0)
          .problem(key, message))
    }
    if !unreadable.isEmpty { return }
    for (index, key) in keys.enumerated() {
      guard let key, index < source.fieldCount else { continue }
      fields[key] = source.string(at: index)
    }
    var converted: Set<String> = []
    for (index, key) in keys.enumerated() {
      guard let key, index < units.count, let unit = units[index], let text = fields[key],
        !text.isEmpty
      else { continue }
      do throws(ValueError) {
        fields[key] = try Self.applying(unit, key: key, to: text, profileUnit: profile.moneyUnit)
        converted.insert(key)
      } catch {
        writer.report(location.problem(key, error.message))
        return
      }
    }
    for column in ["source", "tool"] {
      if let text = fields[column], let mapped = profile.source(forCell: text) {
        fields[column] = mapped
      }
    }
    if profile.moneyUnit != .yuan, !converted.contains("budget"), let text = fields["budget"] {
      // Rewritten as yuan text, so the one parser below reads money of every unit.
      let fen = Array(text.utf8).withUnsafeBufferPointer { bytes in
        Result { () throws(ValueError) in try Self.fen(utf8: bytes, unit: profile.moneyUnit) }
      }
      switch fen {
      case .success(let value): fields["budget"] = Money.yuan(value)
      case .failure(let error):
        writer.report(location.problem("budget", error.message))
        return
      }
    }
    if let asOf, kind == .kols, (fields["as_of"] ?? "").isEmpty {
      fields["as_of"] = asOf.description
    }
    let before = parser.problems.count
    let record = parser.record(kind, fields, at: location, defaultSource: defaultSource)
    for problem in parser.problems[before...] { writer.report(problem) }
    if case .audience(let input) = record, input.layer != nil {
      pivot.add(input, at: location, into: writer)
    } else if let record {
      try writer.upsert(record, at: location)
    }
  }

  /// Writes what the rows of the file gathered (the snapshots of a long 5A file).
  func finish(into writer: LedgerWriter) throws {
    try pivot.finish(into: writer)
  }

  /// A cell's text in the canonical form the record parser reads, once the unit its header
  /// names is applied exactly: a count as digits, money as yuan, a rate with its `%`.
  static func applying(
    _ unit: HeaderUnit, key: String, to text: String, profileUnit: HeaderProfile.MoneyUnit
  ) throws(ValueError) -> String {
    if HeaderUnit.rateKeys.contains(key) { return text.contains("%") ? text : text + "%" }
    let isMoney = HeaderUnit.moneyKeys.contains(key)
    let result = Array(text.utf8).withUnsafeBufferPointer { bytes in
      Result { () throws(ValueError) -> String in
        isMoney
          ? Money.yuan(
            try fen(utf8: bytes, unit: unit.moneyUnit ?? profileUnit, power: unit.power))
          : String(try Count.parse(utf8: bytes, power: unit.power))
      }
    }
    return try result.get()
  }

  /// A money cell in the profile's unit, as fen (milli-fen rounded half up to the fen); `power`
  /// powers of ten more when its header says so (金额(万元)).
  static func fen(
    utf8 bytes: UnsafeBufferPointer<UInt8>, unit: HeaderProfile.MoneyUnit, power: Int = 0
  ) throws(ValueError) -> Int64 {
    switch unit {
    case .yuan: return try Money.parseYuan(utf8: bytes, power: power)
    case .fen: return try Count.parse(utf8: bytes, power: power)
    case .milliFen:
      // Half up without the `+ 500` that would wrap at the top of Int64.
      let milli = try Count.parse(utf8: bytes, power: power)
      return milli / 1000 + (milli % 1000 >= 500 ? 1 : 0)
    }
  }

  /// A source cell's meaning, remembered: a file has a handful of distinct source texts and
  /// millions of rows.
  private mutating func sourceNamed(_ text: String) -> Source? {
    if let known = sourceCache[text] { return known }
    let source = Self.source(TextNormalization.normalized(text), profile: profile)
    sourceCache[text] = source
    return source
  }

  /// Parses the current record as a metric row into `batch`: the row, or the problems that
  /// keep it out.
  mutating func parseMetric(
    _ source: any RecordSource, line: Int, file: String, into batch: MetricBatch
  ) {
    guard let columns = metricColumns else { return }
    var failed = false
    func fail(_ column: String, _ message: String, at field: Int? = nil) {
      let cell = field.map { source.problemFile(path, field: $0) } ?? file
      batch.report(SourceLocation(file: cell, line: line).problem(column, message))
      failed = true
    }
    for (field, message) in source.cellProblems {
      guard field < keys.count, let key = keys[field] else { continue }
      fail(key, message, at: field)
    }
    let fieldCount = source.fieldCount
    var day: Day?
    if let index = columns.date, index < fieldCount {
      source.withBytes(at: index) { bytes in
        if bytes.isEmpty { return }
        do throws(ValueError) {
          day = try RecordParser.dayOf(utf8: bytes)
        } catch {
          fail("date", error.message, at: index)
        }
      }
    }
    if day == nil, !failed { fail("date", "is missing") }
    let videoStart = batch.text.count
    if let index = columns.videoID, index < fieldCount {
      source.withBytes(at: index) { TextNormalization.append(normalizing: $0, to: &batch.text) }
    }
    let videoEnd = batch.text.count
    if videoEnd == videoStart { fail("video_id", "is missing; every row needs its video_id") }
    var rowSource = defaultSource
    if let index = columns.source, index < fieldCount {
      // A file has a handful of source texts and millions of rows: the raw text is looked up
      // in the cache, and normalised (``TextNormalization``) only the first time it is seen.
      let text = source.withBytes(at: index) { String(decoding: trimmed($0), as: UTF8.self) }
      if let known = text.isEmpty ? nil : sourceNamed(text) {
        rowSource = known
      } else if !text.isEmpty, case let normalized = TextNormalization.normalized(text),
        !normalized.isEmpty
      {
        rowSource = nil
        fail(
          "source",
          "\"\(normalized)\" is not one of: "
            + Source.allCases.map(\.rawValue).joined(separator: ", "), at: index)
      } else if rowSource == nil {
        fail("source", "is missing; fill the source column or pass --source SOURCE")
      }
    }
    var values = MetricValues()
    let unit = profile.moneyUnit
    for (field, index) in columns.fields where index < fieldCount {
      source.withBytes(at: index) { bytes in
        if bytes.isEmpty { return }
        do throws(ValueError) {
          let header = index < units.count ? units[index] : nil
          let value =
            field.isMoney
            ? try Self.fen(
              utf8: bytes, unit: header?.moneyUnit ?? unit, power: header?.power ?? 0)
            : try Count.parse(utf8: bytes, power: header?.power ?? 0)
          values.set(field, value)
        } catch {
          fail(field.rawValue, error.message, at: index)
        }
      }
    }
    if let index = columns.placementID, index < fieldCount {
      source.withBytes(at: index) { TextNormalization.append(normalizing: $0, to: &batch.text) }
    }
    guard !failed, let day, let rowSource else {
      batch.text.removeSubrange(videoStart...)
      return
    }
    batch.rows.append(
      ParsedMetric(
        line: line, day: day, source: rowSource, values: values, videoStart: videoStart,
        videoEnd: videoEnd, placementEnd: batch.text.count))
  }

  /// A source cell as the profile, the ledger's names or the exports' aliases spell it
  /// (docs/data-model.md, "Import columns").
  static func source(_ text: String, profile: HeaderProfile) -> Source? {
    if let mapped = profile.source(forCell: text), let source = Source(rawValue: mapped) {
      return source
    }
    return RecordParser.parseSource(text)
  }
}

/// Field bytes without surrounding ASCII spaces.
func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
  var start = 0
  var end = bytes.count
  while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
  while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
  return UnsafeBufferPointer(rebasing: bytes[start..<end])
}

/// Where each metric column sits in a file's records.
struct MetricColumns {
  var date: Int?
  var videoID: Int?
  var source: Int?
  var placementID: Int?
  /// The number columns present, in `MetricField.allCases` order.
  var fields: [(MetricField, Int)] = []

  init(keys: [String?]) {
    func index(_ key: String) -> Int? { keys.firstIndex(of: key) }
    date = index("date")
    videoID = index("video_id")
    source = index("source")
    placementID = index("placement_id")
    fields = MetricField.allCases.compactMap { field in index(field.rawValue).map { (field, $0) } }
  }
}
