import ArgumentParser
import LedgerImport
import LedgerStore

/// Prints what a write did, one line per kind of entity.
func printSummary(_ summary: WriteSummary, dryRun: Bool = false) {
  for (kind, counts) in summary.kinds {
    Terminal.write(
      "\(kind.rawValue): \(counts.inserted) inserted, \(counts.updated) updated, "
        + "\(counts.unchanged) unchanged\n")
  }
  if dryRun { Terminal.write("dry run: nothing was written\n") }
}

/// Text fields from options, skipping those not given (normalised, as every key and text is,
/// by the ``RecordParser`` that `Ledger.enter` parses them with).
func fields(_ pairs: KeyValuePairs<String, String?>) -> [String: String] {
  var result: [String: String] = [:]
  for (key, value) in pairs {
    if let value { result[key] = value }
  }
  return result
}

/// Creating referenced parents from an `add`.
struct CreateMissingOption: ParsableArguments {
  @Flag(name: .long, help: "Create a referenced KOL, video or brand that does not exist yet.")
  var createMissing = false

  var writeOptions: WriteOptions { WriteOptions(createMissing: createMissing) }
}

// MARK: - KOLs

struct BrandCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "brand", abstract: "List the brands (they come with their videos).",
    subcommands: [List.self])

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List the brands with their videos, KOLs and 5A snapshots.",
      discussion: "Example: aimt brand list")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      try output.emit(Tables.brands(try ledger.openForReading().brands()))
    }
  }
}

struct KOLCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kol", abstract: "Add, list and show KOLs (达人).",
    subcommands: [Add.self, List.self, Show.self])

  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Add a KOL, or update the fields given.",
      discussion: """
        Only the options given are written; the others keep their stored values. A \
        follower count is kept per day (--as-of, default today in Beijing).
        Example: aimt kol add dy_xiaomei --name 小美 --category beauty --followers 1,200,000
        """)
    @OptionGroup var ledger: LedgerOptions
    @Argument(help: "The KOL's Douyin id (抖音号).") var kolID: String
    @Option var name: String?
    @Option var category: String?
    @Option(parsing: .unconditional, help: "Follower count, e.g. 1,200,000.")
    var followers: String?
    @Option(help: ArgumentHelp("The day of the follower count.", valueName: "YYYY-MM-DD"))
    var asOf: Day?

    func run() throws {
      let summary = try ledger.openForWriting().enter(
        .kols,
        fields: fields([
          "kol_id": kolID, "name": name, "category": category, "followers": followers,
          "as_of": asOf?.description,
        ]),
        command: "add")
      printSummary(summary)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List KOLs with their latest follower counts.",
      discussion: "Example: aimt kol list --category beauty --format csv")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option var category: String?

    func run() throws {
      let kols = try ledger.openForReading().kols(ListFilter(category: category))
      try output.emit(Tables.kols(kols))
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Show one KOL and its follower history.",
      discussion: "Example: aimt kol show dy_xiaomei")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument var kolID: String

    func run() throws {
      let store = try ledger.openForReading()
      // Keys are looked up as every write stores them (`aimt kol add` normalises through
      // RecordParser).
      let kolID = TextNormalization.normalized(kolID)
      let kol = try store.kol(kolID)
      try output.emit(Tables.kols([kol]))
      let history = try store.followerHistory(kolID: kolID)
      if !history.isEmpty, output.resolvedFormat == .table {
        Terminal.write("\nfollowers\n")
        try output.emit(Tables.followers(history))
      }
      if output.resolvedFormat == .table, let quote = try store.latestQuote(kolID: kolID) {
        let ids = try store.platformIDs(kolID: kolID)
        let named = [ids.xingtuID.map { "星图ID \($0)" }, ids.douyinUID.map { "达人UID \($0)" }]
          .compactMap { $0 }.joined(separator: ", ")
        Terminal.write("\nquote (星图)\(named.isEmpty ? "" : ", " + named)\n")
        try output.emit(Self.quoteTable(quote))
      }
    }

    /// The latest 星图 quote as one row: prices in yuan, rates as percentages.
    static func quoteTable(_ quote: StoredKOLQuote) -> OutputTable {
      let fields = KOLQuoteField.allCases
      var table = OutputTable(columns: (["as_of"] + fields.map(\.rawValue)).map(Column.init))
      table.append(
        [.text(quote.asOf)]
          + fields.map { field in
            guard let value = quote.values[field] else { return .null }
            if field.isMoney { return .money(value) }
            return field.isRate ? .text(Rate.percent(perMillion: value)) : .int(value)
          })
      return table
    }
  }
}

