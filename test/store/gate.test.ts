/**
 * The SQLite gate (src/store/sqlite/gate.ts): async transactions on one synchronous connection.
 * Behaviour table: who may use the connection while an async transaction is open, what a rollback
 * undoes, when afterCommit hooks run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';

let store: Store;
afterEach(() => store?.closeSync());

function open(): Store {
  store = Store.open(':memory:');
  store.db.exec('CREATE TABLE t (v TEXT)');
  return store;
}
const values = () => (store.db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all() as string[]);
const insert = (v: string) => store.gate.run(() => store.db.prepare('INSERT INTO t (v) VALUES (?)').run(v));

describe('SQLite gate', () => {
  it('a call outside any transaction runs at once, synchronously, and returns a settled promise', async () => {
    open();
    const p = insert('a');
    expect(values()).toEqual(['a']); // before the promise was awaited
    await p;
  });

  it('a transaction that awaits only store calls commits within the same event-loop turn', async () => {
    open();
    let macrotask = false;
    setImmediate(() => { macrotask = true; });
    await store.transaction(async () => { await insert('a'); await insert('b'); });
    expect(macrotask).toBe(false);
    expect(values()).toEqual(['a', 'b']);
  });

  it('a rollback undoes the transaction only: a call from outside made meanwhile waits and is kept', async () => {
    open();
    let release!: () => void;
    const hold = new Promise<void>((r) => { release = r; });
    const tx = store.transaction(async () => { await insert('in-tx'); await hold; throw new Error('boom'); });
    const outside = insert('outside'); // another caller while the transaction is open: it waits
    await Promise.resolve();
    expect(values()).toEqual(['in-tx']);
    release();
    await expect(tx).rejects.toThrow('boom');
    await outside;
    expect(values()).toEqual(['outside']);
    expect(store.db.inTransaction).toBe(false);
  });

  it('nested transactions are savepoints: an inner failure undoes only the inner part', async () => {
    open();
    await store.transaction(async () => {
      await insert('outer');
      await store.transaction(async () => { await insert('inner'); throw new Error('inner'); }).catch(() => undefined);
      await insert('outer-2');
    });
    expect(values()).toEqual(['outer', 'outer-2']);
  });

  it('transactions run one after another; afterCommit runs after COMMIT, never after a rollback', async () => {
    open();
    const seen: string[] = [];
    await Promise.all([
      store.transaction(async () => { await insert('1'); store.afterCommit(() => seen.push(`hook1:${values().length}`)); }),
      store.transaction(async () => { await insert('2'); store.afterCommit(() => seen.push('hook2')); throw new Error('no'); }).catch(() => seen.push('rolled back')),
      store.transaction(async () => { await insert('3'); }),
    ]);
    expect(values()).toEqual(['1', '3']);
    expect(seen).toEqual(['hook1:1', 'rolled back']);
    store.afterCommit(() => seen.push('outside'));
    expect(seen.at(-1)).toBe('outside');
  });

  it('the repositories are async views of the synchronous ones', async () => {
    store = Store.open(':memory:');
    const d = await store.departments.insert('SCJG', '市场监管局', null, 'h', 'hint', '2026-12-02T00:00:00.000Z');
    expect(await store.departments.byCode('SCJG')).toEqual(d);
    expect(store.sync.departments.byCode('SCJG')).toEqual(d);
  });
});
