/** Store contract: the citizens' mailbox (migration 14_mail) — inbound mail, threads, the mail outbox, bounces, e-mail subscriptions — on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewInboundMail, NewOutboundMail } from '../../../src/store/repos/mail.js';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-12-03T02:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

const inbound = (messageId: string, over: Partial<NewInboundMail> = {}): NewInboundMail => ({
  messageId, fromAddr: 'zhang@example.cn', returnPath: 'zhang@example.cn', remoteIp: '127.0.0.1', subject: '投诉：噪音', bodyText: '夜间施工噪音',
  inReplyTo: null, refs: null, rawPath: `mail/raw/${messageId}.eml`, rawBytes: 120, attachments: [], disposition: 'order', reason: null, feedbackId: null, ...over,
});
const outbound = (messageId: string, over: Partial<NewOutboundMail> = {}): NewOutboundMail => ({
  toAddr: 'zhang@example.cn', subject: 'Re: 投诉', body: '已受理', messageId, inReplyTo: null, refs: null, reason: 'auto_reply', feedbackId: null,
  dedupeKey: null, nextAttemptAt: at(0), expiresAt: at(60), ...over,
});

describe.each(ENGINES)('store contract on $name: mail', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let fid: number;
    let decl: number;
    beforeAll(async () => {
      e = await open();
      fid = (await e.feedback.insert({ kind: 'complaint', channel: 'mail', phone: null, text: '夜间施工噪音' }, '2612030001', T0)).id;
      const dept = (await e.departments.insert('SCJG', '市市场监督管理局', null, null, null, T0)).id;
      decl = (await e.declarations.insert({
        queryCode: 'Q2000001', departmentId: dept, deptRef: 'R1', itemName: '食品经营许可', applicantName: '张三', applicantPhone: '13800138000',
        status: 'accepted', statusAt: T0, acceptedAt: T0, dueAt: null, closedAt: null, now: T0,
      })).id;
    });
    afterAll(async () => { await e?.close(); });

    it('inbound: Message-ID unique (a re-delivery is null), fields and attachments read back, by work order', async () => {
      const a = await e.mail.insertInbound(inbound('<a1@example.cn>', { feedbackId: fid, attachments: [{ filename: '照片.jpg', contentType: 'image/jpeg', size: 3, path: 'mail/att/1/照片.jpg' }] }), at(1));
      expect(a).toEqual({ ...inbound('<a1@example.cn>', { feedbackId: fid, attachments: [{ filename: '照片.jpg', contentType: 'image/jpeg', size: 3, path: 'mail/att/1/照片.jpg' }] }), id: a!.id, receivedAt: at(1) });
      expect(await e.mail.insertInbound(inbound('<a1@example.cn>'), at(2))).toBeNull();
      await expect(e.mail.insertInbound(inbound('<a2@example.cn>', { disposition: 'nonsense' as never }), at(2))).rejects.toThrow();
      expect((await e.mail.inboundByMessageId('<a1@example.cn>'))?.id).toBe(a!.id);
      expect(await e.mail.inboundByMessageId('<nope@x>')).toBeUndefined();
      expect((await e.mail.inboundFor(fid)).map((m) => m.messageId)).toEqual(['<a1@example.cn>']);
    });

    it('threads: the contact stays the first one; Message-IDs of both directions find the work order; the chain is oldest first', async () => {
      await e.mail.openThread(fid, 'zhang@example.cn', '<a1@example.cn>', at(1));
      await e.mail.openThread(fid, 'other@example.cn', '<a9@example.cn>', at(2));
      expect(await e.mail.thread(fid)).toEqual({ feedbackId: fid, address: 'zhang@example.cn', messageId: '<a1@example.cn>', createdAt: at(1) });
      expect(await e.mail.thread(fid + 1000)).toBeUndefined();
      await e.mail.queue(outbound('<r1@96365>', { feedbackId: fid, inReplyTo: '<a1@example.cn>', refs: '<a1@example.cn>' }), at(3));
      expect(await e.mail.feedbackForMessageIds(['<unknown@x>', '<r1@96365>'])).toBe(fid);
      expect(await e.mail.feedbackForMessageIds(['<a1@example.cn>'])).toBe(fid);
      expect(await e.mail.feedbackForMessageIds(['<unknown@x>'])).toBeNull();
      expect(await e.mail.threadMessageIds(fid)).toEqual(['<a1@example.cn>', '<r1@96365>']);
    });

    it('outbox: dedupe key once; due claimed once (attempts + 1); retry, sent, failed; expiry of queued only; interrupted back to the queue', async () => {
      const q = await e.mail.queue(outbound('<o1@96365>', { dedupeKey: 'k1' }), at(0));
      expect(q).toMatchObject({ status: 'queued', attempts: 0, messageId: '<o1@96365>', dedupeKey: 'k1', lastError: null, sentAt: null, createdAt: at(0) });
      expect(await e.mail.queue(outbound('<o2@96365>', { dedupeKey: 'k1' }), at(0))).toBeNull();
      const later = await e.mail.queue(outbound('<o3@96365>', { nextAttemptAt: at(30) }), at(0));
      const bounced = await e.mail.queue(outbound('<o4@96365>', { failedWith: 'bounced' }), at(0));
      expect(bounced).toMatchObject({ status: 'failed', lastError: 'bounced' });
      const claimed = await e.mail.claimDue(at(5), 10);
      expect(claimed.map((r) => r.messageId)).toEqual(['<r1@96365>', '<o1@96365>']);
      expect(claimed[1]).toMatchObject({ status: 'sending', attempts: 1 });
      expect(await e.mail.claimDue(at(5), 10)).toEqual([]);
      expect(await e.mail.markRetry(q!.id, '421 try later', at(10), at(5))).toBe(true);
      expect(await e.mail.outbound(q!.id)).toMatchObject({ status: 'queued', lastError: '421 try later', nextAttemptAt: at(10) });
      expect((await e.mail.claimDue(at(10), 10)).map((r) => r.id)).toEqual([q!.id]);
      expect(await e.mail.markSent(q!.id, at(11))).toBe(true);
      expect(await e.mail.markSent(q!.id, at(12))).toBe(false);
      expect(await e.mail.outbound(q!.id)).toMatchObject({ status: 'sent', sentAt: at(11), attempts: 2, lastError: null });
      expect(await e.mail.markFailed(claimed[0].id, '550 no such user', at(12))).toBe(true);
      expect(await e.mail.expireStale(at(59))).toBe(0);
      expect(await e.mail.expireStale(at(60))).toBe(1);
      expect((await e.mail.outbound(later!.id))?.status).toBe('expired');
      const s = await e.mail.queue(outbound('<o5@96365>', { expiresAt: at(999) }), at(60));
      await e.mail.claimDue(at(61), 10);
      expect(await e.mail.requeueInterrupted(at(62), at(60))).toBe(0); // claimed after: another instance may be sending it
      expect(await e.mail.requeueInterrupted(at(62))).toBe(1);
      expect(await e.mail.outbound(s!.id)).toMatchObject({ status: 'queued', attempts: 1 });
      expect(await e.mail.countsByStatus()).toEqual({ queued: 1, sent: 1, failed: 2, expired: 1 });
      expect((await e.mail.outboundFor(fid)).map((r) => r.status)).toEqual(['failed']);
    });

    it('bounces and e-mail subscriptions', async () => {
      expect(await e.mail.isBounced('gone@example.cn')).toBe(false);
      await e.mail.markBounced('gone@example.cn', '550 5.1.1', at(1));
      await e.mail.markBounced('gone@example.cn', '550 5.1.1 again', at(2));
      expect(await e.mail.isBounced('gone@example.cn')).toBe(true);
      expect(await e.mail.subscribe('li@example.cn', decl, at(1))).toBe(true);
      expect(await e.mail.subscribe('li@example.cn', decl, at(2))).toBe(false);
      expect(await e.mail.subscribe('wang@example.cn', decl, at(3))).toBe(true);
      expect(await e.mail.subscribers(decl)).toEqual(['li@example.cn', 'wang@example.cn']);
      expect(await e.mail.unsubscribe('li@example.cn', decl, at(4))).toBe(1);
      expect(await e.mail.unsubscribe('wang@example.cn', null, at(4))).toBe(1);
      expect(await e.mail.subscribers(decl)).toEqual([]);
      expect(await e.mail.subscribe('li@example.cn', decl, at(5))).toBe(true);
    });
  });
});
