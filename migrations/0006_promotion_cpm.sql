-- 0006_promotion_cpm: a promotion may carry its own CPM price.
--
-- Inside a sale bought traffic costs more (bids run 2–3×), so the decisions divide the model
-- by a sale CPM: `cpm_price` × `sale_cpm_factor` by default (docs/method.md, "Decisions").
-- A promotion whose CPM the brand knows (from last year's sale, or a quote) sets it here, in
-- fen per thousand impressions; NULL keeps the default. Like the other money columns it is
-- positive and at most 999,999,999,999,999 fen (docs/decisions.md, "Limits").
--
-- The table is rebuilt STRICT under a new name, filled, and renamed into place, as in
-- 0003_strict_numbers (legacy mode, so views naming the table are left as they are).

PRAGMA legacy_alter_table = ON;

CREATE TABLE promotion_cpm (
  name      TEXT PRIMARY KEY CHECK (name <> ''),
  start     TEXT NOT NULL,
  "end"     TEXT NOT NULL,
  cpm_price INTEGER CHECK (cpm_price BETWEEN 1 AND 999999999999999),   -- fen; NULL: default
  CHECK ("end" >= start)
) STRICT, WITHOUT ROWID;
INSERT INTO promotion_cpm (name, start, "end") SELECT name, start, "end" FROM promotion;
DROP TABLE promotion;
ALTER TABLE promotion_cpm RENAME TO promotion;

PRAGMA legacy_alter_table = OFF;
