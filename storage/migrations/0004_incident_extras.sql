-- What composing and following an incident alert needs besides 0003: the draft a host is
-- composing (so a restart keeps it), the one thing each person is about to type or confirm,
-- and what the sender's live status message last showed.

-- An alert being composed with /alert, step by step. Its status decides the Send button: only
-- one press can turn a 'composing' draft into 'sent', so a double tap makes one incident.
CREATE TABLE incident_drafts (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,                 -- the host or coordinator composing it
    network_ids TEXT NOT NULL DEFAULT '',         -- chosen networks, comma-separated ids
    severity    TEXT NOT NULL DEFAULT 'urgent' CHECK (severity IN ('info', 'urgent', 'critical')),
    sharing     TEXT NOT NULL DEFAULT 'network_only'
                CHECK (sharing IN ('shareable', 'network_only')),
    text        TEXT CHECK (text IS NULL OR length(text) BETWEEN 1 AND 3500),
    step        TEXT NOT NULL DEFAULT 'networks'
                CHECK (step IN ('networks', 'severity', 'sharing', 'text', 'preview')),
    status      TEXT NOT NULL DEFAULT 'composing'
                CHECK (status IN ('composing', 'sent', 'cancelled')),
    incident_id INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX incident_drafts_by_user ON incident_drafts (user_id, status);

-- What a person is about to type (or confirm with a button) for incidents: the text of a
-- draft, a reply to an alert, a host's answer to a member, or the text of an /update or
-- /close waiting for the choice of incident. One at a time: a new one replaces the old.
CREATE TABLE incident_prompts (
    user_id       INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('draft_text', 'reply', 'answer', 'update',
                                                'close')),
    draft_id      INTEGER REFERENCES incident_drafts (id) ON DELETE CASCADE,
    incident_id   INTEGER REFERENCES incidents (id) ON DELETE CASCADE,
    about_user_id INTEGER,                        -- the member a host answers
    text          TEXT,                           -- the /update or /close text
    created_at    TEXT NOT NULL
);

-- The sender's live status message: what it shows now, and whether something changed since.
ALTER TABLE incidents ADD COLUMN status_text TEXT;
ALTER TABLE incidents ADD COLUMN status_changed INTEGER NOT NULL DEFAULT 0
    CHECK (status_changed IN (0, 1));
