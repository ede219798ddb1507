import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/http/api/group-commit.js';
import { testContext } from '../helpers/context.js';
import { addDepartment } from '../../src/departments.js';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });

describe('group commit of status events', () => {
  it('one transaction for a turn’s events; a failing event fails alone; answers come after the commit', async () => {
    const ctx = testContext();
    cleanup = ctx.cleanup;
    const dept = (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局')).department;
    await ctx.declarations.upsert(dept, 'G-1', { itemName: '许可' });
    const commits: number[] = [];
    const tx = {
      transaction: async <T>(fn: () => Promise<T>): Promise<T> => { const r = await ctx.store.transaction(fn); commits.push(Date.now()); return r; },
      afterCommit: (fn: () => void) => ctx.store.afterCommit(fn),
    };
    const g = new GroupCommit(tx);
    const ev = (id: string, status = 'in_progress', code = 'G-1') => g.submit(() => ctx.declarations.applyStatusEvent(dept, code, { eventId: id, stepName: '审核', status: status as never, occurredAt: new Date().toISOString() }));
    const results = await Promise.allSettled([ev('a'), ev('b'), ev('a', 'rejected'), ev('x', 'in_progress', 'MISSING'), ev('c')]);
    expect(commits).toHaveLength(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/already used/);
    expect((results[3] as PromiseRejectedResult).reason.message).toMatch(/not found/);
    const timeline = (await ctx.store.declarations.events((await ctx.store.declarations.byDeptRef('G-1'))[0].id)).map((e) => e.eventId);
    expect(timeline).toEqual(expect.arrayContaining(['a', 'b', 'c']));
    expect(timeline).toHaveLength(4); // acceptance + a, b, c
  });

  it('a failed commit rejects the whole batch and keeps nothing', async () => {
    const ctx = testContext();
    cleanup = ctx.cleanup;
    const dept = (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局')).department;
    await ctx.declarations.upsert(dept, 'G-2', { itemName: '许可' });
    const g = new GroupCommit({
      transaction: <T>(fn: () => Promise<T>): Promise<T> => ctx.store.transaction(async () => { await fn(); throw new Error('disk full'); }),
      afterCommit: (fn: () => void) => ctx.store.afterCommit(fn),
    });
    const r = await Promise.allSettled([1, 2, 3].map((i) => g.submit(() => ctx.declarations.applyStatusEvent(dept, 'G-2', { eventId: `f${i}`, stepName: '审核', status: 'in_progress', occurredAt: new Date().toISOString() }))));
    expect(r.every((x) => x.status === 'rejected' && /disk full/.test(String(x.reason)))).toBe(true);
    expect(await ctx.store.declarations.events((await ctx.store.declarations.byDeptRef('G-2'))[0].id)).toHaveLength(1);
  });
});
