/**
 * PostgreSQL migrations: one per SQLite migration (same version and name, src/store/migrations/),
 * the same tables, columns, unique constraints and partial indexes. Type translation:
 * INTEGER PRIMARY KEY → bigint GENERATED ALWAYS AS IDENTITY; references → bigint; REAL → double precision;
 * BLOB → bytea. Timestamps stay ISO-8601 TEXT and flags stay integer 0/1, exactly as SQLite stores them,
 * so both engines hold the same values (and compare times as strings the same way). COLLATE NOCASE
 * usernames → unique index on lower(username). Time columns are COLLATE "C": compared byte-wise like SQLite,
 * whatever the database's default collation. Append only, like the SQLite list.
 */
import type pg from 'pg';
import { canonicalPhone } from '../../domain/phone.js';

/** `sql` runs first, then `run` (data migrations that need code), in the same transaction — as the SQLite list. */
export interface PgMigration { version: number; name: string; sql: string; run?: (c: pg.PoolClient) => Promise<void> }

const core = `
CREATE TABLE departments (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code          text NOT NULL UNIQUE,
  name          text NOT NULL,
  contact_phone text,
  api_key_hash  text,
  api_key_hint  text,
  created_at    text COLLATE "C" NOT NULL
);

CREATE TABLE declarations (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  query_code      text NOT NULL UNIQUE,
  department_id   bigint NOT NULL REFERENCES departments(id),
  dept_ref        text,
  item_name       text NOT NULL,
  applicant_name  text,
  applicant_phone text,
  status          text NOT NULL,
  status_at       text COLLATE "C" NOT NULL,
  accepted_at     text COLLATE "C" NOT NULL,
  due_at          text COLLATE "C",
  closed_at       text COLLATE "C",
  created_at      text COLLATE "C" NOT NULL,
  updated_at      text COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX declarations_dept_ref ON declarations(department_id, dept_ref) WHERE dept_ref IS NOT NULL;
CREATE INDEX declarations_dept_ref_any ON declarations(dept_ref) WHERE dept_ref IS NOT NULL;
CREATE INDEX declarations_applicant_phone ON declarations(applicant_phone);
CREATE INDEX declarations_open_due ON declarations(due_at) WHERE closed_at IS NULL;

CREATE TABLE declaration_events (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  declaration_id bigint NOT NULL REFERENCES declarations(id),
  department_id  bigint NOT NULL REFERENCES departments(id),
  event_id       text NOT NULL,
  step_name      text NOT NULL,
  status         text NOT NULL,
  handler_name   text,
  handler_title  text,
  opinion        text,
  details        text,
  occurred_at    text COLLATE "C" NOT NULL,
  received_at    text COLLATE "C" NOT NULL,
  applied        integer NOT NULL,
  UNIQUE (department_id, event_id)
);
CREATE INDEX declaration_events_timeline ON declaration_events(declaration_id, occurred_at, id);

CREATE TABLE feedback (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ref                text NOT NULL UNIQUE,
  kind               text NOT NULL,
  channel            text NOT NULL,
  phone              text,
  text               text,
  recording_path     text,
  recording_duration double precision,
  transcript         text,
  transcribed_by     text,
  transcribed_at     text COLLATE "C",
  status             text NOT NULL,
  department_id      bigint REFERENCES departments(id),
  declaration_id     bigint REFERENCES declarations(id),
  answer             text,
  answered_by        text,
  answered_at        text COLLATE "C",
  satisfaction       integer,
  satisfaction_at    text COLLATE "C",
  reopen_count       integer NOT NULL DEFAULT 0,
  call_id            text,
  flow_path          text,
  created_at         text COLLATE "C" NOT NULL,
  updated_at         text COLLATE "C" NOT NULL
);
CREATE INDEX feedback_status ON feedback(status, created_at);
CREATE INDEX feedback_department ON feedback(department_id, status, created_at);
CREATE INDEX feedback_phone ON feedback(phone, created_at);
CREATE INDEX feedback_created ON feedback(created_at);

CREATE TABLE feedback_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feedback_id bigint NOT NULL REFERENCES feedback(id),
  action      text NOT NULL,
  actor       text NOT NULL,
  detail      text,
  at          text COLLATE "C" NOT NULL
);
CREATE INDEX feedback_events_feedback ON feedback_events(feedback_id, id);

CREATE TABLE ref_counters (
  day  text COLLATE "C" PRIMARY KEY,
  last integer NOT NULL
);

CREATE TABLE subscriptions (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone          text NOT NULL,
  declaration_id bigint NOT NULL REFERENCES declarations(id),
  channel        text NOT NULL,
  created_at     text COLLATE "C" NOT NULL,
  ended_at       text COLLATE "C"
);
CREATE UNIQUE INDEX subscriptions_active ON subscriptions(phone, declaration_id) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_declaration ON subscriptions(declaration_id) WHERE ended_at IS NULL;

CREATE TABLE opt_outs (
  phone        text PRIMARY KEY,
  opted_out_at text COLLATE "C" NOT NULL
);

CREATE TABLE audit_log (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        text COLLATE "C" NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text,
  detail    text,
  prev_hash text NOT NULL,
  hash      text NOT NULL
);
`;

