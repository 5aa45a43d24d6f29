public import LedgerStore

/// A header cell an import leaves out, and why (for the import summary).
public struct IgnoredColumn: Sendable, Hashable {
  /// The cell as the file writes it.
  public var name: String
  /// Why it is left out (`asked`, `a ratio`, `not a number`, …).
  public var reason: String
  /// True when the import was asked to leave this cell out.
  public var asked: Bool
  /// How to read this cell instead, where there is a way (the other of two GMV columns).
  public var remedy: Remedy?

  public init(name: String, reason: String, asked: Bool = false, remedy: Remedy? = nil) {
    self.name = name
    self.reason = reason
    self.asked = asked
    self.remedy = remedy
  }
}

/// Decides, for a file's header as a profile maps it, whether the import may go ahead without
/// the cells the profile does not map: never silently wrong.
///
/// The rule (docs/reference.md, "Columns nobody maps"):
/// - A header that maps less than half of its cells (not counting the cells known to be no
///   number of the ledger and derived ratios) is a file of another kind or another export: it
///   is refused, naming the kind it reads as.
/// - A metrics or audience header that maps none of the kind's number columns is refused.
/// - An unmapped cell that looks like a column of the kind — close in edit distance to a name a
///   built-in profile of the kind knows, or a name another profile maps to a column this header
///   lacks, or holding a number word of the kind (数, 量, 金额, cost, …) — is refused with the
///   closest known name; `--ignore CELL` imports without it.
/// - Every other unmapped cell is left out and listed: cells named by `--ignore`, cells the
///   profile lists as `ignored`, derived ratios (ROI, CTR, 率, 平均, …), names, titles, ids,
///   times, and cells that look like nothing of the kind.
struct HeaderCheck {
  let kind: RecordKind
  let profile: HeaderProfile

  /// A refused cell (or the whole header, as `header`) and what to do.
  struct Refusal: Equatable {
    var column: String
    var message: String
    var remedy: Remedy?
  }

  /// What the check found: the cells left out, and the refusals (empty when all is well).
  struct Outcome {
    var ignored: [IgnoredColumn] = []
    var refusals: [Refusal] = []
  }

