/**
 * Store contract, transactions: `store.transaction(fn)` on both engines — repository calls awaited in
 * fn join it wherever they are made (no repositories bound to a client), a throw rolls all of it back,
 * a nested failure only its savepoint, afterCommit hooks run after COMMIT and never after a rollback,
 * and a call from outside made while a transaction is open is not swallowed by its rollback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-01-05T01:00:00.000Z';

describe.each(ENGINES)('store contract on $name: transactions', ({ open, skip }) => {
  describe.skipIf(skip)('transaction()', () => {
    let e: Engine;
    beforeAll(async () => { e = await open(); });
    afterAll(async () => { await e?.close(); });
    const opted = async (p: string) => e.subscriptions.isOptedOut(p);

    it('a throw rolls back every call made in fn; hooks run only after a commit', async () => {
      const hooks: string[] = [];
      await expect(e.transaction(async () => {
        await e.subscriptions.setOptOut('8613100000001', T0);
        e.afterCommit(() => hooks.push('rolled-back'));
        expect(await opted('8613100000001')).toBe(true); // visible inside
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await opted('8613100000001')).toBe(false);
      await e.transaction(async () => {
        await e.subscriptions.setOptOut('8613100000002', T0);
        e.afterCommit(() => hooks.push('committed'));
        expect(hooks).toEqual([]);
      });
      expect(hooks).toEqual(['committed']);
      expect(await opted('8613100000002')).toBe(true);
    });

    it('nested: an inner failure undoes only the inner part', async () => {
      await e.transaction(async () => {
        await e.subscriptions.setOptOut('8613100000003', T0);
        await e.transaction(async () => { await e.subscriptions.setOptOut('8613100000004', T0); throw new Error('inner'); }).catch(() => undefined);
      });
      expect([await opted('8613100000003'), await opted('8613100000004')]).toEqual([true, false]);
    });

    it('a call from outside while a transaction is open is kept when that transaction rolls back', async () => {
      let release!: () => void;
      const hold = new Promise<void>((r) => { release = r; });
      const tx = e.transaction(async () => { await e.subscriptions.setOptOut('8613100000005', T0); await hold; throw new Error('late'); });
      await new Promise((r) => setTimeout(r, 20));
      const outside = e.subscriptions.setOptOut('8613100000006', T0);
      await new Promise((r) => setTimeout(r, 20));
      release();
      await expect(tx).rejects.toThrow('late');
      await outside;
      expect([await opted('8613100000005'), await opted('8613100000006')]).toEqual([false, true]);
    });
  });
});