const sms = `
CREATE TABLE sms_outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone            text NOT NULL,
  text             text NOT NULL,
  reason           text NOT NULL,
  priority         integer NOT NULL,
  status           text NOT NULL,
  template         text,
  dedupe_key       text UNIQUE,
  encoding         text NOT NULL,
  data_coding      integer NOT NULL,
  ref_num          integer NOT NULL,
  segments         integer NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  unknown_outcomes integer NOT NULL DEFAULT 0,
  next_attempt_at  text COLLATE "C" NOT NULL,
  expires_at       text COLLATE "C",
  last_error       text,
  feedback_id      bigint,
  inbound_id       bigint,
  created_by       text,
  created_at       text COLLATE "C" NOT NULL,
  updated_at       text COLLATE "C" NOT NULL,
  submitted_at     text COLLATE "C",
  done_at          text COLLATE "C"
);
CREATE INDEX sms_outbox_due ON sms_outbox(priority, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX sms_outbox_held ON sms_outbox(next_attempt_at) WHERE status = 'held';
CREATE INDEX sms_outbox_status ON sms_outbox(status, id);
CREATE INDEX sms_outbox_phone ON sms_outbox(phone, created_at);

CREATE TABLE sms_segments (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id      bigint NOT NULL REFERENCES sms_outbox(id),
  seq            integer NOT NULL,
  status         text NOT NULL,
  message_id     text,
  message_id_raw text,
  error_code     integer,
  submits        integer NOT NULL DEFAULT 0,
  submitted_at   text COLLATE "C",
  done_at        text COLLATE "C",
  UNIQUE (outbox_id, seq)
);
CREATE INDEX sms_segments_message_id ON sms_segments(message_id) WHERE message_id IS NOT NULL;

CREATE TABLE sms_receipts_unmatched (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  text NOT NULL,
  state       text NOT NULL,
  error_code  integer,
  raw         text,
  received_at text COLLATE "C" NOT NULL
);
CREATE INDEX sms_receipts_unmatched_id ON sms_receipts_unmatched(message_id);

CREATE TABLE sms_inbound (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone        text NOT NULL,
  dest         text NOT NULL,
  text         text NOT NULL,
  parts        integer NOT NULL,
  complete     integer NOT NULL,
  warnings     text,
  status       text NOT NULL,
  command      text,
  outcome      text,
  feedback_id  bigint,
  received_at  text COLLATE "C" NOT NULL,
  processed_at text COLLATE "C"
);
CREATE INDEX sms_inbound_pending ON sms_inbound(id) WHERE status = 'received';
CREATE INDEX sms_inbound_phone ON sms_inbound(phone, received_at);

CREATE TABLE sms_mo_parts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source       text NOT NULL,
  dest         text NOT NULL,
  data_coding  integer NOT NULL,
  esm_class    integer NOT NULL,
  udh          bytea,
  body         bytea NOT NULL,
  concat_ref   integer,
  concat_total integer,
  concat_seq   integer,
  ref_bits     integer,
  fingerprint  text NOT NULL,
  link_session integer NOT NULL,
  inbound_id   bigint REFERENCES sms_inbound(id),
  received_at  text COLLATE "C" NOT NULL
);
CREATE INDEX sms_mo_parts_open ON sms_mo_parts(id) WHERE inbound_id IS NULL AND concat_total IS NOT NULL;
CREATE INDEX sms_mo_parts_fp ON sms_mo_parts(fingerprint, received_at);
`;

