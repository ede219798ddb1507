/**
 * Prompt coalescing (MediaResolver + PromptCache: N concurrent first requests for one text → one
 * render) and render-ahead (src/voice/calls/render-ahead.ts: a declaration's names rendered when it
 * is created or changed, so the first call finds them resolved).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaResolver } from '../../../src/voice/calls/media.js';
import { RenderAhead, declarationTexts } from '../../../src/voice/calls/render-ahead.js';
import { PromptCache, encodeWavPcm16, type TtsEngine } from '../../../src/voice/tts/index.js';
import { memoryLogger } from '../../../src/log.js';
import { testContext } from '../../helpers/context.js';
import { addDepartment } from '../../../src/departments.js';

const dir = mkdtempSync(join(tmpdir(), 'voice-ahead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counts renders per text; each render waits for `gate` so requests pile up meanwhile. */
function countingEngine() {
  const renders = new Map<string, number>();
  let open: () => void = () => undefined;
  let gate = new Promise<void>((r) => { open = r; });
  const engine: TtsEngine = {
    name: 'count', voice: 'v1', available: async () => true, probe: async () => ({ ok: true }),
    synthesize: async (text, out) => {
      renders.set(text, (renders.get(text) ?? 0) + 1);
      await gate;
      writeFileSync(out, encodeWavPcm16(new Int16Array(800).fill(300), 8000));
    },
  };
  return { engine, renders, release: () => open(), reset: () => { gate = new Promise<void>((r) => { open = r; }); } };
}

function resolverWith(engine: TtsEngine, sub: string) {
  return new MediaResolver({
    cache: new PromptCache({ engine, dir: join(dir, sub), concurrency: 2 }), catalogue: { hello: '您好' },
    publicUrl: () => 'http://127.0.0.1:8080', timeZone: 'Asia/Shanghai', log: memoryLogger(),
  });
}

describe('prompt coalescing', () => {
  for (const n of [2, 50, 400]) {
    it(`${n} concurrent first requests for one text → one render, all get the same URI`, async () => {
      const e = countingEngine();
      const r = resolverWith(e.engine, `c${n}`);
      const all = Array.from({ length: n }, (_, i) => r.resolve(i % 2 ? [{ tts: '食品经营许可证新办' }] : [{ tts: '食品经营许可证新办' }, { prompt: 'hello' }]));
      e.release();
      const out = await Promise.all(all);
      expect(e.renders.get('食品经营许可证新办')).toBe(1);
      expect(e.renders.get('您好') ?? 0).toBeLessThanOrEqual(1);
      expect(new Set(out.map((o) => o.uris[0])).size).toBe(1);
      expect(r.resolveSync([{ tts: '食品经营许可证新办' }])?.uris).toEqual([out[0].uris[0]]);
    });
  }
});

describe('render-ahead', () => {
  it('the texts a declaration read-back speaks: item and department names', () => {
    const d = { itemName: '食品经营许可证新办', departmentName: '市市场监督管理局' };
    expect(declarationTexts({ declaration: d as never })).toEqual(['食品经营许可证新办', '市市场监督管理局']);
    expect(declarationTexts({ declaration: { itemName: ' ', departmentName: '市民政局' } as never })).toEqual(['市民政局']);
  });

  it('queued texts are rendered once each, one at a time; the queue is bounded', async () => {
    const warmed: string[] = [];
    const ra = new RenderAhead({ warm: async (t) => { warmed.push(t); }, max: 3 });
    ra.add(['a', 'b', 'a']);
    ra.add(['c', 'd', 'e']);
    await ra.idle();
    expect(warmed).toEqual(['a', 'b', 'c']);
    expect(ra.dropped).toBe(2);
    ra.add(['d']);
    await ra.idle();
    expect(warmed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a failing render does not stop the queue', async () => {
    const warmed: string[] = [];
    const errors: string[] = [];
    const ra = new RenderAhead({ warm: async (t) => { if (t === 'x') throw new Error('no'); warmed.push(t); }, onError: (_e, t) => errors.push(t) });
    ra.add(['x', 'y']);
    await ra.idle();
    expect(warmed).toEqual(['y']);
    expect(errors).toEqual(['x']);
  });

  it("on 'declaration.changed' (after commit) the names are rendered before any call asks", async () => {
    const ctx = testContext();
    try {
      const e = countingEngine();
      e.release();
      const r = resolverWith(e.engine, 'bus');
      const ra = new RenderAhead({ warm: (t) => r.warm(t) });
      let changed = 0;
      const off = ctx.bus.on('declaration.changed', (p) => { changed++; ra.add(declarationTexts(p)); });
      const dept = (await addDepartment(ctx.store, 'RA', '市民政局')).department;
      await ctx.declarations.upsert(dept, 'R-1', { itemName: '婚姻登记预约', acceptedAt: '2026-11-18T01:00:00Z' });
      await ra.idle();
      expect(e.renders.get('婚姻登记预约')).toBe(1);
      expect(e.renders.get('市民政局')).toBe(1);
      // the first call's read-back resolves without waiting, and renders nothing more
      expect(r.resolveSync([{ tts: '婚姻登记预约' }, { tts: '市民政局' }])?.uris).toHaveLength(2);
      // a later step emits it again: the names are known, nothing is rendered again
      await ctx.declarations.applyStatusEvent(dept, 'R-1', { eventId: 'e-1', stepName: '审核', status: 'in_progress', occurredAt: '2026-11-18T02:00:00Z' } as never);
      await ra.idle();
      expect(changed).toBe(2);
      expect(e.renders.get('婚姻登记预约')).toBe(1);
      expect(e.renders.get('市民政局')).toBe(1);
      off();
    } finally {
      ctx.cleanup();
    }
  });
});
