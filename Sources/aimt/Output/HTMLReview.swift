import LedgerQuery
import LedgerStore

/// Text made safe for HTML.
enum HTML {
  /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe in element content and
  /// in quoted attribute values alike.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }
}

/// The review page (`aimt report html`): one self-contained HTML document for a brand manager.
///
/// Inline CSS and SVG only: no script, no web fonts, no images or links fetched, so the file
/// can be mailed, opened offline and printed on A4. The charts come from ``SVGCharts``; the
/// tables carry each number twice, as the person reads it (`¥1,234.50`, `3.52%`) and in a
/// `data-value` attribute exactly as `report roi --format csv` prints it.
enum HTMLReview {
  /// The page's sections, in order, by `id`.
  static let sections = [
    "summary", "spend-gmv", "roi-model", "audience-5a", "videos", "shortlist", "provenance",
  ]

  /// The `data-chart` names of the charts every page draws.
  static let charts = ["spend-gmv", "roi-model", "audience-5a"]

  /// The whole page for `data`; `command` is the command line that rebuilds it.
  static func page(_ data: ReviewData, command: String) -> String {
    let title = "\(data.brand) · 投放复盘"
    var page = """
      <!DOCTYPE html>
      <html lang="zh-CN">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="aimt">
      <title>\(HTML.escape(title))\(data.asOf.map { " · \($0)" } ?? "")</title>
      <style>
      \(style)
      </style>
      </head>
      <body>
      <main>

      """
    page += header(data, title: title)
    page += summary(data)
    page += spendSection(data)
    page += roiSection(data)
    page += audienceSection(data)
    page += videosSection(data)
    page += shortlistSection(data)
    page += provenanceSection(data)
    page += """
      <footer>
      <p>由 <code>\(HTML.escape(command))</code> 生成。金额为人民币元，由账本中的整数（分）精确求和，\
      比率由精确分数四舍五入；流量ROI模型 = 自然GPM ÷ CPM 价格（自然流量每千次展示的成交 ÷ 买量每千次展示的价格）。</p>
      </footer>
      </main>
      </body>
      </html>

      """
    return page
  }

  // MARK: - Sections

  /// The title, the days reviewed, the CPM price and the floor.
  private static func header(_ data: ReviewData, title: String) -> String {
    var facts: [String] = []
    if let asOf = data.asOf, let since = data.since {
      facts.append("截至 <strong>\(asOf)</strong>")
      facts.append("近 \(data.days) 日（\(since) 至 \(asOf)）")
    } else {
      facts.append("账本中还没有每日数据")
    }
    facts.append("CPM 价格 ¥\(data.cpmPrice.decimal(digits: 2))")
    facts.append("ROI 下限 \(data.floor.decimal(digits: 2))")
    return """
      <header class="page">
      <p class="kicker">aimt · 抖音内容投放账本</p>
      <h1>\(HTML.escape(title))</h1>
      <p class="facts">\(facts.joined(separator: " · "))</p>
      </header>

      """
  }

  /// The headline numbers as cards: spend, GMV, ROI, the brand's model, the seeding pool.
  private static func summary(_ data: ReviewData) -> String {
    let roi = Fraction(Int128(data.totalGMV), over: Int128(data.totalCost))
    let paidROI = Fraction(Int128(data.totalPaidGMV), over: Int128(data.totalCost))
    let latest = data.audience.last
    var cards: [(label: String, value: String, note: String)] = [
      ("\(data.days) 日花费", "¥" + Money.yuanGrouped(data.totalCost), "付费工具消耗合计"),
      ("\(data.days) 日 GMV", "¥" + Money.yuanGrouped(data.totalGMV), "含自然流量成交"),
      ("整体 ROI", ratio(roi), "付费 ROI " + ratio(paidROI)),
      (
        "近 \(data.window) 日流量ROI模型", ratio(data.brandModel?.roiModel),
        data.brandModel?.aboveFloor.map { $0 ? "高于下限" : "低于下限" } ?? "无自然流量"
      ),
    ]
    if let latest {
      cards.append(
        (
          "A2+A3 种草人群", SVGCharts.axisCount(latest.a2a3),
          "\(latest.date) 快照" + (latest.deltaTotal.map { "，5A 合计较上期 \(signed($0))" } ?? "")
        ))
    }
    var html = "<section id=\"summary\" class=\"kpis\">\n"
    for card in cards {
      html += """
        <div class="kpi"><div class="label">\(HTML.escape(card.label))</div>\
        <div class="value">\(HTML.escape(card.value))</div>\
        <div class="note">\(HTML.escape(card.note))</div></div>

        """
    }
    return html + "</section>\n"
  }

