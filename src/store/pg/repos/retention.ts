/** Retention of personal data on PostgreSQL (see ../../repos/retention.ts): the same rules, the same rows. */
import type { AsyncOf } from '../../async.js';
import type { SqliteRetentionRepo } from '../../repos/retention.js';
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
