-- One way to hold a conversation: what a person is in the middle of in their private chat with
-- the bot (an alert draft, a meeting being planned, a topic, a reply after a button, an intake),
-- its step and what was chosen so far as JSON. One at a time: a new flow replaces the old one.
-- An abandoned one expires at `expires_at` ([bot] conversation_minutes after the last step).
--
-- The drafts and prompts kept in meeting_drafts and incident_prompts are dropped, not moved:
-- they are minutes-old half-typed things, and the person is told to start again when they
-- next write. Alert drafts keep their record in incident_drafts (it guards the one send);
-- intake answers stay in memberships (they are the application).
CREATE TABLE conversations (
    user_id    INTEGER PRIMARY KEY,
    flow       TEXT NOT NULL,
    step       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX conversations_expiring ON conversations (expires_at);

DROP TABLE meeting_drafts;
DROP TABLE incident_prompts;
