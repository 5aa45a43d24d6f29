import Foundation
import Testing

/// The records of a csv text (CRLF-terminated), without their terminators.
private func records(_ csv: String) -> [String] {
  csv.components(separatedBy: "\r\n").dropLast()
}

/// The key of a csv series record: its first field (the demo's ids need no quoting).
private func key(_ record: String) -> String { String(record.prefix { $0 != "," }) }

/// The keys of a csv series in the order printed.
private func keys(_ csv: String) -> [String] {
  var seen: [String] = []
  for record in records(csv).dropFirst() where seen.last != key(record) {
    seen.append(key(record))
  }
  return seen
}

@Test func aLimitedSeriesPrintsTheWholeSeriesRowsOfItsFirstKeysByteForByte() throws {
  let cli = try CLI()
  try cli.ok("demo", "--db", "d.db", "--videos", "60", "--days", "40")
  let range = ["--since", "2026-05-20", "--until", "2026-05-31", "--db", "d.db", "--format", "csv"]
  for extra in [[], ["--sort", "natural_gmv:asc"], ["--sort", "key:desc"], ["--window", "3"]] {
    let arguments = ["report", "roi", "--series"] + range + extra
    let whole = try cli.ok(arguments).stdout
    let order = keys(whole)
    try #require(order.count > 20, "\(extra)")
    for limit in ["1", "7"] {
      let cut = try cli.ok(arguments + ["--limit", limit]).stdout
      let kept = Array(order.prefix(Int(limit) ?? 0))
      #expect(keys(cut) == kept, "\(extra) limit \(limit)")
      let expected =
        [records(whole)[0]]
        + records(whole).dropFirst().filter {
          kept.contains(key($0))
        }
      #expect(records(cut) == expected, "\(extra) limit \(limit)")
      #expect(cut.hasSuffix("\r\n"))
    }
  }
}
