package import LedgerStore

/// The O-5A layers as the 巨量云图 exports name them, and the rules that keep a 5A file from
/// importing with a layer left out (docs/decisions.md, "5A files: every layer, once").
///
/// Layer names in public use: O 机会; A1 了解/感知; A2 吸引; A3 问询/种草; A4 行动/购买;
/// A5 拥护/复购 — in Simplified or Traditional characters, with or without the code (`A1感知`)
/// and a 人群/人数/规模 suffix.
package enum AudienceLayers {
  /// The layer a cell of a long file's layer column (层级) names; nil when it names none, or
  /// when its code and its name disagree (`A1购买`).
  package static func layer(named text: String) -> AudienceField? {
    var folded = HeaderProfile.normalize(text).filter { !separators.contains($0) }
    for suffix in suffixes where folded.hasSuffix(suffix) && folded.count > suffix.count {
      folded.removeLast(suffix.count)
      break
    }
    var code: AudienceField?
    let characters = Array(folded)
    if characters.count >= 2, characters[0] == "a", let digit = characters[1].wholeNumberValue,
      (1...5).contains(digit),
      characters.count == 2 || !characters[2].isASCII
        || !characters[2].isLetter
    {
      code = AudienceField.layers[digit]
      folded.removeFirst(2)
    } else if characters.first == "o",
      characters.count == 1 || !characters[1].isASCII || !characters[1].isLetter
    {
      code = .o
      folded.removeFirst()
    }
    for suffix in suffixes where folded.hasSuffix(suffix) && folded.count > suffix.count {
      folded.removeLast(suffix.count)
      break
    }
    if folded.isEmpty { return code }
    guard let named = names[folded] else { return nil }
    if let code, code != named { return nil }
    return named
  }

  /// What a layer cell that names no layer is told.
  package static func unknownMessage(_ text: String) -> String {
    "\"\(text)\" is not a 5A layer; expected one of \(expected)"
  }

  /// The layers, with their usual names, for messages.
  static let expected =
    "O (机会), A1 (了解/感知), A2 (吸引), A3 (问询/种草), A4 (行动/购买), A5 (拥护/复购)"

  /// A layer as messages name it: `A3 (问询/种草)`.
  static func describe(_ layer: AudienceField) -> String {
    let index = AudienceField.layers.firstIndex(of: layer) ?? 0
    let label = ["O (机会)", "A1 (了解/感知)", "A2 (吸引)", "A3 (问询/种草)", "A4 (行动/购买)", "A5 (拥护/复购)"]
    return label[index]
  }

  /// The header problems of a 5A file, as (column, message): a wide header that gives some
  /// layers but not all six (the rest would be stored as 0, and totals and shares would be
  /// wrong), a long header without its layer column, and a header mixing the two forms.
  ///
  /// A cell the profile leaves unmapped but that names a layer (感知人群 beside A1) is a layer
  /// given twice, whichever profile reads the file.
  static func headerProblems(
    header: [String], keys: [String?]
  ) -> [(column: String, message: String, remedy: Remedy?)] {
    let mapped = Set(keys.compactMap { $0 })
    if !mapped.contains("layer") {
      var twice: [(column: String, message: String, remedy: Remedy?)] = []
      for (cell, key) in zip(header, keys) where key == nil {
        guard let layer = layer(named: cell) else { continue }
        let other = zip(header, keys).first { $0.1 == layer.rawValue }?.0
        twice.append(
          (
            cell,
            "names \(describe(layer)), "
              + (other.map { "which column \($0) already gives" }
                ?? "but the profile does not map it"),
            other == nil
              ? .ignoreColumn(cell, profile: "yuntu-5a") : .keepOneColumn(ignoring: cell)
          ))
      }
      if !twice.isEmpty { return twice }
    }
    let longKeys = ["size", "new", "lost"].filter(mapped.contains)
    let wideFlow = (AudienceField.additions + AudienceField.losses).map(\.rawValue)
    let wideLayers = AudienceField.layers.filter { mapped.contains($0.rawValue) }
    if mapped.contains("layer") {
      let wide = wideLayers.map(\.rawValue) + wideFlow.filter(mapped.contains)
      if !wide.isEmpty {
        return [
          (
            wide[0],
            "a long 5A file (one row per layer, with a layer column) cannot also have a "
              + "column per layer (\(wide.joined(separator: ", "))); import the two forms "
              + "as separate files", nil
          )
        ]
      }
      if longKeys.isEmpty {
        return [
          (
            "size",
            "a long 5A file needs the size of each layer (规模 or 人数), or its 新增/流失; "
              + "no column maps to size, new or lost", nil
          )
        ]
      }
      return []
    }
    if let first = longKeys.first {
      return [
        (
          first,
          "the file gives \(longKeys.joined(separator: ", ")) per row but no layer column "
            + "(层级) saying which layer each row is", .chooseProfile(addColumn: "层级")
        )
      ]
    }
    guard !wideLayers.isEmpty else { return [] }
    let given = wideLayers.map { $0.rawValue.uppercased() }.joined(separator: ", ")
    return AudienceField.layers.filter { !mapped.contains($0.rawValue) }.map { layer in
      (
        layer.rawValue,
        "the file gives \(given) but no \(describe(layer)) column, so each snapshot would be "
          + "stored with \(layer.rawValue.uppercased()) = 0 and its total and shares would be "
          + "wrong",
        .chooseProfile(
          addColumn: "headed \(layer.rawValue.uppercased()) or \(headerExample(layer))")
      )
    }
  }

  /// A header that names `layer` in the yuntu-5a profile.
  private static func headerExample(_ layer: AudienceField) -> String {
    ["机会人群", "了解人群", "吸引人群", "种草人群", "购买人群", "复购人群"][
      AudienceField.layers.firstIndex(of: layer) ?? 0]
  }

  /// Characters dropped before a layer cell is read.
  private static let separators: Set<Character> = [
    "(", ")", "-", "_", "·", "・", ":", "：", "/", "|", ".", "、",
  ]

  /// Suffixes a layer cell may end with.
  private static let suffixes = ["人群", "人数", "人數", "规模", "規模", "资产", "資產", "层", "層"]

  /// The names of the layers, Simplified, Traditional and English.
  private static let names: [String: AudienceField] = [
    "机会": .o, "機會": .o, "opportunity": .o,
    "了解": .a1, "瞭解": .a1, "感知": .a1, "认知": .a1, "認知": .a1, "aware": .a1,
    "awareness": .a1,
    "吸引": .a2, "appeal": .a2,
    "问询": .a3, "問詢": .a3, "种草": .a3, "種草": .a3, "ask": .a3,
    "行动": .a4, "行動": .a4, "购买": .a4, "購買": .a4, "首购": .a4, "首購": .a4, "act": .a4,
    "action": .a4,
    "拥护": .a5, "擁護": .a5, "复购": .a5, "復購": .a5, "advocate": .a5,
  ]
}

