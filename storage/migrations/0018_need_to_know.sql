-- Need-to-know (issue 10): two phone choices instead of one, and a network's say in whether
-- the coordinators read its members' replies and call lists.

-- The one `share_phone` flag asked "show my number to the other members in the member list",
-- yet what it really did was put the number on the hosts' call list (no member list existed).
-- It becomes two choices, each doing exactly what it says:
--   phone_to_hosts:   the police chief and the municipality of this network may call me in an
--                     emergency (the call list after an unacknowledged alert);
--   phone_to_members: the other members may see my number (/contacts).
-- An existing yes becomes "call list yes, members no": that is what a yes has done so far, and
-- nobody agreed to be listed for every member, so we do not assume it (the safer reading).
-- A member who wants to be in /contacts says so in /profile.
ALTER TABLE memberships RENAME COLUMN share_phone TO phone_to_hosts;
ALTER TABLE memberships ADD COLUMN phone_to_members INTEGER NOT NULL DEFAULT 0
    CHECK (phone_to_members IN (0, 1));

-- Mood replies, member replies to alerts and call lists go to the network's police chief and
-- municipality; the coordinators get them too only where they are one of those, or where the
-- network asks for it here (default: no). Changed by a coordinator; each change is in the audit.
ALTER TABLE networks ADD COLUMN coordinators_see_replies INTEGER NOT NULL DEFAULT 0
    CHECK (coordinators_see_replies IN (0, 1));
