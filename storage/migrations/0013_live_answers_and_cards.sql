-- Messages the bot keeps true after sending them (issue 9), recorded when Telegram confirms
-- them so they can be edited later, also after a restart.

-- A meeting's answers, live: in a group chat the one count of who comes (numbers only, with
-- Yes / No / Maybe buttons) that replaces the native poll; in a member's private chat an
-- invitation or reminder whose buttons mark their answer. `stale`: answers changed since it was
-- last brought up to date. A row goes once its message shows its final state.
CREATE TABLE meeting_answer_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    round      INTEGER NOT NULL,                  -- the meeting's round when it was sent
    user_id    INTEGER REFERENCES people (user_id) ON DELETE CASCADE,  -- NULL: a group's count
    text       TEXT NOT NULL,                     -- the HTML it shows now (no names in a group)
    answer     TEXT,                              -- private: the answer its buttons mark
    stale      INTEGER NOT NULL DEFAULT 1 CHECK (stale IN (0, 1)),
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX meeting_answer_messages_by_meeting ON meeting_answer_messages (meeting_id, user_id);
CREATE INDEX meeting_answer_messages_stale ON meeting_answer_messages (meeting_id) WHERE stale = 1;

-- A vote in a native poll waited here until the poll was recorded; meetings no longer send
-- native polls (a button press carries its meeting), so nothing waits any more.
DROP TABLE early_votes;

-- Each approver's copy of an application, so that once someone decides, every copy says who
-- decided and loses its buttons. The decider is noted at the decision, as they were named then;
-- a copy stays a day after it was edited, so that one which arrives late still learns who it was.
CREATE TABLE application_cards (
    chat_id      INTEGER NOT NULL,                -- the approver's private chat
    message_id   INTEGER NOT NULL,
    network_id   INTEGER NOT NULL REFERENCES networks (id),
    user_id      INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,  -- the applicant
    decided_by   INTEGER,
    decider_name TEXT,
    edited_at    TEXT,                            -- shows the decision; NULL: not yet
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX application_cards_by_application ON application_cards (network_id, user_id);
CREATE INDEX application_cards_to_edit ON application_cards (network_id, user_id)
    WHERE edited_at IS NULL;
