-- Sync state on PostgreSQL, schema version 1: the same records the bbolt
-- backend keeps, one table per bucket. Records are the JSON the bbolt
-- backend stores (type json, not jsonb, so a pending plan's encoding is kept
-- byte for byte); the columns beside them are what queries filter and order
-- on. Every name starts with syncstate_ so the license store's and auth's
-- tables can share the database.

-- One row per deployment that ever ran: the last run ID handed out (its
-- row lock serialises the run IDs of one deployment, and a rolled-back
-- write gives its ID back, so IDs have no gaps) and the last success,
-- which history trimming never drops.
CREATE TABLE syncstate_run_heads (
	deployment   text PRIMARY KEY,
	last_id      bigint NOT NULL,
	last_success json
);

CREATE TABLE syncstate_runs (
	deployment text   NOT NULL,
	id         bigint NOT NULL,
	result     text   NOT NULL,
	record     json   NOT NULL,
	PRIMARY KEY (deployment, id)
);
-- Unfinished runs are found at every start without reading the history.
CREATE INDEX syncstate_runs_running ON syncstate_runs (deployment, id) WHERE result = 'running';

-- One row per deployment that ever had a plan held: the last plan
-- sequence, as for runs.
CREATE TABLE syncstate_plan_heads (
	deployment text PRIMARY KEY,
	last_seq   bigint NOT NULL
);

CREATE TABLE syncstate_plans (
	id         text   PRIMARY KEY,
	deployment text   NOT NULL,
	seq        bigint NOT NULL,
	status     text   NOT NULL,
	record     json   NOT NULL,
	UNIQUE (deployment, seq)
);
-- What awaits approval is listed after every run; decided plans are not read.
CREATE INDEX syncstate_plans_open ON syncstate_plans (deployment) WHERE status = 'pending';

CREATE TABLE syncstate_deployments (
	name   text PRIMARY KEY,
	record json NOT NULL
);

CREATE TABLE syncstate_health (
	deployment text PRIMARY KEY,
	record     json NOT NULL
);

CREATE TABLE syncstate_windows (
	deployment text PRIMARY KEY,
	record     json NOT NULL
);
