-- 0010_running_chunks: every video's running sums in chunks of 16 days, one row a chunk.
--
-- Replaces the row per video and day of `0007_running_sums`: `sums` holds the video's totals
-- over every day before the chunk, then each day of the chunk that has metric rows with that
-- day's own totals (per source: rows, the nine numbers, and the GMV booked on natural days
-- without plays). The running sums through a day are the chunk at or before it, its totals
-- before the chunk plus its days up to that day; a window's sums are those at its last day
-- less those at the day before its first (docs/internals.md, "Running sums in chunks"). Half
-- the pages of a row per day, and a day appended rewrites the video's last chunk.
--
-- Derived data, as before: aimt rewrites a video's chunks from the first day a write changed,
-- inside the write's transaction, and `aimt check --deep` recomputes them from `metric`. The
-- format of `sums` is aimt's own (a version byte, the chunk's number, then variable-length
-- integers); read windows through aimt, or `metric` with SQL. aimt fills the table from
-- `metric` right after this file runs.

DROP TABLE metric_running;

CREATE TABLE metric_running (
  video_ref INTEGER NOT NULL,   -- video.id
  chunk     INTEGER NOT NULL,   -- days since 1970-01-01 divided by 16, rounded down
  sums      BLOB NOT NULL,
  PRIMARY KEY (video_ref, chunk)
) STRICT, WITHOUT ROWID;
