-- When the minute sweep should next look at a meeting (issue 8): the time of its next step, or
-- when a due step did not happen, now; NULL while not known (a new or moved meeting: look at
-- once); the far future once every step is behind it. Meetings stay running until a host
-- confirms who came, so without this the sweep would read a year of history every minute.
ALTER TABLE meetings ADD COLUMN next_look_at TEXT;
CREATE INDEX meetings_next_look ON meetings (coalesce(next_look_at, ''), id)
    WHERE status = 'planned' AND attendance_confirmed_at IS NULL;
