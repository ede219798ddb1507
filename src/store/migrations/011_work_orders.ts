/**
 * Work orders (issue 12): a feedback item becomes the work order — it keeps its reference, intake
 * (voice/SMS/API), answer and survey columns, and gains the handling cycle: category, urgency, address,
 * the dispatch with its 签收/办结 deadlines (due_at/warn_at: the clock running now, for the 即将超时/已超时
 * queues), counters (退单, 催办, 延期, 阶段性答复; 重办 = reopen_count), the merge parent, the claim,
 * the close. The timeline (feedback_events) gains the actor's display name, department and opinion.
 * New: the assisting departments' parts (协办), extension requests (申请延期) and the department API's
 * idempotency keys. Existing closed items get closed_at = their last update.
 */
export const workOrders = `
ALTER TABLE feedback ADD COLUMN category TEXT;
ALTER TABLE feedback ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE feedback ADD COLUMN address TEXT;
ALTER TABLE feedback ADD COLUMN summary TEXT;
ALTER TABLE feedback ADD COLUMN reply_by TEXT;
ALTER TABLE feedback ADD COLUMN instruction TEXT;
ALTER TABLE feedback ADD COLUMN dispatched_at TEXT;
ALTER TABLE feedback ADD COLUMN dispatched_by TEXT;
ALTER TABLE feedback ADD COLUMN sign_due_at TEXT;
ALTER TABLE feedback ADD COLUMN sign_warn_at TEXT;
ALTER TABLE feedback ADD COLUMN signed_at TEXT;
ALTER TABLE feedback ADD COLUMN signed_by TEXT;
ALTER TABLE feedback ADD COLUMN finish_due_at TEXT;
ALTER TABLE feedback ADD COLUMN finish_warn_at TEXT;
ALTER TABLE feedback ADD COLUMN due_at TEXT;
ALTER TABLE feedback ADD COLUMN warn_at TEXT;
ALTER TABLE feedback ADD COLUMN return_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN return_reason TEXT;
ALTER TABLE feedback ADD COLUMN dispute_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN urge_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN extension_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN interim_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN parent_id INTEGER REFERENCES feedback(id);
ALTER TABLE feedback ADD COLUMN claimed_by TEXT;
ALTER TABLE feedback ADD COLUMN closed_at TEXT;
ALTER TABLE feedback ADD COLUMN close_reason TEXT;
ALTER TABLE feedback ADD COLUMN escalated_at TEXT;
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

ALTER TABLE feedback_events ADD COLUMN actor_name TEXT;
ALTER TABLE feedback_events ADD COLUMN department_id INTEGER REFERENCES departments(id);
ALTER TABLE feedback_events ADD COLUMN department_name TEXT;
ALTER TABLE feedback_events ADD COLUMN opinion TEXT;
ALTER TABLE feedback_events ADD COLUMN data TEXT;

CREATE TABLE work_order_parts (
  id              INTEGER PRIMARY KEY,
  order_id        INTEGER NOT NULL REFERENCES feedback(id),
  department_id   INTEGER NOT NULL REFERENCES departments(id),
  role            TEXT NOT NULL DEFAULT 'assist',
  department_name TEXT NOT NULL,
  instruction     TEXT,
  status          TEXT NOT NULL,
  answer          TEXT,
  answered_by     TEXT,
  answered_at     TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  UNIQUE (order_id, department_id)
);
CREATE INDEX work_order_parts_department ON work_order_parts(department_id, order_id);

CREATE TABLE work_order_extensions (
  id                INTEGER PRIMARY KEY,
  order_id          INTEGER NOT NULL REFERENCES feedback(id),
  department_id     INTEGER NOT NULL REFERENCES departments(id),
  requested_by      TEXT NOT NULL,
  requested_by_name TEXT NOT NULL,
  reason            TEXT NOT NULL,
  days              INTEGER NOT NULL,
  requested_at      TEXT NOT NULL,
  status            TEXT NOT NULL,
  decided_by        TEXT,
  decided_by_name   TEXT,
  decided_at        TEXT,
  opinion           TEXT,
  new_due_at        TEXT
);
CREATE INDEX work_order_extensions_order ON work_order_extensions(order_id, id);
CREATE INDEX work_order_extensions_pending ON work_order_extensions(requested_at) WHERE status = 'pending';

CREATE TABLE work_order_requests (
  id            INTEGER PRIMARY KEY,
  department_id INTEGER NOT NULL REFERENCES departments(id),
  idem_key      TEXT NOT NULL,
  order_id      INTEGER NOT NULL REFERENCES feedback(id),
  action        TEXT NOT NULL,
  body_hash     TEXT NOT NULL,
  response      TEXT NOT NULL,
  at            TEXT NOT NULL,
  UNIQUE (department_id, idem_key)
);
`;
