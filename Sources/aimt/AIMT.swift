import ArgumentParser
import Foundation
import LedgerStore

/// The `aimt` command: a local SQLite ledger for content-led ad spend on Douyin.
@main
struct AIMT: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "aimt",
    abstract: "A ledger for Douyin content-led ad spend: spend, GMV and the traffic ROI model.",
    discussion: """
      The ledger is one SQLite file: --db PATH, else $AIMT_DB, else ./aimt.db.
      Start with 'aimt init', then add KOLs, videos and placements and log daily
      numbers, or import the dashboards' exports. 'aimt demo' shows it all on sample data.
      Shell completion: aimt --generate-completion-script bash|zsh|fish.
      Example: aimt demo && aimt report roi --db aimt-demo.db --window 7 --limit 10
      """,
    version: versionLine,
    subcommands: [
      Init.self, Config.self, BrandCommand.self, KOLCommand.self, VideoCommand.self,
      PlacementCommand.self,
      PromotionCommand.self, Import.self, Log.self, Report.self, ShortlistCommand.self,
      PlanCommand.self, BacktestCommand.self,
      Advise.self, History.self, Check.self, Backup.self, SQL.self, Demo.self,
    ]
  )

  /// Runs the command line; ledger errors print as the user needs them and exit with
  /// 65 (bad input data) or 1, never with a stack trace.
  static func main() {
    do {
      var command = try parseAsRoot(
        movingLedgerOptionLast(Array(CommandLine.arguments.dropFirst())))
      try command.run()
    } catch let error as LedgerError {
      Terminal.printError(error)
      Foundation.exit(error.isDataError ? 65 : 1)
    } catch let error as CommandFailure {
      Terminal.writeError("aimt: \(error.message)\n")
      Foundation.exit(error.exitCode)
    } catch {
      // Help, --version and completion scripts print as argument-parser prints them; an
      // error's message can quote an argument, so its control characters are escaped.
      let code = exitCode(for: error)
      guard !code.isSuccess else { exit(withError: error) }
      let message = fullMessage(for: error)
      if !message.isEmpty { Terminal.writeError(message + "\n") }
      Foundation.exit(code.rawValue)
    }
  }
}

/// The version `aimt --version` prints.
let aimtVersion = "0.9.0"

/// What `aimt --version` prints: the version and the schema this aimt writes (its last
/// migration), which says whether a ledger written elsewhere will open here.
let versionLine =
  "aimt \(aimtVersion) (ledger schema \(Schema.migrations.last?.identifier ?? "none"))"

/// `aimt --db PATH kol list` reads as `aimt kol list --db PATH`: every command takes `--db`,
/// and users put it first as often as last.
func movingLedgerOptionLast(_ arguments: [String]) -> [String] {
  var rest = arguments
  var moved: [String] = []
  while let first = rest.first {
    if first == "--db", rest.count >= 2 {
      moved += rest.prefix(2)
      rest.removeFirst(2)
    } else if first.hasPrefix("--db=") {
      moved.append(first)
      rest.removeFirst()
    } else {
      break
    }
  }
  return rest + moved
}

/// A command's own failure that is not a ledger error (a check that found violations).
struct CommandFailure: Error {
  var message: String
  var exitCode: Int32
}
