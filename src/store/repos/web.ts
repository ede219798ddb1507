/**
 * The public web window's tables on SQLite (migration 14): 办事指南 items, the 公开栏 flag and the
 * published answers, the citizen's phone-notice choice, staff titles and the on-duty list (挂牌上岗),
 * the one-time codes of web subscriptions, and web attachments.
 */
import type { Db } from '../db.js';

export interface GuideInput {
  itemCode: string;
  name: string;
  /** 办事依据 */
  basis: string;
  /** 办事程序 */
  procedure: string;
  /** 收费标准 */
  fees: string;
  /** 承诺时限 */
  timeLimit: string;
  /** 投诉渠道 */
  complaintChannel: string;
}

export interface GuideItem extends GuideInput {
  id: number;
  departmentId: number;
  departmentCode: string;
  departmentName: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** An answered item staff marked publishable (公开栏). Text and answer as stored: the page masks and escapes. */
export interface PublishedAnswer {
  id: number; ref: string; kind: string; category: string | null; departmentName: string | null;
  text: string | null; answer: string; createdAt: string; answeredAt: string | null; publishedAt: string;
}

/** A staff member on the 挂牌上岗 list (enabled, with a title). */
export interface OnDutyHandler { departmentId: number | null; departmentName: string | null; title: string; name: string; role: string }

export interface WebCode { key: string; codeHash: string; attempts: number; expiresAt: string; createdAt: string }

export interface WebAttachment { id: number; feedbackId: number; fileName: string; mime: string; size: number; path: string; createdAt: string }

export const GUIDE_SELECT = `SELECT g.*, d.code AS dept_code, d.name AS dept_name FROM service_guide g JOIN departments d ON d.id = g.department_id`;
export const PUBLISHED_SELECT = `SELECT f.id, f.ref, f.kind, f.category, p.name AS dept_name, f.text, f.transcript, f.answer, f.created_at, f.answered_at, f.published_at
  FROM feedback f LEFT JOIN departments p ON p.id = f.department_id WHERE f.publishable = 1 AND f.answer IS NOT NULL`;
export const ON_DUTY_SELECT = `SELECT u.department_id, d.name AS dept_name, u.title, COALESCE(u.display_name, u.username) AS name, u.role
  FROM staff_users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.disabled = 0 AND u.title IS NOT NULL AND u.title <> ''
  ORDER BY d.name, u.role, name`;

export function toGuide(r: any): GuideItem {
  return {
    id: r.id, departmentId: r.department_id, departmentCode: r.dept_code, departmentName: r.dept_name, itemCode: r.item_code, name: r.name,
    basis: r.basis, procedure: r.procedure_text, fees: r.fees, timeLimit: r.time_limit, complaintChannel: r.complaint_channel,
    updatedBy: r.updated_by, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
export function toPublished(r: any): PublishedAnswer {
  return {
    id: r.id, ref: r.ref, kind: r.kind, category: r.category ?? null, departmentName: r.dept_name ?? null, text: r.text ?? r.transcript ?? null,
    answer: r.answer, createdAt: r.created_at, answeredAt: r.answered_at ?? null, publishedAt: r.published_at,
  };
}
export function toOnDuty(r: any): OnDutyHandler {
  return { departmentId: r.department_id ?? null, departmentName: r.dept_name ?? null, title: r.title, name: r.name, role: r.role };
}
export function toCode(r: any): WebCode {
  return { key: r.key, codeHash: r.code_hash, attempts: r.attempts, expiresAt: r.expires_at, createdAt: r.created_at };
}
export function toAttachment(r: any): WebAttachment {
  return { id: r.id, feedbackId: r.feedback_id, fileName: r.file_name, mime: r.mime, size: r.size, path: r.path, createdAt: r.created_at };
}

export class SqliteWebRepo {
  private s;
  constructor(private db: Db) {
    this.s = {
      guideAll: db.prepare(`${GUIDE_SELECT} ORDER BY d.code, g.item_code`),
      guideDept: db.prepare(`${GUIDE_SELECT} WHERE g.department_id = ? ORDER BY g.item_code`),
      guideItem: db.prepare(`${GUIDE_SELECT} WHERE g.department_id = ? AND g.item_code = ?`),
      guideUpsert: db.prepare(`INSERT INTO service_guide (department_id, item_code, name, basis, procedure_text, fees, time_limit, complaint_channel, updated_by, created_at, updated_at)
        VALUES (@departmentId, @itemCode, @name, @basis, @procedure, @fees, @timeLimit, @complaintChannel, @by, @now, @now)
        ON CONFLICT (department_id, item_code) DO UPDATE SET name = excluded.name, basis = excluded.basis, procedure_text = excluded.procedure_text,
          fees = excluded.fees, time_limit = excluded.time_limit, complaint_channel = excluded.complaint_channel, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
      guideDelete: db.prepare('DELETE FROM service_guide WHERE department_id = ? AND item_code = ?'),
      publish: db.prepare('UPDATE feedback SET publishable = 1, published_at = ?, published_by = ? WHERE id = ?'),
      unpublish: db.prepare('UPDATE feedback SET publishable = 0, published_at = NULL, published_by = ? WHERE id = ?'),
      published: db.prepare(`${PUBLISHED_SELECT} ORDER BY f.published_at DESC, f.id DESC LIMIT ? OFFSET ?`),
      publishedCount: db.prepare(`SELECT COUNT(*) FROM feedback f WHERE f.publishable = 1 AND f.answer IS NOT NULL`).pluck(),
      notify: db.prepare('UPDATE feedback SET notify_phone = ? WHERE id = ?'),
      setTitle: db.prepare('UPDATE staff_users SET title = ?, updated_at = ? WHERE id = ?'),
      title: db.prepare('SELECT title FROM staff_users WHERE id = ?').pluck(),
      onDuty: db.prepare(ON_DUTY_SELECT),
      putCode: db.prepare(`INSERT INTO web_codes (key, code_hash, attempts, expires_at, created_at) VALUES (?, ?, 0, ?, ?)
        ON CONFLICT (key) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at, created_at = excluded.created_at`),
      code: db.prepare('SELECT * FROM web_codes WHERE key = ?'),
      attempt: db.prepare('UPDATE web_codes SET attempts = attempts + 1 WHERE key = ? RETURNING attempts').pluck(),
      dropCode: db.prepare('DELETE FROM web_codes WHERE key = ?'),
      purgeCodes: db.prepare('DELETE FROM web_codes WHERE expires_at <= ?'),
      addAttachment: db.prepare(`INSERT INTO web_attachments (feedback_id, file_name, mime, size, path, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`),
      attachments: db.prepare('SELECT * FROM web_attachments WHERE feedback_id = ? ORDER BY id'),
      attachment: db.prepare('SELECT * FROM web_attachments WHERE id = ?'),
    };
  }

  /** 办事指南: every item, or one department's. */
  guide(departmentId: number | null = null): GuideItem[] {
    return (departmentId === null ? this.s.guideAll.all() : this.s.guideDept.all(departmentId)).map(toGuide);
  }
  guideItem(departmentId: number, itemCode: string): GuideItem | undefined { const r = this.s.guideItem.get(departmentId, itemCode); return r ? toGuide(r) : undefined; }
  /** Create or replace the department's item with this code. */
  upsertGuide(departmentId: number, g: GuideInput, by: string, now: string): GuideItem {
    this.s.guideUpsert.run({ ...g, departmentId, by, now });
    return this.guideItem(departmentId, g.itemCode)!;
  }
  deleteGuide(departmentId: number, itemCode: string): boolean { return this.s.guideDelete.run(departmentId, itemCode).changes > 0; }

  /** 公开栏 flag; false when there is no such item. */
  setPublishable(feedbackId: number, publishable: boolean, by: string, now: string): boolean {
    return (publishable ? this.s.publish.run(now, by, feedbackId) : this.s.unpublish.run(by, feedbackId)).changes > 0;
  }
  /** Published answered items, newest first. */
  published(limit: number, offset = 0): PublishedAnswer[] { return this.s.published.all(limit, offset).map(toPublished); }
  publishedCount(): number { return this.s.publishedCount.get() as number; }
  /** The citizen's choice (web form): false = no answer SMS, no call-back. */
  setNotifyPhone(feedbackId: number, notify: boolean): void { this.s.notify.run(notify ? 1 : 0, feedbackId); }

  /** 挂牌上岗: a staff member's title (职务), null to clear. */
  setTitle(userId: number, title: string | null, now: string): boolean { return this.s.setTitle.run(title, now, userId).changes > 0; }
  title(userId: number): string | null { return (this.s.title.get(userId) as string | null | undefined) ?? null; }
  onDuty(): OnDutyHandler[] { return this.s.onDuty.all().map(toOnDuty); }

  /** A one-time code (hashed) for key, replacing an earlier one and its attempts. */
  putCode(key: string, codeHash: string, expiresAt: string, now: string): void { this.s.putCode.run(key, codeHash, expiresAt, now); }
  code(key: string): WebCode | undefined { const r = this.s.code.get(key); return r ? toCode(r) : undefined; }
  /** Count one attempt; the attempts so far (0 when there is no code). */
  countAttempt(key: string): number { return (this.s.attempt.get(key) as number | undefined) ?? 0; }
  dropCode(key: string): void { this.s.dropCode.run(key); }
  purgeCodes(now: string): number { return this.s.purgeCodes.run(now).changes; }

  addAttachment(a: Omit<WebAttachment, 'id'>): WebAttachment { return toAttachment(this.s.addAttachment.get(a.feedbackId, a.fileName, a.mime, a.size, a.path, a.createdAt)); }
  attachments(feedbackId: number): WebAttachment[] { return this.s.attachments.all(feedbackId).map(toAttachment); }
  attachment(id: number): WebAttachment | undefined { const r = this.s.attachment.get(id); return r ? toAttachment(r) : undefined; }
}
