-- Schema 1: licenses, members and their claims, the audit trail, the
-- change feed with its webhook outbox, and domain admins.
--
-- Members, claims, events and feed rows carry no foreign keys: a
-- million-claim sync would pay a trigger per row. Every write to them
-- holds the license row's lock, and DeleteLicense deletes them itself.
--
-- Every text column that is sorted or compared is COLLATE "C": pages and
-- claims come out in byte order, as license/storetest fixes it for every
-- backend, whatever the database's default collation. Times Go compares
-- to the nanosecond are bigint nanoseconds since 1970 (timestamptz keeps
-- microseconds only).

CREATE TABLE licenses (
	id        text COLLATE "C" PRIMARY KEY,
	record    bytea NOT NULL,              -- license.License as JSON, Used included
	event_seq bigint NOT NULL DEFAULT 0,   -- the last audit event's seq
	key_hash  bytea UNIQUE                 -- sha256 of the license key, NULL when none
);

-- Entitlement through a domain-wide deployment (License.Domains).
CREATE TABLE license_domains (
	domain     text COLLATE "C" NOT NULL,
	license_id text COLLATE "C" NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
	PRIMARY KEY (domain, license_id)
);
CREATE INDEX license_domains_by_license ON license_domains (license_id);

CREATE TABLE members (
	license_id   text COLLATE "C" NOT NULL,
	email        text COLLATE "C" NOT NULL,
	name         text COLLATE "C" NOT NULL,
	name_key     text COLLATE "C" NOT NULL, -- lower(name) as Go lower-cases it
	role         text COLLATE "C" NOT NULL,
	org_unit     text COLLATE "C" NOT NULL,
	added        bigint NOT NULL,
	first_source text COLLATE "C" NOT NULL,
	revoked      boolean NOT NULL,          -- leaving without access: not entitled
	claims       bytea NOT NULL,            -- []license.Claim as JSON, by source
	PRIMARY KEY (license_id, email)
);
-- The members table's sorts, each ending in email so that paging is stable.
CREATE INDEX members_by_name ON members (license_id, name_key, email);
CREATE INDEX members_by_added ON members (license_id, added, email);
CREATE INDEX members_by_role ON members (license_id, role, email);
CREATE INDEX members_by_org_unit ON members (license_id, org_unit, email);
CREATE INDEX members_by_source ON members (license_id, first_source, email);
-- Entitlement: which licenses hold an address.
CREATE INDEX members_by_email ON members (email) INCLUDE (license_id, revoked);

-- One row per claim, so one source's claims are read in email order
-- without touching the members it does not claim (Claims, SourceClaims).
CREATE TABLE claims (
	license_id text COLLATE "C" NOT NULL,
	source     text COLLATE "C" NOT NULL,
	email      text COLLATE "C" NOT NULL,
	claim      bytea NOT NULL,  -- license.Claim as JSON
	sole       boolean NOT NULL, -- the member's only claim
	PRIMARY KEY (license_id, source, email)
);

CREATE TABLE events (
	license_id text COLLATE "C" NOT NULL,
	seq        bigint NOT NULL,
	time       bigint NOT NULL,
	email      text COLLATE "C" NOT NULL,
	action     text NOT NULL,
	source     text NOT NULL,
	actor      text NOT NULL,
	detail     text NOT NULL,
	PRIMARY KEY (license_id, seq)
);
CREATE INDEX events_by_member ON events (license_id, email, seq) WHERE email <> '';

-- The change feed: cursor order is commit order, because cursors are
-- taken from feed_state's one row, whose lock is held to the commit.
CREATE TABLE feed (
	cursor     bigint PRIMARY KEY,
	license_id text COLLATE "C" NOT NULL,
	seq        bigint NOT NULL
);
CREATE INDEX feed_by_license ON feed (license_id, cursor);
CREATE TABLE feed_state (
	id     integer PRIMARY KEY CHECK (id = 1),
	cursor bigint NOT NULL
);
INSERT INTO feed_state (id, cursor) VALUES (1, 0);

CREATE TABLE webhooks (
	id         text COLLATE "C" PRIMARY KEY,
	license_id text COLLATE "C" NOT NULL,
	record     bytea NOT NULL -- license.Webhook as JSON, never the secret
);
CREATE TABLE dead_letters (
	webhook_id text COLLATE "C" NOT NULL,
	cursor     bigint NOT NULL,
	record     bytea NOT NULL, -- license.DeadLetter as JSON
	PRIMARY KEY (webhook_id, cursor)
);

CREATE TABLE domain_admins (
	domain text COLLATE "C" NOT NULL,
	email  text COLLATE "C" NOT NULL,
	PRIMARY KEY (domain, email)
);
CREATE INDEX domain_admins_by_email ON domain_admins (email, domain);
