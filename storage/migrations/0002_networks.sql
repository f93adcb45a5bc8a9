-- Networks and vetted membership: coordinators, networks, single-use invites, the intake and
-- approval of members, the group chats of a network and the personal join links sent to members.
--
-- Timestamps are ISO-8601 UTC text (datetime.isoformat() of an aware UTC datetime), so they
-- compare correctly as text. Columns ending in `_by` hold a Telegram user id; they have no
-- foreign key to `people` because coordinators from the configuration need not have a row
-- there, and they become NULL when that person uses /forget (the record itself stays, since it
-- is part of other people's history).

-- Coordinators appointed through the bot. Those from the configuration ([access] coordinators)
-- are not stored: the configuration stays the single source for them.
CREATE TABLE coordinators (
    user_id      INTEGER PRIMARY KEY,
    appointed_by INTEGER,                         -- NULL once the appointer used /forget
    appointed_at TEXT NOT NULL
);

CREATE TABLE networks (
    id         INTEGER PRIMARY KEY,
    -- Names are typed in commands (/link Noord), so they are unique regardless of case.
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    area       TEXT,                              -- district or neighbourhood, free text
    created_by INTEGER,                           -- NULL once the creator used /forget
    created_at TEXT NOT NULL
);

-- An invite is a deep link (t.me/<bot>?start=<code>) for one person, one network and one role.
-- Rows are never deleted: they show who let whom in.
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY,
    -- secrets.token_urlsafe: unguessable, and only characters a deep-link payload allows.
    code       TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    network_id INTEGER NOT NULL REFERENCES networks (id),
    role       TEXT NOT NULL CHECK (role IN ('police_chief', 'municipality', 'key_figure')),
    created_by INTEGER,                           -- NULL once the creator used /forget
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
    used_by    INTEGER,                           -- NULL while open, or once the user used /forget
    used_at    TEXT,
    revoked_at TEXT,
    revoked_by INTEGER,
    -- A used invite cannot be revoked any more, and a revoked one cannot be used.
    CHECK (used_at IS NULL OR revoked_at IS NULL),
    CHECK (used_by IS NULL OR used_at IS NOT NULL)
);
CREATE INDEX invites_by_network ON invites (network_id);

-- One person's place in one network, from the first click on an invite to leaving. The intake
-- answers are stored as they come in, with the step reached, so a restart loses nothing.
CREATE TABLE memberships (
    network_id     INTEGER NOT NULL REFERENCES networks (id),
    -- A member is a person we keep data about, so /mydata and /forget find them via `people`.
    user_id        INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('police_chief', 'municipality', 'key_figure')),
    status         TEXT NOT NULL DEFAULT 'intake'
                   CHECK (status IN ('intake', 'awaiting_approval', 'approved', 'rejected',
                                     'removed')),
    intake_step    TEXT,                          -- the question the person is at; NULL = first
    display_name   TEXT,
    organisation   TEXT,
    reach          TEXT,                          -- the communities they reach (their following)
    phone          TEXT,
    share_phone    INTEGER NOT NULL DEFAULT 0 CHECK (share_phone IN (0, 1)),  -- opt-in directory
    diet           TEXT,                          -- for the meal meetings
    consent_at     TEXT,                          -- explicit consent to the privacy notice
    invite_id      INTEGER REFERENCES invites (id),
    submitted_at   TEXT,
    decided_by     INTEGER,                       -- NULL once the decider used /forget
    decided_at     TEXT,
    joined_at      TEXT,                          -- entered a group chat of the network
    last_active_at TEXT,
    removed_at     TEXT,
    removed_by     INTEGER,                       -- the member themself after /leave
    PRIMARY KEY (network_id, user_id),
    -- Nobody gets to the hosts without having agreed to the privacy notice.
    CHECK (status IN ('intake', 'removed') OR consent_at IS NOT NULL),
    CHECK (status NOT IN ('approved', 'rejected') OR decided_at IS NOT NULL),
    CHECK (status <> 'removed' OR removed_at IS NOT NULL)
);
CREATE INDEX memberships_by_user ON memberships (user_id);
CREATE INDEX memberships_by_status ON memberships (network_id, status);

-- Group chats the bot was added to. A chat belongs to at most one network; until it is linked
-- with /link the bot only waits (and leaves after a day).
CREATE TABLE group_chats (
    chat_id              INTEGER PRIMARY KEY,
    title                TEXT,
    network_id           INTEGER REFERENCES networks (id),  -- NULL until linked
    added_at             TEXT NOT NULL,
    added_by             INTEGER,
    linked_at            TEXT,
    linked_by            INTEGER,
    -- The bot needs these rights to send personal join links and to approve join requests.
    bot_is_admin         INTEGER NOT NULL DEFAULT 0 CHECK (bot_is_admin IN (0, 1)),
    can_invite_users     INTEGER NOT NULL DEFAULT 0 CHECK (can_invite_users IN (0, 1)),
    can_restrict_members INTEGER NOT NULL DEFAULT 0 CHECK (can_restrict_members IN (0, 1)),
    -- A group that became a supergroup gets a new chat id; the old one is kept here so the
    -- second report of the same migration (service message and ChatMigrated error) is a no-op.
    migrated_from        INTEGER UNIQUE,
    left_at              TEXT,
    CHECK (network_id IS NULL OR linked_at IS NOT NULL)
);
CREATE INDEX group_chats_by_network ON group_chats (network_id);

-- The personal join link sent to an approved member: created with creates_join_request, so the
-- bot still checks membership on each join request; revoked when the member goes.
CREATE TABLE group_invite_links (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL
                REFERENCES group_chats (chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    invite_link TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    FOREIGN KEY (network_id, user_id) REFERENCES memberships (network_id, user_id)
        ON DELETE CASCADE
);
CREATE INDEX group_invite_links_by_member ON group_invite_links (network_id, user_id);
CREATE INDEX group_invite_links_by_chat ON group_invite_links (chat_id);
