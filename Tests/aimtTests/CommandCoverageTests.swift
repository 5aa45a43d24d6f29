import Foundation
import Testing

/// Commands and refusals that no other test ran: each is pinned by what a user sees.

private func write(_ cli: CLI, _ name: String, _ text: String) throws {
  try Data(text.utf8).write(to: URL(fileURLWithPath: cli.path(name)))
}

/// The demo ledger of 10 videos over 10 days, shared by the read commands' checks.
private func demo() throws -> CLI {
  let cli = try CLI()
  try cli.ok("demo", "--videos", "10", "--days", "10")
  return cli
}

@Test func videoShowPrintsTheCardWithTotalsPlacementsAndAdvice() throws {
  let cli = try demo()
  let card = try cli.ok("video", "show", "v1001", "--db", "aimt-demo.db", "--format", "table")
  for text in ["v1001", "dy_xiaomei", "roi_model", "advice"] {
    #expect(card.stdout.contains(text), "\(text): \(card.stdout)")
  }
  let json = try cli.ok("video", "show", "v1001", "--db", "aimt-demo.db", "--format", "json")
  let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
  #expect(rows?.first?["video_id"] as? String == "v1001")
  let missing = try cli.run(["video", "show", "v9", "--db", "aimt-demo.db"])
  #expect(missing.status == 65)
  #expect(missing.stderr.contains("no video 'v9' in the ledger"))
}

@Test func kolPlacementAndPromotionShowAndListPrintTheirRows() throws {
  let cli = try demo()
  let kol = try cli.ok("kol", "show", "dy_xiaomei", "--db", "aimt-demo.db", "--format", "csv")
  #expect(kol.stdout.contains("dy_xiaomei,美妆达人小美"))
  let placement = try cli.ok(
    "placement", "show", "CS618-v1001", "--db", "aimt-demo.db", "--format", "csv")
  #expect(placement.stdout.contains("CS618-v1001,v1001,content_service"))
  let list = try cli.ok(
    "placement", "list", "--video-id", "v1001", "--db", "aimt-demo.db", "--format", "csv")
  #expect(
    list.stdout.split(whereSeparator: \.isNewline).dropFirst().allSatisfy {
      $0.contains(",v1001,")
    })
  let promotions = try cli.ok("promotion", "list", "--db", "aimt-demo.db", "--format", "csv")
  #expect(promotions.stdout.contains("618-2026,2026-06-01,2026-06-18"))
  let promotion = try cli.ok(
    "promotion", "show", "618-2026", "--db", "aimt-demo.db", "--format", "csv")
  #expect(promotion.stdout.contains("618-2026,2026-06-01,2026-06-18"))
  #expect(try cli.run(["promotion", "show", "双11", "--db", "aimt-demo.db"]).status == 65)
}

@Test func aHugeFileListsTwoHundredProblemsAndSaysHowManyMore() throws {
  let cli = try CLI()
  try cli.ok("init")
  var lines = ["date,video_id,source,impressions"]
  for index in 0..<450 { lines.append("2026-05-01,nosuch\(index),natural,1") }
  try write(cli, "m.csv", lines.joined(separator: "\n") + "\n")
  let result = try cli.run(["import", "metrics", "m.csv"])
  #expect(result.status == 65)
  let problems = result.stderr.split(whereSeparator: \.isNewline).filter {
    $0.hasPrefix("m.csv:")
  }
  #expect(problems.count == 200)
  #expect(result.stderr.contains("250 more problems not shown; fix the ones above first"))
}

@Test func aPlacementIdGivenTwiceInOneFileIsRefusedNamingBothLines() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "k1")
  try cli.ok("video", "add", "v1", "--kol-id", "k1")
  try write(
    cli, "p.csv",
    "placement_id,video_id,tool,budget,start\nP1,v1,dou_plus,100,2026-05-01\n"
      + "P1,v1,dou_plus,200,2026-05-02\n")
  let result = try cli.run(["import", "placements", "p.csv"])
  #expect(result.status == 65)
  #expect(result.stderr.contains("p.csv:3:"), "\(result.stderr)")
  #expect(result.stderr.contains("line 2"), "\(result.stderr)")
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM placement") == "0\n")
}

@Test func profilesAreChosenByNameOrPathAndAWrongOneIsRefused() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "k1")
  try cli.ok("video", "add", "v1", "--kol-id", "k1")
  try write(cli, "m.csv", "day,vid,spend,plays\n2026-05-01,v1,12.5,100\n")
  try write(
    cli, "mine.json",
    """
    {"name": "mine", "kind": "metrics", "source": "dou_plus", "money_unit": "yuan",
     "columns": {"day": "date", "vid": "video_id", "spend": "cost", "plays": "impressions"}}
    """)
  try cli.ok("import", "metrics", "m.csv", "--profile", cli.path("mine.json"))
  #expect(try cli.sqlite3("aimt.db", "SELECT cost, impressions FROM metric") == "1250|100\n")
  let unknown = try cli.run(["import", "metrics", "m.csv", "--profile", "nosuch"])
  #expect(unknown.status == 65)
  #expect(unknown.stderr.contains("no built-in profile 'nosuch'; known: ad,"))
  let unreadable = try cli.run(["import", "metrics", "m.csv", "--profile", "/nonexistent.json"])
  #expect(unreadable.status == 65)
  #expect(unreadable.stderr.contains("cannot be read"))
  let wrongKind = try cli.run(["import", "metrics", "m.csv", "--profile", "generic-audience"])
  #expect(wrongKind.status == 65)
  #expect(wrongKind.stderr.contains("reads audience, not metrics; choose a metrics profile"))
  try write(cli, "bad.json", "{\"name\": \"x\", \"kind\": \"metrics\"")
  let broken = try cli.run(["import", "metrics", "m.csv", "--profile", cli.path("bad.json")])
  #expect(broken.status == 65)
  #expect(!broken.stderr.contains("Fatal"))
}

@Test func aSnapshotOfAnUnknownBrandAndNaturalTrafficAsAToolAreRefused() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "k1")
  try cli.ok("video", "add", "v1", "--kol-id", "k1", "--brand", "B")
  try write(cli, "a.csv", "brand,date,o,a1,a2,a3,a4,a5\nNoSuch,2026-05-01,1,1,1,1,1,1\n")
  let brand = try cli.run(["import", "audience", "a.csv"])
  #expect(brand.status == 65)
  #expect(brand.stderr.contains("a.csv:2: brand: no brand 'NoSuch' in the ledger"))
  // Typed on the command line, `--tool` lists the tools; in a file, the ledger's rule speaks.
  let typed = try cli.run([
    "placement", "add", "X1", "--video-id", "v1", "--tool", "natural", "--budget", "100",
    "--start", "2026-05-01",
  ])
  #expect(typed.status == 64)
  #expect(typed.stderr.contains("dou_plus"))
  try write(
    cli, "p.csv", "placement_id,video_id,tool,budget,start\nX1,v1,natural,100,2026-05-01\n")
  let natural = try cli.run(["import", "placements", "p.csv"])
  #expect(natural.status == 65)
  #expect(natural.stderr.contains("p.csv:2: tool: natural traffic is not a tool"))
  #expect(try cli.sqlite3("aimt.db", "SELECT count(*) FROM audience, placement") == "0\n")
}
