import LedgerQuery
import LedgerStore

/// The review page's charts as inline SVG: no script, no fonts or images fetched.
///
/// Every chart is an `<svg class="chart" data-chart="NAME">` scaled to the page width by its
/// `viewBox`, with axes labelled in yuan (or people), light grid lines, and a `<title>` on each
/// mark so a pointer shows the exact number. Values are exact integers (fen, people) or exact
/// fractions; `Double` appears only for pixel positions. Every label is made from the integers.
enum SVGCharts {
  /// The chart's width in SVG units (it is drawn at the page width).
  static let width = 900.0

  /// One colour per rolling-model line, in legend order.
  static let lineColors = ["#2563eb", "#ea580c", "#059669", "#9333ea", "#db2777", "#0891b2"]

  /// The 5A layers in stacking order: key, Chinese name, colour.
  ///
  /// A1 stands on the axis and O, the pool outside the layers, goes on top; A2 and A3, the
  /// seeding layers, are warm and hatched.
  static let layers: [(key: String, name: String, color: String)] = [
    ("A1", "了解", "#93c5fd"), ("A2", "吸引", "#fb923c"), ("A3", "问询·种草", "#ea580c"),
    ("A4", "行动", "#4ade80"), ("A5", "拥护·复购", "#15803d"), ("O", "机会", "#e2e8f0"),
  ]

  // MARK: - Spend and GMV per day

  /// Paid spend and GMV of each day as paired bars on one yuan axis.
  static func spendGMV(_ days: [ReviewDay]) -> String {
    let plot = Plot(height: 300)
    let top = Ticks(max: days.map { max($0.cost, $0.gmv) }.max() ?? 0, minimumStep: 100)
    var svg = plot.open(chart: "spend-gmv", label: "每日花费与GMV（元）")
    svg += plot.yAxis(top) { axisYuan($0) }
    guard !days.isEmpty else { return svg + plot.empty() + "</svg>" }
    let band = plot.innerWidth / Double(days.count)
    let bar = max(band * 0.36, 1)
    for (index, day) in days.enumerated() {
      let x = plot.left + band * Double(index) + band * 0.14
      let label = day.day.description
      svg += rect(
        x: x, value: day.gmv, top: top, plot: plot, width: bar, fill: "#3b82f6",
        title: "\(label) GMV ¥\(Money.yuanGrouped(day.gmv))", mark: "gmv")
      svg += rect(
        x: x + bar, value: day.cost, top: top, plot: plot, width: bar, fill: "#f97316",
        title: "\(label) 花费 ¥\(Money.yuanGrouped(day.cost))", mark: "cost")
    }
    svg += plot.dayLabels(days.map(\.day))
    return svg + "</svg>"
  }

  /// A bar of `value` standing on the x axis.
  private static func rect(
    x: Double, value: Int64, top: Ticks, plot: Plot, width: Double, fill: String, title: String,
    mark: String
  ) -> String {
    let height = plot.innerHeight * top.share(value)
    return "<rect class=\"\(mark)\" x=\"\(px(x))\" y=\"\(px(plot.baseline - height))\" "
      + "width=\"\(px(width))\" height=\"\(px(height))\" fill=\"\(fill)\">"
      + "<title>\(HTML.escape(title))</title></rect>\n"
  }

  // MARK: - Rolling traffic ROI model

  /// One line per video (the model of the window ending each day) and the floor, dashed.
  static func roiModel(_ lines: [ReviewLine], since: Day?, days: Int, floor: Fraction) -> String {
    let plot = Plot(height: 300)
    // The axis in hundredths, high enough for every point and the floor.
    let highest = lines.flatMap(\.points).compactMap { $0?.value }.max() ?? 0
    let hundredths = Int64(max(highest, floor.value, 0.5) * 110) + 1
    let top = Ticks(max: hundredths, minimumStep: 10)
    var svg = plot.open(chart: "roi-model", label: "滚动流量ROI模型")
    svg += plot.yAxis(top) { ratioLabel(hundredths: $0, step: top.step) }
    let floorY = plot.baseline - plot.innerHeight * min(floor.value * 100 / Double(top.top), 1)
    let floorText = floor.decimal(digits: 2)
    guard let since, days > 0, !lines.isEmpty else {
      return svg + floorLine(plot, y: floorY, text: floorText) + plot.empty() + "</svg>"
    }
    let step = days > 1 ? plot.innerWidth / Double(days - 1) : 0
    /// The x of the day `offset` days after `since`.
    func x(_ offset: Int) -> Double { plot.left + (days > 1 ? step * Double(offset) : 0) }
    for (index, line) in lines.enumerated() {
      let color = lineColors[index % lineColors.count]
      var path = ""
      var dots = ""
      var drawing = false
      for (offset, point) in line.points.enumerated() {
        guard let point else {
          drawing = false
          continue
        }
        // A negative model (refunds above GMV) sits on the axis; its title has the number.
        let share = min(max(point.value * 100 / Double(top.top), 0), 1)
        let y = plot.baseline - plot.innerHeight * share
        path += (drawing ? "L" : "M") + px(x(offset)) + " " + px(y)
        drawing = true
        dots +=
          "<circle cx=\"\(px(x(offset)))\" cy=\"\(px(y))\" r=\"2.5\" fill=\"\(color)\">"
          + "<title>\(HTML.escape(line.video.videoID)) \(since.adding(days: offset)) "
          + "模型 \(point.decimal(digits: 2))</title></circle>"
      }
      svg +=
        "<g class=\"line\" data-video=\"\(HTML.escape(line.video.videoID))\">"
        + "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.2\" "
        + "stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\(dots)</g>\n"
    }
    svg += floorLine(plot, y: floorY, text: floorText)
    svg += plot.dayLabels((0..<days).map { since.adding(days: $0) }, edgeToEdge: true)
    return svg + "</svg>"
  }

