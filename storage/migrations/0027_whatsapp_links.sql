-- Linking WhatsApp to a person (issue 14), and the webhooks already handled.
--
-- A one-time code, made in /profile or the invite's welcome, that the member sends from
-- WhatsApp ("KOPPEL 4F7K2Q"): whoever writes it first becomes that person's WhatsApp, and by
-- writing first they opt in. Single use, valid for a day; used and expired codes go with the
-- retention job. `network_id`: the network the code was made for (WhatsApp is chosen there on
-- linking); NULL: made for the person alone.
CREATE TABLE wa_link_codes (
    code       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    network_id INTEGER REFERENCES networks (id) ON DELETE CASCADE,
    source     TEXT NOT NULL CHECK (source IN ('profile', 'invite')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX wa_link_codes_user ON wa_link_codes (user_id);

-- Every webhook item handled once: a message by its id ('m:<wamid>'), a status by its id and
-- state ('s:<wamid>:<status>'), a template update by its id, event and time. Meta repeats what
-- it thinks was not received; a repeat finds its key here and is answered 200, unhandled. The
-- item itself (`item`, JSON) is kept only until it is handled (`done_at`): the webhook answers
-- 200 once it is recorded, so one taken just before a stop is handled after the next start.
-- The retention job deletes handled keys older than [retention] wa_webhook_days.
CREATE TABLE wa_webhooks_seen (
    key     TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL,
    item    TEXT,
    done_at TEXT
);
CREATE INDEX wa_webhooks_seen_at ON wa_webhooks_seen (seen_at);
CREATE INDEX wa_webhooks_waiting ON wa_webhooks_seen (seen_at) WHERE done_at IS NULL;

-- What a WhatsApp member's next typed text is taken as, when a tap asked for words: 'reply'
-- (the few words after 💬 Reply on alert `ref_id`) or 'forget' (FORGET ME awaits its
-- confirmation). One at a time per person; it lapses after a while (`since`).
CREATE TABLE wa_awaiting (
    user_id INTEGER PRIMARY KEY,
    what    TEXT NOT NULL CHECK (what IN ('reply', 'forget')),
    ref_id  INTEGER,
    since   TEXT NOT NULL
);
