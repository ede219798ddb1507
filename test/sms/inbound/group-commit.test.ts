import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/sms/inbound/group-commit.js';

/** Calls in one turn share a batch; calls made while a batch is written make the next; failures. */
describe('GroupCommit', () => {
  const rows = [
    { name: 'calls of one turn are one batch, in order', turns: [['a', 'b', 'c']], failing: [] as string[], batches: [['a', 'b', 'c']], results: ['A', 'B', 'C'] },
    { name: 'a call while a batch is written waits for the next', turns: [['a'], ['b', 'c']], failing: [], batches: [['a'], ['b', 'c']], results: ['A', 'B', 'C'] },
    { name: 'a failed batch of several: each alone, only the bad one fails', turns: [['a', 'x', 'c']], failing: ['x'], batches: [['a', 'x', 'c'], ['a'], ['x'], ['c']], results: ['A', 'error x', 'C'] },
    { name: 'a failed batch of one fails its caller', turns: [['x']], failing: ['x'], batches: [['x']], results: ['error x'] },
  ];
  it.each(rows)('$name', async ({ turns, failing, batches, results }) => {
    const seen: string[][] = [];
    let release: (() => void) | null = null;
    const g = new GroupCommit<string, string>(async (args) => {
      seen.push(args);
      if (seen.length === 1 && turns.length > 1) await new Promise<void>((r) => { release = r; });
      if (args.some((a) => failing.includes(a))) throw new Error(args.join());
      return args.map((a) => a.toUpperCase());
    }, async (a) => { seen.push([a]); if (failing.includes(a)) throw new Error(`error ${a}`); return a.toUpperCase(); });
    const out: Array<Promise<string>> = [];
    for (const [i, turn] of turns.entries()) {
      for (const a of turn) out.push(g.submit(a).catch((e: Error) => (e.message.startsWith('error') ? e.message : `error ${a}`)));
      if (i < turns.length - 1) { await new Promise((r) => setTimeout(r, 0)); }
    }
    await new Promise((r) => setTimeout(r, 0));
    (release as (() => void) | null)?.();
    expect(await Promise.all(out)).toEqual(results);
    await g.idle();
    expect(seen).toEqual(batches);
  });

  it('caps a batch', async () => {
    const sizes: number[] = [];
    const g = new GroupCommit<number, number>(async (a) => { sizes.push(a.length); return a; }, async (a) => a, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => g.submit(n)));
    expect(sizes).toEqual([3, 3, 1]);
  });
});
