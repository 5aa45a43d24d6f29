// Import one metrics export into a new ledger and print the traffic ROI model of each video,
// with nothing but aimt's public API:
//
//   swift run ImportAndReport LEDGER.db metrics.csv
import Foundation
import LedgerImport
import LedgerQuery
import LedgerStore

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let path = arguments.first, let file = arguments.last else {
  print("usage: ImportAndReport LEDGER.db METRICS.csv")
  exit(64)
}

do {
  // Create the ledger (or open and upgrade it), then write the KOL and its videos through the
  // ledger's rules: one transaction, all or nothing.
  let ledger = try Ledger.open(path: path, create: true)
  var kol = KOLInput(kolID: "dy_xiaomei")
  kol.name = "美妆达人小美"
  kol.followers = 1_200_000
  kol.asOf = try Day.parse("2026-05-01")
  var records: [LedgerRecord] = [.kol(kol)]
  for id in ["v1001", "v1002"] {
    var video = VideoInput(videoID: id)
    video.kolID = kol.kolID
    video.brand = "山茶花"
    records.append(.video(video))
  }
  try ledger.record(records)

  // Import the export: the header profile is detected, money is read exactly into fen.
  let imported = try ledger.importFiles([file], options: ImportOptions(kind: .metrics))
  print("imported \(imported.files.map(\.rows).reduce(0, +)) rows")

  // The traffic ROI model per video over the one day the file holds.
  var query = ROIQuery()
  query.window = 1
  let report = try ledger.roiReport(query)
  for row in report.rows {
    let model = row.model.roiModel.map { $0.decimal(digits: 2) } ?? "—"
    print(
      "\(row.key ?? "?")  natural impressions \(row.model.sums.naturalImpressions)  "
        + "natural GMV \(Money.yuan(row.model.sums.naturalGMV))  ROI model \(model)")
  }
} catch {
  print("error: \(error)")
  exit(1)
}
