-- The picture of a delivery that sends one (issue 12: the monthly digest's chart goes out through
-- the outbox, so an outage or a restart does not lose it). The bytes live here, not in the
-- delivery's JSON params, and only while the delivery waits: they go when it ends (sent,
-- failed, unreachable, cancelled, expired) or is deleted (/forget, retention).
CREATE TABLE delivery_media (
    delivery_id INTEGER PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
    content     BLOB NOT NULL,
    filename    TEXT NOT NULL
);
CREATE TRIGGER delivery_media_ends AFTER UPDATE OF status ON deliveries
WHEN NEW.status <> 'pending'
BEGIN
    DELETE FROM delivery_media WHERE delivery_id = NEW.id;
END;

-- The monthly digest to each coordinator (issue 12). A coordinator who switched it off has a row
-- with on = 0; no row: on (the default a coordinator expects). What was sent, one row per
-- coordinator and month, so a restart never sends a month's digest twice. Kept 13 months
-- (domain.retention), deleted by /forget.
CREATE TABLE digest_choices (
    user_id    INTEGER PRIMARY KEY,
    on_        INTEGER NOT NULL CHECK (on_ IN (0, 1)),
    changed_at TEXT NOT NULL
);
CREATE TABLE digests_sent (
    user_id INTEGER NOT NULL,
    month   TEXT NOT NULL,  -- 'YYYY-MM', the month it is about (local time)
    sent_at TEXT NOT NULL,  -- when it was queued
    PRIMARY KEY (user_id, month)
);
