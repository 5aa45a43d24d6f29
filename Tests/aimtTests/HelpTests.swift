import ArgumentParser
import Testing

@testable import aimt

/// Every command a user runs (a leaf of the command tree), with its path (`aimt report roi`).
private func leafCommands(
  _ command: any ParsableCommand.Type, path: [String] = []
) -> [(path: String, command: any ParsableCommand.Type)] {
  let configuration = command.configuration
  let name = configuration.commandName ?? String(describing: command).lowercased()
  let here = path + [name]
  if configuration.subcommands.isEmpty { return [(here.joined(separator: " "), command)] }
  return configuration.subcommands.flatMap { leafCommands($0, path: here) }
}

@Test func everyCommandsHelpShowsAnExampleOfItself() {
  let leaves = leafCommands(AIMT.self)
  #expect(leaves.count >= 25)
  for (path, command) in leaves {
    let discussion = command.configuration.discussion
    #expect(discussion.contains("Example"), "\(path) --help has no example")
    // The example runs this very command (`aimt kol add …` for `kol add`).
    let invocation = path.replacingOccurrences(of: "aimt ", with: "")
    #expect(discussion.contains("aimt \(invocation)"), "\(path): \(discussion)")
  }
}

/// Every command of the tree, leaves and groups, with its path.
private func allCommands(
  _ command: any ParsableCommand.Type, path: [String] = []
) -> [(path: String, command: any ParsableCommand.Type)] {
  let configuration = command.configuration
  let here = path + [configuration.commandName ?? String(describing: command)]
  return [(here.joined(separator: " "), command)]
    + configuration.subcommands.flatMap { allCommands($0, path: here) }
}

@Test func everyCommandNamesItselfSoParsingNeedsNoTypeReflection() {
  // A command without `commandName` is named from its type's description, which costs every
  // run of aimt the runtime's protocol-conformance scans: 35M instructions of 85M for `report
  // spend --by week` (docs/benchmarks.md, "Starting a command").
  let commands = allCommands(AIMT.self)
  #expect(commands.count >= 35)
  for (path, command) in commands {
    #expect(command.configuration.commandName != nil, "\(path) has no commandName")
  }
}

@Test func completionScriptsAreGeneratedForEachShell() throws {
  for shell in ["bash", "zsh", "fish"] {
    let script = AIMT.completionScript(for: try #require(CompletionShell(rawValue: shell)))
    #expect(script.contains("report"), "\(shell)")
    #expect(script.contains("shortlist"), "\(shell)")
  }
}
