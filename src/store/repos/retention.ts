/**
 * Retention of personal data (issue 10 §5): what the README promises is purged after
 * data.retention_days — recordings and inbound SMS of finished items (answered or closed), besides
 * the outbox, receipts and call log purged by their own repositories. Open items keep everything.
 */
import type { Db } from '../db.js';

const FINISHED = `status IN ('answered', 'closed') AND updated_at < @before`;
const INBOUND_GONE = `received_at < @before AND status != 'received'
  AND (feedback_id IS NULL OR feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED}))`;

export class SqliteRetentionRepo {
  private s;
  constructor(private readonly db: Db) {
    this.s = {
      recordings: db.prepare(`SELECT id, recording_path AS path FROM feedback WHERE recording_path IS NOT NULL AND ${FINISHED} ORDER BY id LIMIT @limit`),
      clearRecording: db.prepare('UPDATE feedback SET recording_path = NULL WHERE id = ?'),
      timeline: db.prepare(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES (?, 'retention', 'system', ?, ?)`),
      partsOfInbound: db.prepare(`DELETE FROM sms_mo_parts WHERE inbound_id IN (SELECT id FROM sms_inbound WHERE ${INBOUND_GONE})`),
      inbound: db.prepare(`DELETE FROM sms_inbound WHERE ${INBOUND_GONE}`),
      orphanParts: db.prepare('DELETE FROM sms_mo_parts WHERE inbound_id IS NULL AND received_at < @before'),
    };
  }

  /** Finished feedback whose recording is past retention (the file is deleted by the caller). */
  expiredRecordings(before: string, limit = 1000): Array<{ id: number; path: string }> {
    return this.s.recordings.all({ before, limit }) as Array<{ id: number; path: string }>;
  }

  /** The recording of this feedback is gone (file deleted): forget its path, note it in the timeline. */
  recordingPurged(id: number, now: string): void {
    this.db.transaction(() => {
      this.s.clearRecording.run(id);
      this.s.timeline.run(id, '录音已按保存期限删除 recording deleted (retention period)', now);
    })();
  }

  /** Inbound SMS (and their raw parts) of finished or feedback-less messages past retention. */
  purgeInbound(before: string): number {
    return this.db.transaction(() => {
      this.s.partsOfInbound.run({ before });
      const n = this.s.inbound.run({ before }).changes;
      this.s.orphanParts.run({ before });
      return n;
    })();
  }
}
