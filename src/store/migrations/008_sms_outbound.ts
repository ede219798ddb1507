/**
 * Outbound SMS hardening:
 *  - `ref_bits`: the concatenation reference width a message was planned with (8: IEI 00, 16: IEI 08),
 *    so a retry after a config change keeps its segmentation and UDH;
 *  - `fair_round`: round-robin order across recipients within a priority (a recipient's k-th waiting
 *    message is in round head+k), so one sender's flood does not queue everyone else behind it; the
 *    claim index leads with it;
 *  - `sms_concat_refs`: a persisted per-recipient concatenation reference counter (never random, never
 *    reused across a restart);
 *  - an index for the receipt timeout job (messages submitted and still waiting for receipts).
 */
export const smsOutbound = `
ALTER TABLE sms_outbox ADD COLUMN ref_bits INTEGER NOT NULL DEFAULT 8;
ALTER TABLE sms_outbox ADD COLUMN fair_round INTEGER NOT NULL DEFAULT 0;
DROP INDEX sms_outbox_due;
CREATE INDEX sms_outbox_due ON sms_outbox(priority, fair_round, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX sms_outbox_awaiting_receipt ON sms_outbox(submitted_at) WHERE status = 'submitted';

CREATE TABLE sms_concat_refs (
  phone           TEXT PRIMARY KEY,
  next_ref        INTEGER NOT NULL,
  cycle_started_at TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) WITHOUT ROWID;
`;
