/**
 * The ACD reducer, table-driven: steps (see driver.ts) and the effects each must produce, exactly.
 * Config defaults unless the case says: ring 20 s, wrap-up 30 s, announce every 60 s, call-back
 * offer after 90 s, 3 call-back attempts with 300 s × 2^n back-off, quiet hours 21:00–08:00 Shanghai,
 * handling time 180 s before the first call.
 */
import { describe, expect, it } from 'vitest';
import { initialQueueState, step } from '../../../src/voice/queue/index.js';
import { QueueDriver, type QueueDriverOptions } from './driver.js';

type Script = [string, string[]][];
interface Case { label: string; opts?: QueueDriverOptions; script: Script; check?: (d: QueueDriver) => void }

const bridged = (key: string, op: string, ring: string): Script => [[`answer ${op}`, [`untimer ring ${ring}`, `bridge ${key} ${op}`]]];

const cases: Case[] = [
  // ── order and fairness ──
  { label: 'queue order: urgent flows first, then FIFO', script: [
    ['op a ready', []], ['call c0', ['ring a c0', 'timer ring r1 20s']], ...bridged('c0', 'a', 'r1'),
    ['call c1', ['announce c1 1 180s']], ['call c2', ['announce c2 2 360s']], ['call c3 urgent', ['announce c3 1 180s']],
    ['end c0', ['timer wrap a 30s']], ['wrapped a', ['ring a c3', 'timer ring r2 20s']], ...bridged('c3', 'a', 'r2'),
    ['end c3', ['timer wrap a 30s']], ['wrapped a', ['ring a c1', 'timer ring r3 20s']], ...bridged('c1', 'a', 'r3'),
    ['end c1', ['timer wrap a 30s']], ['wrapped a', ['ring a c2', 'timer ring r4 20s']],
  ] },
  { label: 'longest-idle: the operator ready the longest; a missed ring keeps the operator\'s place; timeout → the next operator', script: [
    ['op a ready', []], ['wait 10', []], ['op b ready', []], ['wait 10', []], ['op c ready', []],
    ['call c1', ['ring a c1', 'timer ring r1 20s']], ...bridged('c1', 'a', 'r1'),
    ['call c2', ['ring b c2', 'timer ring r2 20s']], ['timeout c2', ['cancel-ring b', 'ring c c2', 'timer ring r3 20s']],
    ['call c3', ['ring b c3', 'timer ring r4 20s']],
  ], check: (d) => expect(d.queue()).toEqual(['c1:bridged', 'c2:ringing', 'c3:ringing']) },
  { label: 'ring-all: every ready operator rings, the first to answer takes it; a timeout waits for the next round', opts: { strategy: 'ringAll' }, script: [
    ['op a ready', []], ['op b ready', []], ['op c ready', []],
    ['call c1', ['ring a c1', 'ring b c1', 'ring c c1', 'timer ring r1 20s']],
    ['answer b', ['cancel-ring a', 'cancel-ring c', 'untimer ring r1', 'bridge c1 b']],
    ['call c2', ['ring a c2', 'ring c c2', 'timer ring r2 20s']],
    ['timeout c2', ['cancel-ring a', 'cancel-ring c']],
    ['tick', ['ring a c2', 'ring c c2', 'timer ring r3 20s']],
  ] },
  { label: 'round-robin: the next operator after the one rung last', opts: { strategy: 'roundRobin', wrapUpSec: 0 }, script: [
    ['op a ready', []], ['op b ready', []], ['op c ready', []],
    ['call c1', ['ring a c1', 'timer ring r1 20s']], ...bridged('c1', 'a', 'r1'), ['end c1', []],
    ['call c2', ['ring b c2', 'timer ring r2 20s']], ...bridged('c2', 'b', 'r2'), ['end c2', []],
    ['call c3', ['ring c c3', 'timer ring r3 20s']], ...bridged('c3', 'c', 'r3'), ['end c3', []],
    ['call c4', ['ring a c4', 'timer ring r4 20s']], ['timeout c4', ['cancel-ring a', 'ring b c4', 'timer ring r5 20s']],
  ] },
  { label: 'declined and unregistered → the next operator; the unregistered seat goes on break; all tried → the next tick rings again', opts: { seats: true }, script: [
    ['op a ready', ['seat a ready']], ['op b ready', ['seat b ready']],
    ['call c1', ['seat a ringing', 'ring a c1', 'timer ring r1 20s']],
    ['decline a', ['seat a ready', 'untimer ring r1', 'seat b ringing', 'ring b c1', 'timer ring r2 20s']],
    ['unreg b', ['seat b break', 'untimer ring r2']],
    ['tick', ['seat a ringing', 'ring a c1', 'timer ring r3 20s']],
  ] },
  { label: 'a missed ring can put the operator on break (noAnswerToBreak)', opts: { noAnswerToBreak: true, seats: true }, script: [
    ['op a ready', ['seat a ready']], ['call c1', ['seat a ringing', 'ring a c1', 'timer ring r1 20s']],
    ['timeout c1', ['cancel-ring a', 'seat a break']], ['wait 60', ['announce c1 1 ?', 'offer c1']],
  ] },
  { label: 'two callers, one operator: the second waits, then gets the operator after wrap-up', script: [
    ['op a ready', []], ['call c1', ['ring a c1', 'timer ring r1 20s']], ['call c2', ['announce c2 2 360s']],
    ...bridged('c1', 'a', 'r1'), ['wait 60', ['announce c2 1 180s']], ['end c1', ['timer wrap a 30s']],
    ['wrapped a', ['ring a c2', 'timer ring r2 20s']], ...bridged('c2', 'a', 'r2'),
  ] },

  // ── hang-ups at every step ──
  { label: 'the caller hangs up while waiting: abandoned', opts: { metrics: true }, script: [
    ['call c1', ['announce c1 1 ?', 'offer c1']], ['wait 20', []], ['hangup c1', ['abandoned c1 20s']],
  ], check: (d) => expect(d.queue()).toEqual([]) },
  { label: 'the caller hangs up while the operator rings: the ring is cancelled, the operator is ready for the next', opts: { metrics: true }, script: [
    ['op a ready', []], ['call c1', ['ring a c1', 'timer ring r1 20s']], ['wait 5', []],
    ['hangup c1', ['cancel-ring a', 'untimer ring r1', 'abandoned c1 5s']],
    ['call c2', ['ring a c2', 'timer ring r2 20s']], ['answer a', ['untimer ring r2', 'bridge c2 a', 'answered c2 0s']],
  ] },
  { label: 'the caller hangs up while bridged: the operator leg is released, wrap-up', script: [
    ['op a ready', []], ['call c1', ['ring a c1', 'timer ring r1 20s']], ...bridged('c1', 'a', 'r1'),
    ['hangup c1', ['release a callerHangup', 'timer wrap a 30s']], ['wrapped a', []],
  ], check: (d) => expect(d.seat('a')).toBe('ready') },
  { label: 'the operator hangs up while bridged: the caller is hung up, wrap-up', script: [
    ['op a ready', []], ['call c1', ['ring a c1', 'timer ring r1 20s']], ...bridged('c1', 'a', 'r1'),
    ['ophangup a', ['hangup-caller c1', 'timer wrap a 30s']],
  ], check: (d) => { expect(d.seat('a')).toBe('wrapUp'); expect(d.queue()).toEqual([]); } },
  { label: 'the operator hangs up while ringing = declined', script: [
    ['op a ready', []], ['op b ready', []], ['call c1', ['ring a c1', 'timer ring r1 20s']],
    ['ophangup a', ['untimer ring r1', 'ring b c1', 'timer ring r2 20s']],
  ] },
  { label: 'stale events are ignored (answer after the caller left, a second end, an old wrap-up timer)', script: [
    ['op a ready', []], ['call c1', ['ring a c1', 'timer ring r1 20s']], ['hangup c1', ['cancel-ring a', 'untimer ring r1']],
    ['answer a', []], ['end c1', []], ['hangup c1', []],
  ] },

  // ── wrap-up and the panel ──
  { label: 'wrap-up then ready; a break asked for during a call applies after wrap-up; ready during wrap-up ends it', opts: { seats: true }, script: [
    ['op a ready', ['seat a ready']], ['call c1', ['seat a ringing', 'ring a c1', 'timer ring r1 20s']],
    ['answer a', ['untimer ring r1', 'seat a busy', 'bridge c1 a']], ['op a break', []],
    ['end c1', ['seat a wrapUp', 'timer wrap a 30s']], ['wrapped a', ['seat a break']],
    ['call c2', ['announce c2 1 ?', 'offer c2']], ['op a ready', ['seat a ready', 'seat a ringing', 'ring a c2', 'timer ring r2 20s']],
    ['answer a', ['untimer ring r2', 'seat a busy', 'bridge c2 a']], ['end c2', ['seat a wrapUp', 'timer wrap a 30s']],
    ['op a ready', ['untimer wrap a', 'seat a ready']],
  ] },
  { label: 'break while ringing: the ring is cancelled, the next operator is tried', opts: { seats: true }, script: [
    ['op a ready', ['seat a ready']], ['op b ready', ['seat b ready']], ['call c1', ['seat a ringing', 'ring a c1', 'timer ring r1 20s']],
    ['op a break', ['cancel-ring a', 'seat a break', 'untimer ring r1', 'seat b ringing', 'ring b c1', 'timer ring r2 20s']],
  ] },

  // ── call-back ──
  { label: 'all operators on break → the call-back offer at once; the request rings the operator first, then dials the citizen', script: [
    ['op a ready', []], ['op a break', []], ['call c1', ['announce c1 1 ?', 'offer c1']],
    ['cb c1 R1', ['queued R1 1']], ['op a ready', ['ring a cb:R1', 'timer ring r1 20s']],
    ['answer a', ['untimer ring r1', 'originate R1 a 1']], ['cbanswer R1', ['bridge cb:R1 a', 'done R1']],
    ['end cb:R1', ['timer wrap a 30s']],
  ], check: (d) => expect(d.queue()).toEqual([]) },
  // (the estimate: position × average handling time ÷ operators signed in; c0 took 90 s + 30 s wrap-up → 120 s)
  { label: 'announcements at intervals, the offer after 90 s; a call-back keeps the caller\'s place', script: [
    ['op a ready', []], ['call c0', ['ring a c0', 'timer ring r1 20s']], ...bridged('c0', 'a', 'r1'),
    ['call c1', ['announce c1 1 180s']], ['call c2', ['announce c2 2 360s']],
    ['wait 60', ['announce c1 1 180s', 'announce c2 2 360s']], ['wait 30', ['offer c1', 'offer c2']],
    ['cb c1 R1', ['queued R1 1']], ['call c3', ['announce c3 3 540s']],
    ['end c0', ['timer wrap a 30s']], ['wrapped a', ['ring a cb:R1', 'timer ring r2 20s']],
    ['wait 10', []], ['wait 50', ['announce c2 2 240s', 'announce c3 3 360s']],
  ], check: (d) => expect(d.queue()).toEqual(['cb:R1:ringing', 'c2:waiting', 'c3:waiting']) },
  { label: 'the caller hangs up after choosing the call-back: the request stays; 按1 while an operator rings cancels that ring', script: [
    ['call c1', ['announce c1 1 ?', 'offer c1']], ['cb c1 R1', ['queued R1 1']], ['hangup c1', []],
    ['op a ready', ['ring a cb:R1', 'timer ring r1 20s']], ['call c2', ['announce c2 2 360s']],
    ['cb c2 R2', ['queued R2 2']],
  ], check: (d) => expect(d.queue()).toEqual(['cb:R1:ringing', 'cb:R2:waiting']) },
  { label: '按1 while its own ring is live: the ring is cancelled, the request keeps the place and rings the operator at once', opts: { ringTimeoutSec: 10 }, script: [
    ['op a ready', []], ['call c1', ['ring a c1', 'timer ring r1 10s']],
    ['cb c1 R1', ['cancel-ring a', 'untimer ring r1', 'queued R1 1', 'ring a cb:R1', 'timer ring r2 10s']],
  ] },
  { label: 'call-back retries: back-off 300 s, 600 s, then the final failure after 3 attempts', script: [
    ['op a ready', []], ['cb - R1', ['queued R1 1', 'ring a cb:R1', 'timer ring r1 20s']],
    ['answer a', ['untimer ring r1', 'originate R1 a 1']], ['cbnoanswer R1', ['release a callbackNoAnswer', 'retry R1 2 +300s noAnswer']],
    ['wait 299', []], ['wait 1', ['ring a cb:R1', 'timer ring r2 20s']],
    ['answer a', ['untimer ring r2', 'originate R1 a 2']], ['cbbusy R1', ['release a callbackBusy', 'retry R1 3 +600s busy']],
    ['wait 600', ['ring a cb:R1', 'timer ring r3 20s']],
    ['answer a', ['untimer ring r3', 'originate R1 a 3']], ['cbnoanswer R1', ['release a callbackNoAnswer', 'failed R1 3 noAnswer']],
  ], check: (d) => { expect(d.queue()).toEqual([]); expect(d.seat('a')).toBe('ready'); } },
  { label: 'a call-back in back-off lets the callers behind it go first, keeping its place', opts: { wrapUpSec: 0 }, script: [
    ['op a ready', []], ['cb - R1', ['queued R1 1', 'ring a cb:R1', 'timer ring r1 20s']],
    ['answer a', ['untimer ring r1', 'originate R1 a 1']], ['call c1', ['announce c1 1 180s']],
    ['cbnoanswer R1', ['release a callbackNoAnswer', 'retry R1 2 +300s noAnswer', 'ring a c1', 'timer ring r2 20s']],
  ], check: (d) => expect(d.queue()).toEqual(['cb:R1:waiting', 'c1:ringing']) },
  { label: 'the operator hangs up while the citizen is dialed: the attempt does not count, the request keeps its place', script: [
    ['op a ready', []], ['cb - R1', ['queued R1 1', 'ring a cb:R1', 'timer ring r1 20s']],
    ['answer a', ['untimer ring r1', 'originate R1 a 1']], ['ophangup a', ['cancel-cb R1']],
    ['tick', ['ring a cb:R1', 'timer ring r2 20s']], ['answer a', ['untimer ring r2', 'originate R1 a 1']],
  ] },
  { label: 'a cancelled call-back while dialing: the dialing stops, the operator is released', script: [
    ['op a ready', []], ['cb - R1', ['queued R1 1', 'ring a cb:R1', 'timer ring r1 20s']],
    ['answer a', ['untimer ring r1', 'originate R1 a 1']], ['cbcancel R1', ['cancel-cb R1', 'release a cancelled']],
  ], check: (d) => expect(d.queue()).toEqual([]) },
  { label: 'quiet hours: no call-back is originated at night; callers still go; at 08:00 the call-back rings',
    opts: { now: Date.parse('2026-11-26T21:30:00+08:00') }, script: [
      ['op a ready', []], ['cb - R1', ['queued R1 1']], ['call c1', ['ring a c1', 'timer ring r1 20s']], ...bridged('c1', 'a', 'r1'),
      ['end c1', ['timer wrap a 30s']], ['wrapped a', []],
      ['at 2026-11-27T07:59:00+08:00', []], ['at 2026-11-27T08:00:00+08:00', ['ring a cb:R1', 'timer ring r2 20s']],
    ] },
  { label: 'restore: persisted call-backs in their order, seats that were on calls come back ready', opts: { seats: true }, script: [
    ['restore ' + JSON.stringify({
      operators: [{ id: 'a', endpoint: 'PJSIP/a', state: 'busy', readySince: null }, { id: 'b', endpoint: 'PJSIP/b', state: 'break', readySince: null }],
      callbacks: [
        { requestId: 'R2', phone: '13900139000', callId: null, priority: 'normal', seq: 7, enqueuedAt: 0, attempts: 1, notBefore: 0 },
        { requestId: 'R1', phone: '13800138000', callId: 'old', priority: 'normal', seq: 3, enqueuedAt: 0, attempts: 0, notBefore: 0 },
      ],
    }), ['seat a ready', 'seat a ringing', 'ring a cb:R1', 'timer ring r1 20s']],
    ['call c9', ['announce c9 3 540s']],
  ], check: (d) => { expect(d.queue()).toEqual(['cb:R1:ringing', 'cb:R2:waiting', 'c9:waiting']); expect(d.state.nextSeq).toBe(9); } },
];

describe('ACD reducer', () => {
  for (const c of cases) {
    it(c.label, () => {
      const d = new QueueDriver(c.opts);
      const got = c.script.map(([s]) => [s, d.run(s)]);
      expect(got).toEqual(c.script);
      c.check?.(d);
    });
  }

  it('is pure: the input state is not changed', () => {
    const s0 = step(initialQueueState(0), { type: 'operatorState', operatorId: 'a', endpoint: 'PJSIP/a', state: 'ready', now: 1 }).state;
    const frozen = structuredClone(s0);
    step(s0, { type: 'enqueue', callId: 'c1', now: 2 });
    expect(s0).toEqual(frozen);
  });
});
