-- 0009_brand_day_totals: the totals of each brand's videos' metric rows per day and source.
--
-- One row per brand and day on which a video of that brand has metric rows; `sums` is the
-- encoding of `metric_day.sums`, holding that day's totals over the brand's videos only.
-- Videos without a brand are in no row. A brand's report by day (its spend before each 5A
-- snapshot, its review page, `report spend --brand`) reads one row per day, a range of this
-- table's key, instead of every metric row of the brand's videos (docs/internals.md,
-- "Running sums"). Derived data, like `metric_day`: aimt rewrites the rows a write changed,
-- moves a video's days to its new brand when the brand changes, inside the write's
-- transaction; a renamed brand carries its rows along (ON UPDATE CASCADE); `aimt check
-- --deep` recomputes them, and aimt fills the table for an existing ledger right after this
-- file runs.

CREATE TABLE metric_brand_day (
  brand TEXT NOT NULL REFERENCES brand (name) ON UPDATE CASCADE,
  day   INTEGER NOT NULL,   -- days since 1970-01-01
  sums  BLOB NOT NULL,
  PRIMARY KEY (brand, day)
) STRICT, WITHOUT ROWID;
