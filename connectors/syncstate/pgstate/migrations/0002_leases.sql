-- Schema version 2: deployment leases for replicas sharing the database.
-- One row per deployment ever leased; the row stays after release so the
-- fencing token only ever grows. Times are the database's clock, the one
-- clock every replica shares.
CREATE TABLE syncstate_leases (
	deployment text        PRIMARY KEY,
	holder     text        NOT NULL, -- the replica's ID
	token      bigint      NOT NULL, -- +1 on every acquisition
	acquired   timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
