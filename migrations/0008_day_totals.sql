-- 0008_day_totals: the totals of every video's metric rows per day and source.
--
-- One row per day with metric rows; `sums` is the same encoding as `metric_running.sums`, but
-- holds that day's totals (not running ones) over every video, per source. A report over all
-- videos by day, week, month or tool reads one row per day, and the ledger's first and last
-- days are one seek (docs/internals.md, "Running sums"). Derived data, like the running sums:
-- aimt rewrites the days a write changed, inside the write's transaction, `aimt check --deep`
-- recomputes them, and aimt fills the table for an existing ledger right after this file runs.

CREATE TABLE metric_day (
  day  INTEGER PRIMARY KEY,   -- days since 1970-01-01
  sums BLOB NOT NULL
) STRICT, WITHOUT ROWID;
