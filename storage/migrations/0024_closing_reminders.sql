-- A closing word for every incident (issue 11): an incident still open some hours after it was
-- sent reminds its sender (or, once they are gone, its networks' other hosts) to close it with
-- a word. One row per incident reminded at least once; none before the first. It holds nothing
-- about a person, and goes with its incident.
CREATE TABLE incident_closing_reminders (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    sent        INTEGER NOT NULL CHECK (sent >= 1),  -- reminders sent so far
    last_at     TEXT NOT NULL,                       -- when the last one went out
    next_at     TEXT                                 -- "Later" asked for one then; NULL: not asked
);
