/**
 * How the simulated operator SMSC reads addresses, as a Chinese operator's SMSC does (independent of the
 * server's own phone module on purpose: the simulator follows the network, not our code).
 *
 * A handset is known by its MSISDN in international form without '+': 8613800138000.
 *  - TON 1 (international): the digits are E.164. 86… is a mainland number; anything else is foreign
 *    and this account has no international route — so a national 13… sent with TON 1 (+1 3…, North
 *    America) is refused with ESME_RINVDSTADR.
 *  - TON 2 (national): a national number (13800138000, or a landline with or without its trunk 0); an
 *    86… number is not a national number → refused.
 *  - TON 0 (unknown): either form.
 *  - Other TONs (network specific, subscriber, alphanumeric, abbreviated) are no destination for an MT.
 *  NPI must be 1 (E.164) for TON 1 and 2; 0 or 1 for TON 0.
 */

const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^(?:10|2\d|[3-9]\d\d)[2-9]\d{6,7}$/;

function national(n: string): string | null {
  if (MOBILE.test(n) || LANDLINE.test(n)) return `86${n}`;
  if (n.startsWith('0') && LANDLINE.test(n.slice(1))) return `86${n.slice(1)}`;
  return null;
}

/** The MSISDN a submit_sm destination reaches, or null when the SMSC refuses it (ESME_RINVDSTADR). */
export function resolveDestination(addr: string, ton: number, npi: number): string | null {
  if (!/^\d{3,20}$/.test(addr)) return null;
  switch (ton) {
    case 1:
      if (npi !== 1) return null;
      return addr.startsWith('86') && national(addr.slice(2)) ? addr : null;
    case 2:
      if (npi !== 1) return null;
      return national(addr);
    case 0:
      if (npi !== 0 && npi !== 1) return null;
      return national(addr) ?? (addr.startsWith('86') && national(addr.slice(2)) ? addr : null);
    default:
      return null;
  }
}

/** A handset number written any way in a test or the panel (13800138000, +86 138…, 8613800138000) → its MSISDN. */
export function handsetKey(phone: string): string {
  const d = phone.replace(/[\s\-()]/g, '').replace(/^\+/, '').replace(/^00/, '');
  if (d.startsWith('86') && national(d.slice(2))) return d;
  return national(d) ?? d;
}

/**
 * How an operator SMSC presents the sender of an MO: a handset as 86… with TON 1 / NPI 1, an
 * alphanumeric sender id with TON 5 / NPI 0, anything else (short codes, service numbers) as given
 * with TON 0 / NPI 1.
 */
export function moSource(from: string): { addr: string; ton: number; npi: number } {
  if (/[^\d+\s\-()]/.test(from)) return { addr: from, ton: 5, npi: 0 };
  const key = handsetKey(from);
  if (key.startsWith('86') && national(key.slice(2))) return { addr: key, ton: 1, npi: 1 };
  return { addr: from, ton: 0, npi: 1 };
}
