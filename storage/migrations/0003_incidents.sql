-- Rapid-response incident broadcasts: the incident, who it went to, what came back, and the
-- durable outbox (deliveries) the dispatcher sends from. Timestamps are ISO-8601 UTC text.

CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER,                  -- a host or coordinator; NULL after /forget
    created_at          TEXT NOT NULL,
    severity            TEXT NOT NULL CHECK (severity IN ('info', 'urgent', 'critical')),
    -- "may be shared with your following" or "network only": shown on every copy.
    sharing             TEXT NOT NULL CHECK (sharing IN ('shareable', 'network_only')),
    text                TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 3500),
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at           TEXT,
    closed_by           INTEGER,
    closing_text        TEXT,
    -- The sender's live status message ("sent 120/300 · acknowledged 45 ..."), edited in place.
    status_chat_id      INTEGER,
    status_message_id   INTEGER,
    -- Escalation steps done, so a restart never repeats them.
    reminded_at         TEXT,
    escalated_at        TEXT,
    CHECK (status = 'open' OR closed_at IS NOT NULL)
);

CREATE TABLE incident_networks (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    network_id  INTEGER NOT NULL REFERENCES networks (id),
    PRIMARY KEY (incident_id, network_id)
);

-- One row per person an incident reached privately (once, even if in several of its networks):
-- what they did with it. Only the incident's hosts and the coordinators see this.
CREATE TABLE incident_recipients (
    incident_id     INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    network_id      INTEGER NOT NULL REFERENCES networks (id),
    acknowledged_at TEXT,
    mood            TEXT CHECK (mood IN ('calm', 'worried', 'tense', 'rumours')),
    reply_text      TEXT,
    replied_at      TEXT,
    call_me_at      TEXT,
    unreachable_at  TEXT,                          -- Telegram refused delivery (blocked bot)
    reminded_at     TEXT,
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_recipients_by_user ON incident_recipients (user_id);

-- The outbox. A row is written in the same transaction as what it announces; the dispatcher
-- sends pending rows in priority order and records the outcome, so a restart at any moment
-- resends only what was not recorded as sent.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    priority      INTEGER NOT NULL,               -- lower goes first
    method        TEXT NOT NULL,                  -- a Bot API method, e.g. sendMessage
    params        TEXT NOT NULL,                  -- its parameters as JSON (without chat_id)
    kind          TEXT NOT NULL,                  -- e.g. alert_group, alert_private, update
    incident_id   INTEGER REFERENCES incidents (id) ON DELETE CASCADE,
    network_id    INTEGER REFERENCES networks (id),
    user_id       INTEGER,                        -- the person, for private deliveries
    reply_to      INTEGER REFERENCES deliveries (id),  -- thread under that delivery's message
    pin           INTEGER NOT NULL DEFAULT 0 CHECK (pin IN (0, 1)),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'failed', 'unreachable', 'cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT,                           -- retry no earlier than this
    message_id    INTEGER,                        -- Telegram's id of the sent message
    sent_at       TEXT,
    error         TEXT,
    created_at    TEXT NOT NULL,
    CHECK (status <> 'sent' OR message_id IS NOT NULL)
);
CREATE INDEX deliveries_pending ON deliveries (status, priority, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_incident ON deliveries (incident_id);
CREATE INDEX deliveries_by_user ON deliveries (user_id);
