/**
 * Persisted landline call-backs, table-driven (steps: ./callback-driver.ts). Config defaults: 3
 * attempts, back-off 300 s × 2^(n-1) (5 min, then 10 min), quiet hours 21:00–08:00 Shanghai. The
 * clock starts on Thursday 10:00.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallbackDriver } from './callback-driver.js';

type Script = Array<[string, string[]]>;
interface Case { label: string; live?: string[]; script: Script; rows: string[]; timeline?: string[] }

const LAND = '05798886666';

const cases: Case[] = [
  { label: 'answered → done, the timeline says so', script: [
    [`answer ${LAND}`, [`dial ${LAND} answer`]], ['satisfied', []], ['wait 60', []],
  ], rows: ['answer done 0'], timeline: ['回访呼叫第1次 call-back attempt 1', '回访已接听并评价 call-back answered, satisfaction given'] },
  { label: 'no answer ×3 → retries after 5 min, then 10 min → failed, with the timeline entry', script: [
    [`answer ${LAND}`, [`dial ${LAND} answer`]], ['noAnswer', []],
    ['wait 4', []], ['wait 1', [`dial ${LAND} answer`]], ['noAnswer', []],
    ['wait 9', []], ['wait 1', [`dial ${LAND} answer`]], ['noAnswer', []],
    ['wait 600', []],
  ], rows: ['answer failed 3'], timeline: [
    '回访呼叫第1次 call-back attempt 1', '回访呼叫第2次 call-back attempt 2', '回访呼叫第3次 call-back attempt 3', '回访3次未接通 call-back not answered after 3 attempts',
  ] },
  { label: 'originate error counts as an attempt not answered', script: [
    ['originate fails', []], [`answer ${LAND}`, []], ['wait 5', [`dial ${LAND} answer`]], ['answered', []],
  ], rows: ['answer done 1'] },
  { label: 'the call never reaches the app: the guard counts it as not answered', script: [
    [`answer ${LAND}`, [`dial ${LAND} answer`]], ['guard', []], ['wait 5', [`dial ${LAND} answer`]],
  ], rows: ['answer dialing 1'] },
  { label: 'quiet hours: an answer at 21:30 is dialled at 08:00, a retry falling in the night waits for the morning', script: [
    ['at 20:58', []], [`answer ${LAND}`, [`dial ${LAND} answer`]], ['noAnswer', []],
    ['wait 5', []], ['at 07:59', []], ['at 08:00', [`dial ${LAND} answer`]], ['answered', []],
    ['at 21:30', []], [`answer 05798887777`, []], ['wait 60', []], ['at 07:59', []], ['at 08:00', [`dial 05798887777 answer`]],
  ], rows: ['answer done 1', 'answer dialing 0'] },
  { label: 'restart with a request dialing → one attempt counted, requeued once after the back-off (no double call)', script: [
    [`answer ${LAND}`, [`dial ${LAND} answer`]], ['restart', []], ['restart', []], ['wait 5', [`dial ${LAND} answer`]], ['answered', []],
  ], rows: ['answer done 1'] },
  { label: 'a request left dialing by another instance (SQLite: every other is gone) → one attempt at the next sweep', script: [
    [`left ${LAND} gone/1/x`, []], ['sweep', []], ['wait 5', [`dial ${LAND} answer`]], ['answered', []],
  ], rows: ['answer done 1'] },
  { label: 'PostgreSQL: a live instance\'s dialing request is left alone; once its lease lapsed it is retried', live: ['peer/2/y'], script: [
    [`left ${LAND} peer/2/y`, []], ['sweep', []], ['wait 60', []], ['peer gone', []], ['sweep', []], ['wait 5', [`dial ${LAND} answer`]],
  ], rows: ['answer dialing 1'] },
  { label: 'notice to a landline: read only (noticeOnly), interim and closed', script: [
    [`notice ${LAND} interim`, [`dial ${LAND} notice 阶段性答复`]], ['answered', []],
    [`notice ${LAND} closed`, [`dial ${LAND} notice 办结通知`]], ['noAnswer', []], ['wait 5', [`dial ${LAND} notice 办结通知`]], ['answered', []],
  ], rows: ['notice done 0', 'notice done 1'], timeline: [
    '语音通知呼叫第1次 notice call attempt 1', '语音通知已接听 notice call answered', '语音通知呼叫第1次 notice call attempt 1', '语音通知呼叫第2次 notice call attempt 2', '语音通知已接听 notice call answered',
  ] },
  { label: 'a mobile number gets no call-back (answer nor notice)', script: [
    ['answer 13800138000', []], ['notice 13800138000 interim', []], ['wait 60', []],
  ], rows: [] },
];

describe('CallbackScheduler (persisted call-backs)', () => {
  let d: CallbackDriver | null = null;
  afterEach(() => { d?.close(); d = null; vi.useRealTimers(); });

  it.each(cases)('$label', async (c) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    d = new CallbackDriver();
    if (c.live) d.live = new Set(c.live);
    await d.start();
    for (const [step, want] of c.script) {
      if (step === 'peer gone') { d.live!.clear(); continue; }
      expect(await d.run(step), step).toEqual(want);
    }
    expect(await d.rows()).toEqual(c.rows);
    if (c.timeline) expect(await d.timeline()).toEqual(c.timeline);
  });

  it('a rolled-back answer stores no call-back', async () => {
    d = new CallbackDriver();
    await d.start();
    const f = await d.ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: LAND, text: null, recordingPath: null });
    await expect(d.ctx.store.transaction(async () => {
      await d!.ctx.feedback.answer(f.id, '答复', 'staff1');
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect(await d.rows()).toEqual([]);
  });
});