/** SQLite's calls has no integer key; \`ord\` stands in for its rowid (insertion order for recent()). */
const voice = `
CREATE TABLE calls (
  call_id      text PRIMARY KEY,
  ord          bigint GENERATED ALWAYS AS IDENTITY,
  direction    text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  flow_id      text NOT NULL,
  caller       text NOT NULL,
  called       text NOT NULL,
  started_at   text COLLATE "C" NOT NULL,
  answered_at  text COLLATE "C",
  ended_at     text COLLATE "C",
  duration_sec double precision,
  outcome      text,
  outcomes     text,
  end_reason   text,
  last_node    text,
  path         text,
  feedback_ref text,
  recovered    integer NOT NULL DEFAULT 0
);
CREATE INDEX calls_started ON calls(started_at);
CREATE INDEX calls_caller ON calls(caller, started_at);

CREATE TABLE call_steps (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id  text NOT NULL REFERENCES calls(call_id) ON DELETE CASCADE,
  at       text COLLATE "C" NOT NULL,
  node     text NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('enter', 'input', 'timeout', 'invalid', 'hangup')),
  detail   text
);
CREATE INDEX call_steps_call ON call_steps(call_id, id);

CREATE TABLE ivr_node_counters (
  flow_id text NOT NULL,
  node    text NOT NULL,
  kind    text NOT NULL,
  count   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (flow_id, node, kind)
);
`;

const admin = `
CREATE TABLE staff_users (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username            text NOT NULL,
  display_name        text,
  role                text NOT NULL CHECK (role IN ('admin', 'supervisor', 'operator', 'department')),
  department_id       bigint REFERENCES departments(id),
  password_hash       text NOT NULL,
  disabled            integer NOT NULL DEFAULT 0,
  created_at          text COLLATE "C" NOT NULL,
  updated_at          text COLLATE "C" NOT NULL,
  password_changed_at text COLLATE "C" NOT NULL,
  last_login_at       text COLLATE "C",
  CHECK ((role = 'department') = (department_id IS NOT NULL))
);
CREATE UNIQUE INDEX staff_users_username ON staff_users(lower(username));
CREATE INDEX staff_users_department ON staff_users(department_id) WHERE department_id IS NOT NULL;

CREATE TABLE staff_sessions (
  id_hash      text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   text COLLATE "C" NOT NULL,
  expires_at   text COLLATE "C" NOT NULL,
  last_seen_at text COLLATE "C" NOT NULL,
  ip           text,
  user_agent   text
);
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);
CREATE INDEX staff_sessions_expires ON staff_sessions(expires_at);

CREATE TABLE staff_login_failures (
  username        text NOT NULL,
  failures        integer NOT NULL,
  last_failure_at text COLLATE "C" NOT NULL,
  locked_until    text
);
CREATE UNIQUE INDEX staff_login_failures_username ON staff_login_failures(lower(username));
`;

