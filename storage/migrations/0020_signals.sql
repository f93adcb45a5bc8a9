-- Signals (issue 11): a short report from a member to the hosts of their network — what
-- happened, where, when, how urgent — never to the group chat, another network or a member who
-- is not a host. With "danger now" the member was told to call 112 first; the report is kept
-- all the same, marked urgent.
--
-- The reporter is kept even when they chose to stay anonymous to the hosts: they hear the
-- status and the hosts' answers through the bot. The hosts' answers are not kept here: each is
-- delivered to the reporter (its text cut once sent), the count is enough. /forget deletes a
-- reporter's signals and takes a handling host's id out of the others; the retention job
-- deletes a signal `[retention] signal_days` after it was closed (or last changed).
CREATE TABLE signals (
    id           INTEGER PRIMARY KEY,
    network_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    reporter_id  INTEGER NOT NULL,                 -- always kept: the status goes back to them
    anonymous    INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),  -- hidden from hosts
    danger_now   INTEGER NOT NULL DEFAULT 0 CHECK (danger_now IN (0, 1)),  -- told: 112 first
    what         TEXT NOT NULL CHECK (length(what) BETWEEN 1 AND 1000),
    place        TEXT CHECK (place IS NULL OR length(place) <= 200),     -- typed
    latitude     REAL,                             -- or a map pin
    longitude    REAL,
    happened     TEXT NOT NULL CHECK (happened IN ('now', 'today', 'earlier', 'typed')),
    happened_text TEXT CHECK (happened_text IS NULL OR length(happened_text) <= 100),
    urgency      TEXT NOT NULL CHECK (urgency IN ('low', 'today', 'urgent')),
    status       TEXT NOT NULL DEFAULT 'received'
                 CHECK (status IN ('received', 'looking', 'closed')),
    answers      INTEGER NOT NULL DEFAULT 0,       -- how many answers the hosts sent
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    taken_by     INTEGER,                          -- the host who picked it up (NULL once forgotten)
    taken_at     TEXT,
    closed_by    INTEGER,
    closed_at    TEXT,
    closing_word TEXT CHECK (closing_word IS NULL OR length(closing_word) <= 500),
    rev          INTEGER NOT NULL DEFAULT 1        -- bumped at each change: the cards follow
);
CREATE INDEX signals_open ON signals (network_id, status, id);
CREATE INDEX signals_by_reporter ON signals (reporter_id);
CREATE INDEX signals_by_age ON signals (coalesce(closed_at, updated_at));

-- Each host's copy of a signal (the card with its buttons), recorded when Telegram confirmed
-- it, so every copy shows the current status and who took it.
CREATE TABLE signal_cards (
    chat_id    INTEGER NOT NULL,                   -- the host's private chat
    message_id INTEGER NOT NULL,
    signal_id  INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    shown_rev  INTEGER NOT NULL,                   -- the signal's rev the copy shows
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX signal_cards_by_signal ON signal_cards (signal_id);
