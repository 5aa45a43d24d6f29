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
  private var metricColumns: MetricColumns?
  /// Material id → video id: the ledger's `material` table and the pairs this file gave
  /// (docs/decisions.md, "Material ids").
  var materials: [String: String] = [:]

  init(
    kind: RecordKind, keys: [String?], profile: HeaderProfile, defaultSource: Source?,
    path: String = "",
    units: [HeaderUnit?] = [],
    header: [String] = []
  ) {
    self.path = path
    self.kind = kind
    self.units = units.contains { $0 != nil } ? units : []
    self.keys = keys
    self.profile = profile
    self.defaultSource = defaultSource
    metricColumns =
      kind == .metrics
      ? MetricColumns(
        keys: keys,
        units: keys.indices.map { index in
          index < header.count ? profile.moneyUnit(forHeader: header[index]) : profile.moneyUnit
        }) : nil
    metricColumns?.strictYuan = profile.name.hasPrefix("generic-") && profile.moneyUnit == .yuan
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

  /// A money cell in the profile's unit, as fen: converted exactly and rounded once, half to
  /// even, when finer than a fen (``ExportMoney``); `power` powers of ten more when its header
  /// says so (金额(万元)).
  static func fen(
    utf8 bytes: UnsafeBufferPointer<UInt8>, unit: HeaderProfile.MoneyUnit, power: Int = 0
  ) throws(ValueError) -> Int64 {
    guard power != 0 else { return try ExportMoney.fen(utf8: bytes, unit: unit) }
    switch unit {
    case .yuan: return try Money.parseYuan(utf8: bytes, power: power)
    case .fen: return try Count.parse(utf8: bytes, power: power)
    case .milliFen:
      let milli = try Count.parse(utf8: bytes, power: power)
      return Int64(ExportMoney.halfToEven(Int128(milli), 1000))
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
    let path = path  // not `self.path`: `fail` is called while `self` is being mutated
    func fail(_ column: String, _ message: String, at field: Int? = nil, remedy: Remedy? = nil) {
      let cell = field.map { source.problemFile(path, field: $0) } ?? file
      batch.report(SourceLocation(file: cell, line: line).problem(column, message, remedy: remedy))
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
    var run: (start: DateTime, seconds: Int64?)?
    if columns.date == nil, let index = columns.start {
      run = orderRun(source, start: index, hours: columns.deliveryHours) { fail($0, $1) }
      day = run?.start.day
    } else if day == nil, !failed {
      fail("date", "is missing")
    }
    let videoStart = batch.text.count
    if let index = columns.videoID, index < fieldCount {
      source.withBytes(at: index) { TextNormalization.append(normalizing: $0, to: &batch.text) }
    }
    if let index = columns.materialID, index < fieldCount {
      resolveMaterial(
        source, at: index, videoStart: videoStart, line: line, file: file, batch: batch
      ) { fail($0, $1, at: index, remedy: $2) }
    }
    let videoEnd = batch.text.count
    if videoEnd == videoStart, !failed || columns.materialID == nil {
      fail("video_id", "is missing; every row needs its video_id")
    }
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
        fail("source", "is missing", remedy: .giveSource)
      }
    }
    var values = MetricValues()
    for (field, index) in columns.fields where index < fieldCount {
      source.withBytes(at: index) { bytes in
        if bytes.isEmpty || NoValueDash.matches(bytes) { return }
        do throws(ValueError) {
          let header = index < units.count ? units[index] : nil
          let value =
            !field.isMoney
            ? try Count.parse(utf8: bytes, power: header?.power ?? 0)
            : columns.strictYuan && header == nil
              ? try Money.parseYuan(utf8: bytes)
              : try Self.fen(
                utf8: bytes, unit: header?.moneyUnit ?? columns.units[index],
                power: header?.power ?? 0)
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
    guard let run, let seconds = run.seconds else {
      batch.rows.append(
        ParsedMetric(
          line: line, day: day, source: rowSource, values: values, videoStart: videoStart,
          videoEnd: videoEnd, placementEnd: batch.text.count))
      return
    }
    // An order over several days: one row a day, each number split by the time on that day.
    let days = OrderSpread.days(start: run.start, seconds: seconds)
    var parts = days.map { _ in MetricValues() }
    for field in values.fields {
      for (part, value) in OrderSpread.split(values[field], weights: days.map(\.seconds))
        .enumerated()
      {
        parts[part].set(field, value)
      }
    }
    let ids = Array(batch.text[videoStart...])
    let videoLength = videoEnd - videoStart
    batch.text.removeSubrange(videoStart...)
    for (part, entry) in days.enumerated() {
      let start = batch.text.count
      batch.text.append(contentsOf: ids)
      batch.rows.append(
        ParsedMetric(
          line: line, day: entry.day, source: rowSource, values: parts[part], videoStart: start,
          videoEnd: start + videoLength, placementEnd: batch.text.count))
    }
  }

  /// The start of an order row and how long it ran (nil when the file has no hours: the
  /// order is booked on its start day).
  private func orderRun(
    _ source: any RecordSource, start: Int, hours: Int?, fail: (String, String) -> Void
  ) -> (start: DateTime, seconds: Int64?)? {
    let fieldCount = source.fieldCount
    let moment: DateTime? =
      start < fieldCount
      ? source.withBytes(at: start) { bytes -> DateTime? in
        if trimmed(bytes).isEmpty { return nil }
        do throws(ValueError) {
          return try DateTime.parse(utf8: bytes)
        } catch {
          fail("start", error.message)
          return nil
        }
      } : nil
    guard let moment else {
      fail(
        "start",
        "is missing: the file has no date column, so each order is booked from its start "
          + "time; fill the order's start (下单时间) or add a date column")
      return nil
    }
    guard let hours, hours < fieldCount else { return (moment, nil) }
    let seconds = source.withBytes(at: hours) { bytes -> Int64? in
      if trimmed(bytes).isEmpty { return nil }
      do throws(ValueError) {
        return try DeliveryHours.seconds(utf8: bytes)
      } catch {
        fail("delivery_hours", error.message)
        return nil
      }
    }
    return (moment, seconds)
  }

  /// Appends the video of a row's material id to `batch.text` when the row gives no video id,
  /// and records the pair when it gives both.
  private mutating func resolveMaterial(
    _ source: any RecordSource, at index: Int, videoStart: Int, line: Int, file: String,
    batch: MetricBatch, fail: (String, String, Remedy?) -> Void
  ) {
    let material = source.withBytes(at: index) {
      TextNormalization.normalized(String(decoding: $0, as: UTF8.self))
    }
    guard !material.isEmpty else { return }
    if batch.text.count > videoStart {
      let video = String(decoding: batch.text[videoStart...], as: UTF8.self)
      if materials[material] != video {
        materials[material] = video
        batch.materials.append(
          MaterialPair(
            materialID: material, videoID: video,
            location: SourceLocation(file: file, line: line)))
      }
      return
    }
    guard let video = materials[material] else {
      fail(
        "material_id",
        "素材ID \(material) is a 千川 material id, not a video id, and no video is on record "
          + "for it", .mapMaterials)
      return
    }
    batch.text.append(contentsOf: Array(video.utf8))
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
  var materialID: Int?
  var start: Int?
  var deliveryHours: Int?
  /// The number columns present, in `MetricField.allCases` order.
  var fields: [(MetricField, Int)] = []
  /// The money unit of each column.
  var units: [HeaderProfile.MoneyUnit]
  /// Money is yuan with at most two decimals, as typed (the generic profiles: the data
  /// model's own columns); an export's finer amounts are rounded (docs/decisions.md,
  /// "Amounts finer than a fen").
  var strictYuan = false

  init(keys: [String?], units: [HeaderProfile.MoneyUnit]) {
    func index(_ key: String) -> Int? { keys.firstIndex(of: key) }
    self.units = units
    date = index("date")
    videoID = index("video_id")
    source = index("source")
    placementID = index("placement_id")
    materialID = index("material_id")
    start = index("start")
    deliveryHours = index("delivery_hours")
    fields = MetricField.allCases.compactMap { field in index(field.rawValue).map { (field, $0) } }
  }
}
