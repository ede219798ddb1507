/** Event slicing (src/voice/ari/slicer.ts): bursts are handled in slices, never reordered. */
import { describe, expect, it } from 'vitest';
import { EventSlicer } from '../../../src/voice/ari/slicer.js';

interface Ev { ch: string; n: number }

/** A burst of events of several channels, interleaved as one WebSocket read would bring them. */
function burst(channels: number, perChannel: number): Ev[] {
  const out: Ev[] = [];
  for (let n = 0; n < perChannel; n++) for (let c = 0; c < channels; c++) out.push({ ch: `c${c}`, n });
  return out;
}

/** Runs a slicer with a manual scheduler: returns what was handled, and in how many turns. */
function run(events: Ev[][], maxPerSlice: number, opts: { reentrant?: boolean; throwOn?: number } = {}): { handled: Ev[]; turns: number; yields: number } {
  const later: Array<() => void> = [];
  const handled: Ev[] = [];
  const s = new EventSlicer<Ev>({
    maxPerSlice, budgetMs: Infinity, schedule: (fn) => later.push(fn),
    handle: (e) => {
      if (opts.throwOn === e.n) throw new Error('handler failed');
      handled.push(e);
      // a handler that causes another event (e.g. an emitted follow-up) queues it behind the rest
      if (opts.reentrant && e.n === 0 && e.ch === 'c0') s.push({ ch: 'c0', n: 0.5 });
    },
    onError: () => undefined,
  });
  let turns = 1;
  for (const chunk of events) for (const e of chunk) s.push(e);
  while (later.length) { turns++; later.shift()!(); }
  return { handled, turns, yields: s.yields };
}

const perChannelOrder = (handled: Ev[]) => {
  const by = new Map<string, number[]>();
  for (const e of handled) by.set(e.ch, [...(by.get(e.ch) ?? []), e.n]);
  return by;
};

const CASES: Array<{ label: string; chunks: Ev[][]; max: number; turns: number; reentrant?: boolean; throwOn?: number; count: number }> = [
  { label: 'a small read is handled at once (one turn)', chunks: [burst(3, 2)], max: 64, turns: 1, count: 6 },
  { label: 'a burst bigger than a slice takes several turns', chunks: [burst(40, 10)], max: 64, turns: 7, count: 400 },
  { label: 'one event per slice', chunks: [burst(2, 3)], max: 1, turns: 6, count: 6 },
  { label: 'a second read while the first waits joins behind it', chunks: [burst(10, 10), burst(10, 3).map((e) => ({ ...e, n: e.n + 10 }))], max: 16, turns: 9, count: 130 },
  { label: 'an event pushed by a handler runs after those queued before it', chunks: [burst(5, 4)], max: 8, turns: 3, reentrant: true, count: 21 },
  { label: 'a failing handler does not stop the rest', chunks: [burst(4, 3)], max: 5, turns: 3, throwOn: 1, count: 8 },
];

describe('EventSlicer', () => {
  for (const c of CASES) {
    it(c.label, () => {
      const r = run(c.chunks, c.max, { reentrant: c.reentrant, throwOn: c.throwOn });
      expect(r.handled).toHaveLength(c.count);
      expect(r.turns).toBe(c.turns);
      // arrival order overall (so every channel's order) is kept
      const expected = c.chunks.flat().filter((e) => e.n !== c.throwOn);
      // (the first event of an idle queue runs at once: its follow-up is queued before the next event arrives)
      if (c.reentrant) expected.splice(1, 0, { ch: 'c0', n: 0.5 });
      expect(r.handled).toEqual(expected);
      for (const ns of perChannelOrder(r.handled).values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    });
  }

  it('with the default scheduler, the events still all arrive in order', async () => {
    const got: number[] = [];
    const s = new EventSlicer<number>({ handle: (n) => got.push(n), maxPerSlice: 10 });
    for (let i = 0; i < 1000; i++) s.push(i);
    await new Promise<void>((r) => { const t = () => (s.pending ? setImmediate(t) : r()); t(); });
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(s.yields).toBeGreaterThan(0);
  });
});