const smsInboundDedupe = `
ALTER TABLE sms_mo_parts ADD COLUMN state text NOT NULL DEFAULT 'consumed';
ALTER TABLE sms_mo_parts ADD COLUMN link_id text;
ALTER TABLE sms_mo_parts ADD COLUMN ack_confirmed_at text COLLATE "C";
ALTER TABLE sms_mo_parts ADD COLUMN dup_of bigint;
UPDATE sms_mo_parts SET state = 'open' WHERE inbound_id IS NULL AND concat_total IS NOT NULL;
UPDATE sms_mo_parts p SET state = 'duplicate', dup_of = (
    SELECT q.id FROM sms_mo_parts q WHERE q.id < p.id AND q.source = p.source AND q.concat_ref = p.concat_ref
      AND q.concat_total = p.concat_total AND q.concat_seq = p.concat_seq AND q.data_coding = p.data_coding
      AND q.body = p.body ORDER BY q.id LIMIT 1)
  WHERE state = 'open' AND EXISTS (
    SELECT 1 FROM sms_mo_parts q WHERE q.id < p.id AND q.source = p.source AND q.concat_ref = p.concat_ref
      AND q.concat_total = p.concat_total AND q.concat_seq = p.concat_seq AND q.data_coding = p.data_coding
      AND q.body = p.body);
DROP INDEX sms_mo_parts_open;
CREATE INDEX sms_mo_parts_open ON sms_mo_parts(id) WHERE state = 'open';
CREATE INDEX sms_mo_parts_slot ON sms_mo_parts(source, concat_ref, concat_total, concat_seq, received_at) WHERE concat_total IS NOT NULL;
ALTER TABLE sms_inbound ADD COLUMN parts_expected integer;
UPDATE sms_inbound SET parts_expected = parts WHERE complete = 1;
CREATE INDEX sms_inbound_feedback ON sms_inbound(feedback_id) WHERE feedback_id IS NOT NULL;
`;

/** Calls record the server instance that handles them (see ../migrations/006_voice_owner.ts). */
const voiceOwner = `
ALTER TABLE calls ADD COLUMN owner text;
CREATE INDEX calls_open ON calls(owner) WHERE ended_at IS NULL;
`;

/**
 * Outbound SMS (see ../migrations/008_sms_outbound.ts): the concat reference width per message, the
 * round-robin round, the claim index leading with it, the receipt-timeout index and the persisted
 * per-recipient concat reference counter. Rounds and the counter only grow: bigint (read as numbers).
 */
const smsOutbound = `
ALTER TABLE sms_outbox ADD COLUMN ref_bits integer NOT NULL DEFAULT 8;
ALTER TABLE sms_outbox ADD COLUMN fair_round bigint NOT NULL DEFAULT 0;
DROP INDEX sms_outbox_due;
CREATE INDEX sms_outbox_due ON sms_outbox(priority, fair_round, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX sms_outbox_awaiting_receipt ON sms_outbox(submitted_at) WHERE status = 'submitted';

CREATE TABLE sms_concat_refs (
  phone            text PRIMARY KEY,
  next_ref         bigint NOT NULL,
  cycle_started_at text COLLATE "C" NOT NULL,
  updated_at       text COLLATE "C" NOT NULL
);
`;

/**
 * Hardening (see ../migrations/009_hardening.ts): login lock-outs per (user name, client address) — the
 * SQLite primary key (username COLLATE NOCASE, address) is a unique index on (lower(username), address)
 * — and voided department steps. staff_login_failures goes, as on SQLite (its counts are not carried over).
 */
const hardening = `
CREATE TABLE staff_login_pairs (
  username        text NOT NULL,
  address         text NOT NULL,
  failures        integer NOT NULL,
  last_failure_at text COLLATE "C" NOT NULL,
  locked_until    text COLLATE "C"
);
CREATE UNIQUE INDEX staff_login_pairs_pkey ON staff_login_pairs(lower(username), address);
CREATE INDEX staff_login_pairs_locked ON staff_login_pairs(locked_until) WHERE locked_until IS NOT NULL;
DROP TABLE staff_login_failures;

ALTER TABLE declaration_events ADD COLUMN voided_at text COLLATE "C";
ALTER TABLE declaration_events ADD COLUMN voided_by text;
ALTER TABLE declaration_events ADD COLUMN void_reason text;
`;

