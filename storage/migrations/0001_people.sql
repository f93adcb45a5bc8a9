-- People the bot keeps something about. A stranger who only reads /start is not stored:
-- a row appears when someone chooses a language or (later) joins a network.
CREATE TABLE people (
    user_id        INTEGER PRIMARY KEY,            -- Telegram user id
    language       TEXT CHECK (language IN ('nl', 'en')),  -- chosen with /language; NULL = app language
    created_at     TEXT NOT NULL,
    last_active_at TEXT NOT NULL,
    blocked_at     TEXT                             -- the person blocked the bot; NULL = reachable
);
