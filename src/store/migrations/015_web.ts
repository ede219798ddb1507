/**
 * The public web window (issue 14, part A): 办事指南 items per department (事前公开: basis, procedure,
 * fees, promised time limit, where to complain), the 公开栏 flag on feedback (publishable, set by a
 * supervisor or admin), the citizen's choice to be told the answer on the phone (web form: notify_phone 0
 * means neither the answer SMS nor the landline call-back), staff titles (挂牌上岗), the one-time codes
 * of the web subscription (hashed, expiring, attempts counted) and the attachments of web complaints.
 */
export const web = `
CREATE TABLE service_guide (
  id                INTEGER PRIMARY KEY,
  department_id     INTEGER NOT NULL REFERENCES departments(id),
  item_code         TEXT NOT NULL,
  name              TEXT NOT NULL,
  basis             TEXT NOT NULL DEFAULT '',
  procedure_text    TEXT NOT NULL DEFAULT '',
  fees              TEXT NOT NULL DEFAULT '',
  time_limit        TEXT NOT NULL DEFAULT '',
  complaint_channel TEXT NOT NULL DEFAULT '',
  updated_by        TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  UNIQUE (department_id, item_code)
);

ALTER TABLE feedback ADD COLUMN publishable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN published_at TEXT;
ALTER TABLE feedback ADD COLUMN published_by TEXT;
ALTER TABLE feedback ADD COLUMN notify_phone INTEGER NOT NULL DEFAULT 1;
CREATE INDEX feedback_published ON feedback(published_at, id) WHERE publishable = 1;

ALTER TABLE staff_users ADD COLUMN title TEXT;

CREATE TABLE web_codes (
  key        TEXT PRIMARY KEY,
  code_hash  TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE web_attachments (
  id          INTEGER PRIMARY KEY,
  feedback_id INTEGER NOT NULL REFERENCES feedback(id),
  file_name   TEXT NOT NULL,
  mime        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  path        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX web_attachments_feedback ON web_attachments(feedback_id);
`;
