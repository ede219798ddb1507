/**
 * Delivery receipts (SMPP 3.4 §5.2.12 esm_class, Appendix B text format, §5.3.2.35 message_state).
 *
 * Text form: `id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm
 * stat:DDDDDDD err:E text:...` — parsed tolerantly: any key case, extra or missing spaces, missing
 * fields, `submit_date`/`done_date` spellings, 10- or 12-digit dates; everything after `text:` is
 * the text. TLVs: receipted_message_id, message_state (1..8), network_error_code.
 *
 * Message id matching (`messageIdKeys`): SMSCs differ in how they print the same id — hex in
 * submit_sm_resp and decimal in the receipt, upper/lower case, leading zeros. The rule:
 *   canonical(id) = trimmed, lower-cased, and — when it is all hex digits — without leading zeros
 *                   ("0" if nothing remains);
 *   messageIdKeys(id) = [canonical, then if all decimal: its hex form, then if all hex: its
 *                   decimal form] (duplicates removed, in that order of preference).
 * Store the CANONICAL form of the id from submit_sm_resp; look a receipt up by each of its keys in
 * order and take the first hit. Because the conversions are symmetric, hex-vs-decimal and
 * decimal-vs-hex pairs both match, and an exact match always wins over a converted one.
 */

/** esm_class message type bits (2–5). */
export const ESM_TYPE_MASK = 0x3c;
export const ESM_DELIVERY_RECEIPT = 0x04;
export const ESM_INTERMEDIATE_NOTIFICATION = 0x20;

/** esm_class of a deliver_sm says "SMSC delivery receipt" (bits 2–5 = 0001). */
export function isDeliveryReceipt(esmClass: number): boolean {
  return (esmClass & ESM_TYPE_MASK) === ESM_DELIVERY_RECEIPT;
}

/** esm_class says "intermediate delivery notification" (bits 2–5 = 1000); same receipt format. */
export function isIntermediateNotification(esmClass: number): boolean {
  return (esmClass & ESM_TYPE_MASK) === ESM_INTERMEDIATE_NOTIFICATION;
}

export const MESSAGE_STATES = ['ENROUTE', 'DELIVERED', 'EXPIRED', 'DELETED', 'UNDELIVERABLE', 'ACCEPTED', 'UNKNOWN', 'REJECTED'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** SMPP message_state value (1..8) → name; anything else → null. */
export function messageStateFromNumber(n: number | null | undefined): MessageState | null {
  if (n == null || !Number.isInteger(n) || n < 1 || n > 8) return null;
  return MESSAGE_STATES[n - 1];
}

/** The receipt `stat:` word (7-letter abbreviations and long forms) → state; unknown words → null. */
export function messageStateFromStat(stat: string | null | undefined): MessageState | null {
  if (!stat) return null;
  const s = stat.trim().toUpperCase();
  const map: Record<string, MessageState> = {
    ENROUTE: 'ENROUTE', DELIVRD: 'DELIVERED', DELIVERED: 'DELIVERED', EXPIRED: 'EXPIRED', DELETED: 'DELETED',
    UNDELIV: 'UNDELIVERABLE', UNDELIVERABLE: 'UNDELIVERABLE', ACCEPTD: 'ACCEPTED', ACCEPTED: 'ACCEPTED',
    UNKNOWN: 'UNKNOWN', REJECTD: 'REJECTED', REJECTED: 'REJECTED',
  };
  return map[s] ?? null;
}

/**
 * What a state means for an outbox segment. DELIVERED → delivered; EXPIRED → expired; UNDELIVERABLE,
 * REJECTED, DELETED, UNKNOWN → undeliverable; ENROUTE and ACCEPTED → pending (not final: ACCEPTED
 * is treated as "accepted/buffered by the SMSC", as gateways such as Kannel do).
 */
export type ReceiptOutcome = 'delivered' | 'expired' | 'undeliverable' | 'pending';
export function outcomeOf(state: MessageState): ReceiptOutcome {
  switch (state) {
    case 'DELIVERED': return 'delivered';
    case 'EXPIRED': return 'expired';
    case 'ENROUTE': case 'ACCEPTED': return 'pending';
    default: return 'undeliverable';
  }
}

export interface ReceiptText {
  id: string | null;
  sub: string | null;
  dlvrd: string | null;
  submitDate: string | null;
  doneDate: string | null;
  stat: string | null;
  err: string | null;
  text: string | null;
}

const KEY_RE = /(?:^|[\s,;])(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text)\s*:/gi;

/**
 * Parse the text form. Returns null when it has neither an `id:` nor a `stat:` field (not a
 * receipt). Values are trimmed; absent fields are null.
 */
export function parseReceiptText(input: string | null | undefined): ReceiptText | null {
  if (!input) return null;
  const s = String(input);
  const hits: Array<{ key: string; start: number; valueStart: number }> = [];
  KEY_RE.lastIndex = 0;
  for (let m = KEY_RE.exec(s); m; m = KEY_RE.exec(s)) {
    const key = m[1].toLowerCase().replace(/[ _]/g, '');
    const start = m.index + (m[0].length - m[0].trimStart().length);
    hits.push({ key, start, valueStart: m.index + m[0].length });
    if (key === 'text') break; // everything after text: is free text
  }
  const out: ReceiptText = { id: null, sub: null, dlvrd: null, submitDate: null, doneDate: null, stat: null, err: null, text: null };
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i];
    const end = h.key === 'text' ? s.length : i + 1 < hits.length ? hits[i + 1].start : s.length;
    let v = s.slice(h.valueStart, end).trim();
    if (h.key !== 'text') v = v.replace(/[,;]$/, '').trim();
    const field = ({ id: 'id', sub: 'sub', dlvrd: 'dlvrd', submitdate: 'submitDate', donedate: 'doneDate', stat: 'stat', err: 'err', text: 'text' } as const)[h.key as 'id'];
    if (field && out[field] === null) out[field] = h.key === 'text' ? v : (v.split(/\s+/)[0] ?? '');
  }
  if (out.id === null && out.stat === null) return null;
  return out;
}

