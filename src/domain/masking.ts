/** Masking of personal data for public views and logs. */
import { canonicalPhone, isMobile, maskedDisplay } from './phone.js';
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

/** Masked phone number for logs and the panel: 139****0001, 0579-****5678 (see phone.ts maskedDisplay). */
export function maskPhone(phone: string | null | undefined): string {
  return maskedDisplay(phone ? stripBidi(phone) : phone); // a U+202E in a caller id must not reorder the masked number on screen
}

/** Is this a Chinese mainland mobile number (can receive SMS)? Any form (see phone.ts). */
export function isMobileNumber(phone: string): boolean {
  return isMobile(phone);
}

/** The canonical form used in the store and in every comparison (see phone.ts canonicalPhone): 8613900000001. */
export function normalisePhone(phone: string): string {
  return canonicalPhone(phone);
}
