/** E-mail addresses as the mailbox compares them: trimmed, lower-case, no angle brackets. Pure. */

/** `"张三" <Zhang@Example.CN>` → `zhang@example.cn`; '' for nothing usable. */
export function normaliseAddress(raw: string | null | undefined): string {
  if (!raw) return '';
  const m = /<([^>]*)>/.exec(raw);
  const a = (m ? m[1] : raw).trim().toLowerCase();
  return /^[^\s@<>]+@[^\s@<>]+$/.test(a) ? a : '';
}

/** The configured hotline address list (comma or space separated) → normalised, without blanks. */
export function addressList(configured: string): string[] {
  return configured.split(/[\s,;]+/).map(normaliseAddress).filter(Boolean);
}

/** The domain of an address (for our Message-IDs). */
export function domainOf(address: string): string {
  const a = normaliseAddress(address);
  return a ? a.slice(a.indexOf('@') + 1) : 'localhost';
}
