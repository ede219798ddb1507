/** The panel's the test phone (demo mode; 404 without a test phone port): dial, keys, recording, hang-up, SMS (roles: ../../routes-table.ts). */
import type { Static } from '@sinclair/typebox';
import { maskPhone, normalisePhone } from '../../../domain/masking.js';
import type { TestPhoneEvent } from '../../sms-port.js';
import { HttpError } from '../../../http/errors.js';
import { bad, needPhone, notFound, type AdminKit, type Req, type RouteGroup } from '../common.js';
import { BODIES, S } from './schemas.js';

const safeAudioUrl = (u: unknown): string | null => (typeof u === 'string' && /^\/(?!\/)[\w\-./%?=&]*$/.test(u) ? u : null);
const phoneEvent = (e: TestPhoneEvent): TestPhoneEvent => (e.type === 'prompt' ? { type: 'prompt', text: String(e.text ?? ''), audioUrl: safeAudioUrl(e.audioUrl) } : e);

export function testPhoneRoutes(kit: AdminKit): RouteGroup {
  const { hub, audit, ctx } = kit;
  /** The signed-in operator's seat phone (their SIP endpoint); 409 without one. */
  const seatPhone = async (req: Req): Promise<{ endpoint: string; phone: ReturnType<typeof needPhone> }> => {
    const phone = needPhone(kit);
    if (!phone.operatorCalls) throw notFound('坐席话机不可用 (no operator phone)');
    const endpoint = (await ctx.store.callQueue.seat(req.staff!.user.id))?.endpoint;
    if (!endpoint) throw new HttpError(409, 'conflict', '您的账号未设置坐席分机（用户管理中设置 endpoint）/ no seat endpoint for this user');
    return { endpoint, phone };
  };
  return {
    name: 'testphone', bodies: BODIES,
    handlers: {
      'POST /api/testphone/call': async (req) => {
        const phone = needPhone(kit);
        const { from } = req.body as Static<typeof S.call>;
        const callId = String(await phone.startCall(from));
        const sessionHash = req.staff!.session.idHash;
        hub.watchPhone(sessionHash, normalisePhone(from));
        let off: (() => void) | null = null;
        const end = () => { if (off) { off(); kit.subscriptions.delete(off); off = null; } };
        off = phone.events(callId, (e) => {
          hub.sendToSession(sessionHash, { type: 'testphone', callId, event: phoneEvent(e) });
          if (e.type === 'ended') setImmediate(end);
        });
        kit.subscriptions.add(off);
        await audit(req, 'testphone.call', callId, { from: maskPhone(from) });
        return { callId };
      },
      'POST /api/testphone/call/:callId/press': async (req) => {
        await needPhone(kit).press(String(req.params.callId), (req.body as Static<typeof S.press>).digits);
        return { ok: true };
      },
      'POST /api/testphone/call/:callId/record': async (req) => {
        const p = needPhone(kit);
        if (!p.record) throw notFound('模拟录音不可用 (recording not supported)');
        await p.record(String(req.params.callId), (req.body as Static<typeof S.record>).seconds);
        return { ok: true };
      },
      'POST /api/testphone/call/:callId/hangup': async (req) => {
        await needPhone(kit).hangup(String(req.params.callId));
        return { ok: true };
      },
      'GET /api/testphone/operator': async (req) => {
        const { endpoint, phone } = await seatPhone(req);
        return { endpoint, calls: await phone.operatorCalls!(endpoint) };
      },
      'POST /api/testphone/operator/:legId/answer': async (req) => {
        const { endpoint, phone } = await seatPhone(req);
        await phone.answerOperator!(endpoint, String(req.params.legId));
        return { ok: true };
      },
      'POST /api/testphone/operator/:legId/hangup': async (req) => {
        const { endpoint, phone } = await seatPhone(req);
        await phone.hangupOperator!(endpoint, String(req.params.legId));
        return { ok: true };
      },
      'POST /api/testphone/sms': async (req) => {
        const { from, text } = req.body as Static<typeof S.testSms>;
        const p = needPhone(kit);
        hub.watchPhone(req.staff!.session.idHash, normalisePhone(from));
        await p.sendSms(from, text);
        await audit(req, 'testphone.sms', maskPhone(from));
        return { ok: true };
      },
      // 测试邮箱: write to the 市民信箱 (through its SMTP intake) and read the hotline's replies from the sink
      'POST /api/testphone/mail': async (req) => {
        const box = needPhone(kit).mailbox;
        if (!box) throw notFound('测试邮箱未启用 (the citizens\' mailbox is not running)');
        const { from, subject, text, inReplyTo } = req.body as Static<typeof S.testMail>;
        await box.sendMail(from, subject, text, inReplyTo ?? null);
        await audit(req, 'testphone.mail', from.replace(/^(.).*(@.*)$/, '$1***$2'));
        return { ok: true, to: box.address };
      },
      'GET /api/testphone/mail': async (req) => {
        const box = needPhone(kit).mailbox;
        if (!box) throw notFound('测试邮箱未启用 (the citizens\' mailbox is not running)');
        const address = String(req.query.address ?? '').trim().toLowerCase();
        if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address)) throw bad('address is required');
        return { address: box.address, items: await box.mailReceived(address) };
      },
      'GET /api/testphone/sms': async (req) => {
        const phoneNo = String(req.query.phone ?? '');
        if (!/^\+?[0-9]{3,20}$/.test(phoneNo)) throw bad('phone is required');
        const p = needPhone(kit);
        hub.watchPhone(req.staff!.session.idHash, normalisePhone(phoneNo));
        return { items: await p.smsReceived(normalisePhone(phoneNo)) };
      },
    },
  };
}
