/**
 * Schema migrations, one entry per version, with the DDL for each engine side by side so that the
 * two schemas cannot drift apart. Applied in order on start; applied versions are recorded in
 * `schema_migrations`.
 */

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

// `tableOptions` is SQLite's WITHOUT ROWID for object_fields, whose rows are small: one b-tree instead
// of a table plus an index, so each insert writes fewer pages. idempotency_keys stays a rowid table:
// its rows hold whole response bodies, and appending them beside a small key index measured ~40%
// cheaper per write than inserting them at random places in a WITHOUT ROWID b-tree.
const objectsCommon = (seq: string, tableOptions: string) => `
CREATE TABLE objects (
  seq ${seq},
  account TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  created BIGINT NOT NULL,
  deleted SMALLINT NOT NULL DEFAULT 0,
  -- JSON text, not JSONB: JSONB would reorder keys, and responses keep Stripe's field order.
  data TEXT NOT NULL,
  UNIQUE (account, id)
);
CREATE INDEX objects_by_type_created ON objects (account, type, deleted, created DESC, seq DESC);

-- Secondary indexed fields (e.g. a customer's email) for list filters, paginated on the same keyset.
CREATE TABLE object_fields (
  account TEXT NOT NULL,
  type TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  created BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (account, type, field, value, created, seq)
)${tableOptions};
CREATE INDEX object_fields_by_seq ON object_fields (seq);

CREATE TABLE idempotency_keys (
  account TEXT NOT NULL,
  key TEXT NOT NULL,
  created BIGINT NOT NULL,
  fingerprint TEXT NOT NULL,
  request_id TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (account, key)
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created);

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  key_suffix TEXT UNIQUE,
  created BIGINT NOT NULL,
  country TEXT NOT NULL,
  default_currency TEXT NOT NULL
);

CREATE TABLE api_keys (
  hash TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  kind TEXT NOT NULL,
  created BIGINT NOT NULL
);
`;

// Version 2, for payments:
// - objects.internal: server-only state of an object that its JSON must never show (which test card
//   a PaymentMethod was made from, whether it has been consumed). Never rendered, never the card number.
// - jobs: what happens later in Stripe (funds becoming available, payouts arriving, disputes opening),
//   due at a time on the clock and run in their own transaction when the clock passes it.
// - accounts: custom (volume) card pricing and a clock offset for time travel.
const payments = (seq: string) => `
ALTER TABLE objects ADD COLUMN internal TEXT;

CREATE TABLE jobs (
  seq ${seq},
  account TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_due ON jobs (due_at, seq);
CREATE INDEX jobs_by_target ON jobs (account, target);

ALTER TABLE accounts ADD COLUMN pricing TEXT;
-- Seconds this account's clock runs ahead of real time (\`sandbank time advance\`), kept here so
-- every node agrees on an account's time and parallel test accounts never move each other's.
ALTER TABLE accounts ADD COLUMN clock_offset BIGINT NOT NULL DEFAULT 0;
`;

// Version 3, for events and webhooks:
// - events: the outbox. Written by the transaction that made the change; the dispatcher fans each
//   undispatched one out to the account's matching endpoints and marks it. (A flag, not a position in
//   `seq`: on PostgreSQL a later seq can commit first, and a position would skip the earlier one.)
// - webhook_deliveries: one per (event, endpoint), the unit of at-least-once delivery. A claim leases
//   it (next_attempt_at moves past the timeout), so a server killed mid-POST delivers it again.
// - webhook_attempts: every POST made, for the attempts endpoint and `sandbank listen`.
const webhooks = (seq: string, eventType: string) => `
CREATE TABLE events (
  seq ${seq},
  account TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  created BIGINT NOT NULL,
  data TEXT NOT NULL,
  dispatched SMALLINT NOT NULL DEFAULT 0,
  UNIQUE (account, id)
);
CREATE INDEX events_undispatched ON events (seq) WHERE dispatched = 0;
CREATE INDEX events_by_created ON events (account, created DESC, seq DESC);
CREATE INDEX events_by_type ON events (account, type, created DESC, seq DESC);

CREATE TABLE webhook_deliveries (
  seq ${seq},
  account TEXT NOT NULL,
  event_seq BIGINT NOT NULL,
  event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (account, event_id);

CREATE TABLE webhook_attempts (
  seq ${seq},
  account TEXT NOT NULL,
  id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_account ON webhook_attempts (account, seq);

-- Events written by version 2 lived among the objects; they move here, already dispatched.
INSERT INTO events (account, id, type, created, data, dispatched)
  SELECT account, id, ${eventType}, created, data, 1 FROM objects WHERE type = 'event' ORDER BY seq;
DELETE FROM objects WHERE type = 'event';

-- Delivery paused for an account (POST /sandbank/v1/webhooks/pause): events still queue.
ALTER TABLE accounts ADD COLUMN webhooks_paused SMALLINT NOT NULL DEFAULT 0;
`;

