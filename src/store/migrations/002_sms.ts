/**
 * SMS: the persisted outbox (one row per MT, one per segment with its SMSC message id and receipt),
 * receipts not yet matched, inbound messages and the raw MO parts they were assembled from.
 */
export const sms = `
CREATE TABLE sms_outbox (
  id               INTEGER PRIMARY KEY,
  phone            TEXT NOT NULL,
  text             TEXT NOT NULL,
  reason           TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  status           TEXT NOT NULL,
  template         TEXT,
  dedupe_key       TEXT UNIQUE,
  encoding         TEXT NOT NULL,
  data_coding      INTEGER NOT NULL,
  ref_num          INTEGER NOT NULL,
  segments         INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  unknown_outcomes INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT NOT NULL,
  expires_at       TEXT,
  last_error       TEXT,
  feedback_id      INTEGER,
  inbound_id       INTEGER,
  created_by       TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  submitted_at     TEXT,
  done_at          TEXT
);
CREATE INDEX sms_outbox_due ON sms_outbox(priority, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX sms_outbox_held ON sms_outbox(next_attempt_at) WHERE status = 'held';
CREATE INDEX sms_outbox_status ON sms_outbox(status, id);
CREATE INDEX sms_outbox_phone ON sms_outbox(phone, created_at);

CREATE TABLE sms_segments (
  id             INTEGER PRIMARY KEY,
  outbox_id      INTEGER NOT NULL REFERENCES sms_outbox(id),
  seq            INTEGER NOT NULL,
  status         TEXT NOT NULL,
  message_id     TEXT,
  message_id_raw TEXT,
  error_code     INTEGER,
  submits        INTEGER NOT NULL DEFAULT 0,
  submitted_at   TEXT,
  done_at        TEXT,
  UNIQUE (outbox_id, seq)
);
CREATE INDEX sms_segments_message_id ON sms_segments(message_id) WHERE message_id IS NOT NULL;

CREATE TABLE sms_receipts_unmatched (
  id          INTEGER PRIMARY KEY,
  message_id  TEXT NOT NULL,
  state       TEXT NOT NULL,
  error_code  INTEGER,
  raw         TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX sms_receipts_unmatched_id ON sms_receipts_unmatched(message_id);

CREATE TABLE sms_inbound (
  id           INTEGER PRIMARY KEY,
  phone        TEXT NOT NULL,
  dest         TEXT NOT NULL,
  text         TEXT NOT NULL,
  parts        INTEGER NOT NULL,
  complete     INTEGER NOT NULL,
  warnings     TEXT,
  status       TEXT NOT NULL,
  command      TEXT,
  outcome      TEXT,
  feedback_id  INTEGER,
  received_at  TEXT NOT NULL,
  processed_at TEXT
);
CREATE INDEX sms_inbound_pending ON sms_inbound(id) WHERE status = 'received';
CREATE INDEX sms_inbound_phone ON sms_inbound(phone, received_at);

CREATE TABLE sms_mo_parts (
  id           INTEGER PRIMARY KEY,
  source       TEXT NOT NULL,
  dest         TEXT NOT NULL,
  data_coding  INTEGER NOT NULL,
  esm_class    INTEGER NOT NULL,
  udh          BLOB,
  body         BLOB NOT NULL,
  concat_ref   INTEGER,
  concat_total INTEGER,
  concat_seq   INTEGER,
  ref_bits     INTEGER,
  fingerprint  TEXT NOT NULL,
  link_session INTEGER NOT NULL,
  inbound_id   INTEGER REFERENCES sms_inbound(id),
  received_at  TEXT NOT NULL
);
CREATE INDEX sms_mo_parts_open ON sms_mo_parts(id) WHERE inbound_id IS NULL AND concat_total IS NOT NULL;
CREATE INDEX sms_mo_parts_fp ON sms_mo_parts(fingerprint, received_at);
`;
