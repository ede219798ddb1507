/**
 * Phone numbers: one canonical form for storing and comparing, the national and masked forms for
 * display, and the SMPP address for sending. Pure.
 *
 * Canonical form (what every table stores and every comparison uses):
 *  - mainland mobile: E.164 digits without '+': `8613900000001` (from 13900000001, +86 139 0000 0001,
 *    008613900000001, 86-139-0000-0001 …);
 *  - mainland landline: `86` + area code without the trunk 0 + subscriber number:
 *    0579-82345678 → `8657982345678`, 010-12345678 → `861012345678`;
 *  - anything else (short codes such as 96365, service numbers such as 10086 or 106…, foreign numbers,
 *    alphanumeric senders such as CMCC): kept as given (trimmed; separators removed from digit strings,
 *    a leading '+' or '00' removed from international digit strings), kind `other` — not a phone we
 *    reply to or push to.
 * The form is idempotent: canonical(canonical(x)) === canonical(x).
 */

export type PhoneKind = 'mobile' | 'landline' | 'other';

export interface PhoneNumber {
  /** The stored form (see above). */
  canonical: string;
  kind: PhoneKind;
  /** For landlines: the area code without the trunk 0 (579, 10); otherwise ''. */
  area: string;
  /** The national significant number (mobile: 13900000001; landline: 57982345678); '' for other. */
  nsn: string;
  /** Contains letters: an alphanumeric sender id (never answered). */
  alphanumeric: boolean;
}

/** SMPP TON values (SMPP 3.4 §5.2.5). */
export const TON = { unknown: 0, international: 1, national: 2, network: 3, subscriber: 4, alphanumeric: 5, abbreviated: 6 } as const;
/** SMPP NPI values (SMPP 3.4 §5.2.6). */
export const NPI = { unknown: 0, isdn: 1 } as const;

const MOBILE_NSN = /^1[3-9]\d{9}$/;
/** Area code + subscriber number without trunk 0: 2-digit areas (10, 2x) with 8 digits, 3-digit areas with 7 or 8. */
const LANDLINE_NSN = /^(?:(10|2\d)([2-9]\d{7})|([3-9]\d{2})([2-9]\d{6,7}))$/;

function nsnKind(nsn: string): { kind: 'mobile' | 'landline'; area: string } | null {
  if (MOBILE_NSN.test(nsn)) return { kind: 'mobile', area: '' };
  const m = LANDLINE_NSN.exec(nsn);
  if (m) return { kind: 'landline', area: m[1] ?? m[3] };
  return null;
}

function other(canonical: string, alphanumeric: boolean): PhoneNumber {
  return { canonical, kind: 'other', area: '', nsn: '', alphanumeric };
}

function domestic(nsn: string): PhoneNumber | null {
  const k = nsnKind(nsn);
  return k ? { canonical: `86${nsn}`, kind: k.kind, area: k.area, nsn, alphanumeric: false } : null;
}

/**
 * Parse a number in any form. `ton` is the SMPP type of number it came with, when known: 1
 * (international) reads the digits as E.164 (so `13900000001` with TON 1 is +1 390…, a foreign
 * number), 2 (national) as a national number, 5 (alphanumeric) as a sender id; otherwise the form
 * decides.
 */
export function parsePhone(raw: string | null | undefined, ton?: number): PhoneNumber {
  if (raw === null || raw === undefined) return other('', false);
  const given = String(raw).normalize('NFKC').trim();
  if (!given) return other('', false);
  if (ton === TON.alphanumeric || /[^\d\s+\-().]/.test(given)) return other(given, true);
  const digits = given.replace(/[\s\-().]/g, '');
  if (!/^\+?\d+$/.test(digits)) return other(given, false);
  let intl: string | null = null;
  if (digits.startsWith('+')) intl = digits.slice(1);
  else if (digits.startsWith('00')) intl = digits.slice(2);
  else if (ton === TON.international) intl = digits;
  if (intl !== null) {
    if (intl.startsWith('86')) {
      const rest = intl.slice(2);
      // "+86 (0)579 …": a trunk 0 written after the country code is dropped.
      const p = domestic(rest) ?? (rest.startsWith('0') ? domestic(rest.slice(1)) : null);
      if (p) return p;
    }
    return other(intl, false);
  }
  if (ton === TON.national) {
    // A national mobile, a landline with or without its trunk 0 (but 10… without the 0 is a service number).
    const p = MOBILE_NSN.test(digits) ? domestic(digits)
      : digits.startsWith('0') ? domestic(digits.slice(1))
        : /^[2-9]/.test(digits) ? domestic(digits) : null;
    return p ?? other(digits, false);
  }
  // No TON (or TON unknown): national mobile, 0 + area code landline, or the canonical form itself.
  if (MOBILE_NSN.test(digits)) return domestic(digits)!;
  if (digits.startsWith('0')) { const p = domestic(digits.slice(1)); if (p) return p; }
  if (digits.startsWith('86')) { const p = domestic(digits.slice(2)); if (p) return p; }
  return other(digits, false);
}

