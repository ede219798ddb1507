/**
 * Adapter (file system): the raw message and the stored attachments under <data dir>/mail/, written and
 * fsync'ed before the row that names them commits (and so before the SMTP 250). Paths in the rows are
 * relative to the data dir. Attachment names are reduced to safe characters; the type and count
 * limits are decided here from the config.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ParsedAttachment } from './parse.js';
import type { StoredAttachment } from '../store/repos/mail.js';

function writeDurable(file: string, data: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try { writeSync(fd, data); fsyncSync(fd); } finally { closeSync(fd); }
}

/** `a/b*` patterns (comma list) → does the content type match one? */
export function typeAllowed(contentType: string, patterns: string): boolean {
  const ct = contentType.toLowerCase();
  return patterns.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)
    .some((p) => (p.endsWith('*') ? ct.startsWith(p.slice(0, -1)) : ct === p));
}

/** A file name safe on every file system, keeping Chinese letters: path parts and odd characters become _. */
export function safeName(name: string): string {
  const base = name.replace(/^.*[\\/]/, '').replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^\.+/, '_').slice(0, 100);
  return base || 'attachment';
}

export class MailFiles {
  constructor(private readonly dataDir: string, private readonly limits: { maxAttachments: number; types: string }) {}

  /** mail/raw/<yyyymmdd>/<key>.eml */
  writeRaw(key: string, day: string, raw: Buffer): string {
    const rel = join('mail', 'raw', day, `${key}.eml`);
    writeDurable(join(this.dataDir, rel), raw);
    return rel;
  }

  /** Stores what the limits allow; the rest is returned as skipped with the reason (for the timeline). */
  writeAttachments(key: string, list: ParsedAttachment[]): { stored: StoredAttachment[]; skipped: Array<{ filename: string; why: string }> } {
    const stored: StoredAttachment[] = [];
    const skipped: Array<{ filename: string; why: string }> = [];
    for (const a of list) {
      if (!typeAllowed(a.contentType, this.limits.types)) { skipped.push({ filename: a.filename, why: `类型不允许 ${a.contentType}` }); continue; }
      if (stored.length >= this.limits.maxAttachments) { skipped.push({ filename: a.filename, why: '超过附件数量上限' }); continue; }
      const rel = join('mail', 'attachments', key, `${stored.length + 1}-${safeName(a.filename)}`);
      writeDurable(join(this.dataDir, rel), a.content);
      stored.push({ filename: a.filename, contentType: a.contentType, size: a.size, path: rel });
    }
    return { stored, skipped };
  }
}
