/**
 * The dispatcher's decisions (pure, src/sms/outbox/outcome.ts), table-driven.
 *
 * Outcomes: `ok id=<id>` | `error 0x<status> <name> [permanent]` | `local error <text>` (the submit threw) |
 *           `unknown <link-lost|timeout> [written]`.
 * Decisions: `answered <id>` | `failed '<message error>' (segment <status>)` | `retry <lo>–<hi> ms '<reason>'[ throttled]` |
 *            `requeue 500 ms '<reason>'[ counted][ then failed '<error>']` — delays as the range over the jitter (rand 0 … 1).
 */
import { describe, expect, it } from 'vitest';
import type { SubmitOutcome } from '../../../src/sms/link/index.js';
import { decideOutcome, receiptLookup, receiptResult, type Decision } from '../../../src/sms/outbox/outcome.js';
import { parseReceipt } from '../../../src/sms/codec/index.js';

const SETTINGS = { maxAttempts: 8 };

function outcome(s: string): SubmitOutcome {
  let m = /^ok id=(\S+)$/.exec(s);
  if (m) return { kind: 'ok', messageId: m[1] };
  m = /^error 0x([0-9a-f]+) (\S+)( permanent)?$/.exec(s);
  if (m) return { kind: 'error', status: parseInt(m[1], 16), statusName: m[2], permanent: !!m[3] };
  m = /^local error (.+)$/.exec(s);
  if (m) return { kind: 'error', status: -1, statusName: m[1], permanent: true, local: true };
  m = /^unknown (link-lost|timeout)( written)?$/.exec(s);
  if (m) return { kind: 'unknown', reason: m[1] as 'link-lost' | 'timeout', written: !!m[2] };
  throw new Error(`bad outcome ${s}`);
}

function describeDecision(lo: Decision, hi: Decision): string {
  switch (lo.kind) {
    case 'answered': return `answered ${lo.messageId}`;
    case 'failed': return `failed '${lo.error}' (segment ${lo.status})${lo.throttled ? ' throttled' : ''}`;
    case 'retry': return `retry ${Math.round(lo.delayMs)}–${Math.round((hi as typeof lo).delayMs)} ms '${lo.reason}'${lo.throttled ? ' throttled' : ''}`;
    case 'unknown': return `requeue ${lo.delayMs} ms '${lo.reason}'${lo.counted ? ' counted' : ''}${lo.giveUp ? ` then failed '${lo.giveUp}'` : ''}`;
  }
}

// [outcome, attempts (this one included), segment, decision]
const ROWS: Array<[string, number, number, string]> = [
  ['ok id=abc', 1, 1, 'answered abc'],
  ['ok id=abc', 9, 2, 'answered abc'],
  ['error 0x58 ESME_RTHROTTLED', 1, 1, "retry 200–500 ms 'ESME_RTHROTTLED (0x58) on segment 1' throttled"],
  ['error 0x58 ESME_RTHROTTLED', 7, 3, "retry 200–500 ms 'ESME_RTHROTTLED (0x58) on segment 3' throttled"],
  ['error 0x58 ESME_RTHROTTLED', 8, 1, "failed 'ESME_RTHROTTLED (0x58) on segment 1; gave up after 8 attempts' (segment 88) throttled"],
  ['error 0x14 ESME_RMSGQFUL', 1, 1, "retry 1600–2400 ms 'ESME_RMSGQFUL (0x14) on segment 1'"],
  ['error 0x14 ESME_RMSGQFUL', 3, 2, "retry 6400–9600 ms 'ESME_RMSGQFUL (0x14) on segment 2'"],
  ['error 0x14 ESME_RMSGQFUL', 20, 1, "failed 'ESME_RMSGQFUL (0x14) on segment 1; gave up after 20 attempts' (segment 20)"],
  ['error 0x14 ESME_RMSGQFUL', 8, 1, "failed 'ESME_RMSGQFUL (0x14) on segment 1; gave up after 8 attempts' (segment 20)"],
  ['error 0x45 ESME_RSUBMITFAIL permanent', 1, 1, "failed 'ESME_RSUBMITFAIL (0x45) on segment 1' (segment 69)"],
  ['error 0xb ESME_RINVDSTADR permanent', 8, 2, "failed 'ESME_RINVDSTADR (0xb) on segment 2' (segment 11)"],
  ['local error payload too long', 1, 1, "failed 'payload too long (0x-1) on segment 1' (segment -1)"],
  ['unknown link-lost', 1, 1, "requeue 500 ms 'no response (link-lost)'"],
  ['unknown link-lost written', 1, 2, "requeue 500 ms 'no response (link-lost)' counted"],
  ['unknown timeout written', 9, 1, "requeue 500 ms 'no response (timeout)' counted"],
  ['unknown link-lost written', 10, 1, "requeue 500 ms 'no response (link-lost)' counted then failed 'no response after 10 attempts'"],
  ['unknown link-lost', 12, 1, "requeue 500 ms 'no response (link-lost)' then failed 'no response after 12 attempts'"],
];

describe('submit outcome → decision (maxAttempts 8)', () => {
  for (const [o, attempts, seq, expected] of ROWS) {
    it(`${o}, attempt ${attempts}, segment ${seq} → ${expected}`, () => {
      const lo = decideOutcome(outcome(o), { attempts, seq }, SETTINGS, () => 0);
      const hi = decideOutcome(outcome(o), { attempts, seq }, SETTINGS, () => 1);
      expect(describeDecision(lo, hi)).toBe(expected);
    });
  }
  it('the retry back-off doubles up to 5 minutes', () => {
    const mid = (a: number) => (decideOutcome(outcome('error 0x14 ESME_RMSGQFUL'), { attempts: a, seq: 1 }, { maxAttempts: 99 }, () => 0.5) as { delayMs: number }).delayMs;
    expect([1, 2, 3, 4, 8, 9, 20].map(mid)).toEqual([2000, 4000, 8000, 16_000, 256_000, 300_000, 300_000]);
  });
});

describe('delivery receipt → lookup and result', () => {
  const receipt = (text: string) => parseReceipt({ shortMessage: text })!;
  // [receipt text, lookup keys / status / err / kept as, result when found, result when not found]
  const RECEIPTS: Array<[string, string, string, string]> = [
    ['id:0012ab sub:001 dlvrd:001 submit date:2611261000 done date:2611261001 stat:DELIVRD err:000 text:x', 'keys 12ab,4779 delivered err 0 as 12ab', 'matched', 'kept'],
    ['id:1234 sub:001 dlvrd:000 submit date:2611261000 done date:2611261001 stat:UNDELIV err:0x1f text:x', 'keys 1234,4d2,4660 undeliverable err - as 1234', 'matched', 'kept'],
    ['id:77 sub:001 dlvrd:000 submit date:2611261000 done date:2611261001 stat:ENROUTE err:000 text:x', 'keys 77,4d,119 - err 0 as 77', 'matched', 'ignored'],
    ['stat:DELIVRD err:000', 'no id', 'ignored', 'ignored'],
  ];
  for (const [text, lookup, found, notFound] of RECEIPTS) {
    it(`${text.slice(0, 40)}… → ${lookup}; ${found} / ${notFound}`, () => {
      const l = receiptLookup(receipt(text));
      expect(l ? `keys ${l.keys.join(',')} ${l.status ?? '-'} err ${l.errCode ?? '-'} as ${l.keepAs}` : 'no id').toBe(lookup);
      expect([receiptResult(l, true), receiptResult(l, false)]).toEqual([found, notFound]);
    });
  }
});
