/** Retention of personal data on PostgreSQL (see ../../repos/retention.ts): the same rules, the same rows. */
import type { AsyncOf } from '../../async.js';
import { attachmentPaths, MAIL_PURGED, WEB_PURGED, type SqliteRetentionRepo } from '../../repos/retention.js';
import { withTransaction, type Queryable } from '../pool.js';
import { changes, rows } from './util.js';

const FINISHED = `status IN ('answered', 'closed') AND updated_at < $1`;
const INBOUND_GONE = `received_at < $1 AND status <> 'received'
  AND (feedback_id IS NULL OR feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED}))`;

export class PgRetentionRepo implements AsyncOf<SqliteRetentionRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgRetentionRepo { return new PgRetentionRepo(q); }

  /** Finished feedback whose recording is past retention (the file is deleted by the caller). */
  async expiredRecordings(before: string, limit = 1000): Promise<Array<{ id: number; path: string }>> {
    return rows(this.q, `SELECT id, recording_path AS path FROM feedback WHERE recording_path IS NOT NULL AND ${FINISHED} ORDER BY id LIMIT $2`, [before, limit]);
  }

  /** The recording of this feedback is gone (file deleted): forget its path, note it in the timeline. */
  async recordingPurged(id: number, now: string): Promise<void> {
    await withTransaction(this.q, async (c) => {
      await c.query('UPDATE feedback SET recording_path = NULL WHERE id = $1', [id]);
      await c.query(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES ($1, 'retention', 'system', $2, $3)`,
        [id, '录音已按保存期限删除 recording deleted (retention period)', now]);
    });
  }

  /** Mail past retention whose files are still kept (see the SQLite repo). */
  async expiredMailFiles(before: string, limit = 1000): Promise<Array<{ id: number; feedbackId: number | null; files: string[] }>> {
    const r = await rows<{ id: number; rawPath: string; attachments: string; feedbackId: number | null }>(this.q, `SELECT id, raw_path AS "rawPath", attachments, feedback_id AS "feedbackId" FROM mail_inbound
      WHERE raw_path <> '' AND received_at < $1 AND (feedback_id IS NULL OR feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED})) ORDER BY id LIMIT $2`, [before, limit]);
    return r.map((x) => ({ id: Number(x.id), feedbackId: x.feedbackId == null ? null : Number(x.feedbackId), files: [x.rawPath, ...attachmentPaths(x.attachments)] }));
  }

  async mailFilesPurged(id: number, feedbackId: number | null, now: string): Promise<void> {
    await withTransaction(this.q, async (c) => {
      await c.query(`UPDATE mail_inbound SET raw_path = '', attachments = '[]' WHERE id = $1`, [id]);
      if (feedbackId != null) await c.query(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES ($1, 'retention', 'system', $2, $3)`, [feedbackId, MAIL_PURGED, now]);
    });
  }

  async expiredWebAttachments(before: string, limit = 1000): Promise<Array<{ id: number; feedbackId: number; path: string }>> {
    const r = await rows<{ id: number; feedbackId: number; path: string }>(this.q, `SELECT id, path, feedback_id AS "feedbackId" FROM web_attachments WHERE feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED}) ORDER BY id LIMIT $2`, [before, limit]);
    return r.map((x) => ({ id: Number(x.id), feedbackId: Number(x.feedbackId), path: x.path }));
  }

  async webAttachmentPurged(id: number, feedbackId: number, now: string): Promise<void> {
    await withTransaction(this.q, async (c) => {
      await c.query('DELETE FROM web_attachments WHERE id = $1', [id]);
      await c.query(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES ($1, 'retention', 'system', $2, $3)`, [feedbackId, WEB_PURGED, now]);
    });
  }

  /** Inbound SMS (and their raw parts) of finished or feedback-less messages past retention. */
  async purgeInbound(before: string): Promise<number> {
    return withTransaction(this.q, async (c) => {
      await c.query(`DELETE FROM sms_mo_parts WHERE inbound_id IN (SELECT id FROM sms_inbound WHERE ${INBOUND_GONE})`, [before]);
      const n = await changes(c, `DELETE FROM sms_inbound WHERE ${INBOUND_GONE}`, [before]);
      await c.query('DELETE FROM sms_mo_parts WHERE inbound_id IS NULL AND received_at < $1', [before]);
      return n;
    });
  }
}