  /// The floor: a dashed red line across the plot with its value at the right end.
  private static func floorLine(_ plot: Plot, y: Double, text: String) -> String {
    "<g class=\"floor\" data-floor=\"\(text)\">"
      + "<line x1=\"\(px(plot.left))\" y1=\"\(px(y))\" x2=\"\(px(plot.right))\" y2=\"\(px(y))\" "
      + "stroke=\"#dc2626\" stroke-width=\"1.6\" stroke-dasharray=\"7 5\"/>"
      + "<text x=\"\(px(plot.right - 4))\" y=\"\(px(y - 6))\" text-anchor=\"end\" "
      + "class=\"floor-label\">下限 \(text)</text></g>\n"
  }

  // MARK: - 5A layers

  /// One stacked bar per snapshot: A1 … A5 from the axis up, then O; A2 and A3 are hatched.
  static func audience(_ rows: [AudienceRow]) -> String {
    let plot = Plot(height: 300)
    let top = Ticks(max: rows.map { $0.o + $0.total }.max() ?? 0, minimumStep: 10)
    var svg = plot.open(chart: "audience-5a", label: "5A 人群资产")
    svg +=
      "<defs><pattern id=\"seeding-hatch\" width=\"6\" height=\"6\" "
      + "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
      + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#ffffff\" stroke-width=\"1.6\" "
      + "stroke-opacity=\"0.55\"/></pattern></defs>\n"
    svg += plot.yAxis(top) { axisCount($0) }
    guard !rows.isEmpty else { return svg + plot.empty() + "</svg>" }
    let band = plot.innerWidth / Double(rows.count)
    let width = min(band * 0.62, 56)
    for (index, row) in rows.enumerated() {
      let x = plot.left + band * Double(index) + (band - width) / 2
      var base = plot.baseline
      svg += "<g class=\"snapshot\" data-date=\"\(row.date)\">"
      for (layer, count) in zip(layers, row.layers + [row.o]) {
        let height = plot.innerHeight * top.share(count)
        let title = "\(row.date) \(layer.key) \(layer.name) \(Count.grouped(count))"
        svg +=
          "<rect class=\"layer-\(layer.key.lowercased())\" x=\"\(px(x))\" "
          + "y=\"\(px(base - height))\" width=\"\(px(width))\" height=\"\(px(height))\" "
          + "fill=\"\(layer.color)\"><title>\(HTML.escape(title))</title></rect>"
        if layer.key == "A2" || layer.key == "A3" {
          svg +=
            "<rect class=\"seeding\" x=\"\(px(x))\" y=\"\(px(base - height))\" "
            + "width=\"\(px(width))\" height=\"\(px(height))\" fill=\"url(#seeding-hatch)\"/>"
        }
        base -= height
      }
      svg += "</g>\n"
    }
    svg += plot.bandLabels(rows.map(\.date))
    return svg + "</svg>"
  }

  // MARK: - Labels

  /// Yuan for an axis, from fen: "¥0", "¥5,000", "¥1.5万", "¥2亿".
  static func axisYuan(_ fen: Int64) -> String { "¥" + axisCount(fen / 100) }

  /// A count for an axis: "800", "5,000", "1.5万", "2亿".
  static func axisCount(_ value: Int64) -> String {
    if value >= 100_000_000 { return short(value, over: 100_000_000) + "亿" }
    if value >= 10_000 { return short(value, over: 10_000) + "万" }
    return Count.grouped(value)
  }

  /// `value / unit` with at most two decimals and no trailing zeros.
  private static func short(_ value: Int64, over unit: Int64) -> String {
    var text = (Fraction(Int128(value), over: Int128(unit)) ?? Fraction(0)).decimal(digits: 2)
    while text.contains("."), text.hasSuffix("0") || text.hasSuffix(".") { text.removeLast() }
    return text
  }

  /// A model tick from hundredths, with as many decimals as the step needs: "0.5", "1.25".
  static func ratioLabel(hundredths: Int64, step: Int64) -> String {
    let digits = step % 100 == 0 ? 0 : step % 10 == 0 ? 1 : 2
    return (Fraction(Int128(hundredths), over: 100) ?? Fraction(0)).decimal(digits: digits)
  }

  /// A pixel coordinate with at most one decimal.
  static func px(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    if tenths.truncatingRemainder(dividingBy: 10) == 0 { return String(Int(tenths / 10)) }
    return String(tenths / 10)
  }
}

