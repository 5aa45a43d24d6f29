import Foundation
import GRDB
import LedgerStore
import Testing

@testable import LedgerImport

// Hostile input: valid files mutated at random (seeded) must import or be refused with the
// problems listed, never crash, and a refused import must leave the ledger as it was.

/// Valid files of each shape the readers take, to start mutating from.
private let seeds: [(kind: RecordKind, name: String, text: String)] = [
  (
    .metrics, "m.csv",
    """
    date,video_id,source,placement_id,impressions,cost,gmv,orders,likes,comments
    2026-05-01,v1,natural,,250000,0,20000.00,12,9000,700
    2026-05-01,v1,dou_plus,DP-1,12500,"¥1,500.00",610.5,4,300,20
    2026-05-02,v2,natural,,"40,000",,120.00,1,50,3

    """
  ),
  (
    .metrics, "m.tsv",
    "日期\t视频ID\t来源\t曝光量\t成交金额\n2026-05-03\tv2\tnatural\t1000\t¥8.00\n"
  ),
  (
    .metrics, "m.ndjson",
    #"""
    {"date":"2026-05-04","video_id":"v1","source":"natural","impressions":5,"gmv":"1.5"}
    {"date":"2026-05-05","video_id":"v2","source":"natural","impressions":7,"gmv":2}

    """#
  ),
  (.kols, "k.json", #"[{"kol_id":"dy9","name":"小美\n\"引号\"","followers":"1,200,000"}]"#),
]

/// One mutation of a valid file, as the issue lists them.
private enum Mutation: CaseIterable {
  case flipBytes, truncate, strayQuote, nulByte, invalidUTF8, hugeField, hugeNumber, dropNewline
  case duplicateLine, hostileName

  /// `bytes` mutated once, at places drawn from `random`.
  func apply(_ bytes: [UInt8], _ random: inout SplitMixGenerator) -> [UInt8] {
    var bytes = bytes
    let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
    switch self {
    case .flipBytes:
      for _ in 0...Int.random(in: 0...3, using: &random) where !bytes.isEmpty {
        bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(
          in: 1...255, using: &random)
      }
    case .truncate: bytes.removeLast(bytes.count - at)
    case .strayQuote: bytes.insert(UInt8(ascii: "\""), at: at)
    case .nulByte: bytes.insert(0, at: at)
    case .invalidUTF8: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF, 0xFE], at: at)
    case .hugeField:
      bytes.insert(
        contentsOf: [UInt8](repeating: UInt8(ascii: "9"), count: 200_000), at: at)
    case .hugeNumber:
      bytes.insert(contentsOf: Array("99999999999999999999999".utf8), at: at)
    case .dropNewline:
      if let newline = bytes.firstIndex(of: 0x0A) { bytes.remove(at: newline) }
    case .duplicateLine:
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
      if lines.count > 2 { bytes += [0x0A] + lines[1] + [0x0A] }
    case .hostileName:
      bytes.insert(contentsOf: Array("'); DROP TABLE metric; --".utf8), at: at)
    }
    return bytes
  }
}

@Test func mutatedFilesImportOrAreRefusedWhole() throws {
  var random = SplitMixGenerator(state: 6)
  let fixture = try Fixture()
  // One good import first, so "unchanged" has something to keep.
  let base = fixture.folder + "/base.csv"
  try Data(seeds[0].text.utf8).write(to: URL(fileURLWithPath: base))
  _ = try fixture.ledger.importFiles([base], options: ImportOptions(kind: .metrics))

  var imported = 0
  var refused = 0
  var problemsSeen = 0
  let cases = 240
  for index in 0..<cases {
    let seed = seeds[index % seeds.count]
    let mutation = Mutation.allCases[Int.random(in: 0..<Mutation.allCases.count, using: &random)]
    var bytes = Array(seed.text.utf8)
    // Usually one mutation, sometimes several on top of each other.
    for _ in 0..<(Int.random(in: 0..<4, using: &random) == 0 ? 3 : 1) {
      bytes = mutation.apply(bytes, &random)
    }
    let path = fixture.folder + "/\(index)-" + seed.name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let before = try fixture.snapshot()
    var options = ImportOptions(kind: seed.kind)
    options.write.createMissing = index.isMultiple(of: 2)
    do {
      _ = try fixture.ledger.importFiles([path], options: options)
      imported += 1
    } catch {
      refused += 1
      guard case .invalidData(let problems) = error else {
        Issue.record("case \(index) (\(mutation)): not a data error: \(error)")
        continue
      }
      problemsSeen += problems.count
      #expect(!problems.isEmpty, "case \(index)")
      #expect(try fixture.snapshot() == before, "case \(index) (\(mutation)) changed the ledger")
      for problem in problems {
        // Each problem names where (the file and a line, or the command line) and what.
        #expect(!problem.description.isEmpty)
        #expect(problem.description.count < 2_000, "case \(index): an unbounded message")
      }
    }
  }
  #expect(imported + refused == cases)
  #expect(imported > 0 && refused > 0, "imported \(imported), refused \(refused)")
  print(
    "import fuzz: \(cases) cases, \(imported) imported, \(refused) refused (\(problemsSeen) problems)"
  )
  #expect(try fixture.ledger.check().isEmpty)
  // A hostile name never reached SQL as code: the tables are all still there.
  #expect(try fixture.ledger.read { db in try db.tableExists("metric") })
}

@Test func moneyParsingNeverTrapsOnHostileText() {
  var random = SplitMixGenerator(state: 7)
  let alphabet = Array("0123456789.,¥￥-+e元万 \u{00A0}\"'\u{0}".unicodeScalars)
  var parsed = 0
  for _ in 0..<20_000 {
    var text = ""
    for _ in 0..<Int.random(in: 0...30, using: &random) {
      text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)])
    }
    if let fen = try? Money.parseYuan(text) {
      parsed += 1
      // Whatever the signs, separators and spaces around them, an accepted amount is its
      // digits: the whole yuan, then at most two decimals of fen — in 万 yuan (a trailing 万,
      // docs/data-model.md, "Units"), at most six, exactly.
      let places = text.contains("万") ? 6 : 2
      let kept = text.unicodeScalars.filter { ("0"..."9").contains($0) || $0 == "." }
      let parts = String(String.UnicodeScalarView(kept)).split(
        separator: ".", omittingEmptySubsequences: false)
      #expect(parts.count <= 2, "\(text.debugDescription) → \(fen)")
      let whole = Int64(parts[0].isEmpty ? "0" : parts[0])
      var decimals = parts.count == 2 ? Substring(parts[1]) : ""
      if places > 2 { while decimals.hasSuffix("0") { decimals.removeLast() } }
      #expect(decimals.count <= places, "\(text.debugDescription) → \(fen)")
      let padding = String(repeating: "0", count: places)
      let fraction = Int64((decimals + padding).prefix(places)) ?? -1
      let scale: Int64 = places == 6 ? 1_000_000 : 100
      #expect(
        whole.map { $0 &* scale &+ fraction } == fen, "\(text.debugDescription) → \(fen)")
      // And it reads back from the form written to files.
      #expect((try? Money.parseYuan(Money.yuan(fen))) == fen, "\(text.debugDescription)")
    }
  }
  #expect(parsed > 0)
}

/// The fen a money cell in `unit` means, computed here without the importer's code, by moving
/// the decimal point in the text and rounding once, half to even (docs/decisions.md, "Amounts
/// finer than a fen"): nil when the text is not a plain amount (digits, at most one point, at
/// most 18 decimals) or the fen is beyond the ledger's limit; an empty cell gives nothing, so
/// a new row keeps 0.
private func independentFen(_ text: String, unit: String) -> Int64? {
  let limit: Int64 = 999_999_999_999_999
  if text.isEmpty { return 0 }
  let parts = text.split(separator: ".", omittingEmptySubsequences: false)
  let isDigits = { (part: Substring) in part.allSatisfy { $0.isASCII && $0.isNumber } }
  guard parts.count <= 2, !parts[0].isEmpty, parts[0].count <= 19, isDigits(parts[0]) else {
    return nil
  }
  let fraction = parts.count == 2 ? parts[1] : ""
  guard parts.count == 1 || (1...18).contains(fraction.count), isDigits(fraction) else {
    return nil
  }
  // The fen's decimal point sits `shift` digits right of the text's.
  let shift = unit == "yuan" ? 2 : unit == "fen" ? 0 : -3
  var digits = Array(parts[0] + fraction)
  var point = parts[0].count + shift
  while point > digits.count { digits.append("0") }
  while point < 0 {
    digits.insert("0", at: 0)
    point += 1
  }
  let whole = String(digits[..<point]).drop { $0 == "0" }
  let rest = digits[point...]
  guard whole.count <= 18, var fen = Int64(whole.isEmpty ? "0" : whole) else { return nil }
  if let first = rest.first {
    let beyondHalf = rest.dropFirst().contains { $0 != "0" }
    if first > "5" || (first == "5" && (beyondHalf || fen % 2 == 1)) { fen += 1 }
  }
  return fen <= limit ? fen : nil
}

@Test func randomAmountsInEveryProfileUnitImportExactlyOrAreRefusedWhole() throws {
  var random = SplitMixGenerator(state: 11)
  let fixture = try Fixture()
  let edges = [
    "0", "1", "499", "500", "999", "1000", "1500", "999999999999999", "1000000000000000",
    "999999999999999999", "9223372036854775807", "9223372036854775808", "12.5", "0.01", "1.005",
    "9999999999999.99", "10000000000000.00", "-1", "1e3", "",
  ]
  var imported = 0
  var refused = 0
  for index in 0..<90 {
    let unit = ["yuan", "fen", "milli_fen"][index % 3]
    let profile = fixture.folder + "/p\(index).json"
    try Data(
      """
      {"name": "fuzz\(index)", "kind": "metrics", "source": "qianchuan", "money_unit": "\(unit)",
       "columns": {"date": "date", "video_id": "video_id", "cost": "cost", "gmv": "gmv",
                   "impressions": "impressions"}}
      """.utf8
    ).write(to: URL(fileURLWithPath: profile))
    let cost = edges[Int.random(in: 0..<edges.count, using: &random)]
    let gmv =
      Int.random(in: 0..<2, using: &random) == 0
      ? edges[Int.random(in: 0..<edges.count, using: &random)]
      : String(UInt64.random(in: 0...UInt64(Int64.max), using: &random) >> (index % 60))
    let day = "2026-0\(1 + index % 9)-1\(index % 10)"
    let path = try fixture.file(
      "u\(index).csv", "date,video_id,cost,gmv,impressions\n\(day),v1,\(cost),\(gmv),1\n")
    var options = ImportOptions(kind: .metrics)
    options.profile = .file(profile)
    let before = try fixture.snapshot()
    let expected = independentFen(cost, unit: unit).flatMap { cost in
      independentFen(gmv, unit: unit).map { (cost, $0) }
    }
    do {
      _ = try fixture.ledger.importFiles([path], options: options)
      imported += 1
      let stored = try fixture.ledger.read { db in
        try Row.fetchOne(
          db,
          sql: """
            SELECT cost, gmv FROM metric
            WHERE day = CAST(unixepoch(?) / 86400 AS INTEGER) AND source = 5
            """, arguments: [day])
      }
      let got = stored.map { (($0["cost"] as Int64), ($0["gmv"] as Int64)) }
      #expect(
        got.map { [$0.0, $0.1] } == expected.map { [$0.0, $0.1] },
        "case \(index) \(unit): cost '\(cost)' gmv '\(gmv)' stored \(String(describing: got))")
    } catch {
      refused += 1
      guard case .invalidData = error else {
        Issue.record("case \(index): not a data error: \(error)")
        continue
      }
      // Refused: only a value the independent reading also refuses, and nothing changed.
      #expect(expected == nil, "case \(index) \(unit): '\(cost)' / '\(gmv)' refused: \(error)")
      #expect(try fixture.snapshot() == before)
    }
  }
  #expect(imported > 10 && refused > 10, "imported \(imported), refused \(refused)")
}
