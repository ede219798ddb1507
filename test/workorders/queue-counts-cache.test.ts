import { describe, expect, it } from 'vitest';
import { QueueCountsCache } from '../../src/workorders/queue-counts-cache.js';

function setup(ttl = 1000) {
  let t = 0, calls = 0, value = 1;
  const cache = new QueueCountsCache<number>(ttl, () => t);
  const compute = async () => { calls++; return value; };
  return { cache, compute, tick: (ms: number) => { t += ms; }, set: (v: number) => { value = v; }, calls: () => calls };
}

describe('queue counts cache', () => {
  it('serves kept counts within the ttl, computes again after it', async () => {
    const s = setup();
    expect(await s.cache.get('a', s.compute)).toBe(1);
    s.set(2); s.tick(999);
    expect(await s.cache.get('a', s.compute)).toBe(1);
    s.tick(1);
    expect(await s.cache.get('a', s.compute)).toBe(2);
    expect(s.calls()).toBe(2);
  });
  it('keeps scopes apart', async () => {
    const s = setup();
    await s.cache.get('dept:1', s.compute); s.set(5);
    expect(await s.cache.get('dept:2', s.compute)).toBe(5);
    expect(await s.cache.get('dept:1', s.compute)).toBe(1);
  });
  it('a committed change is counted at once', async () => {
    const s = setup();
    await s.cache.get('a', s.compute); s.set(7); s.cache.invalidate();
    expect(await s.cache.get('a', s.compute)).toBe(7);
  });
  it('requests arriving during one computation share it', async () => {
    const s = setup();
    const [x, y, z] = await Promise.all([s.cache.get('a', s.compute), s.cache.get('a', s.compute), s.cache.get('a', s.compute)]);
    expect([x, y, z]).toEqual([1, 1, 1]);
    expect(s.calls()).toBe(1);
  });
  it('a computation that a change overtook is not kept, nor shared with later requests', async () => {
    let release!: (v: number) => void;
    let calls = 0;
    const cache = new QueueCountsCache<number>(1000, () => 0);
    const slow = () => { calls++; return new Promise<number>((r) => { release = r; }); };
    const first = cache.get('a', slow);
    cache.invalidate();
    const second = cache.get('a', async () => { calls++; return 9; });
    release(1);
    expect(await first).toBe(1);
    expect(await second).toBe(9);
    expect(await cache.get('a', async () => { calls++; return 10; })).toBe(9);
    expect(calls).toBe(2);
  });
  it('a failed computation is not kept', async () => {
    const cache = new QueueCountsCache<number>(1000, () => 0);
    await expect(cache.get('a', async () => { throw new Error('disk'); })).rejects.toThrow('disk');
    expect(await cache.get('a', async () => 3)).toBe(3);
  });
  it('ttl 0 turns it off', async () => {
    const s = setup(0);
    await s.cache.get('a', s.compute); await s.cache.get('a', s.compute);
    expect(s.calls()).toBe(2);
  });
});
