-- 0002_analyst_views: views for analysts who open the ledger with sqlite3, DuckDB or Datasette.
-- aimt's own reports do not read them (they add up `metric` directly, in integers).

-- One row per video and day: natural and paid traffic side by side, money in fen (exact) and
-- yuan. Summing a window's rows of one video gives the inputs of its traffic ROI model.
-- `WHERE video_id = ?` is pushed into the view: one index lookup and one key range of `metric`.
CREATE VIEW video_daily AS
SELECT v.video_id,
       date(m.day * 86400, 'unixepoch') AS date,
       v.kol_id, v.brand, v.chain,
       sum(CASE WHEN m.source = 0 THEN m.impressions ELSE 0 END) AS natural_impressions,
       sum(CASE WHEN m.source = 0 THEN m.gmv ELSE 0 END) AS natural_gmv_fen,
       sum(CASE WHEN m.source <> 0 THEN m.impressions ELSE 0 END) AS paid_impressions,
       sum(m.cost) AS paid_cost_fen,
       sum(CASE WHEN m.source <> 0 THEN m.gmv ELSE 0 END) AS paid_gmv_fen,
       sum(CASE WHEN m.source = 0 THEN m.gmv ELSE 0 END) / 100.0 AS natural_gmv_yuan,
       sum(m.cost) / 100.0 AS paid_cost_yuan,
       sum(CASE WHEN m.source <> 0 THEN m.gmv ELSE 0 END) / 100.0 AS paid_gmv_yuan,
       sum(m.orders) AS orders, sum(m.likes) AS likes, sum(m.comments) AS comments,
       sum(m.shares) AS shares, sum(m.follows) AS follows
FROM video AS v CROSS JOIN metric AS m ON m.video_ref = v.id
GROUP BY v.video_id, date;

-- The 5A snapshots with the totals `aimt report 5a` shows.
CREATE VIEW audience_5a AS
SELECT brand, date, o, a1, a2, a3, a4, a5,
       a1 + a2 + a3 + a4 + a5 AS total,
       a2 + a3 AS a2_a3,
       category_total
FROM audience;
