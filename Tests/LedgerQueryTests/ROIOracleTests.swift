import LedgerQuery
import LedgerStore
import TestSupport
import Testing

// Every number of the query module checked against an independent oracle: plain loops over the
// generated input rows, Int64 sums, ratios kept as (numerator, denominator) pairs and compared by
// cross-multiplication. The production `Fraction` type is used only as a value container for the
// final equality (both sides reduced by gcd, so equal ratios are equal values).

// MARK: - Oracle of `report roi`

/// The window sums of every key: the oracle's version of one report's scan.
struct WindowQuery {
  var grouping: ROIGrouping = .video
  var window = 7
  var asOfIndex: Int
  var brand: String?
  var kolID: String?
  var tool: Source?
}

func groupKey(_ grouping: ROIGrouping, _ row: GenMetric, _ video: GenVideo) -> String? {
  switch grouping {
  case .video: video.id
  case .kol: video.kolID
  case .brand: video.brand
  case .chain: video.chain?.rawValue
  case .tool: row.source.rawValue
  }
}

func windowSums(
  _ data: Dataset, _ query: WindowQuery
) -> [String?: (current: Sums, previous: Sums)] {
  let keys = data.groupKeys[query.grouping] ?? []
  let groupOfRow = data.groupOfRow[query.grouping] ?? []
  var current = [Sums](repeating: Sums(), count: keys.count)
  var previous = current
  var touched = [Bool](repeating: false, count: keys.count)
  let firstCurrent = query.asOfIndex - query.window + 1
  for dayIndex in (query.asOfIndex - 2 * query.window + 1)...query.asOfIndex {
    for rowIndex in data.rowIndices(on: dayIndex) {
      let row = data.metrics[rowIndex]
      let video = data.videos[data.videoOfRow[rowIndex]]
      if let brand = query.brand, video.brand != brand { continue }
      if let kolID = query.kolID, video.kolID != kolID { continue }
      if let tool = query.tool, row.source != .natural, row.source != tool { continue }
      let group = groupOfRow[rowIndex]
      touched[group] = true
      if dayIndex >= firstCurrent {
        current[group].add(row)
      } else {
        previous[group].add(row)
      }
    }
  }
  var result: [String?: (current: Sums, previous: Sums)] = [:]
  for group in keys.indices where touched[group] {
    result[keys[group]] = (current[group], previous[group])
  }
  return result
}

/// Keys ascending, a missing key last.
func keyLess(_ a: String?, _ b: String?) -> Bool {
  switch (a, b) {
  case (let x?, let y?): x < y
  case (nil, .some): false
  case (.some, nil): true
  case (nil, nil): false
  }
}

/// Best model first, undefined models last, ties by key.
func modelOrder(_ a: ExpectedRow, _ b: ExpectedRow) -> Bool {
  switch (a.roiModel, b.roiModel) {
  case (let x?, let y?) where !Ratio.same(x, y): Ratio.less(y, x)
  case (nil, .some): false
  case (.some, nil): true
  default: keyLess(a.key, b.key)
  }
}

/// The rows `report roi` must print, in the default order (best model first).
func oracleReport(
  _ data: Dataset, _ query: WindowQuery, cpm: CPMOption, floor: Ratio,
  settings: OracleSettings,
  sums precomputed: [String?: (current: Sums, previous: Sums)]? = nil
) -> [ExpectedRow] {
  let sums = precomputed ?? windowSums(data, query)
  var rows: [ExpectedRow] = []
  for (key, entry) in sums {
    let listed = query.tool == nil ? entry.current.rows > 0 : entry.current.paidRows > 0
    guard listed else { continue }
    rows.append(
      expectedRow(
        key: key, date: data.day(query.asOfIndex), current: entry.current,
        previous: entry.previous, cpm: cpm, floor: floor, settings: settings))
  }
  return rows.sorted(by: modelOrder)
}

// MARK: - Tests: report roi