/** See ../migrations/010_instances.ts. */
const instances = `
CREATE TABLE instances (
  id          text PRIMARY KEY,
  host        text NOT NULL,
  pid         integer NOT NULL,
  started_at  text COLLATE "C" NOT NULL,
  seen_at     text COLLATE "C" NOT NULL,
  stopped_at  text COLLATE "C"
);
ALTER TABLE sms_outbox ADD COLUMN claimed_by text;
CREATE INDEX sms_outbox_claimed ON sms_outbox(claimed_by) WHERE status = 'submitting';
`;

/** See ../migrations/011_work_orders.ts. */
const workOrders = `
ALTER TABLE feedback ADD COLUMN category text;
ALTER TABLE feedback ADD COLUMN urgency text NOT NULL DEFAULT 'normal';
ALTER TABLE feedback ADD COLUMN address text;
ALTER TABLE feedback ADD COLUMN summary text;
ALTER TABLE feedback ADD COLUMN reply_by text;
ALTER TABLE feedback ADD COLUMN instruction text;
ALTER TABLE feedback ADD COLUMN dispatched_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN dispatched_by text;
ALTER TABLE feedback ADD COLUMN sign_due_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN sign_warn_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN signed_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN signed_by text;
ALTER TABLE feedback ADD COLUMN finish_due_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN finish_warn_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN due_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN warn_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN return_count integer NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN return_reason text;
ALTER TABLE feedback ADD COLUMN dispute_level integer NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN urge_count integer NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN extension_count integer NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN interim_count integer NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN parent_id bigint REFERENCES feedback(id);
ALTER TABLE feedback ADD COLUMN claimed_by text;
ALTER TABLE feedback ADD COLUMN closed_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN close_reason text;
ALTER TABLE feedback ADD COLUMN escalated_at text COLLATE "C";
UPDATE feedback SET closed_at = updated_at WHERE status = 'closed';

CREATE INDEX feedback_wo_due ON feedback(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX feedback_wo_warn ON feedback(warn_at) WHERE due_at IS NOT NULL;
CREATE INDEX feedback_wo_dept_status_due ON feedback(department_id, status, due_at) WHERE department_id IS NOT NULL;
CREATE INDEX feedback_wo_dept_due ON feedback(department_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX feedback_wo_dept_created ON feedback(department_id, created_at, id) WHERE department_id IS NOT NULL;
CREATE INDEX feedback_wo_redo ON feedback(updated_at, id) WHERE (reopen_count > 0 AND status IN ('assigned', 'handling')) OR status = 'escalated';
CREATE INDEX feedback_wo_status_due ON feedback(status, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX feedback_wo_to_dispatch ON feedback(created_at, id) WHERE status IN ('new', 'transcribed', 'returned');
CREATE INDEX feedback_wo_claimed ON feedback(claimed_by, updated_at) WHERE claimed_by IS NOT NULL;
CREATE INDEX feedback_wo_parent ON feedback(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX feedback_wo_answered ON feedback(answered_at, id) WHERE status = 'answered';
CREATE INDEX feedback_wo_address ON feedback(address, created_at) WHERE address IS NOT NULL;
CREATE INDEX feedback_wo_category ON feedback(category, created_at) WHERE category IS NOT NULL;

ALTER TABLE feedback_events ADD COLUMN actor_name text;
ALTER TABLE feedback_events ADD COLUMN department_id bigint REFERENCES departments(id);
ALTER TABLE feedback_events ADD COLUMN department_name text;
ALTER TABLE feedback_events ADD COLUMN opinion text;
ALTER TABLE feedback_events ADD COLUMN data text;

CREATE TABLE work_order_parts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id        bigint NOT NULL REFERENCES feedback(id),
  department_id   bigint NOT NULL REFERENCES departments(id),
  role            text NOT NULL DEFAULT 'assist',
  department_name text NOT NULL,
  instruction     text,
  status          text NOT NULL,
  answer          text,
  answered_by     text,
  answered_at     text COLLATE "C",
  created_at      text COLLATE "C" NOT NULL,
  updated_at      text COLLATE "C" NOT NULL,
  UNIQUE (order_id, department_id)
);
CREATE INDEX work_order_parts_department ON work_order_parts(department_id, order_id);

CREATE TABLE work_order_extensions (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id          bigint NOT NULL REFERENCES feedback(id),
  department_id     bigint NOT NULL REFERENCES departments(id),
  requested_by      text NOT NULL,
  requested_by_name text NOT NULL,
  reason            text NOT NULL,
  days              integer NOT NULL,
  requested_at      text COLLATE "C" NOT NULL,
  status            text NOT NULL,
  decided_by        text,
  decided_by_name   text,
  decided_at        text COLLATE "C",
  opinion           text,
  new_due_at        text COLLATE "C"
);
CREATE INDEX work_order_extensions_order ON work_order_extensions(order_id, id);
CREATE INDEX work_order_extensions_pending ON work_order_extensions(requested_at) WHERE status = 'pending';

CREATE TABLE work_order_requests (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  department_id bigint NOT NULL REFERENCES departments(id),
  idem_key      text NOT NULL,
  order_id      bigint NOT NULL REFERENCES feedback(id),
  action        text NOT NULL,
  body_hash     text NOT NULL,
  response      text NOT NULL,
  at            text COLLATE "C" NOT NULL,
  UNIQUE (department_id, idem_key)
);
`;