  /// Spend and GMV per day: the chart and its legend.
  private static func spendSection(_ data: ReviewData) -> String {
    let peak = data.daily.max { $0.gmv < $1.gmv }
    let note =
      peak.map {
        $0.gmv > 0 ? "GMV 最高的一天：\($0.day)，¥\(Money.yuanGrouped($0.gmv))。" : ""
      } ?? ""
    return """
      <section id="spend-gmv">
      <h2>每日花费与GMV</h2>
      <p class="sub">付费工具花费与全部来源成交（GMV），按天；单位：元。\(HTML.escape(note))</p>
      \(SVGCharts.spendGMV(data.daily))
      <ul class="legend">\(swatch("#3b82f6", "GMV"))\(swatch("#f97316", "花费"))</ul>
      </section>

      """
  }

  /// The rolling model of the largest videos against the floor, with a legend per video.
  private static func roiSection(_ data: ReviewData) -> String {
    var legend = ""
    for (index, line) in data.lines.enumerated() {
      let color = SVGCharts.lineColors[index % SVGCharts.lineColors.count]
      let latest = line.points.last { $0 != nil }.flatMap { $0 }
      let text =
        line.video.videoID + (line.video.title.map { " · " + $0 } ?? "")
        + "（\(data.days)日 GMV ¥\(Money.yuanGrouped(line.gmv))，最新模型 \(ratio(latest))）"
      legend += swatch(color, text, line: true)
    }
    legend += swatch("#dc2626", "ROI 下限 \(data.floor.decimal(digits: 2))", line: true, dashed: true)
    return """
      <section id="roi-model">
      <h2>滚动流量ROI模型（\(data.window) 日窗口）</h2>
      <p class="sub">GMV 最高的 \(data.lines.count) 条视频：每天取截至当日 \(data.window) 日的自然GPM ÷ CPM 价格；\
      虚线为品牌的 ROI 下限，线以上的视频值得加投。</p>
      \(SVGCharts.roiModel(data.lines, since: data.since, days: data.days, floor: data.floor))
      <ul class="legend">\(legend)</ul>
      </section>

      """
  }

  /// The 5A layers per snapshot, with the latest snapshot in words.
  private static func audienceSection(_ data: ReviewData) -> String {
    var note = "暂无 5A 快照。"
    if let latest = data.audience.last {
      let share = Fraction(Int128(latest.a2a3), over: Int128(latest.total))
      note =
        "最新快照 \(latest.date)：A1–A5 合计 \(Count.grouped(latest.total)) 人，"
        + "A2+A3 种草人群 \(Count.grouped(latest.a2a3)) 人（占 \(percent(share))）"
      if let delta = latest.deltaTotal { note += "，较上期 \(signed(delta))" }
      if let cost = latest.costPerNewAsset {
        note += "，每新增 1 人资产花费 ¥\(cost.decimal(digits: 2))"
      }
      note += "。"
    }
    var legend = ""
    for layer in SVGCharts.layers {
      legend += swatch(
        layer.color, "\(layer.key) \(layer.name)",
        hatched: layer.key == "A2" || layer.key == "A3")
    }
    return """
      <section id="audience-5a">
      <h2>5A 人群资产</h2>
      <p class="sub">云图 O-5A 各层人数，按快照；斜纹为 A2+A3 种草人群（千川加速投放消耗的高价值资产）。\
      \(HTML.escape(note))</p>
      \(SVGCharts.audience(data.audience))
      <ul class="legend">\(legend)</ul>
      </section>

      """
  }

  /// The columns of the best and worst tables: `report roi` key, Chinese header, numeric.
  static let videoColumns: [(key: String, header: String, numeric: Bool)] = [
    ("key", "视频", false), ("title", "标题", false), ("kol_id", "达人", false),
    ("roi_model", "流量ROI模型", true), ("natural_impressions", "自然展示", true),
    ("natural_gmv", "自然GMV", true), ("paid_cost", "付费花费", true),
    ("paid_gmv", "付费GMV", true), ("paid_roi", "付费ROI", true),
    ("engagement_rate", "互动率", true), ("trend", "趋势", false),
  ]

