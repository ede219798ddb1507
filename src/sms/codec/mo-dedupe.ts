/**
 * When is an inbound PDU a second copy of something already stored, and when is it a citizen saying
 * the same thing twice? Pure: the adapter looks the facts up in the store and asks `decideMo`.
 *
 * 1. Re-delivery. An SMSC re-delivers a deliver_sm whose deliver_sm_resp it did not read (lost at a
 *    link drop, or never sent because the server crashed between persisting and acknowledging) after
 *    the next bind: a new PDU, new sequence number, the same octets. A PDU is a re-delivery of a
 *    stored part when all of these hold:
 *      - its body — everything after the 16-octet header: service type, source and destination with
 *        TON/NPI, esm_class, protocol id, priority, the SMSC's time fields, data coding,
 *        short_message with its UDH (reference and part numbers) and every TLV (SAR, message_payload,
 *        vendor time stamps or ids where the SMSC sends them) — is octet for octet the stored one's
 *        (`pduFingerprint`);
 *      - it arrived on another connection than the stored one (an SMSC re-delivers after a re-bind);
 *      - the SMSC was never seen to read our resp for the stored one. It has read it once it answered
 *        a request we wrote after the resp on that connection (TCP keeps order): normally within
 *        milliseconds, by the reply's submit_sm_resp, else by the answer to an enquire_link the link
 *        sends half a second after an ack that nothing else followed;
 *      - the stored one arrived within the window (`sms.mo_dedupe_hours`, default 24 h).
 *    A citizen who texts the same words twice sends identical octets too (e.g. `CX 123…` twice, minutes
 *    apart); the second one is answered, because the SMSC had read our resp for the first, or because
 *    it came on the same connection. The facts (fingerprint, connection id, confirmation time) are
 *    stored with the part, so a restart changes nothing.
 * 2. Repeated part. A part of a long message whose slot (sender, reference, total, seq) is already
 *    filled by a part with the same octets — still open, or consumed by a message within the window —
 *    is the same part again (handsets take a new reference for each long message). So is a part whose
 *    slot is filled in the open set by different octets (the first is kept). A repeated part is stored
 *    closed ('duplicate') and never joins or starts a set, before or after a restart.
 * Anything else is new.
 */
import { createHash } from 'node:crypto';

/** Key of a deliver_sm / data_sm as the SMSC would re-deliver it: SHA-256 (hex) of the command and the PDU body after the header. */
export function pduFingerprint(command: 'deliver_sm' | 'data_sm', pduBody: Uint8Array): string {
  return createHash('sha256').update(command).update('\0').update(pduBody).digest('hex');
}

export interface MoFacts {
  /** A stored part this PDU would be a re-delivery of (rule 1), if any. */
  redeliveryOf?: number | null;
  /** A concatenated part only: a stored open or consumed part of the same slot with the same octets, within the window. */
  sameSlotOf?: number | null;
  /** A concatenated part only: the open set in memory already has this slot (`of`: its row, `conflict`: with other octets). */
  openSlot?: { of: number | null; conflict: boolean } | null;
}

export type MoDecision =
  | { kind: 'redelivery'; of: number }
  | { kind: 'repeated-part'; of: number | null; conflict: boolean }
  | { kind: 'new' };

export function decideMo(f: MoFacts): MoDecision {
  if (f.redeliveryOf != null) return { kind: 'redelivery', of: f.redeliveryOf };
  if (f.sameSlotOf != null) return { kind: 'repeated-part', of: f.sameSlotOf, conflict: false };
  if (f.openSlot) return { kind: 'repeated-part', of: f.openSlot.of, conflict: f.openSlot.conflict };
  return { kind: 'new' };
}
