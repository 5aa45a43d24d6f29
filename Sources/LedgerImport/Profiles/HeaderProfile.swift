import Foundation
import LedgerStore

/// A header profile: how one export's columns map onto aimt's columns.
///
/// Profiles are data, one JSON file each: the ones shipped with aimt are compiled into the binary
/// (`Profiles.builtIn`), and a user's own file is read with `Profiles.load(path:)`. Nothing in a
/// profile is executed; decoding validates every key and value and normalises the header names.
public struct HeaderProfile: Sendable, Equatable, Decodable {
  /// The profile's name, as given to `--profile NAME`.
  public var name: String
  /// One line telling which export the profile reads.
  public var description: String
  /// The record kind the profile imports (`RecordKind` raw value).
  public var kind: String
  /// The default metric source for files without a source column (for placements: the tool).
  public var source: String?
  /// The unit of the money columns of files read with this profile.
  public var moneyUnit: MoneyUnit
  /// Normalised header → column key of `kind`.
  public var columns: [String: String]
  /// Normalised source-cell text → source.
  public var sources: [String: String]
  /// Normalised headers of columns the export carries that are deliberately not numbers of the
  /// ledger (clicks, a budget in a metrics file, …): an import leaves them out without asking.
  public var ignored: Set<String>
  /// Normalised header → the header as the profile file writes it (for suggestions).
  public var spellings: [String: String]
  /// Normalised header → the unit of that column when it differs from `moneyUnit` (an API
  /// whose cost is in thousandths of a fen and GMV in yuan).
  package var moneyUnits: [String: MoneyUnit] = [:]

  /// The money unit of the column headed `header`.
  package func moneyUnit(forHeader header: String) -> MoneyUnit {
    moneyUnits.isEmpty ? moneyUnit : moneyUnits[Self.normalize(header)] ?? moneyUnit
  }

  /// The unit an export gives money in.
  public enum MoneyUnit: String, Sendable, Decodable, CaseIterable {
    /// Yuan, the unit of every export a person downloads (`1234.50`).
    case yuan
    /// Fen, hundredths of a yuan (Dou+ API budgets).
    case fen
    /// Thousandths of a fen (some Qianchuan API fields, such as uni-promotion `stat_cost`).
    case milliFen = "milli_fen"
  }

  /// The fields a profile file may have.
  private enum Field: String, CaseIterable {
    case name, description, kind, source, columns, sources, ignored
    case moneyUnit = "money_unit"
    case moneyUnits = "money_units"
  }

