/** The SMS channel as the admin panel sees it (lists, retry/cancel, manual send, stats). */
import type { SmsAdminPort, SmsOutboxItem, SmsInboxItem } from '../admin/sms-port.js';
import type { SmsChannel } from './channel.js';
import type { OutboxRow } from '../store/repos/sms.js';

export function smsAdminPort(sms: SmsChannel): SmsAdminPort {
  const item = async (r: OutboxRow): Promise<SmsOutboxItem> => ({
    id: r.id, phone: r.phone, text: r.text, reason: r.reason, status: r.status, segments: r.segments, attempts: r.attempts,
    createdAt: r.createdAt, submittedAt: r.submittedAt, doneAt: r.doneAt, lastError: r.lastError, createdBy: r.createdBy,
    receipts: (await sms.repo.segments(r.id)).map((s) => ({ messageId: s.messageIdRaw, stat: s.status, at: null })),
  });
  return {
    async listOutbox(f) {
      const rows = await sms.repo.list({ status: f.status, phone: f.phone, limit: f.limit, offset: f.offset });
      const out: SmsOutboxItem[] = [];
      for (const r of rows) out.push(await item(r));
      return out;
    },
    listInbox: async (f) => (await sms.repo.listInbound({ phone: f.phone, limit: f.limit, offset: f.offset })).map((r): SmsInboxItem => ({
      id: r.id, phone: r.phone, text: r.text, receivedAt: r.receivedAt, command: r.command, status: r.status, parts: r.parts, partsExpected: r.partsExpected,
    })),
    async retry(id) {
      if (!(await sms.repo.retry(id, new Date().toISOString()))) throw new Error('only failed, expired or undeliverable messages can be retried');
      sms.dispatcher.kick();
      return { ok: true };
    },
    async cancel(id) {
      if (!(await sms.repo.cancel(id, new Date().toISOString()))) throw new Error('only queued or held messages can be cancelled');
      return { ok: true };
    },
    async sendManual(phone, text, actor) {
      const r = await sms.outbox.queue({ phone, text, reason: 'manual', createdBy: actor });
      return { id: r.id };
    },
    previewAnswer: (f, answer) => sms.previewAnswer(f, answer),
    previewText: (text) => sms.previewText(text),
    async stats() {
      const c = await sms.repo.countsByStatus();
      return {
        queued: (c.queued ?? 0) + (c.submitting ?? 0), held: c.held ?? 0, sent: (c.submitted ?? 0) + (c.delivered ?? 0) + (c.no_receipt ?? 0), delivered: c.delivered ?? 0,
        failed: (c.failed ?? 0) + (c.undeliverable ?? 0) + (c.expired ?? 0), perSecond: Math.round(sms.dispatcher.rate()), link: sms.link.state,
      };
    },
  };
}
