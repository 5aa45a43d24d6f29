public import ArgumentParser
public import LedgerQuery
public import LedgerStore

// Argument types shared by the report commands: each parses with the library's own parser, so
// `--as-of 2026/5/1` means what it means in an imported file.

extension Day: ExpressibleByArgument {
  public init?(argument: String) {
    guard let day = try? Day.parse(argument) else { return nil }
    self = day
  }
}

extension Fraction: ExpressibleByArgument {
  public init?(argument: String) {
    guard let value = Fraction.parseDecimal(argument) else { return nil }
    self = value
  }
}

extension Source: ExpressibleByArgument {
  public init?(argument: String) {
    guard let source = Source(rawValue: argument) else { return nil }
    self = source
  }
}

/// `--tool TOOL` of `report roi`: a paid tool (natural traffic is always counted there).
struct ToolArgument: ExpressibleByArgument {
  var tool: Source

  init?(argument: String) {
    guard let source = Source(rawValue: argument), source.isPaid else { return nil }
    tool = source
  }

  static var allValueStrings: [String] { Source.tools.map(\.rawValue) }
}

extension DateTime: ExpressibleByArgument {
  public init?(argument: String) {
    guard let moment = try? DateTime.parse(argument) else { return nil }
    self = moment
  }
}

extension SalesChain: ExpressibleByArgument {}
extension AdReview: ExpressibleByArgument {}
extension DeliveryMode: ExpressibleByArgument {}
extension Targeting: ExpressibleByArgument {}
extension Strategy: ExpressibleByArgument {}

/// A yes/no option (`--bidding-authorized true`).
///
/// Read as an imported cell is: true/false, yes/no, 1/0, 是/否.
struct YesNoArgument: ExpressibleByArgument {
  /// The text given, for the record parser.
  var text: String

  init?(argument: String) {
    guard (try? YesNo.parse(argument)) != nil else { return nil }
    text = argument
  }

  static var allValueStrings: [String] { ["true", "false"] }
}

/// A moment option (`--start`, `--end`): a date and time, or a date alone.
///
/// A placement's end given as a date alone is the end of that day, so the text is kept for the
/// record parser, which knows which field it is.
struct MomentArgument: ExpressibleByArgument {
  var text: String

  init?(argument: String) {
    guard (try? DateTime.parse(argument)) != nil || (try? Day.parse(argument)) != nil else {
      return nil
    }
    text = argument
  }
}

extension ROIGrouping: ExpressibleByArgument {}
extension SpendGrouping: ExpressibleByArgument {}

/// `--cpm-price YUAN|observed`.
struct CPMArgument: ExpressibleByArgument {
  var option: CPMOption

  init?(argument: String) {
    if argument == "observed" {
      option = .observed
    } else if let fen = try? Money.parseYuan(argument), fen > 0 {
      option = .price(fen: fen)
    } else {
      return nil
    }
  }
}

/// `--sort FIELD[:asc|:desc]`.
struct SortArgument: ExpressibleByArgument {
  var sort: ROISort

  init?(argument: String) {
    let parts = argument.split(separator: ":", maxSplits: 1).map(String.init)
    guard let field = parts.first.flatMap(ROISortField.init(rawValue:)) else { return nil }
    switch parts.count == 2 ? parts[1] : nil {
    case nil: sort = ROISort(field: field)
    case "asc": sort = ROISort(field: field, ascending: true)
    case "desc": sort = ROISort(field: field, ascending: false)
    default: return nil
    }
  }

  static var allValueStrings: [String] { ROISortField.allCases.map(\.rawValue) }
}

/// The video filters every report takes.
struct FilterOptions: ParsableArguments {
  @Option(help: "Only videos of this brand.")
  var brand: String?
  @Option(name: [.customLong("kol"), .customLong("kol-id")], help: "Only videos of this KOL.")
  var kol: String?

  var filter: VideoFilter { VideoFilter(brand: brand, kolID: kol) }
}
