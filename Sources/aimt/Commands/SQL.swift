import ArgumentParser
import LedgerStore

struct SQL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sql",
    abstract: "Run one read-only SQL query on the ledger and print its rows.",
    discussion: """
      The connection is read-only: a statement that writes is refused. README
      documents the tables and views (daily_metrics has text dates and yuan
      columns).
      Example: aimt sql "SELECT video_id, sum(gmv_yuan) FROM daily_metrics GROUP BY 1" --format csv
      """)
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The SELECT statement.") var query: String

  func run() throws {
    let store = try Ledger.openReadOnly(path: ledger.path)
    var table = OutputTable(columns: [])
    try store.query(
      query, header: { names in table.columns = names.map(Column.init) },
      row: { values in table.append(values.map(Self.cell)) })
    try output.emit(table)
  }

  static func cell(_ value: QueryValue) -> Cell {
    switch value {
    case .null: .null
    case .integer(let int): .int(int)
    case .real(let double): .real(double)
    case .text(let text): .text(text)
    case .blob(let count): .text("<blob \(count) bytes>")
    }
  }
}
