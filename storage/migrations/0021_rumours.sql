-- The rumour desk (issue 11): a member passes on a rumour going round ("er gaat rond dat…");
-- the hosts of that network (police chief, municipality) mark it true, false or not known
-- yet, and may send the network one short counter-message that members pass on in their own
-- words. Nobody but the hosts learns who raised it: `raised_by` is shown to them only, never
-- put in a counter-message.
--
-- /forget of the raiser takes `raised_by` and `text` (the row stays as "deleted at the
-- member's request" while a counter-message was sent, so that stays without them); of a host,
-- their id as judge or sender. The retention job deletes a rumour `rumour_days` after its last
-- change (`updated_at`).
CREATE TABLE rumours (
    id              INTEGER PRIMARY KEY,
    network_id      INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    raised_by       INTEGER,                    -- the member; NULL once they used /forget
    text            TEXT,                       -- what goes round; NULL once they used /forget
    status          TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'true', 'false', 'unknown')),
    judged_by       INTEGER,                    -- the host who set the status last
    judged_at       TEXT,
    counter_text    TEXT,                       -- the counter-message, once sent
    counter_label   TEXT CHECK (counter_label IN ('shareable', 'network')),
    counter_by      INTEGER,
    counter_sent_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (counter_text IS NULL OR counter_label IS NOT NULL)
);
CREATE INDEX rumours_open ON rumours (network_id, id) WHERE status = 'open';
CREATE INDEX rumours_by_raiser ON rumours (raised_by);
CREATE INDEX rumours_by_change ON rumours (updated_at);

-- Each host's copy of a rumour (the card with Waar / Niet waar / Nog onbekend / Tegenbericht),
-- recorded when Telegram confirms it, so that every copy shows the current verdict and who
-- gave it. `stale`: how often the rumour changed since the copy was last brought up to date
-- (a count, so an edit made from an older reading does not clear a newer change).
CREATE TABLE rumour_cards (
    chat_id    INTEGER NOT NULL,                -- the host's private chat
    message_id INTEGER NOT NULL,
    rumour_id  INTEGER NOT NULL REFERENCES rumours (id) ON DELETE CASCADE,
    stale      INTEGER NOT NULL DEFAULT 0 CHECK (stale >= 0),
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX rumour_cards_by_rumour ON rumour_cards (rumour_id);
CREATE INDEX rumour_cards_stale ON rumour_cards (rumour_id) WHERE stale > 0;
