/** Masking of personal data for public views and logs. */
import { stripBidi } from './text-safety.js';

/** 张三 → 张*, 张三明 → 张*明, 欧阳小明 → 欧**明, John Smith → J********h. */
export function maskName(name: string | null | undefined): string {
  if (!name) return '';
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  if (chars.length === 1) return chars[0];
  if (chars.length === 2) return chars[0] + '*';
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

/**
 * 13812341234 → 138****1234; +8613812341234 → +86138****1234; short numbers keep only the last
 * digits visible (0579123 → ***9123... never the whole number), 4 digits or fewer → all but last masked.
 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const p = stripBidi(phone).trim(); // a U+202E in a caller id must not reorder the masked number on screen
  const m = /^(\+?86)?(1\d{10})$/.exec(p);
  if (m) return (m[1] ?? '') + m[2].slice(0, 3) + '****' + m[2].slice(7);
  const digits = Array.from(p);
  if (digits.length <= 2) return '*'.repeat(digits.length);
  if (digits.length <= 4) return '*'.repeat(digits.length - 1) + digits[digits.length - 1];
  if (digits.length <= 7) return '*'.repeat(digits.length - 4) + digits.slice(-4).join('');
  const head = Math.min(3, digits.length - 8);
  return digits.slice(0, Math.max(head, 0)).join('') + '*'.repeat(digits.length - Math.max(head, 0) - 4) + digits.slice(-4).join('');
}

/** Is this a Chinese mainland mobile number (can receive SMS)? */
export function isMobileNumber(phone: string): boolean {
  return /^(\+?86)?1[3-9]\d{9}$/.test(phone.trim());
}

/** Canonical form used in the store: strip +86/0086, spaces and dashes. */
export function normalisePhone(phone: string): string {
  let p = phone.replace(/[\s\-()]/g, '');
  if (p.startsWith('0086')) p = p.slice(4);
  else if (p.startsWith('+86')) p = p.slice(3);
  else if (/^861[3-9]\d{9}$/.test(p)) p = p.slice(2);
  return p;
}