/// Round axis ticks for non-negative integers: 0, step, 2·step, … up to `top` ≥ the maximum.
///
/// The step is 1, 2 or 5 times a power of ten, at least `minimumStep`, for about five ticks.
struct Ticks {
  let step: Int64
  let top: Int64

  init(max: Int64, minimumStep: Int64, count: Int64 = 5) {
    let raw = Swift.max(max, 0) / count + 1
    var magnitude: Int64 = 1
    while magnitude <= raw / 10 { magnitude *= 10 }
    var step = magnitude
    for factor: Int64 in [1, 2, 5, 10] where magnitude * factor >= raw {
      step = magnitude * factor
      break
    }
    step = Swift.max(step, minimumStep)
    self.step = step
    let steps = Swift.max((Swift.max(max, 0) + step - 1) / step, 1)
    top = steps * step
  }

  /// The ticks, from 0 to `top`.
  var values: [Int64] { Array(stride(from: 0, through: top, by: Int(step))) }

  /// `value / top` for a pixel length, clamped to 0…1.
  func share(_ value: Int64) -> Double {
    Swift.min(Swift.max(Double(value) / Double(top), 0), 1)
  }
}

/// The plot area of a chart and the parts every chart shares: frame, y axis, x labels.
struct Plot {
  let height: Double
  let left = 76.0
  let right = SVGCharts.width - 20
  let top = 16.0
  var baseline: Double { height - 40 }
  var innerWidth: Double { right - left }
  var innerHeight: Double { baseline - top }

  /// The opening `<svg>` tag of a chart named `chart`, labelled for screen readers.
  func open(chart: String, label: String) -> String {
    "<svg class=\"chart\" id=\"chart-\(chart)\" data-chart=\"\(chart)\" role=\"img\" "
      + "aria-label=\"\(HTML.escape(label))\" viewBox=\"0 0 \(SVGCharts.px(SVGCharts.width)) "
      + "\(SVGCharts.px(height))\">\n"
  }

  /// Grid lines and labels at each tick, and the x axis.
  func yAxis(_ ticks: Ticks, label: (Int64) -> String) -> String {
    var svg = "<g class=\"axis y\">"
    for value in ticks.values {
      let y = SVGCharts.px(baseline - innerHeight * ticks.share(value))
      svg +=
        "<line x1=\"\(SVGCharts.px(left))\" y1=\"\(y)\" x2=\"\(SVGCharts.px(right))\" "
        + "y2=\"\(y)\" class=\"grid\"/>"
        + "<text x=\"\(SVGCharts.px(left - 8))\" y=\"\(y)\" text-anchor=\"end\" "
        + "dominant-baseline=\"middle\">\(HTML.escape(label(value)))</text>"
    }
    svg +=
      "<line x1=\"\(SVGCharts.px(left))\" y1=\"\(SVGCharts.px(baseline))\" "
      + "x2=\"\(SVGCharts.px(right))\" y2=\"\(SVGCharts.px(baseline))\" class=\"baseline\"/>"
    return svg + "</g>\n"
  }

  /// Dates under the plot, about six of them (always the last), as `MM-DD`.
  func dayLabels(_ days: [Day], edgeToEdge: Bool = false) -> String {
    guard !days.isEmpty else { return "" }
    let every = max((days.count + 5) / 6, 1)
    let band = innerWidth / Double(days.count)
    let step = days.count > 1 ? innerWidth / Double(days.count - 1) : 0
    var svg = "<g class=\"axis x\">"
    for (index, day) in days.enumerated()
    where (days.count - 1 - index) % every == 0 {
      let x = edgeToEdge ? left + step * Double(index) : left + band * (Double(index) + 0.5)
      svg +=
        "<text x=\"\(SVGCharts.px(x))\" y=\"\(SVGCharts.px(baseline + 20))\" "
        + "text-anchor=\"middle\">\(monthDay(day))</text>"
    }
    return svg + "</g>\n"
  }

  /// One date under each band (every other one when crowded), as `MM-DD`.
  func bandLabels(_ days: [Day]) -> String {
    guard !days.isEmpty else { return "" }
    let every = max((days.count + 11) / 12, 1)
    let band = innerWidth / Double(days.count)
    var svg = "<g class=\"axis x\">"
    for (index, day) in days.enumerated() where (days.count - 1 - index) % every == 0 {
      svg +=
        "<text x=\"\(SVGCharts.px(left + band * (Double(index) + 0.5)))\" "
        + "y=\"\(SVGCharts.px(baseline + 20))\" text-anchor=\"middle\">\(monthDay(day))</text>"
    }
    return svg + "</g>\n"
  }

  /// A note in the middle of an empty plot.
  func empty() -> String {
    "<text class=\"empty\" x=\"\(SVGCharts.px((left + right) / 2))\" "
      + "y=\"\(SVGCharts.px((top + baseline) / 2))\" text-anchor=\"middle\">暂无数据</text>\n"
  }

  /// `05-31` for 2026-05-31.
  private func monthDay(_ day: Day) -> String {
    String(day.description.dropFirst(5))
  }
}
