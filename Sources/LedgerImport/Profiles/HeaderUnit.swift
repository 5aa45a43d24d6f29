import LedgerStore

/// A unit a header cell puts on its column's values.
///
/// A power of ten (万, 亿, 千), a money unit (分), or percent for a rate; the importer
/// applies it exactly.
package struct HeaderUnit: Sendable, Equatable {
  /// The unit as the header writes it, for messages (`万`, `万元`, `分`, `%`).
  package var text: String
  /// Powers of ten the values are in (万: 4).
  package var power: Int
  /// For money columns, the unit replacing the profile's (`(分)`: fen).
  package var moneyUnit: HeaderProfile.MoneyUnit?

  /// The bracketed units that scale a column, as `normalize` writes them.
  static let scaling: [String: HeaderUnit] = {
    var units: [String: HeaderUnit] = [:]
    let powers: [(String, Int)] = [
      ("千", 3), ("万", 4), ("萬", 4), ("w", 4), ("百万", 6), ("百萬", 6), ("亿", 8), ("億", 8),
    ]
    for (word, power) in powers {
      for suffix in ["", "次", "人", "元", "人次", "个", "個"] {
        units[word + suffix] = HeaderUnit(text: word + suffix, power: power, moneyUnit: nil)
      }
    }
    units["分"] = HeaderUnit(text: "分", power: 0, moneyUnit: .fen)
    return units
  }()

  /// The column keys holding money, in any kind.
  static let moneyKeys: Set<String> = [
    "cost", "gmv", "budget", "price_1_20s", "price_21_60s", "price_60s_plus", "expected_cpm",
    "expected_cpe",
  ]

  /// The column keys holding counts, in any kind.
  static let countKeys: Set<String> = {
    var keys: Set<String> = [
      "impressions", "orders", "likes", "comments", "shares", "follows", "followers",
      "median_plays", "size", "new", "lost",
    ]
    for field in AudienceField.allCases { keys.insert(field.rawValue) }
    return keys
  }()

  /// The column keys holding rates (kept per million).
  static let rateKeys: Set<String> = ["interaction_rate", "completion_rate"]
}