/** See ../migrations/012_call_queue.ts. */
const callQueue = `
ALTER TABLE staff_users ADD COLUMN endpoint text;
ALTER TABLE staff_users ADD COLUMN seat_state text NOT NULL DEFAULT 'loggedOut'
  CHECK (seat_state IN ('ready', 'break', 'loggedOut', 'ringing', 'busy', 'wrapUp'));
ALTER TABLE staff_users ADD COLUMN seat_state_at text COLLATE "C";
CREATE UNIQUE INDEX staff_users_endpoint ON staff_users(endpoint) WHERE endpoint IS NOT NULL;

CREATE TABLE call_queue (
  call_id        text PRIMARY KEY,
  seq            bigint NOT NULL UNIQUE,
  priority       text NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent', 'normal')),
  phone          text,
  enqueued_at    text COLLATE "C" NOT NULL,
  owner_instance text,
  updated_at     text COLLATE "C" NOT NULL
);
CREATE INDEX call_queue_owner ON call_queue(owner_instance);

CREATE TABLE callback_requests (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone           text NOT NULL,
  call_id         text,
  feedback_id     bigint REFERENCES feedback(id),
  reason          text NOT NULL CHECK (reason IN ('queue', 'answer', 'notice')),
  notice_kind     text CHECK (notice_kind IN ('interim', 'closed')),
  notice_text     text,
  priority        text NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent', 'normal')),
  seq             bigint NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at text COLLATE "C" NOT NULL,
  status          text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'dialing', 'done', 'failed', 'cancelled')),
  last_result     text,
  owner_instance  text,
  created_at      text COLLATE "C" NOT NULL,
  updated_at      text COLLATE "C" NOT NULL
);
CREATE INDEX callback_requests_due ON callback_requests(next_attempt_at, id) WHERE status = 'requested';
CREATE INDEX callback_requests_open ON callback_requests(priority, seq) WHERE status IN ('requested', 'dialing');
CREATE INDEX callback_requests_phone ON callback_requests(phone, created_at);
`;

