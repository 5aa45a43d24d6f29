import LedgerStore

/// How `--profile auto` chooses a profile and refuses to guess (docs/decisions.md, "Profiles
/// that tie").
extension Profiles {
  /// A profile that reads a header, with each cell's column key and how many distinct columns
  /// it maps.
  package struct Candidate {
    package var profile: HeaderProfile
    package var keys: [String?]
    /// The distinct column keys the profile maps.
    package var score: Int
    /// Whether the profile knows each cell: maps it, or lists it as not kept.
    package var known: [Bool]

    /// How many cells the profile knows.
    var knownCount: Int { known.filter { $0 }.count }
  }

  /// The built-in profiles of `kind` that map every required column of `header` (a date or an
  /// order start; a video id or a material id; a KOL's 抖音号, 星图ID or 达人UID), best first: by the distinct columns they map,
  /// then by the cells they know (mapped or listed as not kept), then generic first, then by
  /// name.
  package static func ranked(kind: String, header: [String]) -> [Candidate] {
    let required: [[String]] =
      switch kind {
      case "metrics": [["date", "start"], ["video_id", "material_id"]]
      case "kols": [["kol_id", "xingtu_id", "douyin_uid"]]
      case "videos": [["video_id"]]
      case "placements": [["placement_id"]]
      case "audience": [["date"], ["brand"]]
      case "promotions": [["promotion"]]
      default: []
      }
    let normalized = header.map(HeaderProfile.normalize)
    var result: [Candidate] = []
    for profile in builtIn where profile.kind == kind {
      let keys = profile.map(header: header).keys
      let mapped = Set(keys.compactMap { $0 })
      guard required.allSatisfy({ $0.contains(where: mapped.contains) }) else { continue }
      let known = zip(keys, normalized).map { key, cell in
        key != nil || (!cell.isEmpty && profile.ignored.contains(cell))
      }
      result.append(Candidate(profile: profile, keys: keys, score: mapped.count, known: known))
    }
    return result.sorted { a, b in
      if a.score != b.score { return a.score > b.score }
      if a.knownCount != b.knownCount { return a.knownCount > b.knownCount }
      let aGeneric = a.profile.name.hasPrefix("generic-")
      let bGeneric = b.profile.name.hasPrefix("generic-")
      if aGeneric != bGeneric { return aGeneric }
      return a.profile.name < b.profile.name
    }
  }

  /// The best candidate that can give its rows a source, and the candidates that tie with it.
  ///
  /// Another candidate ties when it maps at least 90% as many columns and would read the file
  /// differently (another source for its rows, another key for a cell, or another money unit),
  /// unless the best one covers it: reads every cell it maps the same way and knows every cell
  /// it knows, and at least one more (a column only the best one's export has). Candidates
  /// that cannot give the rows a source (no source column, no `--source`, no default source)
  /// cannot be used and never tie.
  package static func choose(
    kind: String, header: [String], sourceGiven: Bool
  ) -> (best: Candidate?, ties: [Candidate]) {
    let candidates = ranked(kind: kind, header: header)
    func source(_ candidate: Candidate) -> String? {
      if sourceGiven || candidate.keys.contains("source") { return "given" }
      return candidate.profile.source
    }
    let usable = candidates.filter {
      $0.profile.kind != "metrics" || source($0) != nil
    }
    guard let best = usable.first ?? candidates.first else { return (nil, []) }
    /// Whether `a` and `b` read cell `index` the same way: the same key, and for money the
    /// same unit.
    func same(_ a: Candidate, _ b: Candidate, at index: Int) -> Bool {
      guard a.keys[index] == b.keys[index] else { return false }
      guard let key = a.keys[index], MetricField(rawValue: key)?.isMoney == true else {
        return true
      }
      return a.profile.moneyUnit(forHeader: header[index])
        == b.profile.moneyUnit(forHeader: header[index])
    }
    let ties = usable.dropFirst().filter { other in
      guard other.score * 10 >= best.score * 9 else { return false }
      let differs =
        source(other) != source(best) || !header.indices.allSatisfy { same(best, other, at: $0) }
      guard differs else { return false }
      let covers =
        header.indices.allSatisfy { index in
          (other.keys[index] == nil || same(best, other, at: index))
            && (!other.known[index] || best.known[index])
        } && best.knownCount > other.knownCount
      return !covers
    }
    return (best, Array(ties))
  }
}
