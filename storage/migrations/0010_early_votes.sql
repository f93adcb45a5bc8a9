-- A vote in a meeting's poll can reach the bot before the bot has recorded the poll it just
-- sent (Telegram answers the send after the members have seen the poll). Such a vote waits here,
-- without holding up anybody, and counts as soon as the poll is recorded.
CREATE TABLE early_votes (
    poll_id    TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    option_ids TEXT NOT NULL,  -- JSON list; [] is a retracted vote
    voted_at   TEXT NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
