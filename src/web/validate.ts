/**
 * Checks of what citizens type into the public forms (pure): the complaint/consultation/suggestion
 * form, the follow-up and the subscription. Messages are the Chinese text shown next to the form.
 */
import { isMobileNumber, normalisePhone } from '../domain/masking.js';
import { parsePhone } from '../domain/phone.js';
import { textProblem } from '../domain/text-safety.js';
import type { CategoryTree } from '../workorders/categories.js';
import type { UploadedFile } from './form-body.js';

export const WEB_KINDS = ['complaint', 'consultation', 'suggestion'] as const;
export type WebKind = (typeof WEB_KINDS)[number];
export const TEXT_MAX = 2000;
export const ADDRESS_MAX = 200;
/** Attachment types accepted, by their first bytes (the declared type is not trusted). */
export const ATTACHMENT_TYPES = { 'image/jpeg': 'jpg', 'image/png': 'png', 'application/pdf': 'pdf' } as const;

export interface FeedbackForm { kind: WebKind; category: string | null; text: string; address: string | null; phone: string; notify: boolean }
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** A phone number as typed (spaces, dashes, +86) → canonical, or null when it is not a number we can reach. */
export function webPhone(s: string | undefined): string | null {
  const p = parsePhone((s ?? '').slice(0, 40));
  return p.kind === 'mobile' || p.kind === 'landline' ? p.canonical : null;
}

export function checkFeedbackForm(f: Record<string, string>, tree: CategoryTree): Checked<FeedbackForm> {
  const errors: Record<string, string> = {};
  const kind = f.kind as WebKind;
  if (!(WEB_KINDS as readonly string[]).includes(kind)) errors.kind = '请选择类型（投诉、咨询或建议）';
  const category = (f.category ?? '').trim() || null;
  if (category !== null && !tree.categories.has(category)) errors.category = '请从列表中选择分类';
  const text = (f.text ?? '').trim();
  if (!text) errors.text = '请填写内容';
  else if (Array.from(text).length > TEXT_MAX) errors.text = `内容不超过${TEXT_MAX}字`;
  else if (textProblem(text)) errors.text = '内容含有无法识别的字符';
  const address = (f.address ?? '').trim() || null;
  if (address && Array.from(address).length > ADDRESS_MAX) errors.address = `地址不超过${ADDRESS_MAX}字`;
  else if (address && textProblem(address)) errors.address = '地址含有无法识别的字符';
  const phone = webPhone(f.phone);
  if (!phone) errors.phone = '请填写正确的手机号或固定电话';
  const notify = f.notify === '1' || f.notify === 'on';
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { kind, category, text, address, phone: phone!, notify } };
}

/** The type of a file by its first bytes, or null when it is not one we accept. */
export function sniffType(data: Buffer): keyof typeof ATTACHMENT_TYPES | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 5 && data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

export function checkAttachments(files: readonly UploadedFile[], maxFiles: number, maxBytes: number): { ok: true; files: Array<UploadedFile & { type: keyof typeof ATTACHMENT_TYPES }> } | { ok: false; error: string } {
  if (files.length > maxFiles) return { ok: false, error: maxFiles === 0 ? '本网站不接收附件' : `附件最多${maxFiles}个` };
  const out: Array<UploadedFile & { type: keyof typeof ATTACHMENT_TYPES }> = [];
  for (const f of files) {
    if (f.data.length > maxBytes) return { ok: false, error: `附件“${f.fileName}”超过${Math.round(maxBytes / 1024)}KB` };
    const type = sniffType(f.data);
    if (!type) return { ok: false, error: `附件“${f.fileName}”不是JPG、PNG或PDF文件` };
    out.push({ ...f, type });
  }
  return { ok: true, files: out };
}

/** The last 4 digits typed for a look-up. */
export function lastFour(s: string | undefined): string | null {
  const t = (s ?? '').trim();
  return /^\d{4}$/.test(t) ? t : null;
}

/** Does the canonical stored phone end in these 4 digits? */
export function phoneEndsWith(stored: string | null, four: string): boolean {
  return !!stored && stored.endsWith(four);
}

/** Same phone (any typed form) as the stored canonical one. */
export function samePhone(stored: string | null, typed: string | undefined): boolean {
  const p = webPhone(typed);
  return !!stored && !!p && normalisePhone(p) === stored;
}

export { isMobileNumber };
