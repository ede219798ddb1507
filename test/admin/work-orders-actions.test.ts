/** Which steps the 工单 screen offers (availableActions): by role, status, lead/assist department and pending extension. */
import { describe, expect, it } from 'vitest';
import { availableActions } from '../../src/admin/routes/work-orders/index.js';
import type { WorkOrder } from '../../src/workorders/model.js';

const order = (p: Partial<WorkOrder>): WorkOrder => ({ status: 'new', departmentId: null, parts: [], extension: null, ...p } as WorkOrder);
const ext = { id: 1, departmentId: 7, requestedBy: 'dept:7', requestedByName: '王芳', reason: '需检测', days: 3, requestedAt: '2026-03-02T02:00:00Z' };
const part = (departmentId: number, status: 'open' | 'answered' = 'open') => ({ departmentId, departmentName: '协办局', instruction: null, status, answer: null, answeredBy: null, answeredAt: null });

const cases: Array<[string, Partial<WorkOrder>, { role: 'admin' | 'supervisor' | 'operator' | 'department'; departmentId: number | null }, string[], string[]]> = [
  // name, order, user, must include, must not include
  ['operator, new: dispatch/direct/merge/close/claim', { status: 'new' }, { role: 'operator', departmentId: null }, ['dispatch', 'direct', 'merge', 'close', 'claim'], ['sign', 'answer', 'decide_extension', 'redo']],
  ['lead department, assigned: sign/return only', { status: 'assigned', departmentId: 7 }, { role: 'department', departmentId: 7 }, ['sign', 'return'], ['dispatch', 'answer', 'close', 'urge']],
  ['other department, assigned: nothing', { status: 'assigned', departmentId: 7 }, { role: 'department', departmentId: 8 }, [], ['sign', 'return', 'assist_answer']],
  ['lead department, handling: extension/interim/answer/return', { status: 'handling', departmentId: 7 }, { role: 'department', departmentId: 7 }, ['request_extension', 'interim', 'answer', 'return'], ['sign', 'decide_extension']],
  ['lead department, extension pending: no second request', { status: 'handling', departmentId: 7, extension: ext }, { role: 'department', departmentId: 7 }, ['interim', 'answer'], ['request_extension']],
  ['supervisor, extension pending: decide, urge', { status: 'handling', departmentId: 7, extension: ext }, { role: 'supervisor', departmentId: null }, ['decide_extension', 'urge'], ['answer', 'sign']],
  ['supervisor, no extension: no decision', { status: 'handling', departmentId: 7 }, { role: 'supervisor', departmentId: null }, ['urge'], ['decide_extension']],
  ['assisting department with an open part: 协办答复 only', { status: 'handling', departmentId: 7, parts: [part(8)] }, { role: 'department', departmentId: 8 }, ['assist_answer'], ['answer', 'interim', 'return']],
  ['assisting department already answered: nothing', { status: 'handling', departmentId: 7, parts: [part(8, 'answered')] }, { role: 'department', departmentId: 8 }, [], ['assist_answer']],
  ['operator, returned: re-dispatch, uphold', { status: 'returned', departmentId: 7 }, { role: 'operator', departmentId: null }, ['dispatch', 'uphold'], ['sign']],
  ['supervisor, answered: survey, redo', { status: 'answered', departmentId: 7 }, { role: 'supervisor', departmentId: null }, ['survey', 'redo', 'close'], ['answer']],
  ['closed: nothing for anyone', { status: 'closed', departmentId: 7 }, { role: 'admin', departmentId: null }, [], ['close', 'dispatch', 'redo', 'answer']],
];

describe('availableActions', () => {
  it.each(cases)('%s', (_name, o, u, yes, no) => {
    const got = availableActions(order(o), u).map((a) => a.type);
    for (const t of yes) expect(got).toContain(t);
    for (const t of no) expect(got).not.toContain(t);
    if (!yes.length) expect(got).toEqual([]);
  });
  it('every offered step names its panel endpoint and Chinese label', () => {
    for (const a of availableActions(order({ status: 'handling', departmentId: 7, extension: ext, parts: [part(8)] }), { role: 'admin', departmentId: null })) {
      expect(a.path).toMatch(/^[a-z-]+$/);
      expect(a.label).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