/// The cases one expected row exercises, to show the data reaches them all.
private func coverage(_ row: ExpectedRow) -> Set<String> {
  var found: Set<String> = ["trend \(row.trend.map(\.rawValue) ?? "nil")"]
  if let model = row.roiModel {
    if model.num == 0 { found.insert("model 0") }
  } else {
    found.insert("model nil")
  }
  if let above = row.aboveFloor { found.insert("above_floor \(above)") }
  if row.key == nil { found.insert("key nil") }
  if row.paidCPM == nil, row.sums.paidCost > 0 { found.insert("paid_cpm nil with cost") }
  if row.sums.paidRows > 0, row.sums.paidCost == 0 || row.sums.paidImpressions == 0 {
    found.insert("observed fallback with paid")
  }
  if row.paidROI == nil { found.insert("paid_roi nil") }
  if row.commentLikeRatio == nil { found.insert("comment_like nil") }
  return found
}

/// The CPM cases of the ROI tests: option, the floor asked for (nil: the setting) and its ratio.
private let cpmCases: [(option: CPMOption, floor: Ratio?)] = [
  (.setting, nil), (.price(fen: 3_550), Ratio(9, 10)), (.observed, nil),
]

@Test func roiReportEqualsIndependentSumsForEveryGroupingWindowAsOfAndCPM() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  var emptyReports = 0
  var features: Set<String> = []
  for grouping in ROIGrouping.allCases {
    for window in [1, 7, 30] {
      for asOfIndex in [nil, 3, 45, 69, 130] as [Int?] {
        let effective = asOfIndex ?? data.latestIndex
        let windowQuery = WindowQuery(grouping: grouping, window: window, asOfIndex: effective)
        let sums = windowSums(data, windowQuery)
        for (option, floor) in cpmCases {
          var query = ROIQuery()
          query.grouping = grouping
          query.window = window
          query.asOf = asOfIndex.map(data.day)
          query.cpm = option
          query.floor = floor?.fraction
          let report = try ledger.roiReport(query)
          let wantedFloor = floor ?? settings.floor
          let expected = oracleReport(
            data, windowQuery, cpm: option, floor: wantedFloor, settings: settings, sums: sums)
          if expected.isEmpty { emptyReports += 1 }
          for row in expected { features.formUnion(coverage(row)) }
          let context =
            "by \(grouping) window \(window) as of \(data.day(effective)) cpm \(cpmText(option))"
          if report.floor != wantedFloor.fraction {
            tally.problems.append("\(context): floor \(report.floor)")
          }
          compareReport(
            report, expected, asOf: data.day(effective), window: window, context: context,
            tally: &tally)
        }
      }
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 1_800)
  // Only the windows wholly after the data (as of day 130, 1 and 7 days) are empty.
  #expect(emptyReports == 2 * 5 * cpmCases.count)
  // The generated data reaches every case of every field.
  let wanted: Set<String> = [
    "trend up", "trend down", "trend flat", "trend nil", "model nil", "model 0",
    "above_floor true", "above_floor false", "key nil", "paid_cpm nil with cost",
    "observed fallback with paid", "paid_roi nil", "comment_like nil",
  ]
  #expect(wanted.subtracting(features).isEmpty, "not reached: \(wanted.subtracting(features))")
}

@Test func roiReportTrendIsFlatAtExactlyTheDeclineRatioBoundaries() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  var query = ROIQuery()
  query.asOf = data.day(69)
  query.filter = VideoFilter(brand: "Beta", kolID: kolName(5))
  let report = try ledger.roiReport(query)
  let trends = Dictionary(
    report.rows.compactMap { row in row.key.map { ($0, row.model.trend) } },
    uniquingKeysWith: { first, _ in first })
  // Built so the current model is exactly 0.8× / ÷0.8 the previous one, or one fen past it.
  #expect(trends["vEdgeFlatDown"] == .some(.flat))
  #expect(trends["vEdgeDown"] == .some(.down))
  #expect(trends["vEdgeFlatUp"] == .some(.flat))
  #expect(trends["vEdgeUp"] == .some(.up))
}

