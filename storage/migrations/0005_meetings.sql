-- Meal meetings: the meetings of a network and their timeline, who answers and who came, the
-- topics for the agenda, the agreed actions and their reminders, and what a host or member is
-- about to type or choose. Timestamps are ISO-8601 UTC text; dates (due_on) are local dates.

-- Where a network usually meets, remembered from the last time a host gave the address, so
-- "police station" needs typing only once. Coordinates make a Telegram venue; without them the
-- address goes out as text.
CREATE TABLE meeting_venues (
    network_id INTEGER NOT NULL REFERENCES networks (id),
    kind       TEXT NOT NULL CHECK (kind IN ('police_station', 'town_hall')),
    address    TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 300),
    latitude   REAL,
    longitude  REAL,
    PRIMARY KEY (network_id, kind)
);

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    network_id      INTEGER NOT NULL REFERENCES networks (id),
    starts_at       TEXT NOT NULL,
    venue_kind      TEXT NOT NULL CHECK (venue_kind IN ('police_station', 'town_hall', 'other')),
    venue_name      TEXT,                         -- for 'other': what the place is called
    address         TEXT,
    latitude        REAL,
    longitude       REAL,
    meal_note       TEXT CHECK (meal_note IS NULL OR length(meal_note) <= 300),
    status          TEXT NOT NULL DEFAULT 'planned'
                    CHECK (status IN ('planned', 'cancelled')),
    -- Lead times in days before the meeting (the defaults of bot.meetings.Leads).
    poll_days       INTEGER NOT NULL DEFAULT 21 CHECK (poll_days > 0),
    remind_days     INTEGER NOT NULL DEFAULT 7 CHECK (remind_days > 0),
    deadline_days   INTEGER NOT NULL DEFAULT 3 CHECK (deadline_days > 0),
    -- Raised by each reschedule: the timeline starts again, steps are per round.
    round           INTEGER NOT NULL DEFAULT 1,
    planned_at      TEXT NOT NULL,                -- when this round's timeline began
    created_by      INTEGER,                      -- NULL once that host used /forget
    created_at      TEXT NOT NULL,
    cancelled_at    TEXT,
    attendance_confirmed_at TEXT,
    CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);
CREATE INDEX meetings_by_network ON meetings (network_id, starts_at);

-- The native polls of a meeting (one per round), found again from poll_answer updates.
CREATE TABLE meeting_polls (
    poll_id     TEXT PRIMARY KEY,                 -- Telegram's poll id
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    closed_at   TEXT                              -- stopPoll queued
);
CREATE INDEX meeting_polls_by_meeting ON meeting_polls (meeting_id);

-- The timeline steps taken, per round: claimed in the same transaction as the messages they
-- queue, so a restart never repeats one.
CREATE TABLE meeting_steps (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    round      INTEGER NOT NULL,
    step       TEXT NOT NULL,
    done_at    TEXT NOT NULL,
    PRIMARY KEY (meeting_id, round, step)
);

-- One member's answer to one meeting (from the poll or the private buttons: the same record),
-- and afterwards whether they came. No row, or answer NULL: no answer (yet).
CREATE TABLE attendance (
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    answer      TEXT CHECK (answer IN ('yes', 'no', 'maybe')),
    answered_at TEXT,
    attended    INTEGER CHECK (attended IN (0, 1)),  -- set by a host after the meeting
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX attendance_by_user ON attendance (user_id);

CREATE TABLE meeting_topics (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
    text       TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    anonymous  INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),  -- "without my name"
    created_at TEXT NOT NULL
);
CREATE INDEX meeting_topics_by_meeting ON meeting_topics (meeting_id);

-- Agreed actions: what, who (any member), by when; reminders and the hosts' overdue notice.
CREATE TABLE actions (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES networks (id),
    meeting_id  INTEGER REFERENCES meetings (id) ON DELETE SET NULL,
    what        TEXT NOT NULL CHECK (length(what) BETWEEN 1 AND 500),
    owner_id    INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
    due_on      TEXT NOT NULL,                    -- a local date, YYYY-MM-DD
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done')),
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    progress_at TEXT,
    done_at     TEXT,
    CHECK (status <> 'done' OR done_at IS NOT NULL)
);
CREATE INDEX actions_by_network ON actions (network_id, status);
CREATE INDEX actions_by_owner ON actions (owner_id);

CREATE TABLE action_steps (
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    step      TEXT NOT NULL,
    done_at   TEXT NOT NULL,
    PRIMARY KEY (action_id, step)
);

-- What a person is in the middle of with meetings (planning one, typing a topic or an action):
-- the step and what was chosen so far, as JSON. One at a time: a new one replaces the old.
CREATE TABLE meeting_drafts (
    user_id    INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('plan', 'year', 'reschedule', 'topic', 'action')),
    step       TEXT NOT NULL,
    network_id INTEGER REFERENCES networks (id),
    meeting_id INTEGER REFERENCES meetings (id) ON DELETE CASCADE,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