/// Joins the rows of a long 5A file — one row per brand, day and layer — into one snapshot per
/// brand and day, refusing a layer given twice or left out (docs/decisions.md, "5A files:
/// every layer, once").
struct AudiencePivot {
  /// One snapshot being assembled.
  private struct Group {
    var input: AudienceInput
    var location: SourceLocation
    var layers: [AudienceField: SourceLocation] = [:]
  }

  private var groups: [Group] = []
  private var index: [String: Int] = [:]

  /// Adds one layer row; a problem when its layer was already given for the brand and day.
  mutating func add(_ row: AudienceInput, at location: SourceLocation, into writer: LedgerWriter) {
    guard let layer = row.layer else { return }
    let key = "\(row.brand)\u{1F}\(row.day)"
    guard let found = index[key] else {
      var input = row
      input.layer = nil
      index[key] = groups.count
      groups.append(Group(input: input, location: location, layers: [layer: location]))
      return
    }
    if let first = groups[found].layers[layer] {
      writer.report(
        location.problem(
          "layer",
          "\(AudienceLayers.describe(layer)) of \(row.brand) on \(row.day) is given twice "
            + "(first on line \(first.line ?? 0)); keep one row per layer"))
      return
    }
    groups[found].layers[layer] = location
    groups[found].input.values.merge(row.values) { _, new in new }
  }

  /// Writes each assembled snapshot, or names the layers it lacks.
  func finish(into writer: LedgerWriter) throws {
    for group in groups {
      let missing = AudienceField.layers.filter { group.layers[$0] == nil }
      guard missing.isEmpty else {
        writer.report(
          group.location.problem(
            "layer",
            "the 5A snapshot of \(group.input.brand) on \(group.input.day) lacks "
              + missing.map(AudienceLayers.describe).joined(separator: ", ")
              + "; every snapshot needs one row for each of O, A1 … A5: add the missing rows"))
        continue
      }
      try writer.upsert(group.input, at: group.location)
    }
  }
}
