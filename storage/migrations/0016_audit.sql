-- The audit (issue 10): who approved, rejected, removed, appointed, alerted, exported, invited,
-- linked or set up what, and when – and that someone deleted their data. One row per act,
-- written by `domain.audit` after the act succeeded; shown to coordinators by /audit.
--
-- Only references, never free text: the subject is a kind and an id (a person, an alert, an
-- invite, a group chat, a network), rendered into names when it is shown, so a name changed or
-- deleted is not kept here. Rows are never changed, except that /forget takes a person's id out
-- of them (actor_id or subject_id becomes NULL: "a member who deleted their data"); the
-- trigger below refuses every other change. The retention job deletes rows older than
-- `audit_days`.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     INTEGER,             -- who did it; NULL once they used /forget
    action       TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 32),
    network_id   INTEGER,             -- NULL: not about one network (appointing a coordinator)
    subject_kind TEXT CHECK (subject_kind IN ('person', 'incident', 'invite', 'group', 'network')),
    subject_id   INTEGER,             -- a person's id becomes NULL once they used /forget
    CHECK (subject_id IS NULL OR subject_kind IS NOT NULL)
);
CREATE INDEX audit_by_network ON audit (network_id, id);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_actor ON audit (actor_id);
CREATE INDEX audit_by_subject ON audit (subject_id, subject_kind);

CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
WHEN NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action
    OR NEW.network_id IS NOT OLD.network_id OR NEW.subject_kind IS NOT OLD.subject_kind
    OR (NEW.actor_id IS NOT OLD.actor_id AND NEW.actor_id IS NOT NULL)
    OR (NEW.subject_id IS NOT OLD.subject_id AND NEW.subject_id IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the audit is append-only: only a forgotten person''s id may go');
END;

-- The appointments and withdrawals recorded before this audit existed (coordinator_changes
-- stays: it is the appointment's own history, shown in /mydata).
INSERT INTO audit (at, actor_id, action, network_id, subject_kind, subject_id)
SELECT at, by_user_id, change, NULL, 'person', user_id FROM coordinator_changes ORDER BY at, id;
