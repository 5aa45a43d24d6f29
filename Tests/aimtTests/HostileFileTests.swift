import Foundation
import TestSupport
import Testing

/// SplitMix64: the same cases on every run and machine.
private typealias Seeded = SplitMix64

/// What a user sees of the ledger: every table's rows, as the sqlite3 CLI prints them.
private func dump(_ cli: CLI) throws -> String {
  try cli.sqlite3(
    "aimt.db",
    """
    SELECT * FROM kol; SELECT * FROM video; SELECT * FROM placement; SELECT * FROM metric;
    SELECT * FROM import_batch; SELECT * FROM revision;
    """)
}

@Test(.needsSQLite3) func hostileFilesThroughTheBinaryExitZeroOr65AndA65ChangesNothing() throws {
  let cli = try CLI()
  try cli.ok("init")
  try cli.ok("kol", "add", "dy1")
  try cli.ok("video", "add", "v1", "--kol-id", "dy1")
  let valid = Array(
    """
    日期,视频ID,流量来源,订单ID,展示数,消耗,成交金额,点赞数
    2026-05-01,v1,自然流量,,"250,000",,¥20000.00,9000
    2026-05-01,v1,DOU+,DP-1,12500,500,610.5,300
    2026-05-02,v1,natural,,100,,8.00,1

    """.utf8)
  var random = Seeded(state: 618)
  var exits: [Int32: Int] = [:]
  for index in 0..<40 {
    var bytes = valid
    let at = Int.random(in: 0..<bytes.count, using: &random)
    switch index % 8 {
    case 0: bytes[at] ^= UInt8.random(in: 1...255, using: &random)
    case 1: bytes.removeLast(bytes.count - at)
    case 2: bytes.insert(UInt8(ascii: "\""), at: at)
    case 3: bytes.insert(0, at: at)
    case 4: bytes.insert(contentsOf: [0xFF, 0xFE, 0xC3], at: at)
    case 5: bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "7"), count: 200_000), at: at)
    case 6: bytes.insert(contentsOf: Array("99999999999999999999".utf8), at: at)
    default: bytes.insert(contentsOf: Array("x'); DROP TABLE metric; --".utf8), at: at)
    }
    let file = cli.path("case\(index).csv")
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    let before = try dump(cli)
    let result = try cli.run(["import", "metrics", file])
    exits[result.status, default: 0] += 1
    #expect([0, 65].contains(result.status), "case \(index): exit \(result.status)")
    for trace in ["Fatal error", "Stack dump", "Backtrace", "SQLITE_", "Swift runtime failure"] {
      #expect(!result.stderr.contains(trace), "case \(index): \(result.stderr.prefix(500))")
    }
    #expect(result.stderr.utf8.count < 20_000, "case \(index): an unbounded error")
    if result.status == 65 {
      #expect(try dump(cli) == before, "case \(index) was refused but changed the ledger")
      #expect(result.stderr.contains("nothing was written"))
    }
  }
  #expect(exits[0, default: 0] > 0 && exits[65, default: 0] > 0, "\(exits)")
  try cli.ok("check", "--deep")
}
