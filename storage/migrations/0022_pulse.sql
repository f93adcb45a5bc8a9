-- The mood pulse (issue 11): the hosts ask the members of a network "wat leeft er in de wijk?"
-- and members answer with a mood (calm, worried, tense, rumours going round), a few words if
-- they like, and their name only if they choose to sign.
--
-- What is stored, and for how long (docs/privacy.md):
-- - `pulses`: one row per pulse; never a person's id (who started it is in the audit).
-- - `pulse_asked`: who was asked, only while the pulse is open (so that only they answer, and
--   the one reminder reaches only who did not answer); deleted at closing.
-- - `pulse_answers`: the mood, the words, whether signed. `user_id` is kept only while the
--   pulse is open (to change an answer, and to answer once) and, after it, only for a signed
--   answer; at closing an unsigned answer loses it. After `[retention] pulse_days` the words
--   and the signature go too; the moods stay as numbers of the network's history.
-- - `pulse_schedules`: per network, the monthly pulse (off by default) and the pulse after an
--   alert closes (on by default), with when each is due next.
CREATE TABLE pulses (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('asked', 'monthly', 'after_incident')),
    opened_at   TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    asked       INTEGER NOT NULL DEFAULT 0,   -- how many members were asked
    reminded_at TEXT,                         -- the one reminder went out
    closed_at   TEXT                          -- NULL: open
);
-- One open pulse per network at a time.
CREATE UNIQUE INDEX pulses_one_open ON pulses (network_id) WHERE closed_at IS NULL;
CREATE INDEX pulses_by_network ON pulses (network_id, opened_at);

CREATE TABLE pulse_asked (
    pulse_id INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (pulse_id, user_id)
);
CREATE INDEX pulse_asked_by_user ON pulse_asked (user_id);

CREATE TABLE pulse_answers (
    id          INTEGER PRIMARY KEY,
    pulse_id    INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    user_id     INTEGER,                      -- while open, or signed; else NULL
    mood        TEXT NOT NULL CHECK (mood IN ('calm', 'worried', 'tense', 'rumours')),
    words       TEXT CHECK (words IS NULL OR length(words) BETWEEN 1 AND 280),
    signed      INTEGER NOT NULL DEFAULT 0 CHECK (signed IN (0, 1)),
    answered_at TEXT NOT NULL,
    CHECK (signed = 0 OR user_id IS NOT NULL)
);
-- Once per person per pulse (NULLs, the unlinked answers, do not collide).
CREATE UNIQUE INDEX pulse_answers_once ON pulse_answers (pulse_id, user_id);
CREATE INDEX pulse_answers_by_user ON pulse_answers (user_id);
CREATE INDEX pulse_answers_by_time ON pulse_answers (answered_at);

CREATE TABLE pulse_schedules (
    network_id        INTEGER PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    monthly           INTEGER NOT NULL DEFAULT 0 CHECK (monthly IN (0, 1)),
    next_monthly_at   TEXT,                   -- when the monthly pulse is due next
    after_incident    INTEGER NOT NULL DEFAULT 1 CHECK (after_incident IN (0, 1)),
    after_incident_at TEXT                    -- a pulse due after an alert closed
);
