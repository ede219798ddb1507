import { describe, expect, it } from 'vitest';
import { KeyedChain } from '../../../src/sms/inbound/keyed-chain.js';

/**
 * Step table: tasks are added (`add a1` = task a1 of key a), and `done a1` lets a running task finish;
 * after each step the running set is compared.
 */
type Row = { name: string; limit: number; steps: Array<[string, string[]]> };

const rows: Row[] = [
  { name: 'limit 1 is one chain in arrival order, keys or not', limit: 1, steps: [
    ['add a1', ['a1']], ['add a2', ['a1']], ['add b1', ['a1']], ['done a1', ['a2']], ['done a2', ['b1']], ['done b1', []],
  ] },
  { name: 'different keys run side by side', limit: 3, steps: [
    ['add a1', ['a1']], ['add b1', ['a1', 'b1']], ['add c1', ['a1', 'b1', 'c1']], ['done b1', ['a1', 'c1']],
  ] },
  { name: 'one key stays in order', limit: 4, steps: [
    ['add a1', ['a1']], ['add a2', ['a1']], ['add a3', ['a1']], ['done a1', ['a2']], ['done a2', ['a3']],
  ] },
  { name: 'the limit holds; the first waiting starts first', limit: 2, steps: [
    ['add a1', ['a1']], ['add b1', ['a1', 'b1']], ['add c1', ['a1', 'b1']], ['add d1', ['a1', 'b1']], ['done b1', ['a1', 'c1']], ['done a1', ['c1', 'd1']],
  ] },
  { name: 'a busy key does not hold up later keys', limit: 2, steps: [
    ['add a1', ['a1']], ['add a2', ['a1']], ['add b1', ['a1', 'b1']], ['done b1', ['a1']], ['add c1', ['a1', 'c1']], ['done a1', ['c1', 'a2']],
  ] },
  { name: 'a failed task frees its key', limit: 2, steps: [
    ['add a1', ['a1']], ['add a2', ['a1']], ['fail a1', ['a2']],
  ] },
];

describe('KeyedChain', () => {
  it.each(rows)('$name', async ({ limit, steps }) => {
    const chain = new KeyedChain(limit);
    const running = new Set<string>();
    const finish = new Map<string, (ok: boolean) => void>();
    const settled: Array<Promise<unknown>> = [];
    const flush = () => new Promise((r) => setTimeout(r, 0));
    for (const [step, expected] of steps) {
      const [verb, id] = step.split(' ');
      if (verb === 'add') {
        settled.push(chain.run(id[0], () => new Promise<void>((res, rej) => {
          running.add(id);
          finish.set(id, (ok) => { running.delete(id); if (ok) res(); else rej(new Error(id)); });
        })).catch(() => undefined));
      } else finish.get(id)!(verb === 'done');
      await flush();
      expect([...running].sort(), step).toEqual([...expected].sort());
    }
    for (const f of [...finish.values()]) f(true);
    await flush();
  });

  it('idle waits for every key, and is at once when nothing runs', async () => {
    const chain = new KeyedChain(3);
    await chain.idle();
    const done: string[] = [];
    for (const k of ['a', 'b', 'a']) void chain.run(k, async () => { await new Promise((r) => setTimeout(r, 5)); done.push(k); });
    await chain.idle();
    expect(done.sort()).toEqual(['a', 'a', 'b']);
    expect(chain.size).toBe(0);
  });
});