// MARK: - Videos

struct VideoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "video", abstract: "Add, list and show videos.",
    subcommands: [Add.self, List.self, Show.self])

  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Add a video, or update the fields given.",
      discussion: """
        The KOL must exist (or pass --create-missing); the brand is created when \
        new.
        Example: aimt video add v1 --kol-id dy1 --brand 花西子 --published "2026-05-01 20:00" \\
          --chain tmall --ad-review passed --bidding-authorized true
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var create: CreateMissingOption
    @Argument(help: "The video id (作品ID).") var videoID: String
    @Option var kolID: String?
    @Option var brand: String?
    @Option var title: String?
    @Option(help: ArgumentHelp("When it was posted.", valueName: "YYYY-MM-DD HH:MM[:SS]"))
    var published: DateTime?
    @Option(help: "The sales chain.") var chain: SalesChain?
    @Option var product: String?
    @Option(help: "Whether the KOL authorised bidding on it.") var biddingAuthorized: YesNoArgument?
    @Option(help: "The ad review's outcome.") var adReview: AdReview?

    func run() throws {
      let summary = try ledger.openForWriting().enter(
        .videos,
        fields: fields([
          "video_id": videoID, "kol_id": kolID, "brand": brand, "title": title,
          "published": published?.description, "chain": chain?.rawValue, "product": product,
          "bidding_authorized": biddingAuthorized?.text, "ad_review": adReview?.rawValue,
        ]),
        command: "add", options: create.writeOptions)
      printSummary(summary)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List videos.", discussion: "Example: aimt video list --brand 花西子")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option var brand: String?
    @Option var kolID: String?

    func run() throws {
      try output.emit(
        Tables.videos(try ledger.openForReading().videos(ListFilter(brand: brand, kolID: kolID))))
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Show one video's card: KOL, age, totals, 7/30-day model, last 14 days, advice.",
      discussion: """
        As of --as-of (default: the latest day in the ledger). A table shows the whole card; \
        other formats print its one-row summary.
        Example: aimt video show v1001
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument var videoID: String
    @Option(help: ArgumentHelp("The day the card is as of.", valueName: "YYYY-MM-DD"))
    var asOf: Day?

    func run() throws {
      let card = try ledger.reading { store in
        try store.videoCard(videoID: TextNormalization.normalized(videoID), asOf: asOf)
      }
      guard output.resolvedFormat == .table else {
        try output.emit(QueryTables.cardSummary(card))
        return
      }
      // The advice's reasons are listed at the end, one per line.
      var summary = QueryTables.cardSummary(card)
      summary.columns.removeLast()
      try output.emit(summary.transposed())
      Terminal.write("\n" + QueryTables.cardDays(card) + "\n")
      try output.emit(QueryTables.cardModels(card))
      Terminal.write("\n")
      try output.emit(Tables.totals(card.totals))
      Terminal.write("\nplacements\n")
      try output.emit(Tables.placements(card.placements))
      Terminal.write(
        "\nadvice: \(card.advice.action.rawValue)"
          + (card.advice.mode.map {
            " (\($0.rawValue)" + (card.advice.strategy.map { ", \($0.rawValue)" } ?? "") + ")"
          } ?? "")
          + "\n" + card.advice.reasons.map { "  - \($0)\n" }.joined())
    }
  }
}

// MARK: - Placements

