internal import GRDB

/// A per-ledger setting that `aimt config` reads and writes, with its default and its check.
public struct Setting: Sendable {
  /// The key, as typed after `aimt config set`.
  public var key: String
  /// The value a ledger has until it is set.
  public var defaultValue: String
  /// What it means, for `aimt config get`.
  public var summary: String
  let validate: @Sendable (String) -> String?

  /// Every setting aimt knows.
  public static let all: [Setting] = [
    Setting(
      key: "cpm_price", defaultValue: "40",
      summary: "reference price of a thousand bought impressions, yuan",
      validate: { text in
        guard let fen = try? Money.parseYuan(text), fen > 0 else {
          return "must be a positive yuan amount like 40 or 38.50"
        }
        return nil
      }),
    Setting(
      key: "roi_floor", defaultValue: "1.2",
      summary: "videos whose traffic ROI model is at least this get money",
      validate: { positiveDecimal($0) }),
    Setting(
      key: "decline_ratio", defaultValue: "0.8",
      summary: "a model below this × the previous window's is a declining trend",
      validate: { text in
        guard let value = Fraction.parseDecimal(text), value > Fraction(0), value <= Fraction(1)
        else { return "must be a decimal above 0 and at most 1, like 0.8" }
        return nil
      }),
    tier("tier_super_head", "5000000", "followers from which a KOL is super-head (超头部)"),
    tier("tier_head", "1000000", "followers from which a KOL is head (头部)"),
    tier("tier_mid", "100000", "followers from which a KOL is mid (腰部)"),
    tier("tier_tail", "10000", "followers from which a KOL is tail (尾部); below: KOC"),
    count(
      "smart_min_followers", "500000",
      "advise: followers from which Dou+ may run in smart mode (智能投放)"),
    count(
      "weight_median_plays", "50000",
      "advise: median natural plays of a KOL's videos (last 90 days) that give the account weight"
    ),
    count("fresh_days", "15", "advise: a video at most this many days old is fresh (smart Dou+)"),
    count("warmup_days", "3", "advise: days of natural traffic before standard Dou+ starts"),
    Setting(
      key: "engagement_floor", defaultValue: "0.03",
      summary: "advise: engagement rate ((likes+comments)/plays) content service needs",
      validate: { positiveDecimal($0) }),
    money(
      "budget_super_head", "1000000",
      "shortlist: suggested weekly content-service budget for a super-head KOL, yuan"),
    money(
      "budget_head", "300000",
      "shortlist: suggested weekly content-service budget for a head KOL, yuan"),
    money(
      "budget_mid", "50000",
      "plan: weekly Dou+ pressure-test budget per mid KOL (no content service below head), yuan"),
    money(
      "budget_tail", "10000",
      "plan: weekly Dou+ test budget per tail KOL or KOC, yuan"),
    count(
      "min_evidence_impressions", "100000",
      "advise, shortlist, plan: natural impressions a model needs before money rests on it"),
    count(
      "launch_days", "3",
      "advise: days after publishing whose natural traffic make the launch model"),
    Setting(
      key: "sale_cpm_factor", defaultValue: "2.5",
      summary: "inside a promotion the model divides by cpm_price × this (bids run 2–3×)",
      validate: { positiveDecimal($0) }),
  ]

  /// The setting named `key`, if aimt knows it.
  public static func named(_ key: String) -> Setting? { all.first { $0.key == key } }

  private static func count(_ key: String, _ value: String, _ summary: String) -> Setting {
    Setting(
      key: key, defaultValue: value, summary: summary,
      validate: { text in
        (try? Count.parse(text)) == nil ? "must be a whole number, like \(value)" : nil
      })
  }

  private static func money(_ key: String, _ value: String, _ summary: String) -> Setting {
    Setting(
      key: key, defaultValue: value, summary: summary,
      validate: { text in
        (try? Money.parseYuan(text)) == nil ? "must be a yuan amount, like \(value)" : nil
      })
  }

  private static func tier(_ key: String, _ value: String, _ summary: String) -> Setting {
    Setting(
      key: key, defaultValue: value, summary: summary,
      validate: { text in
        guard (try? Count.parse(text)) != nil else {
          return "must be a whole number of followers, like \(value)"
        }
        return nil
      })
  }

  private static func positiveDecimal(_ text: String) -> String? {
    Fraction.parseDecimal(text) == nil ? "must be a decimal number like 1.2" : nil
  }
}

extension Ledger {
  /// The value of a setting: the stored one, or its default.
  public func setting(_ key: String) throws(LedgerError) -> String {
    guard let setting = Setting.named(key) else { throw Self.unknownSetting(key) }
    let stored = try read { db in
      try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
    }
    return stored ?? setting.defaultValue
  }

  /// Every setting with its current value and whether it was set in this ledger.
  public func settings() throws(LedgerError) -> [(setting: Setting, value: String, isSet: Bool)] {
    let stored = try read { db in
      try Dictionary(
        uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM setting").map {
          ($0["key"] as String, $0["value"] as String)
        })
    }
    return Setting.all.map { setting in
      (setting, stored[setting.key] ?? setting.defaultValue, stored[setting.key] != nil)
    }
  }

  /// Stores a setting after checking its value (and, for tiers, that they stay in order).
  public func setSetting(_ key: String, _ value: String) throws(LedgerError) {
    guard let known = Setting.named(key) else { throw Self.unknownSetting(key) }
    if let message = known.validate(value) {
      throw .invalidData([SourceLocation.commandLine.problem("VALUE", "\(key) \(message)")])
    }
    if key.hasPrefix("tier_") {
      var tiers: [String: Int64] = [:]
      for name in ["tier_super_head", "tier_head", "tier_mid", "tier_tail"] {
        let text = name == key ? value : try setting(name)
        tiers[name] = try? Count.parse(text)
      }
      let ordered = ["tier_super_head", "tier_head", "tier_mid", "tier_tail"].compactMap {
        tiers[$0]
      }
      if ordered.count == 4,
        !(ordered[0] > ordered[1] && ordered[1] > ordered[2] && ordered[2] > ordered[3])
      {
        throw .invalidData([
          SourceLocation.commandLine.problem(
            "VALUE",
            "tiers must decrease: tier_super_head > tier_head > tier_mid > tier_tail "
              + "(would be \(ordered.map(String.init).joined(separator: " > ")))")
        ])
      }
    }
    try write { db in
      try db.execute(
        sql: """
          INSERT INTO setting (key, value) VALUES (?, ?)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value
          """,
        arguments: [key, value])
    }
  }

  private static func unknownSetting(_ key: String) -> LedgerError {
    .invalidData([
      SourceLocation.commandLine.problem(
        "KEY",
        "unknown setting '\(key)'; known: " + Setting.all.map(\.key).joined(separator: ", "))
    ])
  }
}