/** The canonical (stored) form of any number; see the module comment. */
export function canonicalPhone(raw: string | null | undefined, ton?: number): string {
  return parsePhone(raw, ton).canonical;
}

export function isMobile(raw: string | null | undefined): boolean { return parsePhone(raw).kind === 'mobile'; }
export function isLandline(raw: string | null | undefined): boolean { return parsePhone(raw).kind === 'landline'; }

/** The national digits one dials in China: 13900000001, 057982345678; other numbers as stored. */
export function nationalDigits(raw: string | null | undefined): string {
  const p = parsePhone(raw);
  if (p.kind === 'mobile') return p.nsn;
  if (p.kind === 'landline') return `0${p.nsn}`;
  return p.canonical;
}

/** For display: `139 0000 0001`, `0579-8234 5678` (7-digit: `0579-823 4567`); other numbers as stored. */
export function nationalDisplay(raw: string | null | undefined): string {
  const p = parsePhone(raw);
  if (p.kind === 'mobile') return `${p.nsn.slice(0, 3)} ${p.nsn.slice(3, 7)} ${p.nsn.slice(7)}`;
  if (p.kind === 'landline') {
    const sub = p.nsn.slice(p.area.length);
    const cut = sub.length - 4;
    return `0${p.area}-${sub.slice(0, cut)} ${sub.slice(cut)}`;
  }
  return p.canonical;
}

/**
 * Masked for display and logs: `139****0001`, `0579-****5678`; other numbers keep only their last
 * digits visible (4 characters or fewer: all but the last masked).
 */
export function maskedDisplay(raw: string | null | undefined): string {
  const p = parsePhone(raw);
  if (p.kind === 'mobile') return `${p.nsn.slice(0, 3)}****${p.nsn.slice(7)}`;
  if (p.kind === 'landline') {
    const sub = p.nsn.slice(p.area.length);
    return `0${p.area}-${'*'.repeat(sub.length - 4)}${sub.slice(-4)}`;
  }
  const c = Array.from(p.canonical);
  if (c.length <= 2) return '*'.repeat(c.length);
  if (c.length <= 4) return '*'.repeat(c.length - 1) + c[c.length - 1];
  if (c.length <= 7) return '*'.repeat(c.length - 4) + c.slice(-4).join('');
  const head = Math.min(3, c.length - 8);
  return c.slice(0, head).join('') + '*'.repeat(c.length - head - 4) + c.slice(-4).join('');
}

export type DestAddrFormat = 'international' | 'national' | 'unknown';
export const DEST_ADDR_FORMATS: readonly DestAddrFormat[] = ['international', 'national', 'unknown'];

export interface SmppAddress { addr: string; ton: number; npi: number }

/**
 * The destination_addr / dest_addr_ton / dest_addr_npi for a number:
 *  - international: `8613900000001` TON 1 NPI 1 (landline `8657982345678`);
 *  - national: `13900000001` TON 2 NPI 1 (landline: the national significant number `57982345678`);
 *  - unknown: the number as dialled in China, `13900000001` (landline `057982345678`), TON 0 NPI 1.
 * Other numbers go as stored: alphanumerics TON 5 NPI 0, digits TON 0 NPI 1 (unknown).
 */
export function smppDestination(raw: string, format: DestAddrFormat): SmppAddress {
  const p = parsePhone(raw);
  if (p.kind === 'other') return p.alphanumeric ? { addr: p.canonical, ton: TON.alphanumeric, npi: NPI.unknown } : { addr: p.canonical, ton: TON.unknown, npi: NPI.isdn };
  switch (format) {
    case 'international': return { addr: p.canonical, ton: TON.international, npi: NPI.isdn };
    case 'national': return { addr: p.nsn, ton: TON.national, npi: NPI.isdn };
    default: return { addr: nationalDigits(p.canonical), ton: TON.unknown, npi: NPI.isdn };
  }
}

/** Digits of a number without a +86 / 0086 / 86 prefix (for own-number comparison). */
function withoutCountry(d: string): string {
  return d.replace(/^(\+|00)?86/, '');
}

/**
 * Is this one of our own numbers (never answered, never a citizen)? `own` lists the short code(s) and
 * service numbers as configured (e.g. 96365, 1065796365). Matches them with or without +86 / 0086 /
 * 86, and SP long numbers that carry a short code after the 106 prefix (106…96365…).
 */
export function isOwnNumber(raw: string | null | undefined, own: readonly string[]): boolean {
  const p = parsePhone(raw);
  if (p.kind !== 'other' || p.alphanumeric || !p.canonical) return false;
  const d = withoutCountry(p.canonical);
  for (const o0 of own) {
    const o = withoutCountry(o0.replace(/[\s\-+]/g, ''));
    if (!o) continue;
    if (d === o) return true;
    if (o.length >= 5 && d.startsWith('106') && d.includes(o)) return true;
  }
  return false;
}

/** The list of own numbers from a config value (comma or space separated), with the short code always in it. */
export function ownNumbers(configured: string, shortCode: string): string[] {
  const list = configured.split(/[\s,;，]+/).map((s) => s.trim()).filter(Boolean);
  if (shortCode && !list.includes(shortCode)) list.push(shortCode);
  return list;
}