  /// The best and worst videos of the last window, as tables.
  private static func videosSection(_ data: ReviewData) -> String {
    var html = """
      <section id="videos">
      <h2>视频表现：最佳与最差</h2>
      <p class="sub">近 \(data.window) 日（至 \(data.asOf.map(\.description) ?? "—")）自然展示 ≥ \
      \(Count.grouped(data.minImpressions)) 的视频按流量ROI模型排序，数字与 <code>aimt report roi --brand \(HTML.escape(data.brand)) --window \(data.window)\
      \(data.asOf.map { " --as-of \($0)" } ?? "")</code> 一致；本周共 \(data.videos.count) 条视频有数据。</p>

      """
    for (name, id, rows) in [
      ("最佳 \(data.best.count) 条", "best", data.best),
      ("最差 \(data.worst.count) 条", "worst", data.worst),
    ] {
      html += "<h3>\(name)</h3>\n"
      guard !rows.isEmpty else {
        html += "<p class=\"none\">没有可比较的视频。</p>\n"
        continue
      }
      html += "<table class=\"videos\" id=\"videos-\(id)\">\n<thead><tr>"
      for column in videoColumns {
        html += "<th\(column.numeric ? " class=\"num\"" : "")>\(column.header)</th>"
      }
      html += "</tr></thead>\n<tbody>\n"
      for row in rows { html += videoRow(row, data: data) }
      html += "</tbody>\n</table>\n"
    }
    return html + "</section>\n"
  }

  /// One video of the best or worst table.
  private static func videoRow(_ row: ROIRow, data: ReviewData) -> String {
    let model = row.model
    let sums = model.sums
    let facts = row.key.flatMap { data.facts[$0] }
    let below = model.aboveFloor == false
    var html = "<tr data-video=\"\(HTML.escape(row.key ?? ""))\"\(below ? " class=\"below\"" : "")>"
    html += cell("key", text: row.key ?? "—")
    html += cell("title", text: facts?.title ?? "—", className: "title")
    html += cell("kol_id", text: facts?.kolID ?? "—")
    html += ratioCell("roi_model", model.roiModel)
    html += cell(
      "natural_impressions", text: Count.grouped(sums.naturalImpressions),
      value: String(sums.naturalImpressions), className: "num")
    html += moneyCell("natural_gmv", sums.naturalGMV)
    html += moneyCell("paid_cost", sums.paidCost)
    html += moneyCell("paid_gmv", sums.paidGMV)
    html += ratioCell("paid_roi", model.paidROI)
    html += cell(
      "engagement_rate", text: percent(model.engagementRate),
      value: model.engagementRate?.decimal(digits: 4) ?? "", className: "num")
    html += cell("trend", text: trend(model.trend), value: model.trend?.rawValue ?? "")
    return html + "</tr>\n"
  }

  /// The shortlist of the promotion that is near, or a line saying none is.
  private static func shortlistSection(_ data: ReviewData) -> String {
    var html = "<section id=\"shortlist\">\n<h2>大促内容服务短名单</h2>\n"
    guard let promotion = data.promotion, let list = data.shortlist else {
      let horizon = data.asOf.map { "（\($0) 之后 45 天内）" } ?? ""
      return html
        + "<p class=\"none\">近期没有大促\(horizon)：暂不需要预订内容服务。</p>\n</section>\n"
    }
    html += """
      <p class="sub">\(HTML.escape(promotion.name))：\(promotion.start) 至 \(promotion.end)；\
      锁定日 \(list.lockDate)（提前预订内容服务），回看 \(list.lookbackStart) 至 \(list.lookbackEnd)；\
      条件：流量ROI模型 ≥ \(list.floor.decimal(digits: 2))、自然展示 ≥ 100,000、广告审核通过、大促期间无 Dou+ 订单。\
      与 <code>aimt shortlist --promotion \(HTML.escape(promotion.name)) --brand \
      \(HTML.escape(data.brand))</code> 一致。</p>

      """
    guard !list.entries.isEmpty else {
      return html
        + "<p class=\"none\">没有视频达标（\(list.excluded.count) 条未通过）。</p>\n</section>\n"
    }
    let headers: [(String, Bool)] = [
      ("排名", true), ("视频", false), ("达人", false), ("达人层级", false), ("流量ROI模型", true),
      ("付费ROI", true), ("自然展示", true), ("自然GMV", true), ("互动率", true), ("趋势", false),
      ("建议周预算", true),
    ]
    html += "<table class=\"shortlist\">\n<thead><tr>"
    for (header, numeric) in headers {
      html += "<th\(numeric ? " class=\"num\"" : "")>\(header)</th>"
    }
    html += "</tr></thead>\n<tbody>\n"
    for entry in list.entries {
      let model = entry.model
      html += "<tr data-video=\"\(HTML.escape(entry.video.videoID))\">"
      html += cell("rank", text: String(entry.rank), value: String(entry.rank), className: "num")
      html += cell("video_id", text: entry.video.videoID)
      html += cell("kol_id", text: entry.video.kolID ?? "—")
      html += cell("kol_tier", text: entry.kolTier?.rawValue ?? "—")
      html += ratioCell("roi_model", model.roiModel)
      html += ratioCell("paid_roi", model.paidROI)
      html += cell(
        "natural_impressions", text: Count.grouped(model.sums.naturalImpressions),
        value: String(model.sums.naturalImpressions), className: "num")
      html += moneyCell("natural_gmv", model.sums.naturalGMV)
      html += cell(
        "engagement_rate", text: percent(model.engagementRate),
        value: model.engagementRate?.decimal(digits: 4) ?? "", className: "num")
      html += cell("trend", text: trend(model.trend), value: model.trend?.rawValue ?? "")
      if let budget = entry.suggestedWeeklyBudget {
        html += moneyCell("suggested_weekly_budget", budget)
      } else {
        html += cell("suggested_weekly_budget", text: "先用 Dou+ 测试", value: "", className: "num")
      }
      html += "</tr>\n"
    }
    return html + "</tbody>\n</table>\n</section>\n"
  }

  /// The import batches the numbers come from.
  private static func provenanceSection(_ data: ReviewData) -> String {
    var html = """
      <section id="provenance">
      <h2>数据来源</h2>
      <p class="sub">本页数字所读取的行（品牌视频的每日数据与 5A 快照）最后由以下导入批次写入；\
      完整修改记录见 <code>aimt history</code>。</p>

      """
    guard !data.batches.isEmpty else {
      return html + "<p class=\"none\">没有导入批次。</p>\n</section>\n"
    }
    html += """
      <table class="provenance">
      <thead><tr><th class="num">批次</th><th>文件</th><th>类型</th><th>命令</th><th>配置</th>\
      <th>SHA-256</th><th class="num">本页行数</th><th class="num">新增/更新/未变</th>\
      <th>写入时间 (UTC)</th></tr></thead>
      <tbody>

      """
    for batch in data.batches {
      let hash = batch.sha256.map { String($0.prefix(12)) } ?? "—"
      html += "<tr data-batch=\"\(batch.batchID)\">"
      html += cell("batch_id", text: String(batch.batchID), className: "num")
      html += cell("file", text: batch.file ?? "（手工录入）", className: "file")
      html += cell("kind", text: batch.kind)
      html += cell("command", text: batch.command)
      html += cell("profile", text: batch.profile ?? "—")
      html += cell("sha256", text: hash, value: batch.sha256 ?? "", className: "hash")
      html += cell(
        "rows", text: Count.grouped(batch.rowsUsed), value: String(batch.rowsUsed),
        className: "num")
      html += cell(
        "counts",
        text: "\(Count.grouped(batch.inserted))/\(Count.grouped(batch.updated))/"
          + Count.grouped(batch.unchanged), className: "num")
      html += cell("created_at", text: batch.createdAt)
      html += "</tr>\n"
    }
    return html + "</tbody>\n</table>\n</section>\n"
  }

  // MARK: - Cells and words

  /// A table cell for the column `key`: `text` shown, `value` (when given) kept for programs.
  private static func cell(
    _ key: String, text: String, value: String? = nil, className: String? = nil
  ) -> String {
    let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
    let valueAttribute = value.map { " data-value=\"\(HTML.escape($0))\"" } ?? ""
    return "<td data-col=\"\(key)\"\(valueAttribute)\(classAttribute)>\(HTML.escape(text))</td>"
  }

  /// Money: `¥1,234.50` shown, `1234.50` kept (as `report roi --format csv` prints it).
  private static func moneyCell(_ key: String, _ fen: Int64) -> String {
    cell(key, text: "¥" + Money.yuanGrouped(fen), value: Money.yuan(fen), className: "num")
  }

  /// A ratio to two decimals, `—` when undefined.
  private static func ratioCell(_ key: String, _ value: Fraction?) -> String {
    cell(key, text: ratio(value), value: value?.decimal(digits: 2) ?? "", className: "num")
  }

  /// Two decimals, or `—`.
  static func ratio(_ value: Fraction?) -> String { value?.decimal(digits: 2) ?? "—" }

  /// A percentage with two decimals ("3.52%"), or `—`.
  static func percent(_ value: Fraction?) -> String {
    value.map { $0.times(Fraction(100)).decimal(digits: 2) + "%" } ?? "—"
  }

  /// A count with its sign: "+1,200", "-300", "0".
  private static func signed(_ value: Int64) -> String {
    (value > 0 ? "+" : "") + Count.grouped(value)
  }

  /// The trend in words.
  private static func trend(_ trend: Trend?) -> String {
    switch trend {
    case .up: "↑ 上升"
    case .down: "↓ 下降"
    case .flat: "→ 持平"
    case nil: "—"
    }
  }

  /// A legend entry: a swatch (a bar, or a line, maybe dashed or hatched) and its text.
  private static func swatch(
    _ color: String, _ text: String, line: Bool = false, dashed: Bool = false,
    hatched: Bool = false
  ) -> String {
    let kind =
      line ? (dashed ? "swatch dashed" : "swatch line") : hatched ? "swatch hatched" : "swatch"
    let style = line ? "border-top-color:\(color)" : "background-color:\(color)"
    return "<li><span class=\"\(kind)\" style=\"\(style)\"></span>\(HTML.escape(text))</li>"
  }

  // MARK: - Style

  /// The page's CSS: screen and A4 print.
  static let style = """
    :root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --paper: #ffffff; --bg: #f3f4f6; }
    * { box-sizing: border-box; }
    html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    body { margin: 0; background: var(--bg); color: var(--ink);
      font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Hiragino Sans GB",
        "Source Han Sans SC", sans-serif;
      font-size: 14px; line-height: 1.55; }
    main { max-width: 980px; margin: 0 auto; padding: 28px 24px 40px; }
    header.page { margin-bottom: 18px; }
    .kicker { margin: 0; color: #b91c1c; font-size: 12px; letter-spacing: .08em; }
    h1 { margin: 2px 0 4px; font-size: 26px; }
    .facts { margin: 0; color: var(--muted); }
    h2 { margin: 0 0 4px; font-size: 17px; }
    h3 { margin: 14px 0 6px; font-size: 14px; color: #374151; }
    .sub { margin: 0 0 10px; color: var(--muted); font-size: 12.5px; }
    section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
      padding: 16px 20px; margin: 14px 0; break-inside: avoid; page-break-inside: avoid; }
    section.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
      gap: 10px; padding: 14px; }
    .kpi { border-left: 3px solid #2563eb; padding: 2px 10px; }
    .kpi .label { color: var(--muted); font-size: 12px; }
    .kpi .value { font-size: 21px; font-weight: 700; font-variant-numeric: tabular-nums; }
    .kpi .note { color: var(--muted); font-size: 11.5px; }
    svg.chart { display: block; width: 100%; height: auto; break-inside: avoid; }
    svg.chart text { font-family: inherit; font-size: 12px; fill: #4b5563; }
    svg.chart .grid { stroke: #eef0f3; stroke-width: 1; }
    svg.chart .baseline { stroke: #9ca3af; stroke-width: 1; }
    svg.chart .floor-label { fill: #dc2626; font-weight: 700; }
    svg.chart .empty { fill: var(--muted); font-size: 15px; }
    ul.legend { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap;
      gap: 4px 18px; font-size: 12px; color: #374151; }
    ul.legend li { display: flex; align-items: center; gap: 6px; }
    .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
    .swatch.line, .swatch.dashed { width: 20px; height: 0; border-radius: 0;
      border-top: 3px solid; }
    .swatch.dashed { border-top-style: dashed; }
    .swatch.hatched { background-image: repeating-linear-gradient(45deg,
      rgba(255,255,255,.55) 0 2px, transparent 2px 5px); }
    table { width: 100%; border-collapse: collapse; font-size: 12.5px;
      font-variant-numeric: tabular-nums; }
    th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left;
      vertical-align: top; }
    th { background: #f9fafb; color: #374151; font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; white-space: nowrap; }
    td.title { max-width: 220px; }
    td.hash, td.file { font-family: "Noto Sans Mono CJK SC", ui-monospace, monospace;
      font-size: 11.5px; word-break: break-all; }
    tr.below td[data-col="roi_model"] { color: #b91c1c; font-weight: 600; }
    .none { color: var(--muted); margin: 4px 0; }
    code { font-family: "Noto Sans Mono CJK SC", ui-monospace, monospace; font-size: 12px;
      background: #f3f4f6; padding: 1px 4px; border-radius: 4px; }
    footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
    @page { size: A4; margin: 12mm; }
    @media print {
      body { background: #ffffff; font-size: 11px; }
      main { max-width: none; padding: 0; }
      section { border: none; border-radius: 0; padding: 0; margin: 0 0 8mm; }
      section.kpis { padding: 0; }
      table { font-size: 10px; }
      thead { display: table-header-group; }
      tr { break-inside: avoid; }
    }
    """
}