/** See ../migrations/014_mail.ts. */
const mail = `
CREATE TABLE mail_inbound (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   text NOT NULL UNIQUE,
  from_addr    text NOT NULL,
  return_path  text,
  remote_ip    text,
  subject      text,
  body_text    text,
  in_reply_to  text,
  refs         text,
  raw_path     text NOT NULL,
  raw_bytes    bigint NOT NULL,
  attachments  text NOT NULL DEFAULT '[]',
  disposition  text NOT NULL CHECK (disposition IN ('order', 'reply', 'bounce', 'ignored', 'subscribe')),
  reason       text,
  feedback_id  bigint REFERENCES feedback(id),
  received_at  text COLLATE "C" NOT NULL
);
CREATE INDEX mail_inbound_feedback ON mail_inbound(feedback_id) WHERE feedback_id IS NOT NULL;

CREATE TABLE mail_threads (
  feedback_id  bigint PRIMARY KEY REFERENCES feedback(id),
  address      text NOT NULL,
  message_id   text NOT NULL,
  created_at   text COLLATE "C" NOT NULL
);

CREATE TABLE mail_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_addr         text NOT NULL,
  subject         text NOT NULL,
  body            text NOT NULL,
  message_id      text NOT NULL UNIQUE,
  in_reply_to     text,
  refs            text,
  reason          text NOT NULL CHECK (reason IN ('auto_reply', 'answer', 'notice', 'push', 'subscribe')),
  feedback_id     bigint REFERENCES feedback(id),
  dedupe_key      text UNIQUE,
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'expired')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at text COLLATE "C" NOT NULL,
  expires_at      text COLLATE "C" NOT NULL,
  last_error      text,
  sent_at         text COLLATE "C",
  created_at      text COLLATE "C" NOT NULL,
  updated_at      text COLLATE "C" NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX mail_outbox_feedback ON mail_outbox(feedback_id) WHERE feedback_id IS NOT NULL;

CREATE TABLE mail_addresses (
  address      text PRIMARY KEY,
  bounced_at   text COLLATE "C" NOT NULL,
  reason       text
);

CREATE TABLE mail_subscriptions (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  address        text NOT NULL,
  declaration_id bigint NOT NULL REFERENCES declarations(id),
  created_at     text COLLATE "C" NOT NULL,
  ended_at       text COLLATE "C"
);
CREATE UNIQUE INDEX mail_subscriptions_active ON mail_subscriptions(address, declaration_id) WHERE ended_at IS NULL;
CREATE INDEX mail_subscriptions_declaration ON mail_subscriptions(declaration_id) WHERE ended_at IS NULL;
`;

/** See ../migrations/015_web.ts. */
const web = `
CREATE TABLE service_guide (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  department_id     bigint NOT NULL REFERENCES departments(id),
  item_code         text NOT NULL,
  name              text NOT NULL,
  basis             text NOT NULL DEFAULT '',
  procedure_text    text NOT NULL DEFAULT '',
  fees              text NOT NULL DEFAULT '',
  time_limit        text NOT NULL DEFAULT '',
  complaint_channel text NOT NULL DEFAULT '',
  updated_by        text NOT NULL,
  created_at        text COLLATE "C" NOT NULL,
  updated_at        text COLLATE "C" NOT NULL,
  UNIQUE (department_id, item_code)
);

ALTER TABLE feedback ADD COLUMN publishable integer NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN published_at text COLLATE "C";
ALTER TABLE feedback ADD COLUMN published_by text;
ALTER TABLE feedback ADD COLUMN notify_phone integer NOT NULL DEFAULT 1;
CREATE INDEX feedback_published ON feedback(published_at, id) WHERE publishable = 1;

ALTER TABLE staff_users ADD COLUMN title text;

CREATE TABLE web_codes (
  key        text PRIMARY KEY,
  code_hash  text NOT NULL,
  attempts   integer NOT NULL DEFAULT 0,
  expires_at text COLLATE "C" NOT NULL,
  created_at text COLLATE "C" NOT NULL
);

CREATE TABLE web_attachments (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feedback_id bigint NOT NULL REFERENCES feedback(id),
  file_name   text NOT NULL,
  mime        text NOT NULL,
  size        integer NOT NULL,
  path        text NOT NULL,
  created_at  text COLLATE "C" NOT NULL
);
CREATE INDEX web_attachments_feedback ON web_attachments(feedback_id);
`;

