import ArgumentParser
import LedgerStore

struct SQL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sql",
    abstract: "Run one read-only SQL query on the ledger and print its rows.",
    discussion: """
      The query only reads: writes, ATTACH, PRAGMAs that set something and \
      unsafe functions are refused, and only one statement runs. The tables \
      and views are described in docs/data-model.md (daily_metrics has text \
      dates and yuan columns). csv, tsv, json and ndjson print rows as they \
      come, in constant memory; table and markdown hold every row to measure \
      the columns, so use another format for big results.
      Example: aimt sql "SELECT video_id, sum(gmv_yuan) FROM daily_metrics GROUP BY 1" --format csv
      """)
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var output: OutputOptions
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Stop the query after this many seconds, counted from its start (default: no limit).",
      valueName: "seconds"))
  var timeout: Double?
  @Argument(help: "The SELECT statement.") var query: String

  func validate() throws {
    if let timeout, !(timeout > 0 && timeout.isFinite) {
      throw ValidationError("--timeout must be a number of seconds above 0, like 30")
    }
  }

  func run() throws {
    let store = try Ledger.openReadOnly(path: ledger.path)
    let statement = try store.prepareQuery(query, timeout: timeout)
    var table = OutputTable(columns: statement.columns.map(Column.init))
    switch output.resolvedFormat {
    case .table, .markdown:
      // Column widths and alignment need every row first: these two hold them all.
      try statement.run { values in table.append(values.map(Self.cell)) }
    case .csv, .tsv, .json, .ndjson:
      // One pass, each row printed (in 64 KiB chunks) as SQLite makes it.
      table.stream = RowStream(throwing: { emit throws(LedgerError) in
        try statement.run { values in emit(values.map(Self.cell)) }
      })
    }
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
