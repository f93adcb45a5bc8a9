-- A delivery lives as long as its message makes sense, not for a number of tries.
-- `expires_at`: after this moment it is not sent any more and ends as 'expired' (an alert after
-- its window, a meeting message once the meeting has begun, a routine notice after a day).
-- `last_try_at`: when it last failed for a passing reason, so the dispatcher can send everything
-- that waited out an outage at once when Telegram answers again.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with 'expired' allowed.
-- reply_to points into the new table itself; the rename below carries that reference along.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE deliveries_new (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    priority      INTEGER NOT NULL,               -- lower goes first
    method        TEXT NOT NULL,                  -- a Bot API method, e.g. sendMessage
    params        TEXT NOT NULL,                  -- its parameters as JSON (without chat_id)
    kind          TEXT NOT NULL,                  -- e.g. alert_group, alert_private, update
    incident_id   INTEGER REFERENCES incidents (id) ON DELETE CASCADE,
    network_id    INTEGER REFERENCES networks (id),
    user_id       INTEGER,                        -- the person, for private deliveries
    reply_to      INTEGER REFERENCES deliveries_new (id),  -- renamed with the table below
    pin           INTEGER NOT NULL DEFAULT 0 CHECK (pin IN (0, 1)),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'failed', 'unreachable', 'cancelled',
                                    'expired')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT,                           -- retry no earlier than this
    message_id    INTEGER,                        -- Telegram's id of the sent message
    sent_at       TEXT,
    error         TEXT,                           -- why it failed last, or why it ended
    created_at    TEXT NOT NULL,
    about_user_id INTEGER,
    expires_at    TEXT,                           -- not sent after this moment (NULL: never)
    last_try_at   TEXT,                           -- the last failed try, for a passing reason
    CHECK (status <> 'sent' OR message_id IS NOT NULL)
);

INSERT INTO deliveries_new (id, chat_id, priority, method, params, kind, incident_id, network_id,
    user_id, reply_to, pin, status, attempts, not_before, message_id, sent_at, error, created_at,
    about_user_id, expires_at)
SELECT id, chat_id, priority, method, params, kind, incident_id, network_id, user_id, reply_to,
    pin, status, attempts, not_before, message_id, sent_at, error, created_at, about_user_id,
    -- What was queued before this migration keeps a day from now, as routine notices do.
    CASE WHEN status = 'pending' THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '+1 day') END
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

CREATE INDEX deliveries_pending ON deliveries (status, priority, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_incident ON deliveries (incident_id);
CREATE INDEX deliveries_by_user ON deliveries (user_id);
CREATE INDEX deliveries_about_user ON deliveries (about_user_id) WHERE about_user_id IS NOT NULL;
CREATE INDEX deliveries_expiring ON deliveries (expires_at) WHERE status = 'pending';
