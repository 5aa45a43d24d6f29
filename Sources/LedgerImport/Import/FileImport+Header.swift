import LedgerStore

// How a file's header is read: which profile maps it, the cells `--ignore` blanks, the GMV
// `--gmv` keeps (docs/decisions.md, "Columns nobody maps", "Direct or overall GMV").

extension FileImport {
  /// Whether a profile reads `header` as this kind (how the header row is found below title
  /// rows): the detected one for `auto`, else the one chosen, with every required column.
  func recognises(_ header: [String]) -> Bool {
    let header = visible(header)
    let kind = options.kind.rawValue
    let profile: HeaderProfile?
    switch options.profile {
    case .auto: return Profiles.best(kind: kind, header: header) != nil
    case .named(let name):
      profile = name == "generic" ? Profiles.generic(kind: kind) : Profiles.named(name)
    case .file(let file): profile = try? Profiles.load(path: file)
    }
    guard let profile else { return false }
    let mapped = Set(profile.map(header: header).keys.compactMap { $0 })
    return options.kind.requiredColumns.allSatisfy { column in
      mapped.contains(column) || (column == "source" && defaultSource(profile) != nil)
    }
  }

  /// The normalised `--ignore` names.
  var ignoring: Set<String> { Set(options.ignoredColumns.map(HeaderProfile.normalize)) }

  /// The header with the cells named by `--ignore` blanked: no profile maps them.
  func visible(_ header: [String]) -> [String] {
    let ignoring = ignoring
    guard !ignoring.isEmpty else { return header }
    return header.map { ignoring.contains(HeaderProfile.normalize($0)) ? "" : $0 }
  }

  /// The keys of the header's cells once the direct or overall GMV is chosen.
  ///
  /// Of a 千川 file's direct and overall
  /// GMV (and order counts) is made: the chosen one becomes `gmv` (`orders`), the other is
  /// left out with its reason (normalised cell → reason). `failed` when `--gmv` asks for a
  /// GMV the file does not give.
  func mappedKeys(
    _ profile: HeaderProfile, header: [String], quiet: Bool = false
  ) -> (keys: [String?], away: (reasons: [String: (reason: String, remedy: Remedy?)], failed: Bool))
  {
    var keys = profile.map(header: header).keys
    var reasons: [String: (reason: String, remedy: Remedy?)] = [:]
    var failed = false
    let chosen = options.gmv ?? .direct
    for (plain, what) in [("gmv", "GMV"), ("orders", "order count")] {
      let direct = keys.firstIndex(of: "direct_\(plain)")
      let overall = keys.firstIndex(of: "overall_\(plain)")
      switch (direct, overall) {
      case (let direct?, let overall?):
        let (kept, other) = chosen == .direct ? (direct, overall) : (overall, direct)
        keys[kept] = plain
        keys[other] = nil
        let flag = chosen == .direct ? "overall" : "direct"
        reasons[HeaderProfile.normalize(header[other])] = (
          "the other \(what): the \(chosen.rawValue) one is read", .chooseGMV(flag)
        )
      case (let only?, nil), (nil, let only?):
        let given: GMVChoice = only == direct ? .direct : .overall
        if let asked = options.gmv, asked != given {
          failed = true
          if !quiet {
            problem(
              line: 1, "gmv",
              "the \(asked.rawValue) \(what) is asked for, but the file gives only the "
                + "\(given.rawValue) one (\(header[only]))", remedy: .chooseGMV(given.rawValue))
          }
        }
        keys[only] = plain
      case (nil, nil):
        break
      }
    }
    return (keys, (reasons, failed))
  }

  /// The keys two or more cells map to, once each, in the order of their second appearance.
  static func duplicates(_ keys: [String?]) -> [String] {
    var seen: Set<String> = []
    var duplicates: [String] = []
    for key in keys.compactMap({ $0 })
    where !seen.insert(key).inserted && !duplicates.contains(key) {
      duplicates.append(key)
    }
    return duplicates
  }

  func defaultSource(_ profile: HeaderProfile) -> Source? {
    options.source ?? profile.source.flatMap(Source.init(rawValue:))
  }

  func resolveProfile(
    header: [String], file: String, line: Int, quiet: Bool = false
  ) -> (HeaderProfile, String)? {
    let problem = { (column: String, message: String, remedy: Remedy?) in
      self.problem(line: line, column, message, file: file, remedy: remedy)
    }
    let kind = options.kind.rawValue
    let profile: HeaderProfile
    let reason: String
    switch options.profile {
    case .auto:
      let (best, ties) = Profiles.choose(
        kind: kind, header: header, sourceGiven: options.source != nil)
      guard let best else {
        if !quiet {
          problem(
            "header",
            "no built-in profile reads this header as \(kind) (it needs "
              + options.kind.requiredColumns.joined(separator: ", ") + "); the header has: "
              + header.joined(separator: ", "), .chooseProfile())
        }
        return nil
      }
      if !ties.isEmpty {
        if !quiet {
          let names = ([best] + ties).map {
            "\($0.profile.name) (maps \($0.score))"
          }
          // The profile that reads the header best may have been set aside because the file
          // names no source (a 罗盘 shop file): `--source` is then the likelier fix.
          let needsSource = Profiles.ranked(kind: kind, header: header).first.map {
            $0.profile.source == nil && !$0.keys.contains("source") && options.source == nil
              && $0.score > best.score
          }
          problem(
            "header",
            "more than one profile reads this header, differently: "
              + names.joined(separator: ", "),
            .chooseProfile(
              candidates: ([best] + ties).map(\.profile.name), orSource: needsSource == true))
        }
        return nil
      }
      return (best.profile, Profiles.mapsReason(best.profile, keys: best.keys, header: header))
    case .named(let name):
      guard let found = name == "generic" ? Profiles.generic(kind: kind) : Profiles.named(name)
      else {
        problem(
          "profile",
          "no built-in profile '\(name)'; known: "
            + Profiles.builtIn.map(\.name).joined(separator: ", "), nil)
        return nil
      }
      profile = found
      reason = "profile \(found.name), as chosen"
    case .file(let profileFile):
      do {
        profile = try Profiles.load(path: profileFile)
      } catch {
        problem("profile", "\(profileFile): \(error.message)", nil)
        return nil
      }
      reason = "profile \(profile.name) read from \(profileFile)"
    }
    guard profile.kind == kind else {
      problem(
        "profile",
        "profile \(profile.name) reads \(profile.kind), not \(kind); choose a \(kind) profile",
        nil)
      return nil
    }
    return (profile, reason)
  }

}