/** Every stored phone number to its canonical form (see ../migrations/007_canonical_phones.ts: same rules, same merges). */
export async function canonicalPhonesPg(c: pg.PoolClient, now = new Date().toISOString()): Promise<{ changed: number }> {
  const remap = async (table: string, column: string): Promise<Array<[string, string]>> => {
    const out: Array<[string, string]> = [];
    for (const r of (await c.query(`SELECT DISTINCT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`)).rows as Array<{ v: string }>) {
      const canon = canonicalPhone(r.v);
      if (canon !== r.v) out.push([r.v, canon]);
    }
    return out;
  };
  let changed = 0;
  for (const [table, column] of [['departments', 'contact_phone'], ['declarations', 'applicant_phone'], ['feedback', 'phone'], ['sms_outbox', 'phone'], ['sms_inbound', 'phone'], ['calls', 'caller']]) {
    for (const [from, to] of await remap(table, column)) changed += (await c.query(`UPDATE ${table} SET ${column} = $1 WHERE ${column} = $2`, [to, from])).rowCount ?? 0;
  }
  for (const [from, to] of await remap('subscriptions', 'phone')) {
    await c.query(`UPDATE subscriptions SET ended_at = $1 WHERE phone = $2 AND ended_at IS NULL
      AND declaration_id IN (SELECT declaration_id FROM subscriptions WHERE phone = $3 AND ended_at IS NULL)`, [now, from, to]);
    changed += (await c.query('UPDATE subscriptions SET phone = $1 WHERE phone = $2', [to, from])).rowCount ?? 0;
  }
  for (const [from, to] of await remap('opt_outs', 'phone')) {
    await c.query(`INSERT INTO opt_outs (phone, opted_out_at) SELECT $1, opted_out_at FROM opt_outs WHERE phone = $2
      ON CONFLICT (phone) DO UPDATE SET opted_out_at = LEAST(opt_outs.opted_out_at, excluded.opted_out_at)`, [to, from]);
    changed += (await c.query('DELETE FROM opt_outs WHERE phone = $1', [from])).rowCount ?? 0;
  }
  return { changed };
}

/** 13: the operator call recording of a queued call (../migrations/013_operator_recordings.ts). */
export const operatorRecordings = `
ALTER TABLE calls ADD COLUMN operator_recording TEXT;
`;

export const PG_MIGRATIONS: PgMigration[] = [
  { version: 1, name: 'core', sql: core },
  { version: 2, name: 'sms', sql: sms },
  { version: 3, name: 'voice', sql: voice },
  { version: 4, name: 'admin', sql: admin },
  { version: 5, name: 'sms-inbound-dedupe', sql: smsInboundDedupe },
  { version: 6, name: 'voice_owner', sql: voiceOwner },
  { version: 7, name: 'canonical_phones', sql: '', run: async (c) => { await canonicalPhonesPg(c); } },
  { version: 8, name: 'sms_outbound', sql: smsOutbound },
  { version: 9, name: 'hardening', sql: hardening },
  { version: 10, name: 'instances', sql: instances },
  { version: 11, name: 'work_orders', sql: workOrders },
  { version: 12, name: 'call_queue', sql: callQueue },
  { version: 13, name: 'operator_recordings', sql: operatorRecordings },
  { version: 14, name: 'mail', sql: mail },
  { version: 15, name: 'web', sql: web },
];
