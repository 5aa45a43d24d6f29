import Foundation
import Testing

/// A CSV report's text with plain newlines (CSV rows end in CRLF).
private func csv(_ cli: CLI, _ arguments: String...) throws -> String {
  try cli.ok(arguments + ["--format", "csv"]).stdout.replacingOccurrences(of: "\r\n", with: "\n")
}

// `promotion add --cpm-price` and the promotions file's `cpm_price` column (migration
// 0006_promotion_cpm; docs/data-model.md).

@Test func promotionAddSetsTheSalesCPMAndListShowsIt() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok(
    "promotion", "add", "618-2027", "--start", "2027-05-20", "--end", "2027-06-18",
    "--cpm-price", "90")
  let list = try csv(cli, "promotion", "list")
  #expect(list == "promotion,start,end,cpm_price\n618-2027,2027-05-20,2027-06-18,90.00\n")
  // New dates keep the price; a bad price changes nothing and says what to do.
  try cli.ok("promotion", "add", "618-2027", "--end", "2027-06-20")
  let refused = try cli.run(["promotion", "add", "618-2027", "--cpm-price", "0"])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("cpm_price: a sale's CPM price must be above ¥0"))
  let kept = try csv(cli, "promotion", "show", "618-2027")
  #expect(kept.hasSuffix("618-2027,2027-05-20,2027-06-20,90.00\n"))
  #expect(try cli.ok("promotion", "add", "--help").stdout.contains("--cpm-price 90"))
}

@Test func promotionsFileTakesAnOptionalCPMColumnAndNamesABadLine() throws {
  let cli = try CLI()
  try cli.ok("init")
  let good = cli.path("sales.csv")
  try Data(
    "promotion,start,end,cpm_price\n618-2026,2026-06-01,2026-06-18,85.50\n双11-2026,2026-11-01,2026-11-11,\n"
      .utf8
  ).write(to: URL(fileURLWithPath: good))
  try cli.ok("import", "promotions", good)
  let list = try csv(cli, "promotion", "list")
  #expect(list.contains("618-2026,2026-06-01,2026-06-18,85.50\n"))
  #expect(list.contains("双11-2026,2026-11-01,2026-11-11,\n"))
  let bad = cli.path("bad.csv")
  try Data("promotion,start,end,cpm_price\n520-2026,2026-05-13,2026-05-20,abc\n".utf8)
    .write(to: URL(fileURLWithPath: bad))
  let refused = try cli.run(["import", "promotions", bad])
  #expect(refused.status == 65)
  #expect(refused.stderr.contains("bad.csv:2: cpm_price: \"abc\" is not a valid amount"))
  #expect(!(try csv(cli, "promotion", "list").contains("520-2026")))
}