@Test func roiSeriesRowsEqualTheSingleWindowReportAndTheOracleForEveryKeyAndDay() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  let since = 60
  let until = 79
  let cases: [(ROIGrouping, CPMOption, String?, Source?)] = [
    (.video, .setting, nil, nil), (.kol, .observed, nil, nil),
    (.tool, .price(fen: 3_550), nil, nil), (.brand, .observed, nil, nil),
    (.video, .observed, "Beta", .douPlus),
  ]
  for (grouping, option, brand, tool) in cases {
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 7
    query.cpm = option
    query.filter = VideoFilter(brand: brand)
    query.tool = tool
    let context =
      "series by \(grouping) cpm \(cpmText(option)) brand \(brand ?? "-") "
      + "tool \(tool?.rawValue ?? "-")"
    let series = try #require(
      try ledger.roiSeries(query, since: data.day(since), until: data.day(until)))
    var seen: [String: ROIRow] = [:]
    var order: [String] = []
    try series.forEachRow { row in
      let id = keyText(row.key) + "@" + row.date.description
      if seen[id] != nil { tally.problems.append("\(context): \(id) twice") }
      seen[id] = row
      order.append(id)
    }
    // Days ascending within a key, and each key's rows together.
    var lastKey: String?
    var finishedKeys: Set<String> = []
    var lastDay: Day?
    for id in order {
      guard let row = seen[id] else { continue }
      let key = keyText(row.key)
      if key != lastKey {
        if finishedKeys.contains(key) { tally.problems.append("\(context): \(key) split") }
        if let lastKey { finishedKeys.insert(lastKey) }
        lastKey = key
      } else if let lastDay, !(lastDay < row.date) {
        tally.problems.append("\(context): \(key) days out of order at \(row.date)")
      }
      lastDay = row.date
    }
    var wantedIDs: Set<String> = []
    for dayIndex in since...until {
      let windowQuery = WindowQuery(
        grouping: grouping, window: 7, asOfIndex: dayIndex, brand: brand, tool: tool)
      let expected = oracleReport(
        data, windowQuery, cpm: option, floor: settings.floor, settings: settings)
      var single = query
      single.asOf = data.day(dayIndex)
      let report = try ledger.roiReport(single)
      let singleRows = Dictionary(
        report.rows.map { (keyText($0.key), $0) }, uniquingKeysWith: { first, _ in first })
      if Set(singleRows.keys) != Set(expected.map { keyText($0.key) }) {
        tally.problems.append("\(context): single-window keys on day \(dayIndex) differ")
      }
      for wanted in expected {
        let id = keyText(wanted.key) + "@" + data.day(dayIndex).description
        wantedIDs.insert(id)
        guard let row = seen[id] else {
          tally.problems.append("\(context): missing \(id)")
          continue
        }
        tally.note("\(context) \(id)", rowMismatches(row, wanted))
        if singleRows[keyText(wanted.key)] != row {
          tally.problems.append("\(context): \(id) differs from the single-window report")
        }
      }
    }
    let extra = Set(seen.keys).subtracting(wantedIDs)
    if !extra.isEmpty {
      tally.problems.append("\(context): unexpected rows \(extra.sorted().prefix(5))")
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 1_500)
}

