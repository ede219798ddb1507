import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planMt } from '../../src/sms/codec/index.js';
import {
  compileTemplate, loadTemplates, parseVarArgs, previewTemplate, statusReplyName, TEMPLATE_VARS, VAR_SAMPLES,
} from '../../src/sms/templates/index.js';

const DIR = join(import.meta.dirname, '../../sms-templates');
const MAX = 3;
const tmpDirs: string[] = [];
afterAll(() => { for (const d of tmpDirs) rmSync(d, { recursive: true, force: true }); });

/** A template file built from the shipped one with some entries replaced/removed/added. */
function variant(edit: (entries: Record<string, unknown>) => void, raw?: string): string {
  const base = loadTemplates(DIR, { maxSegments: MAX });
  const entries: Record<string, unknown> = {};
  for (const n of base.names()) entries[n] = base.source(n);
  edit(entries);
  const dir = mkdtempSync(join(tmpdir(), 'sms-tpl-'));
  tmpDirs.push(dir);
  writeFileSync(join(dir, 'zh-CN.yaml'), raw ?? Object.entries(entries).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n'));
  return dir;
}

describe('shipped zh-CN templates', () => {
  const t = loadTemplates(DIR, { maxSegments: MAX });

  it('define every template in the contract', () => {
    expect(t.names()).toEqual(Object.keys(TEMPLATE_VARS).sort());
    for (const s of ['accepted', 'in_progress', 'supplement_needed', 'fee_due', 'approved', 'ready_for_pickup', 'rejected', 'closed']) {
      expect(t.has(statusReplyName(s))).toBe(true);
    }
  });

  it.each(Object.keys(TEMPLATE_VARS).sort())('%s: signed, fits with the longest values, pushes mention 回复TD退订', (name) => {
    const text = t.render(name, VAR_SAMPLES);
    expect(text.startsWith('【96365】')).toBe(true);
    if (name.startsWith('push.')) expect(text).toContain('回复TD退订');
    expect(text).not.toMatch(/[{}]/);
    expect(() => planMt(text, { maxSegments: MAX })).not.toThrow();
  });

  it('renders values literally and missing values as empty', () => {
    expect(t.render('reply.not_found', { code: '{code}{{x}}' })).toContain('查询码{code}{{x}}对应');
    expect(t.render('reply.not_found', {})).toContain('未查到查询码对应');
    expect(t.render('reply.not_found', { code: null })).toContain('未查到查询码对应');
    expect(t.render('reply.not_found')).toContain('未查到查询码对应');
    expect(t.render('push.fee_due', { code: 1, item: '契税', amount: 256.5, how: '网上缴费' })).toContain('待缴费256.5元');
  });

  it('unknown template → throws', () => {
    expect(() => t.render('reply.nope', {})).toThrow(/unknown template 'reply.nope'/);
    expect(() => t.source('x')).toThrow(/unknown template/);
  });

  it('status reply example', () => {
    const text = t.render('reply.status.in_progress', {
      code: '123456789012', item: '个体工商户设立登记', dept: '市市场监管局', status: '办理中',
      last_step: '窗口受理', last_step_at: '2026-11-26 09:30', due_date: '2026-12-03', overdue_note: '', applicant: '张*',
    });
    expect(text).toBe('【96365】办件123456789012（个体工商户设立登记）正在市市场监管局办理，状态：办理中。最近环节：窗口受理，2026-11-26 09:30。承诺办结日期：2026-12-03。申请人：张*。');
  });

  it('preview gives text, encoding and segment count', () => {
    const p = previewTemplate(t, 'reply.help', {});
    expect(p.encoding).toBe('ucs2');
    expect(p.segments).toBe(2);
    expect(p.units).toBe(p.text.length);
    expect(p.overLimit).toBe(false);
    const long = previewTemplate(t, 'push.answer', { ref: 'TS1', dept: '市城管局', answer: '已修复。'.repeat(100) });
    expect(long.segments).toBeGreaterThan(MAX);
    expect(long.overLimit).toBe(true);
    expect(() => previewTemplate(t, 'nope')).toThrow();
  });

  it('parseVarArgs', () => {
    expect(parseVarArgs(['code=1', 'item=a=b', 'junk', '=x', 'code=2'])).toEqual({ code: '2', item: 'a=b' });
  });
});

describe('validation at load', () => {
  const cases: Array<{ label: string; edit?: (e: Record<string, unknown>) => void; raw?: string; max?: number; error: RegExp }> = [
    { label: 'unknown variable', edit: (e) => { e['reply.not_found'] = '【96365】{code}{nmae}'; }, error: /reply\.not_found: unknown variable \{nmae\} \(allowed: \{code\}\)/ },
    { label: 'variable not allowed for that template', edit: (e) => { e['reply.help'] = '【96365】{code}'; }, error: /reply\.help: unknown variable \{code\} \(allowed: none\)/ },
    { label: 'unknown template name', edit: (e) => { e['reply.statsu.accepted'] = 'x'; }, error: /reply\.statsu\.accepted: unknown template name/ },
    { label: 'missing template', edit: (e) => { delete e['push.closed']; }, error: /push\.closed: missing template/ },
    { label: 'static text over the segment limit', edit: (e) => { e['reply.help'] = '【96365】' + '请'.repeat(300); }, error: /reply\.help: too long — 5 segments \(307 UCS2 units\).*limit is 3/ },
    { label: 'over the limit only with the longest values', edit: (e) => { e['reply.subscribed'] = '【96365】' + '请'.repeat(170) + '{item}{code}'; }, error: /reply\.subscribed: too long — 4 segments/ },
    { label: 'limit 1 rejects the 2-segment help', max: 1, error: /reply\.help: too long — 2 segments/ },
    { label: 'unclosed brace', edit: (e) => { e['reply.help'] = '【96365】{code'; }, error: /reply\.help: unclosed '\{'/ },
    { label: 'malformed placeholder', edit: (e) => { e['reply.help'] = '【96365】{ code }'; }, error: /reply\.help: malformed placeholder/ },
    { label: 'stray closing brace', edit: (e) => { e['reply.help'] = '【96365】a}b'; }, error: /reply\.help: stray '\}'/ },
    { label: 'non-string value', edit: (e) => { e['reply.help'] = 42; }, error: /reply\.help: value must be a string, got number/ },
    { label: 'empty template', edit: (e) => { e['reply.help'] = '  '; }, error: /reply\.help: empty template/ },
    { label: 'YAML syntax error', raw: 'reply.help: "unterminated\n  - [', error: /YAML error/ },
    { label: 'not a mapping', raw: '- a\n- b\n', error: /expected a mapping/ },
  ];
  it.each(cases)('$label', ({ edit, raw, max, error }) => {
    const dir = edit || raw ? variant(edit ?? (() => {}), raw) : DIR;
    let err: Error | undefined;
    try { loadTemplates(dir, { maxSegments: max ?? MAX }); } catch (e) { err = e as Error; }
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(error);
    expect(err!.message).toContain(join(dir, 'zh-CN.yaml'));
  });

  it('collects several problems in one error', () => {
    const dir = variant((e) => { e['reply.help'] = '{x}'; delete e['push.closed']; });
    expect(() => loadTemplates(dir, { maxSegments: MAX })).toThrow(/2 problems[\s\S]*reply\.help[\s\S]*push\.closed/);
  });

  it('nested YAML mappings are flattened; {{ }} are literal braces', () => {
    const base = loadTemplates(DIR, { maxSegments: MAX });
    const lines = base.names().filter((n) => n !== 'reply.help').map((n) => `${n}: ${JSON.stringify(base.source(n))}`);
    const dir = variant(() => {}, lines.join('\n') + '\nreply:\n  help: "【96365】发送{{CX+查询码}}查询"\n');
    const t = loadTemplates(dir, { maxSegments: MAX });
    expect(t.render('reply.help', {})).toBe('【96365】发送{CX+查询码}查询');
  });

  it('missing file and bad maxSegments', () => {
    expect(() => loadTemplates(join(tmpdir(), 'no-such-dir-96365'), { maxSegments: 3 })).toThrow(/cannot read/);
    expect(() => loadTemplates(DIR, { maxSegments: 0 })).toThrow(/maxSegments/);
  });

  it('compileTemplate', () => {
    expect(compileTemplate('a{x}b{y}').compiled).toEqual({ nodes: ['a', { v: 'x' }, 'b', { v: 'y' }], vars: ['x', 'y'], sections: [] });
    expect(compileTemplate('{{x}}').compiled).toEqual({ nodes: ['{x}'], vars: [], sections: [] });
    expect(compileTemplate('a{#d}b{d}{/d}{^d}c{/d}').compiled).toEqual({
      nodes: ['a', { section: 'd', inverted: false, body: ['b', { v: 'd' }] }, { section: 'd', inverted: true, body: ['c'] }], vars: ['d'], sections: ['d'],
    });
  });
});

describe('conditional parts', () => {
  /** Templates with `name` replaced by `text` (everything else as shipped). */
  const withTemplate = (name: string, text: string, max = MAX) => loadTemplates(variant((e) => { e[name] = text; }), { maxSegments: max });

  const rows: Array<[label: string, template: string, vars: Record<string, string | null | undefined>, expected: string]> = [
    ['shown when the value is there', '【96365】受理{#due_date}，承诺办结日期：{due_date}{/due_date}。', { due_date: '2026-12-31' }, '【96365】受理，承诺办结日期：2026-12-31。'],
    ['left out when empty', '【96365】受理{#due_date}，承诺办结日期：{due_date}{/due_date}。', { due_date: '' }, '【96365】受理。'],
    ['left out when missing', '【96365】受理{#due_date}，承诺办结日期：{due_date}{/due_date}。', {}, '【96365】受理。'],
    ['left out when null', '【96365】受理{#due_date}，承诺办结日期：{due_date}{/due_date}。', { due_date: null }, '【96365】受理。'],
    ['inverted: shown when empty', '【96365】{#due_date}{due_date}{/due_date}{^due_date}暂无办结日期{/due_date}', {}, '【96365】暂无办结日期'],
    ['inverted: hidden when there', '【96365】{#due_date}{due_date}{/due_date}{^due_date}暂无办结日期{/due_date}', { due_date: '2026-12-31' }, '【96365】2026-12-31'],
    ['nested', '【96365】{#due_date}日期{due_date}{#dept}（{dept}）{/dept}{/due_date}', { due_date: 'D', dept: '' }, '【96365】日期D'],
    ['nested, both', '【96365】{#due_date}日期{due_date}{#dept}（{dept}）{/dept}{/due_date}', { due_date: 'D', dept: '市局' }, '【96365】日期D（市局）'],
    ['literal braces still work', '【96365】{{#due_date}}{#due_date}{due_date}{/due_date}', { due_date: 'X' }, '【96365】{#due_date}X'],
  ];
  it.each(rows)('%s', (_l, template, vars, expected) => {
    expect(withTemplate('push.accepted', template).render('push.accepted', vars)).toBe(expected);
  });

  it.each([
    ['unclosed section', '【96365】{#due_date}x', /push\.accepted: '\{#due_date\}' opened at position \d+ is never closed/],
    ['close without open', '【96365】x{/due_date}', /push\.accepted: '\{\/due_date\}' at position \d+ closes nothing/],
    ['mismatched close', '【96365】{#due_date}x{/dept}', /push\.accepted: '\{\/dept\}' at position \d+ closes '\{#due_date\}'/],
    ['section on an unknown variable', '【96365】{#nope}x{/nope}', /push\.accepted: unknown variable \{nope\}/],
    ['too long only with the conditional part', '【96365】{#due_date}' + '请'.repeat(250) + '{/due_date}', /push\.accepted: too long — 4 segments/],
    ['too long only without it (inverted)', '【96365】{^due_date}' + '请'.repeat(250) + '{/due_date}', /push\.accepted: too long — 4 segments/],
  ])('validated at load: %s', (_l, template, error) => {
    expect(() => withTemplate('push.accepted', template as string)).toThrow(error as RegExp);
  });

  it('shipped templates: no "承诺办结日期：。" without a due date, no "原因：。" without a reason', () => {
    const t = loadTemplates(DIR, { maxSegments: MAX });
    const accepted = t.render('push.accepted', { code: '123456789012', item: '食品经营许可', dept: '市市场监管局', due_date: '' });
    expect(accepted).not.toContain('承诺办结日期');
    expect(accepted).toBe('【96365】您的办件123456789012（食品经营许可）已由市市场监管局受理。回复CX123456789012查询进度，回复TD退订。');
    expect(t.render('push.accepted', { code: '1', item: 'x', dept: 'y', due_date: '2026-12-31' })).toContain('承诺办结日期：2026-12-31。');
    for (const s of ['accepted', 'in_progress', 'supplement_needed']) {
      const r = t.render(`reply.status.${s}`, { code: '1', item: 'x', dept: 'y', status: 'z', last_step: '受理', last_step_at: '2026-11-26 09:30', due_date: '', applicant: '张*' });
      expect(r, s).not.toMatch(/承诺办结日期|：。|，。/);
    }
    expect(t.render('push.rejected', { code: '1', item: 'x', reason: '' })).not.toContain('原因');
    expect(t.render('push.progress', { code: '1', item: 'x', step: '初审', handler: '', opinion: '' })).toBe('【96365】办件1（x）进展：初审已办理。回复TD退订。');
    expect(t.render('reply.bad_code', { code: '' })).not.toContain('“”');
  });
});

describe('renderFit: a notice keeps its ending, the variable part is cut with …', () => {
  const t = loadTemplates(DIR, { maxSegments: MAX });
  const segs = (s: string) => planMt(s, { maxSegments: 255 }).segments.length;
  it.each([
    ['push.rejected', { code: '123456789012', item: '食品经营许可', reason: '经核查，' + '现场条件不符合要求，'.repeat(60) }, 'reason'],
    ['push.progress', { code: '123456789012', item: '食品经营许可', step: '现场核查', handler: '科员 王强', opinion: '经核实，'.repeat(120) }, 'opinion'],
    ['push.supplement_needed', { code: '123456789012', item: '食品经营许可', dept: '市市场监管局', missing: '营业执照副本复印件、'.repeat(40) }, 'missing'],
    ['reminder.overdue', { dept: '市市场监管局', count: '3', items: '123456789012（食品经营许可）、'.repeat(30) }, 'items'],
  ] as Array<[string, Record<string, string>, string]>)('%s: long %s', (name, vars, free) => {
    const full = t.render(name, vars);
    expect(segs(full)).toBeGreaterThan(MAX);
    const fit = t.renderFit(name, vars);
    expect(segs(fit)).toBeLessThanOrEqual(MAX);
    const ending = t.source(name).slice(t.source(name).lastIndexOf('}') + 1);
    expect(fit.endsWith(ending), `ends with ${ending}`).toBe(true);
    if (name.startsWith('push.')) expect(fit.endsWith('回复TD退订。')).toBe(true);
    expect(fit).toContain('…');
    // Only the variable was cut: the text before it is intact.
    expect(fit.startsWith(full.slice(0, full.indexOf(vars[free].slice(0, 4))))).toBe(true);
    // As long as possible: one more character of the variable would not fit.
    expect(fit.length).toBeGreaterThan(MAX * 67 - 80);
  });
  it('a text that fits is returned unchanged', () => {
    const vars = { code: '123456789012', item: '食品经营许可', reason: '材料不全' };
    expect(t.renderFit('push.rejected', vars)).toBe(t.render('push.rejected', vars));
  });
  it('a too-long fixed variable (a very long item name) is cut when free text is not enough', () => {
    const vars = { code: '123456789012', item: '建设工程规划许可证核发'.repeat(30) };
    const fit = t.renderFit('push.approved', vars);
    expect(segs(fit)).toBeLessThanOrEqual(MAX);
    expect(fit.endsWith('回复TD退订。')).toBe(true);
    expect(fit).toContain('…');
  });
});
