-- The ids of the updates the bot took on lately, so an update Telegram delivers again (the
-- bot died before confirming it) is not acted on twice. Rows older than a couple of days are
-- pruned: Telegram only redelivers what was not confirmed, which is minutes old at most.
CREATE TABLE handled_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL
);
CREATE INDEX handled_updates_received ON handled_updates (received_at);
