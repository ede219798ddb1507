/**
 * The operator's seat (issue 13): my endpoint and seat state, the state buttons (签入 / 小休 / 签出),
 * and the caller's history for the screen pop (来电弹屏) — only for a phone this operator was offered.
 * Setting a state persists it and emits `seat.changed` (source 'panel'); while the queue holds the seat
 * (ringing, busy, wrap-up) the state is stored as wanted and the queue applies it after the call.
 */
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../../http/errors.js';
import { normalisePhone } from '../../../domain/masking.js';
import type { PanelState, SeatState } from '../../../voice/queue/types.js';
import type { AdminKit, RouteGroup } from '../common.js';
import { BODIES, S } from './schemas.js';

export const SEAT_STATE_ZH: Record<SeatState, string> = { ready: '签入', break: '小休', loggedOut: '签出', ringing: '振铃', busy: '通话中', wrapUp: '话后整理' };
const QUEUE_HELD: readonly SeatState[] = ['ringing', 'busy', 'wrapUp'];

export function seatRoutes(kit: AdminKit): RouteGroup {
  const { ctx, audit, hub } = kit;
  const mySeat = async (userId: number) => {
    const s = await ctx.store.callQueue.seat(userId);
    return s ? { endpoint: s.endpoint, state: s.seatState, stateZh: SEAT_STATE_ZH[s.seatState], since: s.seatStateAt } : null;
  };
  return {
    name: 'seat', bodies: BODIES,
    handlers: {
      'GET /api/seat': async (req) => ({ seat: await mySeat(req.staff!.user.id), offer: hub.lastOffer(String(req.staff!.user.id)) }),
      'POST /api/seat': async (req) => {
        const u = req.staff!.user;
        const { state } = req.body as Static<typeof S.state>;
        const before = await ctx.store.callQueue.seat(u.id);
        if (!before) throw new HttpError(409, 'conflict', '尚未配置坐席分机，请联系管理员 (no seat endpoint configured)');
        const held = QUEUE_HELD.includes(before.seatState);
        const at = ctx.now().toISOString();
        // While the queue holds the seat the wish is stored (the queue applies it after the call) — not forced.
        await ctx.store.callQueue.setSeatState(u.id, state, at);
        ctx.bus.emit('seat.changed', { staffId: String(u.id), state: state as PanelState, source: 'panel', callId: null, at, name: u.displayName || u.username });
        await audit(req, `seat.${state}`, u.username, `${SEAT_STATE_ZH[state]}（分机 ${before.endpoint}${held ? `，${SEAT_STATE_ZH[before.seatState]}中，通话结束后生效` : ''}）`);
        return {
          seat: await mySeat(u.id), wanted: state,
          deferred: held, note: held ? `当前${SEAT_STATE_ZH[before.seatState]}，${SEAT_STATE_ZH[state]}将在通话结束后生效 (applied by the queue after the call)` : null,
        };
      },
      /** 来电弹屏的市民历史: earlier work orders, declarations and calls of the phone this operator was offered. */
      'GET /api/seat/history': async (req) => {
        const raw = String(req.query.phone ?? '').trim().slice(0, 32);
        const phone = raw ? normalisePhone(raw) : '';
        if (!phone) throw new HttpError(400, 'validation', 'phone is required');
        if (!hub.wasOffered(String(req.staff!.user.id), phone)) throw new HttpError(403, 'forbidden', '只能查看向本坐席弹屏的来电 (only a caller offered to your seat)');
        const [orders, declarations, calls] = await Promise.all([
          ctx.store.feedback.list({ q: phone, limit: 20 }),
          ctx.store.declarations.search(phone, 20),
          ctx.store.calls.recent(1000),
        ]);
        return {
          phone,
          workOrders: orders.filter((f) => f.phone === phone).slice(0, 10).map((f) => ({
            id: f.id, ref: f.ref, kind: f.kind, channel: f.channel, status: f.status, createdAt: f.createdAt, summary: (f.text ?? f.transcript ?? '').slice(0, 60),
          })),
          declarations: declarations.slice(0, 10).map((d) => ({ queryCode: d.queryCode, itemName: d.itemName, departmentName: d.departmentName, status: d.status })),
          calls: calls.filter((c) => normalisePhone(c.caller) === phone).slice(0, 10).map((c) => ({
            callId: c.callId, startedAt: c.startedAt, durationSec: c.durationSec, outcome: c.outcome, feedbackRef: c.feedbackRef,
          })),
        };
      },
    },
  };
}
