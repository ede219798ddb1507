import { describe, expect, it } from 'vitest';
import { similarity, suggestDuplicates } from '../../src/workorders/duplicates.js';
import type { WorkOrder } from '../../src/workorders/model.js';

const o = (id: number, over: Partial<WorkOrder>) => ({ id, ref: `R${id}`, status: 'new', phone: null, address: null, text: null, transcript: null, summary: null, ...over }) as WorkOrder;

describe('suggested duplicates (合并建议)', () => {
  it.each([
    ['identical', '人民路路灯不亮', '人民路路灯不亮', 1],
    ['punctuation and spaces ignored', '人民路 路灯，不亮！', '人民路路灯不亮', 1],
    ['unrelated', '超市卖过期食品', '小区噪声扰民', 0],
  ])('similarity: %s', (_n, a, b, exp) => { expect(similarity(a, b)).toBe(exp); });

  it('same caller first, then same place with similar words, then similar words; closed and merged ones left out', () => {
    const me = o(1, { phone: '8613900000001', address: '人民路 1 号', text: '人民路1号门口路灯坏了，晚上很黑' });
    const s = suggestDuplicates(me, [
      o(2, { phone: '8613900000001', text: '别的事情' }),
      o(3, { address: '人民路1号', text: '门口的路灯坏了' }),
      o(4, { text: '人民路1号门口路灯坏了，晚上黑' }),
      o(5, { text: '公积金提取' }),
      o(6, { phone: '8613900000001', status: 'closed' }),
      o(7, { phone: '8613900000001', status: 'merged' }),
    ]);
    expect(s.map((x) => [x.id, x.reasons])).toEqual([[2, ['同一来电号码']], [4, ['内容相近']], [3, ['同一地点、内容相近']]]);
  });
});
