/**
 * Hardening (issue 10): login lock-outs per (user, client address) pair instead of per user name
 * (anyone could lock any account by name), and voided department steps (a wrong step is corrected by
 * voiding it; the status is re-derived from the remaining steps).
 */
export const hardening = `
CREATE TABLE staff_login_pairs (
  username        TEXT NOT NULL COLLATE NOCASE,
  address         TEXT NOT NULL,
  failures        INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL,
  locked_until    TEXT,
  PRIMARY KEY (username, address)
);
CREATE INDEX staff_login_pairs_locked ON staff_login_pairs(locked_until) WHERE locked_until IS NOT NULL;
DROP TABLE staff_login_failures;

ALTER TABLE declaration_events ADD COLUMN voided_at TEXT;
ALTER TABLE declaration_events ADD COLUMN voided_by TEXT;
ALTER TABLE declaration_events ADD COLUMN void_reason TEXT;
`;