  /// Reads a profile from its JSON object, validating and normalising it.
  ///
  /// Any problem is thrown as `DecodingError.dataCorrupted` whose description says what is wrong;
  /// `decode(_:name:)` turns it into a `ProfileError`.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    let allowedFields = Field.allCases.map(\.rawValue)
    for key in container.allKeys where !allowedFields.contains(key.stringValue) {
      throw Self.invalid(
        "unknown field \"\(key.stringValue)\"; allowed: \(allowedFields.joined(separator: ", "))")
    }
    let fallbackName = decoder.userInfo[Self.nameKey] as? String
    let name =
      try container.decodeIfPresent(String.self, forKey: AnyKey(Field.name)) ?? fallbackName
    guard let name, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw Self.invalid("\"name\" is missing or empty")
    }
    guard let kind = try container.decodeIfPresent(String.self, forKey: AnyKey(Field.kind)) else {
      throw Self.invalid("\"kind\" is missing; allowed: \(Self.kindNames.joined(separator: ", "))")
    }
    guard let allowedKeys = columnKeys[kind] else {
      throw Self.invalid(
        "unknown kind \"\(kind)\"; allowed: \(Self.kindNames.joined(separator: ", "))")
    }
    self.name = name
    self.kind = kind
    description =
      try container.decodeIfPresent(String.self, forKey: AnyKey(Field.description)) ?? ""
    moneyUnit = try Self.moneyUnit(in: container)
    source = try Self.defaultSource(in: container, kind: kind)
    let rawColumns = try container.decodeIfPresent(
      [String: String].self, forKey: AnyKey(Field.columns))
    guard let rawColumns, !rawColumns.isEmpty else {
      throw Self.invalid("\"columns\" is missing or empty: map at least one header to a column")
    }
    for (header, key) in rawColumns.sorted(by: { $0.key < $1.key })
    where !allowedKeys.contains(key) {
      throw Self.invalid(
        "column \"\(header)\" maps to unknown key \"\(key)\" for kind \(kind); "
          + "allowed: \(allowedKeys.joined(separator: ", "))")
    }
    columns = try Self.normalised(rawColumns, what: "column")
    var spellings: [String: String] = [:]
    for header in rawColumns.keys.sorted() { spellings[Self.normalize(header)] = header }
    self.spellings = spellings
    let rawIgnored =
      try container.decodeIfPresent([String].self, forKey: AnyKey(Field.ignored)) ?? []
    var ignored: Set<String> = []
    for header in rawIgnored {
      let key = Self.normalize(header)
      guard !key.isEmpty else { throw Self.invalid("ignored \"\(header)\" is empty") }
      if let column = columns[key] {
        throw Self.invalid(
          "\"\(header)\" is both ignored and mapped to \(column); keep it in one of the two")
      }
      ignored.insert(key)
    }
    self.ignored = ignored
    let rawSources =
      try container.decodeIfPresent([String: String].self, forKey: AnyKey(Field.sources)) ?? [:]
    for (text, value) in rawSources.sorted(by: { $0.key < $1.key })
    where !sourceNames.contains(value) {
      throw Self.invalid(
        "source text \"\(text)\" maps to unknown source \"\(value)\"; "
          + "allowed: \(sourceNames.joined(separator: ", "))")
    }
    sources = try Self.normalised(rawSources, what: "source text")
    let rawUnits =
      try container.decodeIfPresent([String: String].self, forKey: AnyKey(Field.moneyUnits))
      ?? [:]
    for (header, unit) in rawUnits.sorted(by: { $0.key < $1.key }) {
      guard let unit = MoneyUnit(rawValue: unit) else {
        let allowed = MoneyUnit.allCases.map(\.rawValue).joined(separator: ", ")
        throw Self.invalid(
          "money_units \"\(header)\": unknown unit \"\(unit)\"; allowed: \(allowed)")
      }
      guard columns[Self.normalize(header)] != nil else {
        throw Self.invalid("money_units \"\(header)\" is not a header of \"columns\"")
      }
      moneyUnits[Self.normalize(header)] = unit
    }
  }

  /// Parses a profile file's JSON (from the embedded set or a user's `--profile PATH`).
  ///
  /// Validates that the kind is known, every column key is a key of that kind, and every source
  /// value is a known source; an error says which key or value is wrong and lists the allowed
  /// ones. `name` labels the errors and is the profile's name when the file gives none. Data
  /// only: nothing in it is executed.
  public static func decode(_ data: [UInt8], name: String) throws(ProfileError) -> HeaderProfile {
    let decoder = JSONDecoder()
    decoder.userInfo[nameKey] = name
    do {
      return try decoder.decode(HeaderProfile.self, from: Data(data))
    } catch let error as DecodingError {
      throw ProfileError(message: "profile \"\(name)\": \(describe(error))")
    } catch {
      throw ProfileError(message: "profile \"\(name)\": \(error)")
    }
  }

  /// Normalises a header cell so that the spellings of one column compare equal.
  ///
  /// Applies Unicode compatibility folding (full-width letters, digits and brackets become
  /// ASCII, U+3000 becomes a space), drops a UTF-8 BOM and zero-width characters, removes all
  /// whitespace, writes every bracket style — `()` `（）` `[]` `【】` `〔〕` `〖〗` — as `()`,
  /// removes trailing units in brackets that do not scale the value — (元) (次) (个) (人) (%) … —
  /// and lowercases ASCII letters. A unit that scales the value, such as (万), (千次) or (分),
  /// is kept, so that `粉丝数(万)` never passes for `粉丝数`.
  public static func normalize(_ header: String) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in header.precomposedStringWithCompatibilityMapping.unicodeScalars {
      if ignoredScalars.contains(scalar.value) || scalar.properties.isWhitespace { continue }
      if openingBrackets.contains(scalar) {
        scalars.append("(")
      } else if closingBrackets.contains(scalar) {
        scalars.append(")")
      } else if scalar.isASCII, let lower = Unicode.Scalar(lowercased: scalar) {
        scalars.append(lower)
      } else {
        scalars.append(scalar)
      }
    }
    var text = String(scalars)
    while let stripped = strippingPlainUnit(text) { text = stripped }
    return text
  }

  /// For a header row: the column key of each cell (nil when the profile does not map it), and
  /// which mapped keys appear twice (an error for the importer to report).
  ///
  /// Duplicates are listed once each, in the order of their second appearance.
  public func map(header: [String]) -> (keys: [String?], duplicates: [String]) {
    let keys = header.map { columns[Self.normalize($0)] ?? scaled($0)?.key }
    var seen: Set<String> = []
    var duplicates: [String] = []
    for key in keys.compactMap({ $0 })
    where !seen.insert(key).inserted && !duplicates.contains(key) {
      duplicates.append(key)
    }
    return (keys, duplicates)
  }

  /// The unit each header cell puts on its values (nil: none), aligned with `map(header:)`:
  /// a scaling unit in brackets after a mapped name — 粉丝(万), 金额(万元), 消耗(分) — or `%`
  /// after a rate (docs/data-model.md, "Units").
  package func units(header: [String]) -> [HeaderUnit?] {
    header.map { cell in
      if let scaled = scaled(cell) { return scaled.unit }
      guard let key = columns[Self.normalize(cell)], HeaderUnit.rateKeys.contains(key) else {
        return nil
      }
      let folded = cell.precomposedStringWithCompatibilityMapping
      return folded.contains("%") ? HeaderUnit(text: "%", power: 0, moneyUnit: nil) : nil
    }
  }

  /// The key and unit of a header cell that this profile maps only once its bracketed scaling
  /// unit is taken off (粉丝(万) → followers in 万); nil for any other cell, and for a unit that
  /// does not suit the key (money units on counts, any unit on a rate or a text).
  private func scaled(_ cell: String) -> (key: String, unit: HeaderUnit)? {
    let normalized = Self.normalize(cell)
    guard columns[normalized] == nil, normalized.hasSuffix(")"),
      let open = normalized.lastIndex(of: "("), open > normalized.startIndex,
      let unit = HeaderUnit.scaling[
        String(
          normalized[normalized.index(after: open)..<normalized.index(before: normalized.endIndex)])
      ],
      let key = columns[String(normalized[..<open])]
    else { return nil }
    let isMoney = HeaderUnit.moneyKeys.contains(key)
    if isMoney
      || (unit.moneyUnit == nil && !unit.text.contains("元") && HeaderUnit.countKeys.contains(key))
    {
      return (key, unit)
    }
    return nil
  }

  /// The source a source cell names: the profile's mapping of the normalised text, else the text
  /// itself when it is a source's own name (`dou_plus`); nil when it names none.
  public func source(forCell text: String) -> String? {
    let normalised = Self.normalize(text)
    if let source = sources[normalised] { return source }
    return sourceNames.contains(normalised) ? normalised : nil
  }

  /// The key under which `decode` passes the fallback name to `init(from:)`.
  private static let nameKey: CodingUserInfoKey = {
    guard let key = CodingUserInfoKey(rawValue: "aimt.headerProfile.name") else {
      preconditionFailure("a constant user-info key is always valid")
    }
    return key
  }()

  /// The kind names, in the order of the data model.
  private static let kindNames = RecordKind.allCases.map(\.rawValue)

  /// Zero-width characters and the BOM, dropped wherever they appear.
  private static let ignoredScalars: Set<UInt32> = [0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, 0xAD]

  /// Opening brackets written as `(` by `normalize`.
  private static let openingBrackets: Set<Unicode.Scalar> = ["(", "[", "【", "〔", "〖", "〘"]

  /// Closing brackets written as `)` by `normalize`.
  private static let closingBrackets: Set<Unicode.Scalar> = [")", "]", "】", "〕", "〗", "〙"]

  /// Bracketed units that do not scale a value, so dropping them loses nothing (after folding).
  private static let plainUnits: Set<String> = [
    "元", "人民币", "人民幣", "人民币元", "人民幣元", "rmb", "cny", "¥", "次", "个", "個", "人",
    "人次", "单", "單", "笔", "筆", "件", "条", "條", "%", "‰",
  ]

  /// The text without its trailing bracketed plain unit, or nil when it ends with none.
  private static func strippingPlainUnit(_ text: String) -> String? {
    guard text.hasSuffix(")"), let open = text.lastIndex(of: "(") else { return nil }
    let unit = text[text.index(after: open)..<text.index(before: text.endIndex)]
    guard open > text.startIndex, plainUnits.contains(String(unit)) else { return nil }
    return String(text[..<open])
  }

  /// The mapping with normalised keys; refuses two spellings that collide with different values.
  private static func normalised(
    _ raw: [String: String], what: String
  ) throws -> [String: String] {
    var result: [String: String] = [:]
    var spelling: [String: String] = [:]
    for (text, value) in raw.sorted(by: { $0.key < $1.key }) {
      let key = normalize(text)
      guard !key.isEmpty else { throw invalid("\(what) \"\(text)\" is empty after normalisation") }
      if let existing = result[key], existing != value, let other = spelling[key] {
        throw invalid(
          "\(what)s \"\(other)\" and \"\(text)\" are the same header after normalisation "
            + "(\"\(key)\") but map to \(existing) and \(value)")
      }
      result[key] = value
      spelling[key] = text
    }
    return result
  }

  /// The `money_unit` field, `yuan` when absent.
  private static func moneyUnit(in container: KeyedDecodingContainer<AnyKey>) throws -> MoneyUnit {
    guard let text = try container.decodeIfPresent(String.self, forKey: AnyKey(Field.moneyUnit))
    else { return .yuan }
    guard let unit = MoneyUnit(rawValue: text) else {
      let allowed = MoneyUnit.allCases.map(\.rawValue).joined(separator: ", ")
      throw invalid("unknown money_unit \"\(text)\"; allowed: \(allowed)")
    }
    return unit
  }

  /// The `source` field: a known source, allowed for metrics and (as the tool) placements only.
  private static func defaultSource(
    in container: KeyedDecodingContainer<AnyKey>, kind: String
  ) throws -> String? {
    guard let source = try container.decodeIfPresent(String.self, forKey: AnyKey(Field.source))
    else { return nil }
    guard kind == "metrics" || kind == "placements" else {
      throw invalid("\"source\" is only meaningful for kinds metrics and placements, not \(kind)")
    }
    let allowed = kind == "metrics" ? sourceNames : sourceNames.filter { $0 != "natural" }
    guard allowed.contains(source) else {
      throw invalid(
        "unknown source \"\(source)\" for kind \(kind); "
          + "allowed: \(allowed.joined(separator: ", "))")
    }
    return source
  }

  /// A decoding error carrying `message`.
  private static func invalid(_ message: String) -> DecodingError {
    .dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: message))
  }

  /// A one-line description of a decoding error, naming the field it concerns.
  private static func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
      codingPath.map(\.stringValue).joined(separator: ".")
    }
    switch error {
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty, let underlying = context.underlyingError {
        return "not valid JSON (\(underlying.localizedDescription))"
      }
      if context.codingPath.isEmpty, context.debugDescription.hasPrefix("The given data") {
        return "not valid JSON"
      }
      if context.codingPath.isEmpty { return context.debugDescription }
      return "\(path(context.codingPath)): \(context.debugDescription)"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      let field = path(context.codingPath)
      let expected =
        ["columns", "sources"].contains(field)
        ? "an object of text values" : field == "ignored" ? "an array of text" : "text"
      return field.isEmpty
        ? "a profile must be a JSON object"
        : "\"\(field)\" has the wrong type: expected \(expected)"
    case .keyNotFound(let key, _):
      return "\"\(key.stringValue)\" is missing"
    @unknown default:
      return "\(error)"
    }
  }
}

