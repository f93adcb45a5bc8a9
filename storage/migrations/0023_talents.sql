-- Talents and reach (issue 11, asset-based community development): what a member can do, what
-- they would like to learn, and which communities and organisations they reach, as short items
-- they typed in /profile. One row an item. They belong to the person, not to one network: the
-- members of each of their networks find them with /whocan, while they are a member. Leaving
-- the last network deletes them (`domain.removal`), and so does /forget.
CREATE TABLE talents (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('can', 'learn', 'reach')),
    text       TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    created_at TEXT    NOT NULL
);
-- The same item twice in one list (in any case) is one item.
CREATE UNIQUE INDEX talents_once ON talents (user_id, kind, text COLLATE NOCASE);
