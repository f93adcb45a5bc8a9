-- The WhatsApp channel (issue 14). A delivery goes out through one channel; private deliveries
-- to a member who chose WhatsApp for that network are routed there when queued
-- (storage.deliveries), and go back to 'telegram' when WhatsApp cannot carry them.
ALTER TABLE deliveries ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram'
    CHECK (channel IN ('telegram', 'whatsapp'));
CREATE INDEX deliveries_pending_wa ON deliveries (channel, status, priority, id)
    WHERE status = 'pending';

-- A person's WhatsApp identity. people.user_id stays the key of a person (a Telegram user id).
CREATE TABLE wa_contacts (
    user_id         INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    wa_user         TEXT NOT NULL UNIQUE,  -- the business-scoped user id we send to, or the wa_id
    phone           TEXT,                  -- only when WhatsApp showed one (may be absent)
    consent_at      TEXT NOT NULL,         -- opt-in: the member wrote first with their code
    consent_source  TEXT NOT NULL,         -- 'profile' | 'invite'
    last_inbound_at TEXT,                  -- the 24-hour window runs from the last message/tap
    stopped_at      TEXT,                  -- the stop keyword: nothing is sent until START
    doorbell_at     TEXT                   -- the last doorbell template rung outside the window
);

-- Per network, how the bot reaches a member (no row: Telegram).
CREATE TABLE channel_choices (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('telegram', 'whatsapp')),
    chosen_at  TEXT NOT NULL,
    PRIMARY KEY (network_id, user_id)
);
CREATE INDEX channel_choices_user ON channel_choices (user_id);

-- Each WhatsApp message sent for a delivery (a doorbell template and the full message are two).
-- Its rowid is the delivery's message_id once sent.
CREATE TABLE wa_messages (
    wamid       TEXT PRIMARY KEY,
    delivery_id INTEGER REFERENCES deliveries (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    template    TEXT,                  -- the template's name when it was one (the doorbell)
    actions     TEXT,                  -- JSON list of the action strings of its buttons, in order
    state       TEXT NOT NULL CHECK (state IN ('accepted', 'sent', 'delivered', 'read', 'failed')),
    error_code  INTEGER,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX wa_messages_user ON wa_messages (user_id, created_at);
CREATE INDEX wa_messages_delivery ON wa_messages (delivery_id);

-- Templates declared in code, with the status and category Meta last reported.
CREATE TABLE wa_templates (
    name       TEXT NOT NULL,
    language   TEXT NOT NULL,
    status     TEXT NOT NULL,          -- APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...
    category   TEXT NOT NULL,          -- UTILITY, MARKETING, AUTHENTICATION
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, language)
);