/// A profile that cannot be used, with the reason for the user.
public struct ProfileError: Error, Sendable, Equatable {
  /// What is wrong, naming the profile and the offending key or value.
  public var message: String

  /// An error saying `message`.
  public init(message: String) {
    self.message = message
  }
}

/// The header profiles shipped with aimt and the `--profile` choices built on them.
public enum Profiles {
  /// Every profile shipped with aimt, decoded from the embedded files, sorted by name.
  public static let builtIn: [HeaderProfile] = loaded.profiles

  /// The embedded files that failed to decode (empty in a correct build; tested).
  static let builtInProblems: [ProfileError] = loaded.problems

  /// The built-in profile called `name`, if any.
  public static func named(_ name: String) -> HeaderProfile? {
    builtIn.first { $0.name == name }
  }

  /// The generic profile of `kind` (`--profile generic`): the data model's column names and the
  /// exports' aliases (docs/data-model.md, "Import columns").
  public static func generic(kind: String) -> HeaderProfile? {
    named("generic-\(kind)")
  }

  /// Reads a user's profile file (`--profile PATH`), named after the file when it names itself
  /// nothing.
  public static func load(path: String) throws(ProfileError) -> HeaderProfile {
    let url = URL(fileURLWithPath: path)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ProfileError(message: "profile file \(path) cannot be read")
    }
    return try HeaderProfile.decode(
      [UInt8](data), name: url.deletingPathExtension().lastPathComponent)
  }

  /// For `--profile auto`: the built-in profile of `kind` that ``choose(kind:header:sourceGiven:)``
  /// takes for `header`, with a one-line reason for the import summary; nil when no profile
  /// maps every required column of the kind, or when profiles tie (docs/decisions.md,
  /// "Profiles that tie").
  public static func detect(
    kind: String, header: [String]
  ) -> (profile: HeaderProfile, reason: String)? {
    let (best, ties) = choose(kind: kind, header: header, sourceGiven: false)
    guard let best, ties.isEmpty else { return nil }
    let ignored = zip(header, best.keys).filter {
      $0.1 == nil && !HeaderProfile.normalize($0.0).isEmpty
    }.map(\.0)
    var reason = mapsReason(best.profile, keys: best.keys, header: header)
    if !ignored.isEmpty {
      let shown = ignored.prefix(5).joined(separator: ", ")
      reason += "; ignored: \(shown)\(ignored.count > 5 ? ", …" : "")"
    }
    return (best.profile, reason)
  }

  /// The built-in profile of `kind` that reads most of `header`, with each cell's column key
  /// (the first of ``ranked(kind:header:)``).
  static func best(kind: String, header: [String]) -> (profile: HeaderProfile, keys: [String?])? {
    ranked(kind: kind, header: header).first.map { ($0.profile, $0.keys) }
  }

  /// `profile P (description) maps N of M columns`, counting the non-empty header cells.
  static func mapsReason(_ profile: HeaderProfile, keys: [String?], header: [String]) -> String {
    let cells = header.filter { !HeaderProfile.normalize($0).isEmpty }.count
    return "profile \(profile.name) (\(profile.description)) "
      + "maps \(keys.compactMap { $0 }.count) of \(cells) columns"
  }

  /// The embedded profile files: file name (without `.json`) and contents.
  private static let embedded: [(file: String, bytes: [UInt8])] = [
    ("ad", PackageResources.ad_json),
    ("content-service", PackageResources.content_service_json),
    ("douplus-orders", PackageResources.douplus_orders_json),
    ("douplus-placements", PackageResources.douplus_placements_json),
    ("generic-audience", PackageResources.generic_audience_json),
    ("generic-kols", PackageResources.generic_kols_json),
    ("generic-metrics", PackageResources.generic_metrics_json),
    ("generic-placements", PackageResources.generic_placements_json),
    ("generic-promotions", PackageResources.generic_promotions_json),
    ("generic-videos", PackageResources.generic_videos_json),
    ("qianchuan", PackageResources.qianchuan_json),
    ("qianchuan-uni", PackageResources.qianchuan_uni_json),
    ("shop-gmv", PackageResources.shop_gmv_json),
    ("suixintui", PackageResources.suixintui_json),
    ("xingtu-kols", PackageResources.xingtu_kols_json),
    ("yuntu-5a", PackageResources.yuntu_5a_json),
    ("yuntu-5a-long", PackageResources.yuntu_5a_long_json),
  ]

  /// The embedded files decoded once: the profiles, and the problems of those that failed.
  private static let loaded: (profiles: [HeaderProfile], problems: [ProfileError]) = {
    var profiles: [HeaderProfile] = []
    var problems: [ProfileError] = []
    for file in embedded {
      do throws(ProfileError) {
        let profile = try HeaderProfile.decode(file.bytes, name: file.file)
        if profile.name == file.file {
          profiles.append(profile)
        } else {
          problems.append(
            ProfileError(message: "profile file \(file.file).json names itself \(profile.name)"))
        }
      } catch {
        problems.append(error)
      }
    }
    return (profiles.sorted { $0.name < $1.name }, problems)
  }()
}

