/** Staff see when a long SMS arrived incomplete: 收到 2/3 段 on the feedback item (list and detail). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startAdmin, type AdminServer } from './helpers.js';
import type { Feedback } from '../../src/domain/types.js';

let s: AdminServer;
let gap: Feedback;
let whole: Feedback;

beforeAll(async () => {
  s = await startAdmin();
  const { ctx } = s.server;
  const repo = ctx.store.sms;
  const at = new Date().toISOString();
  const fromSms = async (text: string, parts: number, expected: number) => {
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13812340001', text });
    const id = await repo.insertInbound('8613812340001', '96365', `投诉${text}`, parts, parts === expected, null, at, expected);
    await repo.inboundDone(id, 'processed', 'feedback', `feedback:${f.ref}`, f.id, at);
    return f;
  };
  gap = await fromSms('我家楼下的餐馆[…]依法处理，谢谢！', 2, 3);
  whole = await fromSms('路灯坏了', 1, 1);
  await s.admin.auth.createUser({ username: 'op1', role: 'operator', password: 'parts-pass-1' });
});
afterAll(async () => { await s.server.stop(); });

describe('feedback from an incomplete long SMS', () => {
  it('detail and list carry the parts received / expected; a complete SMS carries no gap', async () => {
    const c = await loggedIn(s.url, 'op1', 'parts-pass-1');
    const d = await c.get(`/admin/api/feedback/${gap.id}`);
    expect(d.status).toBe(200);
    expect(d.json.smsParts).toEqual({ received: 2, expected: 3 });
    expect(d.json.text).toContain('[…]');
    expect((await c.get(`/admin/api/feedback/${whole.id}`)).json.smsParts).toEqual({ received: 1, expected: 1 });
    const list = await c.get('/admin/api/feedback?channel=sms');
    const byId = new Map(list.json.items.map((i: { id: number }) => [i.id, i]));
    expect((byId.get(gap.id) as { smsParts?: unknown }).smsParts).toEqual({ received: 2, expected: 3 });
    expect((byId.get(whole.id) as { smsParts?: unknown }).smsParts).toBeUndefined();
  });

  it('the page shows 收到 2/3 段', async () => {
    const c = await loggedIn(s.url, 'op1', 'parts-pass-1');
    const js = await c.get('/admin/static/pages/feedback.js');
    expect(js.status).toBe(200);
    expect(js.text).toContain('收到 ${p.received}/${p.expected} 段');
    expect(js.text).toContain('fb-sms-parts');
  });
});
