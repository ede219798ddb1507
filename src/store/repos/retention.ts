/**
 * Retention of personal data (issue 10 §5): what the README promises is purged after
 * data.retention_days — recordings and inbound SMS of finished items (answered or closed), besides
 * the outbox, receipts and call log purged by their own repositories. Open items keep everything.
 */
import type { Db } from '../db.js';

const FINISHED = `status IN ('answered', 'closed') AND updated_at < @before`;
const INBOUND_GONE = `received_at < @before AND status != 'received'
  AND (feedback_id IS NULL OR feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED}))`;

export const MAIL_PURGED = '来信原件及附件已按保存期限删除 mail source and attachments deleted (retention period)';
export const WEB_PURGED = '网上投诉附件已按保存期限删除 web attachment deleted (retention period)';

/** The stored attachments' paths of a mail_inbound.attachments JSON value. */
export function attachmentPaths(json: string): string[] {
  try {
    const a = JSON.parse(json) as Array<{ path?: unknown }>;
    return Array.isArray(a) ? a.map((x) => x?.path).filter((p): p is string => typeof p === 'string' && p !== '') : [];
  } catch { return []; }
}

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
      mailFiles: db.prepare(`SELECT id, raw_path AS rawPath, attachments, feedback_id AS feedbackId FROM mail_inbound
        WHERE raw_path <> '' AND received_at < @before AND (feedback_id IS NULL OR feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED})) ORDER BY id LIMIT @limit`),
      clearMailFiles: db.prepare(`UPDATE mail_inbound SET raw_path = '', attachments = '[]' WHERE id = ?`),
      webFiles: db.prepare(`SELECT id, path, feedback_id AS feedbackId FROM web_attachments WHERE feedback_id IN (SELECT id FROM feedback WHERE ${FINISHED}) ORDER BY id LIMIT @limit`),
      deleteWebFile: db.prepare('DELETE FROM web_attachments WHERE id = ?'),
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

  /**
   * Mail past retention whose files are still kept: the raw message and the stored attachments of
   * finished orders' mail, and of mail that made no order (bounces, ignored). Paths are relative to the
   * data dir; the caller deletes the files, then calls mailFilesPurged.
   */
  expiredMailFiles(before: string, limit = 1000): Array<{ id: number; feedbackId: number | null; files: string[] }> {
    return (this.s.mailFiles.all({ before, limit }) as Array<{ id: number; rawPath: string; attachments: string; feedbackId: number | null }>).map((r) => ({
      id: r.id, feedbackId: r.feedbackId ?? null, files: [r.rawPath, ...attachmentPaths(r.attachments)],
    }));
  }

  /** The files of this mail are gone: the row keeps its text and Message-ID (threading), not the paths; the order's timeline says so. */
  mailFilesPurged(id: number, feedbackId: number | null, now: string): void {
    this.db.transaction(() => {
      this.s.clearMailFiles.run(id);
      if (feedbackId != null) this.s.timeline.run(feedbackId, MAIL_PURGED, now);
    })();
  }

  /** Web complaint attachments of finished orders past retention (path relative to the web attachments dir). */
  expiredWebAttachments(before: string, limit = 1000): Array<{ id: number; feedbackId: number; path: string }> {
    return this.s.webFiles.all({ before, limit }) as Array<{ id: number; feedbackId: number; path: string }>;
  }

  /** The file of this web attachment is gone: its row too; the order's timeline says so. */
  webAttachmentPurged(id: number, feedbackId: number, now: string): void {
    this.db.transaction(() => {
      this.s.deleteWebFile.run(id);
      this.s.timeline.run(feedbackId, WEB_PURGED, now);
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
