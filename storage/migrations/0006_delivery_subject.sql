-- Some deliveries carry another person's words to their recipient (a member's mood or reply,
-- sent to the hosts). `about_user_id` names that person, so that their /forget removes those
-- copies too, whoever received them.
ALTER TABLE deliveries ADD COLUMN about_user_id INTEGER;
CREATE INDEX deliveries_about_user ON deliveries (about_user_id) WHERE about_user_id IS NOT NULL;
