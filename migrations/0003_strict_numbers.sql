-- 0003_strict_numbers: every number column holds a whole number within the ledger's limits.
--
-- The tables that hold numbers become STRICT (SQLite 3.37+): an INTEGER column refuses
-- text such as 'abc' and real numbers, even when the row is written with sqlite3 by hand,
-- so a report can never drop or misread a value. Each number also has its limit as a CHECK:
-- money at most 999,999,999,999,999 fen (just under ¥10 trillion), counts at most
-- 9,999,999,999,999. Within these limits no sum a report makes can wrap (see
-- docs/decisions.md, "Limits"). aimt refuses a value beyond them before writing, with the
-- file, line and column.
--
-- Each table is rebuilt under a new name, filled, and renamed into place. The rename runs in
-- legacy mode so that the views which name these tables are left as they are (they name the
-- table, not its old copy). An upgrade stops, changing nothing, if a stored value is text or
-- beyond the limits: `aimt init` says so.

PRAGMA legacy_alter_table = ON;

CREATE TABLE metric_strict (
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
  given        INTEGER NOT NULL DEFAULT 0 CHECK (given BETWEEN 0 AND 255),
  batch_id     INTEGER NOT NULL,
  CHECK (source <> 0 OR cost = 0),
  PRIMARY KEY (video_ref, day, source, placement_id)
) STRICT, WITHOUT ROWID;
INSERT INTO metric_strict SELECT * FROM metric;
DROP TABLE metric;
ALTER TABLE metric_strict RENAME TO metric;

CREATE TABLE audience_strict (
  brand          TEXT NOT NULL REFERENCES brand (name) ON UPDATE CASCADE,
  date           TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  o              INTEGER NOT NULL DEFAULT 0 CHECK (o BETWEEN 0 AND 9999999999999),
  a1             INTEGER NOT NULL DEFAULT 0 CHECK (a1 BETWEEN 0 AND 9999999999999),
  a2             INTEGER NOT NULL DEFAULT 0 CHECK (a2 BETWEEN 0 AND 9999999999999),
  a3             INTEGER NOT NULL DEFAULT 0 CHECK (a3 BETWEEN 0 AND 9999999999999),
  a4             INTEGER NOT NULL DEFAULT 0 CHECK (a4 BETWEEN 0 AND 9999999999999),
  a5             INTEGER NOT NULL DEFAULT 0 CHECK (a5 BETWEEN 0 AND 9999999999999),
  category_total INTEGER CHECK (category_total BETWEEN 0 AND 9999999999999),
  batch_id       INTEGER NOT NULL REFERENCES import_batch (batch_id),
  PRIMARY KEY (brand, date)
) STRICT, WITHOUT ROWID;
INSERT INTO audience_strict SELECT * FROM audience;
DROP TABLE audience;
ALTER TABLE audience_strict RENAME TO audience;

CREATE TABLE placement_strict (
  placement_id TEXT PRIMARY KEY CHECK (placement_id <> ''),
  video_ref    INTEGER NOT NULL REFERENCES video (id),
  tool         TEXT NOT NULL REFERENCES source (name) CHECK (tool <> 'natural'),
  mode         TEXT CHECK (mode IN ('smart', 'targeted')),
  targeting    TEXT CHECK (targeting IN ('basic', 'interest', 'kol_followers', 'yuntu',
                                         'laika', 'kol_behavior', 'auto')),
  strategy     TEXT CHECK (strategy IN ('standard', 'realtime', 'explosive')),
  budget       INTEGER CHECK (budget BETWEEN 0 AND 999999999999999),   -- fen
  start        TEXT NOT NULL,
  "end"        TEXT,                                                   -- NULL: open-ended
  CHECK ("end" IS NULL OR "end" >= start),
  CHECK (tool <> 'dou_plus' OR budget BETWEEN 10000 AND 500000000),
  CHECK (tool <> 'content_service' OR budget >= 5000000)
) STRICT, WITHOUT ROWID;
INSERT INTO placement_strict SELECT * FROM placement;
DROP TABLE placement;
ALTER TABLE placement_strict RENAME TO placement;
CREATE INDEX placement_by_video ON placement (video_ref, tool, start);

CREATE TABLE kol_followers_strict (
  kol_id    TEXT NOT NULL REFERENCES kol (kol_id) ON UPDATE CASCADE,
  as_of     TEXT NOT NULL CHECK (as_of GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  followers INTEGER NOT NULL CHECK (followers BETWEEN 0 AND 9999999999999),
  PRIMARY KEY (kol_id, as_of)
) STRICT, WITHOUT ROWID;
INSERT INTO kol_followers_strict SELECT * FROM kol_followers;
DROP TABLE kol_followers;
ALTER TABLE kol_followers_strict RENAME TO kol_followers;

PRAGMA legacy_alter_table = OFF;
