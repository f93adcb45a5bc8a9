-- Queries that do not grow with history (issue 8): a host's open incidents are found through
-- their networks, the open ones without reading the closed ones, and a meeting sweep reads only
-- the meetings whose timeline is still running.
CREATE INDEX incident_networks_by_network ON incident_networks (network_id, incident_id);
CREATE INDEX incidents_open ON incidents (id) WHERE status = 'open';
CREATE INDEX meetings_running ON meetings (starts_at, id)
    WHERE status = 'planned' AND attendance_confirmed_at IS NULL;