@Test func roiReportFiltersByBrandKOLAndToolEqualTheOracle() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  var cases: [(brand: String?, kolID: String?, tool: Source?)] = []
  for brand in brandNames { cases.append((brand, nil, nil)) }
  cases.append((nil, kolName(3), nil))
  cases.append(("Beta", kolName(5), nil))
  for tool in [Source.douPlus, .jdCoads, .contentService, .qianchuan] {
    cases.append((nil, nil, tool))
  }
  cases.append(("Alpha", nil, .douPlus))
  cases.append(("Nobody", nil, nil))
  // (window, as-of day, CPM case, groupings): every grouping for two, the video for the third.
  let combos: [(Int, Int, Int, [ROIGrouping])] = [
    (7, 69, 0, ROIGrouping.allCases), (30, 119, 2, ROIGrouping.allCases), (30, 104, 1, [.video]),
  ]
  for filter in cases {
    for (window, asOfIndex, cpmCase, groupings) in combos {
      let (option, floor) = cpmCases[cpmCase]
      for grouping in groupings {
        var query = ROIQuery()
        query.grouping = grouping
        query.window = window
        query.asOf = data.day(asOfIndex)
        query.cpm = option
        query.floor = floor?.fraction
        query.filter = VideoFilter(brand: filter.brand, kolID: filter.kolID)
        query.tool = filter.tool
        let windowQuery = WindowQuery(
          grouping: grouping, window: window, asOfIndex: asOfIndex, brand: filter.brand,
          kolID: filter.kolID, tool: filter.tool)
        let expected = oracleReport(
          data, windowQuery, cpm: option, floor: floor ?? settings.floor, settings: settings)
        let context =
          "brand \(filter.brand ?? "-") kol \(filter.kolID ?? "-") "
          + "tool \(filter.tool?.rawValue ?? "-") by \(grouping) window \(window) "
          + "as of \(data.day(asOfIndex)) cpm \(cpmText(option))"
        compareReport(
          try ledger.roiReport(query), expected, asOf: data.day(asOfIndex), window: window,
          context: context, tally: &tally)
      }
    }
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 600)
}

@Test func roiReportSortByKeyAndLimitKeepTheOracleOrder() throws {
  let data = Fixture.data
  let ledger = try Fixture.ledger()
  let settings = OracleSettings()
  var tally = Tally()
  for grouping in [ROIGrouping.video, .kol] {
    let windowQuery = WindowQuery(grouping: grouping, window: 30, asOfIndex: 104)
    let all = oracleReport(
      data, windowQuery, cpm: .setting, floor: settings.floor, settings: settings)
    var query = ROIQuery()
    query.grouping = grouping
    query.window = 30
    query.asOf = data.day(104)
    query.limit = 5
    compareReport(
      try ledger.roiReport(query), Array(all.prefix(5)), asOf: data.day(104), window: 30,
      context: "by \(grouping) limit 5", tally: &tally)
    query.sort = ROISort(field: .key)
    query.limit = nil
    let byKey = all.sorted { keyLess($0.key, $1.key) }
    compareReport(
      try ledger.roiReport(query), byKey, asOf: data.day(104), window: 30,
      context: "by \(grouping) sorted by key", tally: &tally)
  }
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 40)
}

@Test func changedLedgerSettingsFlowIntoTheModelTrendAndFloor() throws {
  let data = Fixture.data
  let ledger = try buildLedger(data)
  try ledger.setSetting("cpm_price", "38.50")
  try ledger.setSetting("decline_ratio", "0.75")
  try ledger.setSetting("roi_floor", "1")
  let settings = OracleSettings(cpmFen: 3_850, floor: Ratio(1, 1), decline: Ratio(3, 4))
  var tally = Tally()
  for grouping in [ROIGrouping.video, .brand, .tool] {
    for window in [7, 30] {
      for asOfIndex in [69, 104] {
        for option in [CPMOption.setting, .observed] {
          var query = ROIQuery()
          query.grouping = grouping
          query.window = window
          query.asOf = data.day(asOfIndex)
          query.cpm = option
          let windowQuery = WindowQuery(grouping: grouping, window: window, asOfIndex: asOfIndex)
          let expected = oracleReport(
            data, windowQuery, cpm: option, floor: settings.floor, settings: settings)
          compareReport(
            try ledger.roiReport(query), expected, asOf: data.day(asOfIndex), window: window,
            context: "settings by \(grouping) window \(window) as of \(asOfIndex)",
            tally: &tally)
        }
      }
    }
  }
  var shortlist = ShortlistQuery()
  shortlist.promotion = data.promotion.name
  compareShortlist(
    try ledger.shortlist(shortlist), oracleShortlist(data, ShortlistCase(), settings: settings),
    context: "settings shortlist", tally: &tally)
  #expect(tally.problems.isEmpty, "\(tally.summary)")
  #expect(tally.compared > 500)
}
