-- Consent with a version (issue 10): the privacy notice carries a number (`domain.consent`),
-- and each person keeps the number they last agreed to and when. A member whose number is
-- older than the notice's is asked to agree again before their next use (alerts still reach
-- them). /forget deletes the row, and with it these two columns.
ALTER TABLE people ADD COLUMN privacy_version INTEGER;   -- the notice's version agreed to; NULL: none
ALTER TABLE people ADD COLUMN privacy_agreed_at TEXT;    -- when they agreed to it

-- Whoever agreed in an intake before the notice had a number agreed to version 1, the first.
INSERT INTO people (user_id, language, created_at, last_active_at)
SELECT user_id, NULL, MIN(consent_at), MIN(consent_at) FROM memberships
WHERE consent_at IS NOT NULL AND user_id NOT IN (SELECT user_id FROM people)
GROUP BY user_id;
UPDATE people SET privacy_version = 1,
    privacy_agreed_at = (SELECT MIN(consent_at) FROM memberships m WHERE m.user_id = people.user_id)
WHERE user_id IN (SELECT user_id FROM memberships WHERE consent_at IS NOT NULL);