// Version 4, for a lean write path:
// - jobs.run_at: the real time a job is due (its account's clock runs ahead by the account's offset),
//   so an index finds due jobs without joining every account; moving a clock updates its jobs.
// - accounts.endpoints_version: bumped by every change to the account's webhook endpoints. Events fan
//   out to endpoints in the transaction that writes them (webhooks/fanout.ts); each node caches an
//   account's endpoints by this version, and an account that never had one costs nothing.
// Events are now written already dispatched; those a version 3 server left undispatched are fanned
// out by the webhook worker when it starts.
const leanWrites = `
ALTER TABLE jobs ADD COLUMN run_at BIGINT NOT NULL DEFAULT 0;
UPDATE jobs SET run_at = due_at - COALESCE((SELECT clock_offset FROM accounts a WHERE a.id = jobs.account), 0);
DROP INDEX jobs_by_due;
CREATE INDEX jobs_by_run_at ON jobs (run_at, seq);

ALTER TABLE accounts ADD COLUMN endpoints_version BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET endpoints_version = 1 WHERE id IN (SELECT account FROM objects WHERE type = 'webhook_endpoint');
`;

// Version 5, for Billing's test clocks:
// - jobs.clock: the test clock (\`clock_…\`) that owns a job. Such a job runs only when its clock is
//   advanced, never in real time, so its run_at is CLOCK_JOB_RUN_AT (far beyond any real time): the
//   real-time scheduler's hot path (\`run_at <= now\` on jobs_by_run_at) never meets it and needs no
//   extra filter. jobs_by_clock finds a clock's jobs by due time on the clock, only over clock jobs.
const clockJobs = `
ALTER TABLE jobs ADD COLUMN clock TEXT;
CREATE INDEX jobs_by_clock ON jobs (account, clock, due_at, seq) WHERE clock IS NOT NULL;
`;

/**
 * The run_at of a test clock's job: later than any real time (year ~285,000), so real-time claims
 * and \`nextJobDue\` never see it. A safe integer in both engines' BIGINT.
 */
export const CLOCK_JOB_RUN_AT = 9_000_000_000_000;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'objects, idempotency keys, accounts',
    // No AUTOINCREMENT (it writes sqlite_sequence on every insert): rows are never hard-deleted, so the
    // rowid only grows.
    sqlite: objectsCommon('INTEGER PRIMARY KEY', ' WITHOUT ROWID'),
    postgres: objectsCommon('BIGSERIAL PRIMARY KEY', ''),
  },
  {
    version: 2,
    name: 'private object state, scheduled jobs, account pricing',
    sqlite: payments('INTEGER PRIMARY KEY'),
    postgres: payments('BIGSERIAL PRIMARY KEY'),
  },
  {
    version: 3,
    name: 'events, webhook deliveries and attempts',
    sqlite: webhooks('INTEGER PRIMARY KEY', "json_extract(data, '$.type')"),
    postgres: webhooks('BIGSERIAL PRIMARY KEY', "(data::jsonb ->> 'type')"),
  },
  { version: 4, name: 'jobs due in real time, endpoint versions', sqlite: leanWrites, postgres: leanWrites },
  { version: 5, name: 'jobs owned by test clocks', sqlite: clockJobs, postgres: clockJobs },
];
