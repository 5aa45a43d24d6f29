import LedgerStore

/// How `--profile auto` refuses to guess (docs/decisions.md, "Profiles that tie").
extension Profiles {
  /// A profile that reads a header, with each cell's column key and how many distinct columns
  /// it maps.
  package struct Candidate {
    package var profile: HeaderProfile
    package var keys: [String?]
    package var score: Int
  }

  /// The built-in profiles of `kind` that map every required column of `header` (a date or an
  /// order start; a video id or a material id), best first: by score, then generic first,
  /// then by name.
  package static func ranked(kind: String, header: [String]) -> [Candidate] {
    let required: [[String]] =
      switch kind {
      case "metrics": [["date", "start"], ["video_id", "material_id"]]
      case "kols": [["kol_id"]]
      case "videos": [["video_id"]]
      case "placements": [["placement_id"]]
      case "audience": [["date"], ["brand"]]
      case "promotions": [["promotion"]]
      default: []
      }
    var result: [Candidate] = []
    for profile in builtIn where profile.kind == kind {
      let keys = profile.map(header: header).keys
      let mapped = Set(keys.compactMap { $0 })
      guard required.allSatisfy({ $0.contains(where: mapped.contains) }) else { continue }
      result.append(Candidate(profile: profile, keys: keys, score: mapped.count))
    }
    return result.sorted { a, b in
      if a.score != b.score { return a.score > b.score }
      let aGeneric = a.profile.name.hasPrefix("generic-")
      let bGeneric = b.profile.name.hasPrefix("generic-")
      if aGeneric != bGeneric { return aGeneric }
      return a.profile.name < b.profile.name
    }
  }

  /// The best candidate that can give its rows a source, and the candidates that tie with it.
  ///
  /// A tie maps at least 90% as many columns and would read the file differently (another
  /// source for its rows, another key for a cell, or another money unit). Candidates that
  /// cannot give the rows a source (no source column, no `--source`, no default source) cannot
  /// be used and never tie.
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
    let ties = usable.dropFirst().filter { other in
      guard other.score * 10 >= best.score * 9 else { return false }
      if source(other) != source(best) || other.keys != best.keys { return true }
      return header.indices.contains { index in
        guard let key = best.keys[index], MetricField(rawValue: key)?.isMoney == true else {
          return false
        }
        return best.profile.moneyUnit(forHeader: header[index])
          != other.profile.moneyUnit(forHeader: header[index])
      }
    }
    return (best, Array(ties))
  }
}
