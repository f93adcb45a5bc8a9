-- Retention (issue 10): what the daily job keeps of an incident once its details are gone,
-- how far each of its walks through history has come, and its runs.

-- An incident as numbers, written when its replies and moods go ([retention] reply_days) and
-- kept after the incident itself goes ([retention] incident_days): no text, no person.
CREATE TABLE incident_summaries (
    incident_id   INTEGER PRIMARY KEY,            -- the incident's id while it existed
    created_at    TEXT NOT NULL,
    closed_at     TEXT,
    severity      TEXT NOT NULL,
    sharing       TEXT NOT NULL,
    network_ids   TEXT NOT NULL DEFAULT '[]',     -- JSON list of the networks it went to
    group_chats   INTEGER NOT NULL DEFAULT 0,     -- group chats it reached
    reached       INTEGER NOT NULL DEFAULT 0,     -- people it went to privately
    acknowledged  INTEGER NOT NULL DEFAULT 0,
    replied       INTEGER NOT NULL DEFAULT 0,     -- gave a mood or a few words
    moods         TEXT NOT NULL DEFAULT '{}',     -- JSON {mood: how many}
    asked_to_call INTEGER NOT NULL DEFAULT 0,
    unreachable   INTEGER NOT NULL DEFAULT 0,
    summarised_at TEXT NOT NULL
);
CREATE INDEX incident_summaries_by_time ON incident_summaries (created_at);

-- Each walk through history (message bodies, replies) goes by id and remembers where it got,
-- so a daily run reads only what became old since the last one.
CREATE TABLE retention_progress (
    walk    TEXT PRIMARY KEY,
    done_to INTEGER NOT NULL DEFAULT 0              -- every id up to this one is done
);

-- The runs of the daily job: when, and how many rows each step cut or deleted (JSON). The
-- last finished run decides, at start, whether one is due; only the last hundred are kept.
CREATE TABLE retention_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    counts      TEXT NOT NULL DEFAULT '{}'
);

-- Deleting a delivery makes SQLite look for deliveries that answer it (reply_to), and deleting
-- an incident for drafts that point to it: without these, every deleted row read a whole table.
CREATE INDEX deliveries_by_reply_to ON deliveries (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX incident_drafts_by_incident ON incident_drafts (incident_id)
    WHERE incident_id IS NOT NULL;