struct PlacementCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "placement", abstract: "Add, list and show placements (orders of a paid tool).",
    subcommands: [Add.self, List.self, Show.self])

  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Add a placement, or update the fields given.",
      discussion: """
        Rules: a Dou+ budget is ¥100–¥5,000,000; a content-service booking is at \
        least ¥50,000; a Dou+ order and a content-service booking on one video may \
        not overlap in time. An end given as a date alone means the end of that day.
        Example: aimt placement add P1 --video-id v1 --tool dou_plus --budget 500 \\
          --start "2026-05-04 10:00" --end "2026-05-05 10:00" --mode targeted
        """)
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var create: CreateMissingOption
    @Argument(help: "The tool's order id.") var placementID: String
    @Option var videoID: String?
    @Option(help: "The paid tool.") var tool: ToolArgument?
    @Option(help: "The Dou+ delivery mode.") var mode: DeliveryMode?
    @Option(help: "The Dou+ targeting.") var targeting: Targeting?
    @Option(help: "The delivery strategy.") var strategy: Strategy?
    @Option(parsing: .unconditional, help: "Budget in yuan, e.g. 500 or ¥50,000.")
    var budget: String?
    @Option(help: ArgumentHelp("When it starts.", valueName: "YYYY-MM-DD HH:MM[:SS]"))
    var start: MomentArgument?
    @Option(
      help: ArgumentHelp(
        "When it ends; a date alone is the end of that day.", valueName: "YYYY-MM-DD[ HH:MM[:SS]]"))
    var end: MomentArgument?

    func run() throws {
      let summary = try ledger.openForWriting().enter(
        .placements,
        fields: fields([
          "placement_id": placementID, "video_id": videoID, "tool": tool?.tool.rawValue,
          "mode": mode?.rawValue, "targeting": targeting?.rawValue,
          "strategy": strategy?.rawValue, "budget": budget, "start": start?.text,
          "end": end?.text,
        ]),
        command: "add", options: create.writeOptions)
      printSummary(summary)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List placements.", discussion: "Example: aimt placement list --tool dou_plus")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option var videoID: String?
    @Option(help: "Only this tool's placements.") var tool: ToolArgument?
    @Option var brand: String?
    @Option var kolID: String?

    func run() throws {
      let filter = ListFilter(
        brand: brand, kolID: kolID, videoID: videoID, tool: tool?.tool.rawValue)
      try output.emit(Tables.placements(try ledger.openForReading().placements(filter)))
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Show one placement.", discussion: "Example: aimt placement show P1")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument var placementID: String

    func run() throws {
      try output.emit(
        Tables.placements([
          try ledger.openForReading().placement(TextNormalization.normalized(placementID))
        ]))
    }
  }
}

// MARK: - Promotions

struct PromotionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "promotion", abstract: "Add, list and show sales (618, 双11, …).",
    subcommands: [Add.self, List.self, Show.self])

  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Add a promotion, or update its dates or its CPM price.",
      discussion: """
        --cpm-price sets the CPM the decisions use inside the sale (default: cpm_price × \
        sale_cpm_factor).
        Example: aimt promotion add 618-2027 --start 2027-05-20 --end 2027-06-18 --cpm-price 90
        """)
    @OptionGroup var ledger: LedgerOptions
    @Argument(help: "The promotion's name, e.g. 618-2027.") var name: String
    @Option(help: ArgumentHelp("First day.", valueName: "YYYY-MM-DD")) var start: Day?
    @Option(help: ArgumentHelp("Last day.", valueName: "YYYY-MM-DD")) var end: Day?
    @Option(
      help: ArgumentHelp(
        "The price of a thousand bought impressions inside the sale.", valueName: "YUAN"))
    var cpmPrice: String?

    func run() throws {
      let summary = try ledger.openForWriting().enter(
        .promotions,
        fields: fields([
          "promotion": name, "start": start?.description, "end": end?.description,
          "cpm_price": cpmPrice,
        ]),
        command: "add")
      printSummary(summary)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List promotions.", discussion: "Example: aimt promotion list --format csv")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      try output.emit(Tables.promotions(try ledger.openForReading().promotions()))
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Show one promotion.", discussion: "Example: aimt promotion show 618-2026")
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument var name: String

    func run() throws {
      try output.emit(
        Tables.promotions([
          try ledger.openForReading().promotion(TextNormalization.normalized(name))
        ]))
    }
  }
}
