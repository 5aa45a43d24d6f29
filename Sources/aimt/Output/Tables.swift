import LedgerQuery
import LedgerStore

/// The ledger's records as output tables, keyed as docs/data-model.md ("Entities") names their
/// fields.
enum Tables {
  static func text(_ value: String?) -> Cell { value.map(Cell.text) ?? .null }

  static func brands(_ brands: [BrandSummary]) -> OutputTable {
    var table = OutputTable(
      columns: ["brand", "videos", "kols", "audience_snapshots"].map(Column.init))
    for brand in brands {
      table.append([
        .text(brand.name), .int(Int64(brand.videos)), .int(Int64(brand.kols)),
        .int(Int64(brand.snapshots)),
      ])
    }
    return table
  }

  static func kols(_ kols: [KOL]) -> OutputTable {
    var table = OutputTable(
      columns: ["kol_id", "name", "category", "followers", "as_of"].map(Column.init))
    for kol in kols {
      table.append([
        .text(kol.kolID), text(kol.name), text(kol.category), kol.followers.map(Cell.int) ?? .null,
        text(kol.asOf),
      ])
    }
    return table
  }

  static func followers(_ history: [FollowerCount]) -> OutputTable {
    var table = OutputTable(columns: [Column("as_of"), Column("followers")])
    for entry in history { table.append([.text(entry.asOf), .int(entry.followers)]) }
    return table
  }

  static func videos(_ videos: [Video]) -> OutputTable {
    var table = OutputTable(
      columns: [
        "video_id", "kol_id", "brand", "title", "published", "chain", "product",
        "bidding_authorized", "ad_review",
      ].map(Column.init))
    table.compact = ["video_id", "kol_id", "brand", "title", "published", "ad_review"]
    for video in videos {
      table.append([
        .text(video.videoID), text(video.kolID), text(video.brand), text(video.title),
        text(video.published), text(video.chain), text(video.product),
        .bool(video.biddingAuthorized), .text(video.adReview),
      ])
    }
    return table
  }

  static func placements(_ placements: [Placement]) -> OutputTable {
    var table = OutputTable(
      columns: [
        "placement_id", "video_id", "tool", "mode", "targeting", "strategy", "budget", "start",
        "end",
      ].map(Column.init))
    table.compact = ["placement_id", "video_id", "tool", "budget", "start", "end"]
    for placement in placements {
      table.append([
        .text(placement.placementID), .text(placement.videoID), .text(placement.tool),
        text(placement.mode), text(placement.targeting), text(placement.strategy),
        placement.budget.map(Cell.money) ?? .null, .text(placement.start), text(placement.end),
      ])
    }
    return table
  }

  static func promotions(_ promotions: [Promotion]) -> OutputTable {
    var table = OutputTable(
      columns: [Column("promotion"), Column("start"), Column("end"), Column("cpm_price")])
    for promotion in promotions {
      table.append([
        .text(promotion.name), .text(promotion.start), .text(promotion.end),
        promotion.cpmPrice.map(Cell.money) ?? .null,
      ])
    }
    return table
  }

  static func totals(_ totals: [SourceTotals]) -> OutputTable {
    var table = OutputTable(
      columns: [
        "source", "days", "first_date", "last_date", "impressions", "cost", "gmv", "orders",
        "likes", "comments",
      ].map(Column.init))
    table.compact = ["source", "days", "last_date", "impressions", "cost", "gmv", "orders"]
    for total in totals {
      table.append([
        .text(total.source), .int(Int64(total.days)), .text(total.firstDate),
        .text(total.lastDate), .int(total.impressions), .money(total.cost), .money(total.gmv),
        .int(total.orders), .int(total.likes), .int(total.comments),
      ])
    }
    return table
  }

  /// Fields whose stored values are fen.
  static let moneyFields: Set<String> = ["cost", "gmv", "budget"]

  static func revisions(_ revisions: [Revision]) -> OutputTable {
    var table = OutputTable(
      columns: [
        "date", "source", "placement_id", "field", "old", "new", "changed_at", "batch", "command",
        "file",
      ].map(Column.init))
    for revision in revisions {
      let money = moneyFields.contains(revision.field)
      table.append([
        text(revision.date), text(revision.source),
        text(revision.placementID.flatMap { $0.isEmpty ? nil : $0 }), .text(revision.field),
        cell(revision.old, money: money), cell(revision.new, money: money),
        .text(revision.changedAt), .int(revision.batchID), .text(revision.command),
        text(revision.file),
      ])
    }
    return table
  }

  static func cell(_ value: StoredValue, money: Bool) -> Cell {
    switch value {
    case .null: .null
    case .integer(let int): money ? .money(int) : .int(int)
    case .text(let text): .text(text)
    }
  }
}
