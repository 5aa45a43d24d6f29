-- 0005_audience_flow_and_kol_quotes: what the 巨量云图 and 巨量星图 exports give beyond the
-- layer counts and the follower count.
--
-- 1. A 5A snapshot keeps each layer's additions (新增) and losses (流失) for its day when the
--    export gives them: new_o … new_a5, lost_o … lost_a5 on `audience`, NULL when unknown.
-- 2. A KOL keeps the ids 巨量星图 knows it by: its 星图ID (`xingtu_id`) and its Douyin user id
--    (`douyin_uid`, 达人UID), each naming at most one KOL, so an export without 抖音号 finds
--    the KOL (docs/decisions.md, "KOLs without a 抖音号").
-- 3. `kol_quote` keeps a KOL's 星图 quote as of a day: its prices per video duration (fen),
--    expected CPM and CPE (fen), median plays, and interaction and completion rates in parts
--    per million (3.25% is 32500), exactly as the export gives them.
--
-- Limits are CHECKs as in 0003_strict_numbers: money at most 999,999,999,999,999 fen, counts
-- at most 9,999,999,999,999, rates 0 to 1,000,000.

ALTER TABLE audience ADD COLUMN new_o  INTEGER CHECK (new_o BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN new_a1 INTEGER CHECK (new_a1 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN new_a2 INTEGER CHECK (new_a2 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN new_a3 INTEGER CHECK (new_a3 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN new_a4 INTEGER CHECK (new_a4 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN new_a5 INTEGER CHECK (new_a5 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN lost_o  INTEGER CHECK (lost_o BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN lost_a1 INTEGER CHECK (lost_a1 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN lost_a2 INTEGER CHECK (lost_a2 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN lost_a3 INTEGER CHECK (lost_a3 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN lost_a4 INTEGER CHECK (lost_a4 BETWEEN 0 AND 9999999999999);
ALTER TABLE audience ADD COLUMN lost_a5 INTEGER CHECK (lost_a5 BETWEEN 0 AND 9999999999999);

ALTER TABLE kol ADD COLUMN xingtu_id TEXT CHECK (xingtu_id <> '');
ALTER TABLE kol ADD COLUMN douyin_uid TEXT CHECK (douyin_uid <> '');
CREATE UNIQUE INDEX kol_by_xingtu_id ON kol (xingtu_id) WHERE xingtu_id IS NOT NULL;
CREATE UNIQUE INDEX kol_by_douyin_uid ON kol (douyin_uid) WHERE douyin_uid IS NOT NULL;

CREATE TABLE kol_quote (
  kol_id           TEXT NOT NULL REFERENCES kol (kol_id) ON UPDATE CASCADE,
  as_of            TEXT NOT NULL CHECK (as_of GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  price_1_20s      INTEGER CHECK (price_1_20s BETWEEN 0 AND 999999999999999),     -- fen
  price_21_60s     INTEGER CHECK (price_21_60s BETWEEN 0 AND 999999999999999),    -- fen
  price_60s_plus   INTEGER CHECK (price_60s_plus BETWEEN 0 AND 999999999999999),  -- fen
  expected_cpm     INTEGER CHECK (expected_cpm BETWEEN 0 AND 999999999999999),    -- fen
  expected_cpe     INTEGER CHECK (expected_cpe BETWEEN 0 AND 999999999999999),    -- fen
  median_plays     INTEGER CHECK (median_plays BETWEEN 0 AND 9999999999999),
  interaction_rate INTEGER CHECK (interaction_rate BETWEEN 0 AND 1000000),        -- ppm
  completion_rate  INTEGER CHECK (completion_rate BETWEEN 0 AND 1000000),         -- ppm
  batch_id         INTEGER NOT NULL REFERENCES import_batch (batch_id),
  PRIMARY KEY (kol_id, as_of)
) STRICT, WITHOUT ROWID;
