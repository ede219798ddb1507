/**
 * The call queue (issue 13): operator seats — a staff user's SIP endpoint (unique) and the seat state
 * they set in the panel or the queue set for them (ready, break, loggedOut, ringing, busy, wrapUp) —
 * the callers waiting (call_queue: their order, priority, the instance that owns the call) and the
 * call-back requests (预约回拨), persisted so a restart never loses one: attempts, the next attempt's
 * time (the due index), status requested → dialing → done | failed | cancelled, the last result.
 * seq is the queue order shared by both tables: a caller's call-back keeps the caller's seq.
 * reason: 'queue' (预约回拨), 'answer' (a landline hears the staff answer), 'notice' (a landline hears a
 * work-order notice — notice_kind interim 阶段性答复 / closed 办结通知 — with its text in notice_text).
 */
export const callQueue = `
ALTER TABLE staff_users ADD COLUMN endpoint TEXT;
ALTER TABLE staff_users ADD COLUMN seat_state TEXT NOT NULL DEFAULT 'loggedOut'
  CHECK (seat_state IN ('ready', 'break', 'loggedOut', 'ringing', 'busy', 'wrapUp'));
ALTER TABLE staff_users ADD COLUMN seat_state_at TEXT;
CREATE UNIQUE INDEX staff_users_endpoint ON staff_users(endpoint) WHERE endpoint IS NOT NULL;

CREATE TABLE call_queue (
  call_id        TEXT PRIMARY KEY,
  seq            INTEGER NOT NULL UNIQUE,
  priority       TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent', 'normal')),
  phone          TEXT,
  enqueued_at    TEXT NOT NULL,
  owner_instance TEXT,
  updated_at     TEXT NOT NULL
);
CREATE INDEX call_queue_owner ON call_queue(owner_instance);

CREATE TABLE callback_requests (
  id              INTEGER PRIMARY KEY,
  phone           TEXT NOT NULL,
  call_id         TEXT,
  feedback_id     INTEGER REFERENCES feedback(id),
  reason          TEXT NOT NULL CHECK (reason IN ('queue', 'answer', 'notice')),
  notice_kind     TEXT CHECK (notice_kind IN ('interim', 'closed')),
  notice_text     TEXT,
  priority        TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent', 'normal')),
  seq             INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'dialing', 'done', 'failed', 'cancelled')),
  last_result     TEXT,
  owner_instance  TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX callback_requests_due ON callback_requests(next_attempt_at, id) WHERE status = 'requested';
CREATE INDEX callback_requests_open ON callback_requests(priority, seq) WHERE status IN ('requested', 'dialing');
CREATE INDEX callback_requests_phone ON callback_requests(phone, created_at);
`;
