/** Store contract, core tables: the same behaviour on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDeclaration } from '../../../src/domain/ports.js';
import type { FeedbackStatus } from '../../../src/domain/types.js';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-01-05T01:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

function decl(departmentId: number, code: string, over: Partial<NewDeclaration> = {}): NewDeclaration {
  return {
    queryCode: code, departmentId, deptRef: `REF-${code}`, itemName: '食品经营许可', applicantName: '张三', applicantPhone: '13800138000',
    status: 'accepted', statusAt: T0, acceptedAt: T0, dueAt: at(60 * 24 * 5), closedAt: null, now: T0, ...over,
  };
}

describe.each(ENGINES)('store contract on $name: core', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let dept: number;
    beforeAll(async () => {
      e = await open();
      dept = (await e.departments.insert('SCJG', '市市场监督管理局', '0579-1', 'h1', 'ab12', T0)).id;
    });
    afterAll(async () => { await e?.close(); });

    it('departments: insert, lookups, key, update', async () => {
      const d = await e.departments.insert('GAJ', '市公安局', null, null, null, T0);
      expect(d).toEqual({ id: d.id, code: 'GAJ', name: '市公安局', contactPhone: null, createdAt: T0 });
      expect((await e.departments.byCode('SCJG'))!.id).toBe(dept);
      expect((await e.departments.byApiKeyHash('h1'))!.code).toBe('SCJG');
      await e.departments.setApiKey(d.id, 'h2', 'cd34');
      expect((await e.departments.byApiKeyHash('h2'))!.id).toBe(d.id);
      await e.departments.update(d.id, '金华市公安局', '110');
      expect(await e.departments.byId(d.id)).toMatchObject({ name: '金华市公安局', contactPhone: '110' });
      expect((await e.departments.all()).map((x) => x.code)).toEqual(['GAJ', 'SCJG']);
      expect(await e.departments.byId(99999)).toBeUndefined();
      await expect(e.departments.insert('GAJ', 'dup', null, null, null, T0)).rejects.toThrow();
    });

    it('declarations: insert, lookups, partial update, search, overdue', async () => {
      const d = await e.declarations.insert(decl(dept, 'Q1000001'));
      expect(d).toMatchObject({ queryCode: 'Q1000001', departmentId: dept, departmentCode: 'SCJG', departmentName: '市市场监督管理局', deptRef: 'REF-Q1000001', closedAt: null, createdAt: T0, updatedAt: T0 });
      expect(await e.declarations.queryCodeExists('Q1000001')).toBe(true);
      expect(await e.declarations.queryCodeExists('nope')).toBe(false);
      expect((await e.declarations.byQueryCode('Q1000001'))!.id).toBe(d.id);
      expect((await e.declarations.byDeptRef('REF-Q1000001')).map((x) => x.id)).toEqual([d.id]);
      expect((await e.declarations.byDeptRef('REF-Q1000001', dept + 1000))).toEqual([]);
      const u = await e.declarations.update(d.id, { status: 'approved', statusAt: at(5), closedAt: at(5) }, at(6));
      expect(u).toMatchObject({ status: 'approved', statusAt: at(5), closedAt: at(5), updatedAt: at(6), itemName: '食品经营许可' });
      const u2 = await e.declarations.update(d.id, { itemName: '改' }, at(7), u);
      expect(u2).toMatchObject({ itemName: '改', status: 'approved', updatedAt: at(7) });
      expect((await e.declarations.byId(d.id))!.itemName).toBe('改');
      // the same department reference twice in one department is refused (unique partial index)
      await expect(e.declarations.insert(decl(dept, 'Q1000002', { deptRef: 'REF-Q1000001' }))).rejects.toThrow();
      const late = await e.declarations.insert(decl(dept, 'Q1000003', { dueAt: at(1), applicantPhone: '13900139000' }));
      expect((await e.declarations.overdue(at(10))).map((x) => x.id)).toContain(late.id);
      expect((await e.declarations.overdue(at(10))).map((x) => x.id)).not.toContain(d.id); // closed
      expect((await e.declarations.overdueCounts(at(10))).get(dept)).toBeGreaterThanOrEqual(1);
      expect((await e.declarations.search('13900139000')).map((x) => x.id)).toEqual([late.id]);
      expect((await e.declarations.recent(dept, 1)).map((x) => x.id)).toEqual([late.id]);
      expect((await e.declarations.recent(null, 1, 1)).map((x) => x.id)).toEqual([d.id]);
      expect(await e.declarations.count()).toBe(2);
    });

    it('declaration events: timeline order, last applied, idempotency by (department, eventId)', async () => {
      const d = await e.declarations.insert(decl(dept, 'Q2000001'));
      const base = { declarationId: d.id, departmentId: dept, handlerName: '李四', handlerTitle: '科员', opinion: null, receivedAt: at(30) };
      const e1 = await e.declarations.insertEvent({ ...base, eventId: 'ev-1', stepName: '受理', status: 'accepted', details: null, occurredAt: at(1), applied: true });
      const e3 = await e.declarations.insertEvent({ ...base, eventId: 'ev-3', stepName: '审核', status: 'in_progress', details: { 窗口: '3号' }, occurredAt: at(3), applied: true });
      await e.declarations.insertEvent({ ...base, eventId: 'ev-2', stepName: '补正', status: 'supplement_needed', details: null, occurredAt: at(2), applied: false });
      expect((await e.declarations.events(d.id)).map((x) => x.eventId)).toEqual(['ev-1', 'ev-2', 'ev-3']);
      const stored = await e.declarations.eventByEventId(dept, 'ev-3');
      expect(stored).toEqual(e3);
      expect(stored!.details).toEqual({ 窗口: '3号' });
      expect((await e.declarations.lastAppliedEvent(d.id))!.eventId).toBe('ev-3');
      expect(e1.applied).toBe(true);
      // the same event id again: refused by the unique constraint, nothing stored twice
      await expect(e.declarations.insertEvent({ ...base, eventId: 'ev-1', stepName: '受理', status: 'accepted', details: null, occurredAt: at(1), applied: true })).rejects.toThrow(/UNIQUE/i);
      expect((await e.declarations.events(d.id)).length).toBe(3);
      expect(await e.declarations.eventByEventId(dept, 'missing')).toBeUndefined();
      expect(e1).toMatchObject({ voidedAt: null, voidReason: null });
    });

    it('declaration events: a voided step stays in the timeline, no longer applied; applied re-set for the others', async () => {
      const d = await e.declarations.insert(decl(dept, 'Q2000002'));
      const base = { declarationId: d.id, departmentId: dept, handlerName: null, handlerTitle: null, opinion: null, details: null, receivedAt: at(30) };
      const e1 = await e.declarations.insertEvent({ ...base, eventId: 'v-1', stepName: '受理', status: 'accepted', occurredAt: at(1), applied: true });
      const e2 = await e.declarations.insertEvent({ ...base, eventId: 'v-2', stepName: '办结', status: 'approved', occurredAt: at(2), applied: true });
      expect(await e.declarations.voidEvent(e2.id, at(40), 'dept:SCJG', '误操作')).toBe(true);
      expect(await e.declarations.voidEvent(e2.id, at(41), 'dept:SCJG', 'again')).toBe(false); // already voided: kept as it was
      expect(await e.declarations.eventByEventId(dept, 'v-2')).toMatchObject({ applied: false, voidedAt: at(40), voidReason: '误操作' });
      expect((await e.sql('SELECT voided_by FROM declaration_events WHERE id = ?', [e2.id]))[0].voided_by).toBe('dept:SCJG');
      expect((await e.declarations.events(d.id)).map((x) => [x.eventId, x.applied, x.voidedAt])).toEqual([['v-1', true, null], ['v-2', false, at(40)]]);
      expect((await e.declarations.lastAppliedEvent(d.id))!.eventId).toBe('v-1');
      await e.declarations.setEventApplied(e1.id, false);
      expect(await e.declarations.lastAppliedEvent(d.id)).toBeUndefined();
      await e.declarations.setEventApplied(e1.id, true);
      expect((await e.declarations.eventByEventId(dept, 'v-1'))!.applied).toBe(true);
    });

    it('feedback: ref counter per day, insert/update, timeline, filters, survey lookup, SMS parts', async () => {
      expect(await e.feedback.nextRefSeq('20260105')).toBe(1);
      expect(await e.feedback.nextRefSeq('20260105')).toBe(2);
      expect(await e.feedback.nextRefSeq('20260106')).toBe(1);
      const f = await e.feedback.insert({ kind: 'complaint', channel: 'sms', phone: '13700137000', text: '路灯坏了 Street Light', departmentId: dept }, 'TS20260105-0001', T0);
      expect(f).toMatchObject({ ref: 'TS20260105-0001', kind: 'complaint', status: 'new', departmentId: dept, departmentName: '市市场监督管理局', reopenCount: 0, recordingPath: null, createdAt: T0 });
      expect((await e.feedback.byRef('TS20260105-0001'))!.id).toBe(f.id);
      await expect(e.feedback.insert({ kind: 'complaint', channel: 'sms', phone: null, text: 'x' }, 'TS20260105-0001', T0)).rejects.toThrow();
      const v = await e.feedback.insert({ kind: 'consultation', channel: 'voice', phone: '13700137001', text: null, recordingPath: '/r/1.wav', recordingDuration: 12.5, callId: 'c-1', flowPath: 'main>leave' }, 'TS20260105-0002', at(1));
      expect(v).toMatchObject({ recordingDuration: 12.5, callId: 'c-1', departmentId: null, departmentName: null });
      const a = await e.feedback.update(f.id, { status: 'answered', answer: '已修复', answeredBy: 'wang', answeredAt: at(60) }, at(60));
      expect(a).toMatchObject({ status: 'answered', answer: '已修复', updatedAt: at(60) });
      expect((await e.feedback.awaitingSurvey('13700137000', at(0)))!.id).toBe(f.id);
      expect(await e.feedback.awaitingSurvey('13700137000', at(61))).toBeUndefined();
      await e.feedback.addTimeline(f.id, 'created', 'sms', null, T0);
      await e.feedback.addTimeline(f.id, 'answered', 'wang', '已修复', at(60));
      expect(await e.feedback.timeline(f.id)).toEqual([
        { action: 'created', actor: 'sms', detail: null, at: T0 }, { action: 'answered', actor: 'wang', detail: '已修复', at: at(60) },
      ]);
      expect((await e.feedback.list({ channel: 'voice' })).map((x) => x.id)).toEqual([v.id]);
      expect((await e.feedback.list({})).map((x) => x.id)).toEqual([v.id, f.id]);
      expect((await e.feedback.list({ q: 'street' })).map((x) => x.id)).toEqual([f.id]); // case-insensitive text search
      const canon = await e.feedback.insert({ kind: 'suggestion', channel: 'sms', phone: '8613700137002', text: '建议' }, 'TS20260105-0003', at(0.5));
      expect((await e.feedback.list({ q: '+86 137 0013 7002' })).map((x) => x.id)).toEqual([canon.id]); // a phone in any form
      await e.sql('DELETE FROM feedback WHERE id = ?', [canon.id]);
      expect((await e.feedback.list({ departmentId: dept, status: 'answered' })).map((x) => x.id)).toEqual([f.id]);
      expect(await e.feedback.count({ since: at(1) })).toBe(1);
      expect(await e.feedback.count({ until: at(1) })).toBe(1);
      expect((await e.feedback.list({ limit: 1, offset: 1 })).map((x) => x.id)).toEqual([f.id]);
      // SMS parts of the message a feedback item came from
      const inc = await e.sms.insertInbound('13700137000', '96365', '路灯坏了', 2, false, ['part 3 missing'], T0, 3);
      await e.sms.inboundDone(inc, 'processed', 'complaint', 'feedback', f.id, T0);
      expect(await e.feedback.smsParts(f.id)).toEqual({ received: 2, expected: 3 });
      expect(await e.feedback.smsParts(v.id)).toBeNull();
      expect([...(await e.feedback.smsPartsIncomplete([f.id, v.id])).entries()]).toEqual([[f.id, { received: 2, expected: 3 }]]);
      expect((await e.feedback.smsPartsIncomplete([])).size).toBe(0);
    });

    it('subscriptions and opt-outs', async () => {
      const d1 = await e.declarations.insert(decl(dept, 'Q3000001'));
      const d2 = await e.declarations.insert(decl(dept, 'Q3000002'));
      const s1 = await e.subscriptions.insert('13600136000', d1.id, 'sms', T0);
      expect(s1).toEqual({ id: s1.id, phone: '13600136000', declarationId: d1.id, channel: 'sms', createdAt: T0, endedAt: null });
      await e.subscriptions.insert('13600136000', d2.id, 'voice', at(1));
      await e.subscriptions.insert('13600136001', d1.id, 'sms', at(2));
      // one active subscription per phone and declaration
      await expect(e.subscriptions.insert('13600136000', d1.id, 'sms', at(3))).rejects.toThrow();
      expect((await e.subscriptions.active('13600136000', d1.id))!.id).toBe(s1.id);
      expect((await e.subscriptions.activeFor(d1.id)).map((s) => s.phone)).toEqual(['13600136000', '13600136001']);
      expect((await e.subscriptions.activeByPhone('13600136000')).length).toBe(2);
      expect(await e.subscriptions.end('13600136000', d1.id, at(5))).toBe(1);
      expect(await e.subscriptions.active('13600136000', d1.id)).toBeUndefined();
      expect(await e.subscriptions.end('13600136000', null, at(6))).toBe(1);
      expect(await e.subscriptions.end('13600136000', null, at(6))).toBe(0);
      // ended: may subscribe again
      await e.subscriptions.insert('13600136000', d1.id, 'sms', at(7));
      const l = await e.subscriptions.list(10);
      expect(l[0]).toMatchObject({ phone: '13600136000', queryCode: 'Q3000001' });
      expect(l.length).toBe(4);
      expect(await e.subscriptions.isOptedOut('13600136000')).toBe(false);
      await e.subscriptions.setOptOut('13600136000', at(8));
      await e.subscriptions.setOptOut('13600136000', at(9)); // idempotent, keeps the first time
      expect(await e.subscriptions.isOptedOut('13600136000')).toBe(true);
      expect(await e.subscriptions.optOuts()).toEqual([{ phone: '13600136000', at: at(8) }]);
      // bulk notices: which of a list opted out, in the list's order, one query
      await e.subscriptions.setOptOut('13600136002', at(8));
      expect(await e.subscriptions.optedOutAmong(['13600136002', '13600136001', '13600136000', '13600136002'])).toEqual(['13600136002', '13600136000', '13600136002']);
      expect(await e.subscriptions.optedOutAmong([])).toEqual([]);
      await e.subscriptions.clearOptOut('13600136002');
      await e.subscriptions.clearOptOut('13600136000');
      expect(await e.subscriptions.isOptedOut('13600136000')).toBe(false);
    });

    it('retention: recordings and inbound SMS of finished items past the bound; open items keep everything', async () => {
      const rec = async (ref: string, status: FeedbackStatus, updated: string) => {
        const f = await e.feedback.insert({ kind: 'complaint', channel: 'voice', phone: '13700137100', text: null, recordingPath: `/r/${ref}.wav`, recordingDuration: 3 }, ref, T0);
        await e.feedback.update(f.id, { status }, updated);
        return f.id;
      };
      const done = await rec('RT-1', 'closed', at(10));
      const open = await rec('RT-2', 'assigned', at(10));
      await rec('RT-3', 'answered', at(100)); // finished after the bound: kept
      const done2 = await rec('RT-4', 'answered', at(11));
      expect(await e.retention.expiredRecordings(at(50))).toEqual([{ id: done, path: '/r/RT-1.wav' }, { id: done2, path: '/r/RT-4.wav' }]);
      expect(await e.retention.expiredRecordings(at(50), 1)).toEqual([{ id: done, path: '/r/RT-1.wav' }]);
      await e.retention.recordingPurged(done, at(60));
      expect((await e.feedback.byId(done))!.recordingPath).toBeNull();
      expect((await e.feedback.timeline(done)).at(-1)).toEqual({ action: 'retention', actor: 'system', detail: '录音已按保存期限删除 recording deleted (retention period)', at: at(60) });
      expect((await e.retention.expiredRecordings(at(50))).map((r) => r.id)).toEqual([done2]);
      // inbound: processed and (no feedback, or finished feedback) and old enough
      const inbound = async (feedbackId: number | null, status: 'processed' | 'ignored' | null, received: string) => {
        const id = await e.sms.insertInbound('13700137101', '96365', 'x', 1, true, null, received);
        if (status) await e.sms.inboundDone(id, status, null, null, feedbackId, received);
        await e.sms.insertPart({ source: '13700137101', dest: '96365', dataCoding: 0, esmClass: 0, udh: null, body: Buffer.from('x'), concatRef: null, concatTotal: null,
          concatSeq: null, refBits: null, fingerprint: `rt${id}`, linkSession: 1, linkId: 'l', state: 'consumed', dupOf: null, inboundId: id, receivedAt: received });
        return id;
      };
      const gone1 = await inbound(null, 'ignored', at(1));
      const gone2 = await inbound(done2, 'processed', at(2));
      const keepOpen = await inbound(open, 'processed', at(3));
      const keepPending = await inbound(null, null, at(4));
      const keepNew = await inbound(null, 'processed', at(70));
      await e.sms.insertPart({ source: '13700137102', dest: '96365', dataCoding: 0, esmClass: 0, udh: null, body: Buffer.from('y'), concatRef: 1, concatTotal: 2,
        concatSeq: 1, refBits: 8, fingerprint: 'rt-orphan', linkSession: 1, linkId: 'l', state: 'open', dupOf: null, inboundId: null, receivedAt: at(5) });
      const before = (await e.sql('SELECT COUNT(*) AS n FROM sms_inbound'))[0].n;
      expect(await e.retention.purgeInbound(at(50))).toBe(2);
      const left = (await e.sql('SELECT id FROM sms_inbound')).map((r) => r.id);
      expect(left).not.toContain(gone1);
      expect(left).not.toContain(gone2);
      expect(left).toEqual(expect.arrayContaining([keepOpen, keepPending, keepNew]));
      expect(Number(before) - left.length).toBe(2);
      expect((await e.sql(`SELECT fingerprint FROM sms_mo_parts WHERE fingerprint LIKE 'rt%' ORDER BY fingerprint`)).map((r) => r.fingerprint).sort())
        .toEqual([`rt${keepNew}`, `rt${keepOpen}`, `rt${keepPending}`].sort()); // parts of purged messages and the old orphan are gone
    });

    it('retention: mail sources and attachments, web attachments of finished orders past the bound (and mail without an order); open ones keep theirs', async () => {
      const order = async (ref: string, status: FeedbackStatus, updated: string) => {
        const f = await e.feedback.insert({ kind: 'complaint', channel: 'mail', phone: null, text: '来信' }, ref, T0);
        await e.feedback.update(f.id, { status }, updated);
        return f.id;
      };
      const done = await order('RM-1', 'closed', at(10));
      const open = await order('RM-2', 'assigned', at(10));
      const mail = async (mid: string, feedbackId: number | null, received: string, attachments: unknown[] = []) => {
        await e.sql(`INSERT INTO mail_inbound (message_id, from_addr, raw_path, raw_bytes, attachments, disposition, feedback_id, received_at) VALUES (?, 'a@example.cn', ?, 10, ?, ?, ?, ?)`,
          [mid, `mail/raw/${mid}.eml`, JSON.stringify(attachments), feedbackId ? 'order' : 'bounce', feedbackId, received]);
        return Number((await e.sql('SELECT id FROM mail_inbound WHERE message_id = ?', [mid]))[0].id);
      };
      const m1 = await mail('<m1@x>', done, at(1), [{ filename: 'a.png', contentType: 'image/png', size: 3, path: 'mail/attachments/k/1-a.png' }]);
      await mail('<m2@x>', open, at(2));
      const m3 = await mail('<m3@x>', null, at(3));
      await mail('<m4@x>', null, at(70)); // too recent
      const got = await e.retention.expiredMailFiles(at(50));
      expect(got).toEqual([
        { id: m1, feedbackId: done, files: ['mail/raw/<m1@x>.eml', 'mail/attachments/k/1-a.png'] },
        { id: m3, feedbackId: null, files: ['mail/raw/<m3@x>.eml'] },
      ]);
      await e.retention.mailFilesPurged(m1, done, at(60));
      await e.retention.mailFilesPurged(m3, null, at(60));
      expect(await e.retention.expiredMailFiles(at(50))).toEqual([]);
      expect(await e.sql('SELECT raw_path, attachments FROM mail_inbound WHERE id = ?', [m1])).toEqual([{ raw_path: '', attachments: '[]' }]);
      expect((await e.feedback.timeline(done)).at(-1)).toMatchObject({ action: 'retention', detail: '来信原件及附件已按保存期限删除 mail source and attachments deleted (retention period)' });
      // web attachments
      for (const [fid, name] of [[done, 'd.png'], [open, 'o.png']] as const) {
        await e.sql(`INSERT INTO web_attachments (feedback_id, file_name, mime, size, path, created_at) VALUES (?, ?, 'image/png', 3, ?, ?)`, [fid, name, `2026-01-01/${name}`, at(1)]);
      }
      const web = await e.retention.expiredWebAttachments(at(50));
      expect(web.map((w) => [w.feedbackId, w.path])).toEqual([[done, '2026-01-01/d.png']]);
      await e.retention.webAttachmentPurged(web[0].id, done, at(61));
      expect((await e.sql('SELECT path FROM web_attachments ORDER BY id')).map((r) => r.path)).toEqual(['2026-01-01/o.png']);
      expect(await e.retention.expiredWebAttachments(at(50))).toEqual([]);
    });

    it('audit: hash chain append, list, verify detects a changed or removed entry', async () => {
      for (let i = 0; i < 5; i++) await e.audit.append('admin', 'user.add', `u${i}`, { i }, at(i));
      await e.audit.append('admin', 'note', null, 'plain text', at(9));
      expect(await e.audit.verify()).toEqual({ ok: true, entries: 6 });
      const l = await e.audit.list(2);
      expect(l.map((x) => x.target)).toEqual([null, 'u4']);
      expect(l[1]).toMatchObject({ actor: 'admin', action: 'user.add', detail: '{"i":4}', at: at(4) });
      expect(l[0].prevHash).toBe(l[1].hash);
      const third = (await e.audit.list(1, 3))[0];
      await e.sql(`UPDATE audit_log SET detail = '{"i":9}' WHERE id = ?`, [third.id]);
      expect(await e.audit.verify()).toMatchObject({ ok: false, badId: third.id, reason: 'entry content changed' });
      await e.sql(`UPDATE audit_log SET detail = ? WHERE id = ?`, [third.detail, third.id]);
      expect((await e.audit.verify()).ok).toBe(true);
      await e.sql('DELETE FROM audit_log WHERE id = ?', [third.id]);
      expect(await e.audit.verify()).toMatchObject({ ok: false, badId: (await e.audit.list(1, 2))[0].id });
    });
  });
});
