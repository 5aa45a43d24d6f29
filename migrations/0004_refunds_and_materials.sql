-- 0004_refunds_and_materials: refunds beside gross GMV, and the 千川 material ids of videos.
--
-- `metric.refund` holds the refunds a shop (抖店/罗盘) export reports for the row's GMV, in fen,
-- beside the gross `gmv`; reports compute ROI on gmv − refund (see docs/decisions.md, "Refunds
-- and net GMV"). It is the ninth number of a row, so `given` (a bit per number) now goes up to
-- 511. The table is rebuilt like 0003_strict_numbers: STRICT, each number with its limit as a
-- CHECK, renamed into place in legacy mode so the views that name it stay as they are.
--
-- `material` maps a 千川 material id (素材ID, not a video id) to the video it shows, filled by
-- a 千川 material export that carries both ids, so a file with only material ids meets the
-- Dou+ and shop rows of the same video (see docs/decisions.md, "Material ids").

PRAGMA legacy_alter_table = ON;

CREATE TABLE metric_refunds (
  video_ref    INTEGER NOT NULL,
  day          INTEGER NOT NULL,
  source       INTEGER NOT NULL,
  placement_id TEXT NOT NULL DEFAULT '',
  impressions  INTEGER NOT NULL DEFAULT 0 CHECK (impressions BETWEEN 0 AND 9999999999999),
  cost         INTEGER NOT NULL DEFAULT 0 CHECK (cost BETWEEN 0 AND 999999999999999),
  gmv          INTEGER NOT NULL DEFAULT 0 CHECK (gmv BETWEEN 0 AND 999999999999999),
  orders       INTEGER NOT NULL DEFAULT 0 CHECK (orders BETWEEN 0 AND 9999999999999),
  likes        INTEGER NOT NULL DEFAULT 0 CHECK (likes BETWEEN 0 AND 9999999999999),
  comments     INTEGER NOT NULL DEFAULT 0 CHECK (comments BETWEEN 0 AND 9999999999999),
  shares       INTEGER NOT NULL DEFAULT 0 CHECK (shares BETWEEN 0 AND 9999999999999),
  follows      INTEGER NOT NULL DEFAULT 0 CHECK (follows BETWEEN 0 AND 9999999999999),
  refund       INTEGER NOT NULL DEFAULT 0 CHECK (refund BETWEEN 0 AND 999999999999999),
  given        INTEGER NOT NULL DEFAULT 0 CHECK (given BETWEEN 0 AND 511),
  batch_id     INTEGER NOT NULL,
  CHECK (source <> 0 OR cost = 0),
  PRIMARY KEY (video_ref, day, source, placement_id)
) STRICT, WITHOUT ROWID;
INSERT INTO metric_refunds
  (video_ref, day, source, placement_id, impressions, cost, gmv, orders, likes, comments,
   shares, follows, refund, given, batch_id)
SELECT video_ref, day, source, placement_id, impressions, cost, gmv, orders, likes, comments,
       shares, follows, 0, given, batch_id
FROM metric;
DROP TABLE metric;
ALTER TABLE metric_refunds RENAME TO metric;

PRAGMA legacy_alter_table = OFF;

-- The daily fact as an analyst wants to read it, now with the refunds and the net GMV.
DROP VIEW daily_metrics;
CREATE VIEW daily_metrics AS
SELECT date(m.day * 86400, 'unixepoch') AS date,
       v.video_id,
       s.name AS source,
       m.placement_id,
       m.impressions,
       m.cost AS cost_fen,
       m.gmv AS gmv_fen,
       m.cost / 100.0 AS cost_yuan,
       m.gmv / 100.0 AS gmv_yuan,
       m.orders, m.likes, m.comments, m.shares, m.follows,
       v.kol_id, v.brand, v.chain, s.stage, s.paid,
       m.batch_id,
       m.refund AS refund_fen,
       m.refund / 100.0 AS refund_yuan,
       m.gmv - m.refund AS net_gmv_fen,
       (m.gmv - m.refund) / 100.0 AS net_gmv_yuan
FROM metric AS m
JOIN video AS v ON v.id = m.video_ref
JOIN source AS s ON s.code = m.source;

-- A 千川 material id (素材ID) and the video (Douyin item id) it shows.
CREATE TABLE material (
  material_id TEXT PRIMARY KEY CHECK (material_id <> ''),
  video_ref   INTEGER NOT NULL REFERENCES video (id),
  batch_id    INTEGER NOT NULL REFERENCES import_batch (batch_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX material_by_video ON material (video_ref);
