/**
 * The lock-out's check-and-count on a store whose calls really are asynchronous (as on PostgreSQL:
 * every call takes a turn, and the transaction does not serialise two attempts): parallel guesses of one
 * (user, address) pair still cannot pass the check together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StaffAuth } from '../../src/admin/auth.js';
import { KeyedSerializer } from '../../src/admin/login-guard.js';
import type { StaffStore } from '../../src/store/ports.js';
import { testContext } from '../helpers/context.js';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });

/** Every method answers a few turns later (a network round trip). */
function slow<T extends object>(repo: T): T {
  return new Proxy(repo, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        await new Promise((r) => setImmediate(r));
        const out = await (v as (...a: unknown[]) => unknown).apply(target, args);
        await new Promise((r) => setImmediate(r));
        return out;
      };
    },
  });
}

describe('login lock-out with async store calls', () => {
  it('50 parallel wrong guesses + the right one at one address: at most lockout_attempts are checked, none logs in', async () => {
    const ctx = testContext();
    cleanup = ctx.cleanup;
    const staff = slow(ctx.store.staff) as StaffStore;
    // A transaction that does not serialise anything (read committed, another connection each time).
    const store = { departments: ctx.store.departments, transaction: <T>(fn: () => Promise<T>) => fn() };
    const auth = new StaffAuth(staff, store, { now: () => new Date(), sessionHours: 8, lockoutAttempts: 5, addressAttempts: 1000, hashConcurrency: 64 });
    await auth.createUser({ username: 'victim', role: 'operator', password: 'victim-pass-1' });
    const guesses = Array.from({ length: 50 }, (_, i) => `wrong-${i}-xxxx`);
    guesses.splice(30, 0, 'victim-pass-1');
    const results = await Promise.all(guesses.map((p) => auth.login('victim', p, { ip: '10.0.0.1' })));
    expect(results.filter((r) => r.ok)).toHaveLength(0);
    expect(results.filter((r) => !r.ok && r.reason === 'invalid').length).toBeLessThanOrEqual(5);
    expect((await staff.failures('victim', '10.0.0.1'))?.failures).toBe(5);
    // Another address is not locked.
    expect((await auth.login('victim', 'victim-pass-1', { ip: '10.0.0.2' })).ok).toBe(true);
  });

  it('KeyedSerializer: one key runs in order, one at a time; other keys do not wait; the map empties', async () => {
    const ks = new KeyedSerializer();
    const log: string[] = [];
    let inA = 0;
    const step = (key: string, n: number, fail = false) => ks.run(key, async () => {
      if (key === 'a') { inA++; expect(inA).toBe(1); }
      log.push(`${key}${n}+`);
      await new Promise((r) => setImmediate(r));
      log.push(`${key}${n}-`);
      if (key === 'a') inA--;
      if (fail) throw new Error('boom');
      return n;
    });
    const r = await Promise.allSettled([step('a', 1), step('a', 2, true), step('b', 1), step('a', 3)]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(log.filter((x) => x.startsWith('a'))).toEqual(['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-')); // b did not wait for a
    await new Promise((r) => setImmediate(r));
    expect(ks.size).toBe(0);
  });
});
