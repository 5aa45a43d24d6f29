-- 0001_ledger: the first schema of an aimt ledger.
--
-- Conventions
--   * Money is INTEGER fen (1 yuan = 100 fen), never REAL.
--   * Small tables keep calendar days as TEXT 'YYYY-MM-DD' and moments as TEXT
--     'YYYY-MM-DD HH:MM:SS' (Beijing wall-clock time), so they read well in sqlite3.
--   * The fact table `metric` is built for tens of millions of rows: it stores the
--     day as INTEGER days since 1970-01-01, the video as the integer `video.id`
--     and the source as a small integer code, clustered (WITHOUT ROWID) by
--     video then day so that a rolling window of one video is one range read.
--     The view `daily_metrics` shows it with text dates, ids and yuan columns.
--   * Ledger rules that SQLite can check on a single row are CHECK constraints;
--     rules across rows are enforced by aimt on every write and re-verified by
--     `aimt check`.
-- A shipped migration never changes: a schema change is a new file.

CREATE TABLE setting (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- The traffic sources a metric can come from: natural traffic and the paid tools.
-- `stage` is the AIMT funnel stage (alliance, influence, magnify, trade).
CREATE TABLE source (
  code  INTEGER PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE,
  stage TEXT,
  paid  INTEGER NOT NULL CHECK (paid IN (0, 1))
);
INSERT INTO source (code, name, stage, paid) VALUES
  (0, 'natural',         NULL,        0),
  (1, 'dou_plus',        'influence', 1),
  (2, 'content_service', 'influence', 1),
  (3, 'kol_bidding',     'influence', 1),
  (4, 'suixintui',       'influence', 1),
  (5, 'qianchuan',       'magnify',   1),
  (6, 'feed_ad',         'magnify',   1),
  (7, 'uni_desk',        'magnify',   1),
  (8, 'jd_coads',        'magnify',   1);

-- One row per write: an import of one file, a `log`, an `add`.
CREATE TABLE import_batch (
  batch_id   INTEGER PRIMARY KEY,
  command    TEXT NOT NULL,          -- import | log | add | demo
  kind       TEXT NOT NULL,          -- kols | videos | placements | metrics | audience | promotions
  file       TEXT,
  sha256     TEXT,
  profile    TEXT,
  inserted   INTEGER NOT NULL DEFAULT 0,
  updated    INTEGER NOT NULL DEFAULT 0,
  unchanged  INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL           -- UTC, 'YYYY-MM-DD HH:MM:SS'
);

CREATE TABLE brand (
  name TEXT PRIMARY KEY CHECK (name <> '')
) WITHOUT ROWID;

CREATE TABLE kol (
  kol_id   TEXT PRIMARY KEY CHECK (kol_id <> ''),
  name     TEXT,
  category TEXT
) WITHOUT ROWID;

-- Follower counts are kept per date: tiers and the Dou+ mode depend on them.
CREATE TABLE kol_followers (
  kol_id    TEXT NOT NULL REFERENCES kol (kol_id) ON UPDATE CASCADE,
  as_of     TEXT NOT NULL CHECK (as_of GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  followers INTEGER NOT NULL CHECK (followers >= 0),
  PRIMARY KEY (kol_id, as_of)
) WITHOUT ROWID;

CREATE TABLE video (
  id                 INTEGER PRIMARY KEY,
  video_id           TEXT NOT NULL UNIQUE CHECK (video_id <> ''),
  kol_id             TEXT REFERENCES kol (kol_id) ON UPDATE CASCADE,
  brand              TEXT REFERENCES brand (name) ON UPDATE CASCADE,
  title              TEXT,
  published          TEXT,
  chain              TEXT CHECK (chain IN ('tmall', 'closed_loop')),
  product            TEXT,
  bidding_authorized INTEGER NOT NULL DEFAULT 0 CHECK (bidding_authorized IN (0, 1)),
  ad_review          TEXT NOT NULL DEFAULT 'pending'
                     CHECK (ad_review IN ('pending', 'passed', 'rejected'))
);
CREATE INDEX video_by_kol ON video (kol_id);
CREATE INDEX video_by_brand ON video (brand);

CREATE TABLE placement (
  placement_id TEXT PRIMARY KEY CHECK (placement_id <> ''),
  video_ref    INTEGER NOT NULL REFERENCES video (id),
  tool         TEXT NOT NULL REFERENCES source (name) CHECK (tool <> 'natural'),
  mode         TEXT CHECK (mode IN ('smart', 'targeted')),
  targeting    TEXT CHECK (targeting IN ('basic', 'interest', 'kol_followers', 'yuntu',
                                         'laika', 'kol_behavior', 'auto')),
  strategy     TEXT CHECK (strategy IN ('standard', 'realtime', 'explosive')),
  budget       INTEGER CHECK (budget >= 0),   -- fen
  start        TEXT NOT NULL,
  "end"        TEXT,                          -- NULL: open-ended
  CHECK ("end" IS NULL OR "end" >= start),
  CHECK (tool <> 'dou_plus' OR budget BETWEEN 10000 AND 500000000),
  CHECK (tool <> 'content_service' OR budget >= 5000000)
) WITHOUT ROWID;
CREATE INDEX placement_by_video ON placement (video_ref, tool, start);

-- Daily numbers per video, source and (optionally) order. `placement_id` is ''
-- when the row is not tied to one order; it is the tool's order id otherwise.
-- video_ref, source and batch_id name rows of video, source and import_batch. They carry
-- no FOREIGN KEY clause: three parent lookups per row cost a tenth of a million-row
-- import, aimt's writer resolves every reference itself, and `aimt check` verifies them.
CREATE TABLE metric (
  video_ref    INTEGER NOT NULL,              -- video.id
  day          INTEGER NOT NULL,              -- days since 1970-01-01
  source       INTEGER NOT NULL,              -- source.code
  placement_id TEXT NOT NULL DEFAULT '',
  impressions  INTEGER NOT NULL DEFAULT 0 CHECK (impressions >= 0),
  cost         INTEGER NOT NULL DEFAULT 0 CHECK (cost >= 0),   -- fen
  gmv          INTEGER NOT NULL DEFAULT 0 CHECK (gmv >= 0),    -- fen
  orders       INTEGER NOT NULL DEFAULT 0 CHECK (orders >= 0),
  likes        INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),
  comments     INTEGER NOT NULL DEFAULT 0 CHECK (comments >= 0),
  shares       INTEGER NOT NULL DEFAULT 0 CHECK (shares >= 0),
  follows      INTEGER NOT NULL DEFAULT 0 CHECK (follows >= 0),
  -- Which of the eight numbers were ever given (bit 0 impressions … bit 7 follows): a
  -- partial file fills the others later without that counting as a revision.
  given        INTEGER NOT NULL DEFAULT 0,
  batch_id     INTEGER NOT NULL,              -- import_batch.batch_id of the last write
  CHECK (source <> 0 OR cost = 0),          -- natural traffic carries no cost
  PRIMARY KEY (video_ref, day, source, placement_id)
) WITHOUT ROWID;
-- No secondary index on day: on a million-row import it made every insert a random
-- B-tree write (38 s instead of 17 s for 1.4M rows); reports read the clustered key.

CREATE TABLE audience (
  brand          TEXT NOT NULL REFERENCES brand (name) ON UPDATE CASCADE,
  date           TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  o              INTEGER NOT NULL DEFAULT 0 CHECK (o >= 0),
  a1             INTEGER NOT NULL DEFAULT 0 CHECK (a1 >= 0),
  a2             INTEGER NOT NULL DEFAULT 0 CHECK (a2 >= 0),
  a3             INTEGER NOT NULL DEFAULT 0 CHECK (a3 >= 0),
  a4             INTEGER NOT NULL DEFAULT 0 CHECK (a4 >= 0),
  a5             INTEGER NOT NULL DEFAULT 0 CHECK (a5 >= 0),
  category_total INTEGER CHECK (category_total >= 0),
  batch_id       INTEGER NOT NULL REFERENCES import_batch (batch_id),
  PRIMARY KEY (brand, date)
) WITHOUT ROWID;

CREATE TABLE promotion (
  name  TEXT PRIMARY KEY CHECK (name <> ''),
  start TEXT NOT NULL,
  "end" TEXT NOT NULL,
  CHECK ("end" >= start)
) WITHOUT ROWID;

-- Every change of a stored value: the old and new value and the batch that made it.
-- A first insertion is not a revision. For metric rows `entity_key` is the video id
-- and `date`, `source`, `placement_id` name the row; money values are fen.
CREATE TABLE revision (
  revision_id  INTEGER PRIMARY KEY,
  batch_id     INTEGER NOT NULL REFERENCES import_batch (batch_id),
  entity       TEXT NOT NULL,     -- metric | kol | video | placement | audience | promotion
  entity_key   TEXT NOT NULL,
  date         TEXT,
  source       TEXT,
  placement_id TEXT,
  field        TEXT NOT NULL,
  old_value,
  new_value
);
CREATE INDEX revision_by_entity ON revision (entity, entity_key, date);

-- The daily fact as an analyst wants to read it.
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
       m.batch_id
FROM metric AS m
JOIN video AS v ON v.id = m.video_ref
JOIN source AS s ON s.code = m.source;

-- The latest known follower count of each KOL.
CREATE VIEW kol_latest AS
SELECT k.kol_id, k.name, k.category,
       (SELECT f.followers FROM kol_followers AS f
         WHERE f.kol_id = k.kol_id ORDER BY f.as_of DESC LIMIT 1) AS followers,
       (SELECT f.as_of FROM kol_followers AS f
         WHERE f.kol_id = k.kol_id ORDER BY f.as_of DESC LIMIT 1) AS as_of
FROM kol AS k;

-- Placements with the video's text id and the budget in yuan.
CREATE VIEW placements AS
SELECT p.placement_id, v.video_id, p.tool, p.mode, p.targeting, p.strategy,
       p.budget AS budget_fen, p.budget / 100.0 AS budget_yuan, p.start, p."end"
FROM placement AS p
JOIN video AS v ON v.id = p.video_ref;