/**
 * A receipt date `YYMMDDhhmm[ss]` in the SMSC's local time (offset in minutes east of UTC,
 * default +480 = China) → ISO UTC string; null when malformed.
 */
export function parseReceiptDate(s: string | null | undefined, utcOffsetMinutes = 480): string | null {
  if (!s) return null;
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(s.trim());
  if (!m) return null;
  const [yy, mo, dd, hh, mi, ss] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '00'].map(Number);
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) return null;
  const ms = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss) - utcOffsetMinutes * 60_000;
  return new Date(ms).toISOString();
}

export interface ReceiptTlvs {
  receipted_message_id?: string | null;
  message_state?: number | null;
  /** 3 octets: network type, error code (2 octets); as a Buffer or the library's decoded form. */
  network_error_code?: Uint8Array | { network_type?: number; error_code?: number } | null;
}

export interface Receipt {
  /** Message id as given (TLV preferred over the text `id:`). */
  id: string | null;
  /** The text `id:` when it names a different message than the TLV (both are candidates for matching). */
  altId: string | null;
  state: MessageState | null;
  outcome: ReceiptOutcome;
  final: boolean;
  /** Error code: text `err:` field, else the network_error_code TLV. */
  err: string | null;
  submitDate: string | null;
  doneDate: string | null;
  text: ReceiptText | null;
  warnings: string[];
}

/**
 * Combine the TLVs and the text form of a receipt. TLVs win (they are typed); the text fills gaps.
 * Returns null when neither carries an id nor a state. Never throws.
 */
export function parseReceipt(input: { shortMessage?: string | null; tlvs?: ReceiptTlvs }): Receipt | null {
  const warnings: string[] = [];
  const t = parseReceiptText(input.shortMessage ?? null);
  const tl = input.tlvs ?? {};
  const tlvId = tl.receipted_message_id != null && String(tl.receipted_message_id).trim() !== '' ? String(tl.receipted_message_id).replace(/\0+$/, '').trim() : null;
  const tlvState = messageStateFromNumber(tl.message_state ?? null);
  if (tl.message_state != null && !tlvState) warnings.push(`unknown message_state ${tl.message_state}`);
  const textState = t ? messageStateFromStat(t.stat) : null;
  if (t?.stat && !textState) warnings.push(`unknown receipt stat '${t.stat}'`);

  const id = tlvId ?? t?.id ?? null;
  let altId: string | null = null;
  if (tlvId && t?.id) {
    // Same message printed two ways (hex TLV, decimal text) is one id; otherwise keep both.
    const k = new Set(messageIdKeys(tlvId));
    if (!messageIdKeys(t.id).some((x) => k.has(x))) altId = t.id;
  }
  const state = tlvState ?? textState;
  if (tlvState && textState && tlvState !== textState) warnings.push(`message_state ${tlvState} disagrees with stat ${t?.stat}; TLV used`);
  if (id === null && state === null) return null;

  let err = t?.err ?? null;
  if (err === null && tl.network_error_code) {
    const n = tl.network_error_code;
    if (n instanceof Uint8Array) { if (n.length >= 3) err = String((n[1] << 8) | n[2]); }
    else if (n.error_code != null) err = String(n.error_code);
  }
  const outcome = state ? outcomeOf(state) : 'pending';
  return {
    id, altId, state, outcome, final: outcome !== 'pending', err,
    submitDate: t?.submitDate ?? null, doneDate: t?.doneDate ?? null, text: t, warnings,
  };
}

const HEX_RE = /^[0-9a-f]+$/;
const DEC_RE = /^[0-9]+$/;
/** Longest id converted between bases (longer ones are compared as-is). */
const MAX_CONVERT = 40;

/** Canonical message id: trimmed, lower case, leading zeros removed from all-hex ids. */
export function canonicalMessageId(id: string | number | null | undefined): string {
  if (id == null) return '';
  const s = String(id).replace(/\0+$/, '').trim().toLowerCase();
  if (!HEX_RE.test(s)) return s;
  const stripped = s.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** Candidate lookup keys for a message id, most specific first (see the module comment). */
export function messageIdKeys(id: string | number | null | undefined): string[] {
  const c = canonicalMessageId(id);
  if (!c) return [];
  const keys = [c];
  if (c.length <= MAX_CONVERT) {
    if (DEC_RE.test(c)) keys.push(BigInt(c).toString(16));
    if (HEX_RE.test(c)) keys.push(BigInt('0x' + c).toString(10));
  }
  return [...new Set(keys)];
}
