/** The public web window's tables on PostgreSQL (see ../../repos/web.ts). */
import type { AsyncOf } from '../../async.js';
import {
  GUIDE_SELECT, ON_DUTY_SELECT, PUBLISHED_SELECT, toAttachment, toCode, toGuide, toOnDuty, toPublished,
  type GuideInput, type GuideItem, type OnDutyHandler, type PublishedAnswer, type SqliteWebRepo, type WebAttachment, type WebCode,
} from '../../repos/web.js';
import type { Queryable } from '../pool.js';
import { changes, row, rows } from './util.js';

export class PgWebRepo implements AsyncOf<SqliteWebRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgWebRepo { return new PgWebRepo(q); }

  async guide(departmentId: number | null = null): Promise<GuideItem[]> {
    return (departmentId === null ? await rows(this.q, `${GUIDE_SELECT} ORDER BY d.code, g.item_code`)
      : await rows(this.q, `${GUIDE_SELECT} WHERE g.department_id = $1 ORDER BY g.item_code`, [departmentId])).map(toGuide);
  }
  async guideItem(departmentId: number, itemCode: string): Promise<GuideItem | undefined> {
    const r = await row(this.q, `${GUIDE_SELECT} WHERE g.department_id = $1 AND g.item_code = $2`, [departmentId, itemCode]);
    return r ? toGuide(r) : undefined;
  }
  async upsertGuide(departmentId: number, g: GuideInput, by: string, now: string): Promise<GuideItem> {
    await this.q.query(`INSERT INTO service_guide (department_id, item_code, name, basis, procedure_text, fees, time_limit, complaint_channel, updated_by, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
      ON CONFLICT (department_id, item_code) DO UPDATE SET name = excluded.name, basis = excluded.basis, procedure_text = excluded.procedure_text,
        fees = excluded.fees, time_limit = excluded.time_limit, complaint_channel = excluded.complaint_channel, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    [departmentId, g.itemCode, g.name, g.basis, g.procedure, g.fees, g.timeLimit, g.complaintChannel, by, now]);
    return (await this.guideItem(departmentId, g.itemCode))!;
  }
  async deleteGuide(departmentId: number, itemCode: string): Promise<boolean> {
    return (await changes(this.q, 'DELETE FROM service_guide WHERE department_id = $1 AND item_code = $2', [departmentId, itemCode])) > 0;
  }

  async setPublishable(feedbackId: number, publishable: boolean, by: string, now: string): Promise<boolean> {
    return (publishable
      ? await changes(this.q, 'UPDATE feedback SET publishable = 1, published_at = $1, published_by = $2 WHERE id = $3', [now, by, feedbackId])
      : await changes(this.q, 'UPDATE feedback SET publishable = 0, published_at = NULL, published_by = $1 WHERE id = $2', [by, feedbackId])) > 0;
  }
  async published(limit: number, offset = 0): Promise<PublishedAnswer[]> {
    return (await rows(this.q, `${PUBLISHED_SELECT} ORDER BY f.published_at DESC, f.id DESC LIMIT $1 OFFSET $2`, [limit, offset])).map(toPublished);
  }
  async publishedCount(): Promise<number> {
    return Number((await row<{ n: string }>(this.q, 'SELECT COUNT(*) AS n FROM feedback f WHERE f.publishable = 1 AND f.answer IS NOT NULL'))!.n);
  }
  async setNotifyPhone(feedbackId: number, notify: boolean): Promise<void> { await this.q.query('UPDATE feedback SET notify_phone = $1 WHERE id = $2', [notify ? 1 : 0, feedbackId]); }

  async setTitle(userId: number, title: string | null, now: string): Promise<boolean> {
    return (await changes(this.q, 'UPDATE staff_users SET title = $1, updated_at = $2 WHERE id = $3', [title, now, userId])) > 0;
  }
  async title(userId: number): Promise<string | null> { return (await row<{ title: string | null }>(this.q, 'SELECT title FROM staff_users WHERE id = $1', [userId]))?.title ?? null; }
  async onDuty(): Promise<OnDutyHandler[]> { return (await rows(this.q, ON_DUTY_SELECT)).map(toOnDuty); }

  async putCode(key: string, codeHash: string, expiresAt: string, now: string): Promise<void> {
    await this.q.query(`INSERT INTO web_codes (key, code_hash, attempts, expires_at, created_at) VALUES ($1, $2, 0, $3, $4)
      ON CONFLICT (key) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at, created_at = excluded.created_at`, [key, codeHash, expiresAt, now]);
  }
  async code(key: string): Promise<WebCode | undefined> { const r = await row(this.q, 'SELECT * FROM web_codes WHERE key = $1', [key]); return r ? toCode(r) : undefined; }
  async countAttempt(key: string): Promise<number> {
    return (await row<{ attempts: number }>(this.q, 'UPDATE web_codes SET attempts = attempts + 1 WHERE key = $1 RETURNING attempts', [key]))?.attempts ?? 0;
  }
  async dropCode(key: string): Promise<void> { await this.q.query('DELETE FROM web_codes WHERE key = $1', [key]); }
  async purgeCodes(now: string): Promise<number> { return changes(this.q, 'DELETE FROM web_codes WHERE expires_at <= $1', [now]); }

  async addAttachment(a: Omit<WebAttachment, 'id'>): Promise<WebAttachment> {
    return toAttachment(await row(this.q, 'INSERT INTO web_attachments (feedback_id, file_name, mime, size, path, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [a.feedbackId, a.fileName, a.mime, a.size, a.path, a.createdAt]));
  }
  async attachments(feedbackId: number): Promise<WebAttachment[]> { return (await rows(this.q, 'SELECT * FROM web_attachments WHERE feedback_id = $1 ORDER BY id', [feedbackId])).map(toAttachment); }
  async attachment(id: number): Promise<WebAttachment | undefined> { const r = await row(this.q, 'SELECT * FROM web_attachments WHERE id = $1', [id]); return r ? toAttachment(r) : undefined; }
}
