/**
 * Several instances on one database (issue 11): each running server records itself and renews a
 * heartbeat; an outbox row being submitted records which instance claimed it. A row claimed by an
 * instance whose heartbeat has lapsed (killed, machine gone) goes back to the queue — recovered by
 * whichever instance sees it first — instead of every start resetting everybody's rows.
 */
export const instances = `
CREATE TABLE instances (
  id          TEXT PRIMARY KEY,
  host        TEXT NOT NULL,
  pid         INTEGER NOT NULL,
  started_at  TEXT NOT NULL,
  seen_at     TEXT NOT NULL,
  stopped_at  TEXT
);
ALTER TABLE sms_outbox ADD COLUMN claimed_by TEXT;
CREATE INDEX sms_outbox_claimed ON sms_outbox(claimed_by) WHERE status = 'submitting';
`;
