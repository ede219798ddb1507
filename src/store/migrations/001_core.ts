/** Core schema: departments, declarations and their steps, feedback, subscriptions, audit log. */
export const core = `
CREATE TABLE departments (
  id            INTEGER PRIMARY KEY,
  code          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  contact_phone TEXT,
  api_key_hash  TEXT,
  api_key_hint  TEXT,
  created_at    TEXT NOT NULL
);

CREATE TABLE declarations (
  id              INTEGER PRIMARY KEY,
  query_code      TEXT NOT NULL UNIQUE,
  department_id   INTEGER NOT NULL REFERENCES departments(id),
  dept_ref        TEXT,
  item_name       TEXT NOT NULL,
  applicant_name  TEXT,
  applicant_phone TEXT,
  status          TEXT NOT NULL,
  status_at       TEXT NOT NULL,
  accepted_at     TEXT NOT NULL,
  due_at          TEXT,
  closed_at       TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX declarations_dept_ref ON declarations(department_id, dept_ref) WHERE dept_ref IS NOT NULL;
CREATE INDEX declarations_dept_ref_any ON declarations(dept_ref) WHERE dept_ref IS NOT NULL;
CREATE INDEX declarations_applicant_phone ON declarations(applicant_phone);
CREATE INDEX declarations_open_due ON declarations(due_at) WHERE closed_at IS NULL;

CREATE TABLE declaration_events (
  id             INTEGER PRIMARY KEY,
  declaration_id INTEGER NOT NULL REFERENCES declarations(id),
  department_id  INTEGER NOT NULL REFERENCES departments(id),
  event_id       TEXT NOT NULL,
  step_name      TEXT NOT NULL,
  status         TEXT NOT NULL,
  handler_name   TEXT,
  handler_title  TEXT,
  opinion        TEXT,
  details        TEXT,
  occurred_at    TEXT NOT NULL,
  received_at    TEXT NOT NULL,
  applied        INTEGER NOT NULL,
  UNIQUE (department_id, event_id)
);
CREATE INDEX declaration_events_timeline ON declaration_events(declaration_id, occurred_at, id);

CREATE TABLE feedback (
  id                 INTEGER PRIMARY KEY,
  ref                TEXT NOT NULL UNIQUE,
  kind               TEXT NOT NULL,
  channel            TEXT NOT NULL,
  phone              TEXT,
  text               TEXT,
  recording_path     TEXT,
  recording_duration REAL,
  transcript         TEXT,
  transcribed_by     TEXT,
  transcribed_at     TEXT,
  status             TEXT NOT NULL,
  department_id      INTEGER REFERENCES departments(id),
  declaration_id     INTEGER REFERENCES declarations(id),
  answer             TEXT,
  answered_by        TEXT,
  answered_at        TEXT,
  satisfaction       INTEGER,
  satisfaction_at    TEXT,
  reopen_count       INTEGER NOT NULL DEFAULT 0,
  call_id            TEXT,
  flow_path          TEXT,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX feedback_status ON feedback(status, created_at);
CREATE INDEX feedback_department ON feedback(department_id, status, created_at);
CREATE INDEX feedback_phone ON feedback(phone, created_at);
CREATE INDEX feedback_created ON feedback(created_at);

CREATE TABLE feedback_events (
  id          INTEGER PRIMARY KEY,
  feedback_id INTEGER NOT NULL REFERENCES feedback(id),
  action      TEXT NOT NULL,
  actor       TEXT NOT NULL,
  detail      TEXT,
  at          TEXT NOT NULL
);
CREATE INDEX feedback_events_feedback ON feedback_events(feedback_id, id);

CREATE TABLE ref_counters (
  day  TEXT PRIMARY KEY,
  last INTEGER NOT NULL
);

CREATE TABLE subscriptions (
  id             INTEGER PRIMARY KEY,
  phone          TEXT NOT NULL,
  declaration_id INTEGER NOT NULL REFERENCES declarations(id),
  channel        TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  ended_at       TEXT
);
CREATE UNIQUE INDEX subscriptions_active ON subscriptions(phone, declaration_id) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_declaration ON subscriptions(declaration_id) WHERE ended_at IS NULL;

CREATE TABLE opt_outs (
  phone      TEXT PRIMARY KEY,
  opted_out_at TEXT NOT NULL
);

CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT,
  detail    TEXT,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
`;