/// The column keys of each kind, from the data model.
private let columnKeys: [String: [String]] = Dictionary(
  uniqueKeysWithValues: RecordKind.allCases.map { ($0.rawValue, $0.profileColumns) })

/// The sources' names, from the data model.
private let sourceNames = Source.allCases.map(\.rawValue)

/// A coding key for any field name, so unknown fields can be found and named.
private struct AnyKey: CodingKey {
  /// The field's name.
  var stringValue: String
  /// Always nil: a profile is a JSON object, not an array.
  var intValue: Int? { nil }

  /// The key named `stringValue`.
  init(stringValue: String) { self.stringValue = stringValue }

  /// No key: a profile has no positional fields.
  init?(intValue: Int) { nil }

  /// The key of a known profile field.
  init<Name: RawRepresentable>(_ field: Name) where Name.RawValue == String {
    stringValue = field.rawValue
  }
}

extension Unicode.Scalar {
  /// The lowercase form of an ASCII capital letter, or the scalar itself for any other ASCII
  /// scalar; nil for non-ASCII scalars.
  fileprivate init?(lowercased scalar: Unicode.Scalar) {
    guard scalar.isASCII else { return nil }
    let value = scalar.value
    self = (65...90).contains(value) ? Unicode.Scalar(UInt8(value + 32)) : scalar
  }
}
