/**
 * Admin panel: staff users (role, department membership for department staff), sessions (only a
 * SHA-256 of the session id is stored) and failed-login counters for the temporary lock-out.
 */
export const admin = `
CREATE TABLE staff_users (
  id                  INTEGER PRIMARY KEY,
  username            TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name        TEXT,
  role                TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'operator', 'department')),
  department_id       INTEGER REFERENCES departments(id),
  password_hash       TEXT NOT NULL,
  disabled            INTEGER NOT NULL DEFAULT 0,
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  password_changed_at TEXT NOT NULL,
  last_login_at       TEXT,
  CHECK ((role = 'department') = (department_id IS NOT NULL))
);
CREATE INDEX staff_users_department ON staff_users(department_id) WHERE department_id IS NOT NULL;

CREATE TABLE staff_sessions (
  id_hash      TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
  csrf_token   TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  ip           TEXT,
  user_agent   TEXT
);
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);
CREATE INDEX staff_sessions_expires ON staff_sessions(expires_at);

CREATE TABLE staff_login_failures (
  username        TEXT PRIMARY KEY COLLATE NOCASE,
  failures        INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL,
  locked_until    TEXT
);
`;
