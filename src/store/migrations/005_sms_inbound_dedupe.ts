/**
 * Inbound SMS, restart-safe: every MO part row says what became of it (`state`: open — waiting for
 * the rest of its long message; consumed — part of an inbound message; duplicate — a re-delivery or
 * a repeated part, closed for good, `dup_of` the row it repeats), which connection it came on
 * (`link_id`, unique across restarts) and when the SMSC was seen to have read our deliver_sm_resp
 * (`ack_confirmed_at`). `fingerprint` now holds the SHA-256 of the PDU without its header (older
 * rows keep their old value, which no new PDU matches). Inbound messages keep how many parts were
 * expected (`parts_expected`; `parts` is how many arrived).
 *
 * Open parts that repeat an earlier part of the same slot octet for octet (left open by earlier
 * versions, which reassembled them into phantom messages after a restart) are closed here.
 */
export const smsInboundDedupe = `
ALTER TABLE sms_mo_parts ADD COLUMN state TEXT NOT NULL DEFAULT 'consumed';
ALTER TABLE sms_mo_parts ADD COLUMN link_id TEXT;
ALTER TABLE sms_mo_parts ADD COLUMN ack_confirmed_at TEXT;
ALTER TABLE sms_mo_parts ADD COLUMN dup_of INTEGER;
UPDATE sms_mo_parts SET state = 'open' WHERE inbound_id IS NULL AND concat_total IS NOT NULL;
UPDATE sms_mo_parts SET state = 'duplicate', dup_of = (
    SELECT q.id FROM sms_mo_parts q WHERE q.id < sms_mo_parts.id AND q.source = sms_mo_parts.source AND q.concat_ref = sms_mo_parts.concat_ref
      AND q.concat_total = sms_mo_parts.concat_total AND q.concat_seq = sms_mo_parts.concat_seq AND q.data_coding = sms_mo_parts.data_coding
      AND q.body = sms_mo_parts.body ORDER BY q.id LIMIT 1)
  WHERE state = 'open' AND EXISTS (
    SELECT 1 FROM sms_mo_parts q WHERE q.id < sms_mo_parts.id AND q.source = sms_mo_parts.source AND q.concat_ref = sms_mo_parts.concat_ref
      AND q.concat_total = sms_mo_parts.concat_total AND q.concat_seq = sms_mo_parts.concat_seq AND q.data_coding = sms_mo_parts.data_coding
      AND q.body = sms_mo_parts.body);
DROP INDEX sms_mo_parts_open;
CREATE INDEX sms_mo_parts_open ON sms_mo_parts(id) WHERE state = 'open';
CREATE INDEX sms_mo_parts_slot ON sms_mo_parts(source, concat_ref, concat_total, concat_seq, received_at) WHERE concat_total IS NOT NULL;
ALTER TABLE sms_inbound ADD COLUMN parts_expected INTEGER;
UPDATE sms_inbound SET parts_expected = parts WHERE complete = 1;
CREATE INDEX sms_inbound_feedback ON sms_inbound(feedback_id) WHERE feedback_id IS NOT NULL;
`;
