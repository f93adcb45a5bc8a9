-- Coordinators appointed with Telegram's user picker (issue 9): the name the picker gave, so the
-- list of coordinators can show who is who, and an audit row for every appointment and
-- withdrawal: who did it to whom, and when. The audit rows stay when an appointment ends; like
-- every `_by` column, their ids become NULL when that person uses /forget.
ALTER TABLE coordinators ADD COLUMN name TEXT CHECK (name IS NULL OR length(name) <= 200);

CREATE TABLE coordinator_changes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER,                          -- the coordinator; NULL after their /forget
    change     TEXT NOT NULL CHECK (change IN ('appointed', 'withdrawn')),
    by_user_id INTEGER,                          -- who did it; NULL after their /forget
    at         TEXT NOT NULL
);
CREATE INDEX coordinator_changes_user ON coordinator_changes (user_id);
CREATE INDEX coordinator_changes_by ON coordinator_changes (by_user_id);
