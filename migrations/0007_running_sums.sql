-- 0007_running_sums: every video's running sums by day, so that a window costs two lookups
-- per video whatever its length and however many days the ledger holds.
--
-- One row per video and day with metric rows: `sums` holds, for each source the video has
-- had up to and including that day, the totals of its metric rows from the first day through
-- `day` (rows, the nine numbers, and the GMV booked on natural days without plays). The sums
-- of any window are the row at or before its last day less the row before its first day
-- (docs/internals.md, "Running sums").
--
-- The rows are derived data: aimt rewrites a video's rows from the first day a write changed,
-- inside the write's transaction, and `aimt check --deep` recomputes them from `metric` and
-- reports any difference. The format of `sums` is aimt's own (a version byte, a bit per
-- source, then variable-length integers); read windows through aimt, or `metric` with SQL.
-- aimt fills the table for an existing ledger right after this file runs.

CREATE TABLE metric_running (
  video_ref INTEGER NOT NULL,   -- video.id
  day       INTEGER NOT NULL,   -- days since 1970-01-01
  sums      BLOB NOT NULL,
  PRIMARY KEY (video_ref, day)
) STRICT, WITHOUT ROWID;