  /// Checks `header` whose cells map to `keys` (nil for a cell not mapped or named by
  /// the columns asked to be ignored); `ignoring` holds their normalised names, `chosenAway`
  /// the cells left out by a choice such as the GMV to read (normalised cell → the reason, and
  /// how to read that cell instead).
  func check(
    header: [String], keys: [String?], ignoring: Set<String>,
    chosenAway: [String: (reason: String, remedy: Remedy?)] = [:]
  ) -> Outcome {
    var outcome = Outcome()
    let mappedKeys = Set(keys.compactMap { $0 })
    let known = profile.ignored.union(Profiles.generic(kind: kind.rawValue)?.ignored ?? [])
    let aliases = Self.aliases(kind: kind, adding: profile)
    var counted = 0
    var candidates: [(cell: String, normalized: String)] = []
    for (cell, key) in zip(header, keys) {
      let normalized = HeaderProfile.normalize(cell)
      if normalized.isEmpty { continue }
      if key != nil {
        counted += 1
        continue
      }
      if let away = chosenAway[normalized] {
        counted += 1
        outcome.ignored.append(IgnoredColumn(name: cell, reason: away.reason, remedy: away.remedy))
      } else if ignoring.contains(normalized) {
        counted += 1
        outcome.ignored.append(IgnoredColumn(name: cell, reason: "asked", asked: true))
      } else if known.contains(normalized),
        let number = Self.numberAlias(normalized, kind: kind, besides: mappedKeys)
      {
        // Another profile keeps this cell as a number: a profile's `ignored` list never
        // drops it silently (docs/decisions.md, "Columns nobody maps").
        counted += 1
        outcome.refusals.append(
          Refusal(
            column: cell,
            message:
              "is \(number.key) in profile \(number.profile), but profile \(profile.name) "
              + "leaves it out, so its values would be lost",
            remedy: .ignoreColumn(cell, profile: number.profile)))
      } else if known.contains(normalized) {
        outcome.ignored.append(IgnoredColumn(name: cell, reason: "not a number of the ledger"))
      } else if Self.isRatio(normalized) {
        outcome.ignored.append(IgnoredColumn(name: cell, reason: "a ratio"))
      } else {
        counted += 1
        candidates.append((cell, normalized))
      }
    }
    let mapped = keys.compactMap { $0 }.count
    if mapped * 2 < counted {
      let (message, remedy) = tooLittle(header, keys: keys, counted: counted)
      outcome.refusals.append(Refusal(column: "header", message: message, remedy: remedy))
      return outcome
    }
    let numberKeys = Self.numberKeys(kind)
    if !numberKeys.isEmpty, mappedKeys.isDisjoint(with: numberKeys) {
      outcome.refusals.append(
        Refusal(
          column: "header",
          message:
            "maps none of the \(kind.rawValue) number columns (\(numberKeys.joined(separator: ", "))) "
            + "with profile \(profile.name), so its rows would carry no number (name the "
            + "columns as an export does)",
          remedy: .chooseProfile()))
    }
    for (cell, normalized) in candidates {
      if Self.isText(normalized) {
        outcome.ignored.append(IgnoredColumn(name: cell, reason: "not a number of the ledger"))
        continue
      }
      let closest = Self.closest(to: normalized, in: aliases, numberKeys: numberKeys)
      if let closest, closest.distance == 0 {
        if mappedKeys.contains(Self.plainKey(closest.alias.key)) {
          outcome.ignored.append(
            IgnoredColumn(name: cell, reason: "another column gives \(closest.alias.key)"))
        } else {
          outcome.refusals.append(
            Refusal(
              column: cell,
              message:
                "is \(closest.alias.key) in profile \(closest.alias.profile), but profile "
                + "\(profile.name) does not map it, so its values would be lost",
              remedy: .ignoreColumn(cell, profile: closest.alias.profile)))
        }
      } else if let closest, Self.isClose(normalized, closest.alias.normalized, closest.distance) {
        outcome.refusals.append(
          Refusal(
            column: cell,
            message:
              "maps to no column of profile \(profile.name), so its values would be lost "
              + "(did you mean \(closest.alias.spelling)?)",
            remedy: .ignoreColumn(cell, rename: true)))
      } else if Self.hasNumberWord(normalized, kind: kind) {
        let guess = closest.map { " (did you mean \($0.alias.spelling)?)" } ?? ""
        outcome.refusals.append(
          Refusal(
            column: cell,
            message:
              "looks like a number column but maps to no column of profile \(profile.name), "
              + "so its numbers would be lost\(guess)",
            remedy: .ignoreColumn(cell, rename: true)))
      } else {
        outcome.ignored.append(IgnoredColumn(name: cell, reason: "not a \(kind.rawValue) column"))
      }
    }
    // In the order of the header.
    let position = Dictionary(
      header.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
    outcome.ignored = outcome.ignored.enumerated().sorted {
      (position[$0.element.name] ?? 0, $0.offset) < (position[$1.element.name] ?? 0, $1.offset)
    }.map(\.element)
    return outcome
  }

  /// The message of a header that maps too little of its cells, naming a kind it reads better
  /// as.
  private func tooLittle(
    _ header: [String], keys: [String?], counted: Int
  ) -> (String, Remedy) {
    let mapped = zip(header, keys).filter { $0.1 != nil }.map(\.0)
    var message =
      "maps only \(mapped.count) of \(counted) columns as \(kind.rawValue) with profile "
      + "\(profile.name)"
      + (mapped.isEmpty ? "" : " (\(mapped.joined(separator: ", ")))")
      + ", so the others would be dropped"
    var better: (kind: RecordKind, profile: HeaderProfile, mapped: Int)?
    for other in RecordKind.allCases where other != kind {
      guard let found = Profiles.best(kind: other.rawValue, header: header) else { continue }
      let count = found.keys.compactMap { $0 }.count
      if count > mapped.count, count > better?.mapped ?? 0 {
        better = (other, found.profile, count)
      }
    }
    guard let better else {
      return (message + " (is it a \(kind.rawValue) file?)", .chooseProfile())
    }
    message +=
      "; it reads as \(better.kind.rawValue) (profile \(better.profile.name) maps "
      + "\(better.mapped))"
    return (message, .importAs(better.kind))
  }

  // MARK: - What a cell looks like

  /// A header name a built-in profile of a kind maps.
  struct Alias {
    var normalized: String
    var spelling: String
    var key: String
    var profile: String
    var characters: [Character]
  }

  /// Every name the built-in profiles of `kind` (and `profile`, a user's own) map, once each.
  private static func aliases(kind: RecordKind, adding profile: HeaderProfile) -> [Alias] {
    var result = builtInAliases[kind] ?? []
    if !Profiles.builtIn.contains(profile) {
      let known = Set(result.map(\.normalized))
      for (normalized, key) in profile.columns.sorted(by: { $0.key < $1.key })
      where !known.contains(normalized) {
        result.append(alias(normalized, key, profile))
      }
    }
    return result
  }

  private static func alias(_ normalized: String, _ key: String, _ profile: HeaderProfile)
    -> Alias
  {
    Alias(
      normalized: normalized, spelling: profile.spellings[normalized] ?? normalized, key: key,
      profile: profile.name, characters: Array(normalized))
  }

  /// The built-in profiles' names per kind; a name two profiles share is kept once, from the
  /// generic profile when it has it.
  private static let builtInAliases: [RecordKind: [Alias]] = {
    var result: [RecordKind: [Alias]] = [:]
    for kind in RecordKind.allCases {
      var seen: Set<String> = []
      var aliases: [Alias] = []
      let profiles = Profiles.builtIn.filter { $0.kind == kind.rawValue }.sorted {
        ($0.name.hasPrefix("generic-") ? 0 : 1, $0.name) < (
          $1.name.hasPrefix("generic-") ? 0 : 1, $1.name
        )
      }
      for profile in profiles {
        for (normalized, key) in profile.columns.sorted(by: { $0.key < $1.key })
        where seen.insert(normalized).inserted {
          aliases.append(alias(normalized, key, profile))
        }
      }
      result[kind] = aliases
    }
    return result
  }()

  /// A built-in profile's mapping of `normalized` to a number column of `kind` that the
  /// header does not give otherwise (`mapped`), if any.
  static func numberAlias(
    _ normalized: String, kind: RecordKind, besides mapped: Set<String>
  ) -> (key: String, profile: String)? {
    let numbers = Set(numberKeys(kind))
    for alias in builtInAliases[kind] ?? []
    where alias.normalized == normalized && numbers.contains(alias.key) {
      return mapped.contains(Self.plainKey(alias.key)) ? nil : (alias.key, alias.profile)
    }
    return nil
  }

  /// `gmv` for `direct_gmv` and `overall_gmv`, `orders` for their order counts.
  static func plainKey(_ key: String) -> String {
    for prefix in ["direct_", "overall_"] where key.hasPrefix(prefix) {
      return String(key.dropFirst(prefix.count))
    }
    return key
  }

  /// The column keys of a kind that hold numbers; empty for kinds whose files may hold none
  /// (a KOL list without follower counts, a placement without a budget).
  static func numberKeys(_ kind: RecordKind) -> [String] {
    switch kind {
    case .metrics:
      MetricField.allCases.map(\.rawValue) + [
        "direct_gmv", "overall_gmv", "direct_orders", "overall_orders",
      ]
    case .audience: AudienceField.allCases.map(\.rawValue) + ["size", "new", "lost"]
    default: []
    }
  }

  /// The nearest alias by edit distance; ties go to a name of a number column, then to the
  /// shorter name, then to the first in order.
  private static func closest(
    to normalized: String, in aliases: [Alias], numberKeys: [String]
  ) -> (alias: Alias, distance: Int)? {
    let characters = Array(normalized)
    var best: (alias: Alias, distance: Int, number: Bool)?
    for alias in aliases {
      let distance = editDistance(characters, alias.characters)
      let number = numberKeys.contains(alias.key)
      if let current = best {
        if distance > current.distance { continue }
        if distance == current.distance {
          if current.number && !number { continue }
          if current.number == number, alias.characters.count >= current.alias.characters.count {
            continue
          }
        }
      }
      best = (alias, distance, number)
    }
    return best.map { ($0.alias, $0.distance) }
  }

  /// Whether a cell `distance` edits from a known name is a misspelling of it: one edit for
  /// names of up to five characters, two for longer ones, never for one-character names.
  static func isClose(_ cell: String, _ name: String, _ distance: Int) -> Bool {
    let shorter = min(cell.count, name.count)
    guard shorter >= 2 else { return false }
    return distance <= max(1, shorter / 3)
  }

  /// The optimal-string-alignment distance: insertions, deletions, substitutions and
  /// transpositions of neighbours each count one.
  static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, before[j - 2] + 1)
        }
        current[j] = value
      }
      (before, previous, current) = (previous, current, before)
    }
    return previous[b.count]
  }

  /// Derived ratios: ROI, CTR, CPM, rates, averages, shares of a whole.
  static func isRatio(_ normalized: String) -> Bool {
    ratioWords.contains { normalized.contains($0) }
  }

  private static let ratioWords = [
    "率", "roi", "ctr", "cvr", "cpm", "cpc", "cpa", "cpe", "平均", "均价", "均價", "单价", "單價",
    "占比", "佔比", "比例", "percent", "ratio", "rate", "avg", "average", "%",
  ]

  /// Names, titles, ids, times and other text: never a number of the ledger.
  static func isText(_ normalized: String) -> Bool {
    textSuffixes.contains { normalized.hasSuffix($0) }
      || textWords.contains { normalized.contains($0) }
  }

  private static let textSuffixes = ["id", "号", "號", "编码", "編碼"]
  private static let textWords = [
    "名称", "名稱", "名字", "昵称", "暱稱", "昵稱", "标题", "標題", "时间", "時間", "日期", "链接",
    "鏈接", "备注", "備註", "类型", "類型", "状态", "狀態", "方式", "描述", "地址", "name", "title",
    "time", "date", "url", "link", "status", "type", "remark", "note",
  ]

  /// Whether a cell holds a word of the kind's numbers (数, 量, 金额, cost, …).
  static func hasNumberWord(_ normalized: String, kind: RecordKind) -> Bool {
    (numberWords[kind] ?? []).contains { normalized.contains($0) }
  }

  private static let numberWords: [RecordKind: [String]] = [
    .metrics: [
      "数", "數", "量", "次", "金额", "金額", "额", "額", "费", "費", "消耗", "花费", "成交", "gmv",
      "cost", "amount", "count", "cnt", "num", "spend", "revenue", "sales", "impression", "show",
      "play", "view", "like", "comment", "share", "follow", "order",
    ],
    .audience: ["人群", "数", "數", "量", "总", "總", "count", "total", "num"],
    .kols: ["粉丝", "粉絲", "follower", "fans"],
    .placements: ["金额", "金額", "预算", "預算", "budget"],
  ]
}
