/** Flow-file validation: bad flows written to temp dirs give clear errors naming file, node and line. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue, parseFlow, parsePromptCatalogue, type FlowIssue } from '../../../src/voice/flow/loader.js';
import { checkFlows, loadFlows } from '../../../src/voice/flow-files.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'flows-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;

const PROMPTS = `
hello: 您好
menu_p: 请按键
bye: 再见
bad: 按键有误
`;

/** Write a flow directory (main.yaml + catalogue) and check it. */
function check(flowYaml: string, extra: Record<string, string> = {}, opts: Parameters<typeof checkFlows>[1] = {}) {
  const dir = join(tmpRoot, `d${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'prompts.zh-CN.yaml'), PROMPTS);
  writeFileSync(join(dir, 'main.yaml'), flowYaml);
  for (const [f, t] of Object.entries(extra)) writeFileSync(join(dir, f), t);
  return checkFlows(dir, opts);
}

const OK_TAIL = `
  bye: {verb: hangup, prompt: [bye]}
`;

interface Case {
  label: string;
  yaml: string;
  /** Expected errors: [nodeId or '', message regex]. */
  errors: Array<[string, RegExp]>;
  warnings?: Array<[string, RegExp]>;
  extra?: Record<string, string>;
  opts?: Parameters<typeof checkFlows>[1];
}

const cases: Case[] = [
  { label: 'unknown target', yaml: `start: a\nnodes:\n  a: {verb: play, items: [hello], next: nowhere}\n`,
    errors: [['a', /^next: unknown target "nowhere"$/]] },
  { label: 'unknown start', yaml: `start: nope\nnodes:\n  a: {verb: hangup}\n`,
    errors: [['', /^start: unknown node "nope"$/]] },
  { label: 'unreachable node', yaml: `start: a\nnodes:\n  a: {verb: play, items: [hello], next: bye}\n  orphan: {verb: play, items: [hello], next: bye}\n${OK_TAIL}`,
    errors: [['orphan', /^unreachable from start "a"$/]] },
  { label: 'missing prompt', yaml: `start: a\nnodes:\n  a: {verb: play, items: [hello, nope, {prompt: gone}], next: bye}\n${OK_TAIL}`,
    errors: [['a', /items\[1\]: prompt "nope" is missing from the prompt catalogue/], ['a', /items\[2\]: prompt "gone" is missing/]] },
  { label: 'loop with no input (play → goto → play)', yaml: `start: a\nnodes:\n  a: {verb: play, items: [hello], next: b}\n  b: {verb: goto, target: a}\n`,
    errors: [['a', /^loop with no input node \(menu, gather or record\): a → b → a$/]] },
  { label: 'a goto to itself', yaml: `start: a\nnodes:\n  a: {verb: goto, target: a}\n`,
    errors: [['a', /loop with no input node.*: a → a/]] },
  { label: 'lookup loop without re-entering a code', yaml: `start: s\nnodes:
  s: {verb: set, vars: {code: '1'}, next: lk}
  lk: {verb: lookup, kind: declaration, input: code, found: bye, notFound: sorry, limit: bye}
  sorry: {verb: play, items: [bad], next: lk}\n${OK_TAIL}`,
    errors: [['lk', /loop with no input node.*lk → sorry → lk/]] },
  { label: 'a loop through a menu is fine', yaml: `start: m\nnodes:
  m: {verb: menu, prompt: [menu_p], options: {'1': a}, onFailure: bye}
  a: {verb: play, items: [hello], next: m}\n${OK_TAIL}`, errors: [] },
  { label: 'unknown verb', yaml: `start: a\nnodes:\n  a: {verb: dance}\n`,
    errors: [['a', /^verb: unknown verb "dance" \(one of play, menu, gather/]] },
  { label: 'missing verb', yaml: `start: a\nnodes:\n  a: {items: [hello]}\n`, errors: [['a', /^verb: required/]] },
  { label: 'unknown field (typo)', yaml: `start: m\nnodes:\n  m: {verb: menu, prompt: [menu_p], options: {'1': bye}, timeout_ms: 5, onFailure: bye}\n${OK_TAIL}`,
    errors: [['m', /^unknown field "timeout_ms"$/]] },
  { label: 'menu keys and repeat', yaml: `start: m\nnodes:\n  m: {verb: menu, prompt: [menu_p], options: {'12': bye, '1': bye}, repeat: '1', onFailure: bye}\n${OK_TAIL}`,
    errors: [['m', /options: "12" is not a DTMF key/], ['m', /repeat: key "1" is also an option/]] },
  { label: 'menu without options or prompt', yaml: `start: m\nnodes:\n  m: {verb: menu, onFailure: bye}\n${OK_TAIL}`,
    errors: [['m', /^options: required$/], ['m', /^options: at least one key/], ['m', /^prompt: required$/]] },
  { label: 'wrong types and ranges', yaml: `start: m\nnodes:\n  m: {verb: menu, prompt: [menu_p], options: {'1': bye}, timeoutMs: soon, maxRetries: 99, onFailure: bye}\n${OK_TAIL}`,
    errors: [['m', /timeoutMs: must be an integer, got "soon"/], ['m', /maxRetries: 99 is out of range 0…10/]] },
  { label: 'gather: query-code needs 12 digits; bad regex; bad keys', yaml: `start: g\nnodes:
  g: {verb: gather, prompt: [hello], maxDigits: 6, validate: query-code, into: code, terminator: '5', next: bye, onFailure: bye}
  h: {verb: gather, prompt: [hello], maxDigits: 6, validate: {pattern: '([0-9'}, into: 'my code', next: bye, onFailure: g}\n${OK_TAIL}`,
    errors: [
      ['g', /maxDigits: 6 is shorter than a query code/], ['g', /terminator: "5" is not an allowed DTMF key/],
      ['h', /validate.pattern: bad regular expression/], ['h', /into: "my code" is not a variable name/], ['h', /unreachable/],
    ] },
  { label: 'branch needs exactly one form; office hours windows', yaml: `start: b\nnodes:
  b: {verb: branch, open: c, closed: bye}
  c: {verb: branch, officeHours: {hours: ['18:00-08:00', '9-10'], weekly: {monday: []}}, open: bye, closed: bye}\n${OK_TAIL}`,
    errors: [
      ['b', /needs exactly one of officeHours/], ['c', /"18:00-08:00" is not a "HH:mm-HH:mm" window/], ['c', /"9-10" is not/],
      ['c', /weekly: "monday" is not one of sun, mon/],
    ] },
  { label: 'submitFeedback kind and record prefix', yaml: `start: r\nnodes:
  r: {verb: record, name: 'a b', next: s, noRecording: bye, onFailure: bye, feedbackKind: praise}
  s: {verb: submitFeedback, kind: praise, next: bye, onFailure: bye}\n${OK_TAIL}`,
    errors: [['r', /name: "a b" must be/], ['r', /feedbackKind: "praise" is not one of complaint/], ['s', /kind: "praise" is not one of complaint, consultation, suggestion/]] },
  { label: 'media item with two kinds', yaml: `start: a\nnodes:\n  a: {verb: play, items: [{tts: x, digits: '1'}, 5], next: bye}\n${OK_TAIL}`,
    errors: [['a', /items\[0\]: a media item has exactly one of/], ['a', /items\[1\]: a media item is a prompt name/]] },
  { label: 'YAML syntax error names the line', yaml: `start: a\nnodes:\n  a: {verb: play, items: [hello, next: bye\n`,
    errors: [['', /^YAML: /]] },
  { label: 'duplicate node ids are a YAML error', yaml: `start: a\nnodes:\n  a: {verb: hangup}\n  a: {verb: hangup}\n`,
    errors: [['', /^YAML: Map keys must be unique/]] },
  { label: 'unknown top-level field and no nodes', yaml: `start: a\nnode: {}\n`,
    errors: [['', /unknown top-level field "node"/], ['', /nodes: required/]] },
  { label: 'unknown variable is a warning', yaml: `start: a\nnodes:\n  a: {verb: play, items: [{tts: '{itme}'}, {digits: '{caller}'}], next: bye}\n${OK_TAIL}`,
    errors: [], warnings: [['a', /items: variable "itme" is never set/]] },
  { label: 'an effect the server does not support', yaml: `start: t\nnodes:\n  t: {verb: transfer, answered: bye, noAnswer: bye}\n${OK_TAIL}`,
    opts: { knownEffects: ['lookup', 'submitFeedback', 'subscribe'] }, errors: [['t', /effect "transfer" is not supported/]] },
  { label: 'two files with the same flow id', yaml: `id: main\nstart: a\nnodes:\n  a: {verb: hangup}\n`,
    extra: { 'other.yaml': `id: main\nstart: a\nnodes:\n  a: {verb: hangup}\n` }, errors: [['', /flow id "main" is already used by main.yaml/]] },
];

const simplify = (issues: FlowIssue[]) => issues.map((i) => [i.nodeId ?? '', i.message]);

describe('flow check (table)', () => {
  it.each(cases)('$label', (c) => {
    const r = check(c.yaml, c.extra, c.opts);
    const errs = simplify(r.errors);
    expect(errs).toHaveLength(c.errors.length);
    for (const [node, re] of c.errors) expect(errs, `${node} ${re}`).toContainEqual([node, expect.stringMatching(re)]);
    const warns = simplify(r.warnings);
    expect(warns).toHaveLength((c.warnings ?? []).length);
    for (const [node, re] of c.warnings ?? []) expect(warns).toContainEqual([node, expect.stringMatching(re)]);
    expect(r.ok).toBe(c.errors.length === 0);
  });
});

describe('flow check details', () => {
  it('messages name the file, the line and the node', () => {
    const r = check(`# comment\nstart: a\nnodes:\n  a:\n    verb: play\n    items: [hello]\n    next: b\n  b:\n    verb: goto\n    target: nowhere\n`);
    expect(r.errors.map(formatIssue)).toEqual(['错误 error: main.yaml:8 node "b": target: unknown target "nowhere"']);
    expect(r.report).toMatch(/flow check failed: 1 error/);
  });

  it('a YAML error carries its line', () => {
    const r = check(`start: a\nnodes:\n  a: {verb: hangup}\n  b: [unclosed\n`);
    expect(r.errors[0].line).toBeGreaterThanOrEqual(4);
  });

  it('a missing catalogue is an error; prompts may also be passed in', () => {
    const dir = join(tmpRoot, 'nocat');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.yaml'), `start: a\nnodes:\n  a: {verb: hangup, prompt: [x]}\n`);
    expect(checkFlows(dir).errors.map((e) => e.message)).toContain('prompt catalogue not found');
    expect(checkFlows(dir, { prompts: ['x'] }).ok).toBe(true);
  });

  it('loadFlows leaves out flows with errors and keeps the good ones', () => {
    const dir = join(tmpRoot, 'mixed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'good.yaml'), `start: a\nnodes:\n  a: {verb: hangup}\n`);
    writeFileSync(join(dir, 'bad.yaml'), `start: a\nnodes:\n  a: {verb: goto, target: z}\n`);
    writeFileSync(join(dir, 'prompts.zh-CN.yaml'), 'x: y\n');
    const r = loadFlows(dir);
    expect(Object.keys(r.flows)).toEqual(['good']);
    expect(r.errors.map((e) => `${e.file} ${e.nodeId} ${e.message}`)).toEqual(['bad.yaml a target: unknown target "z"']);
    expect(loadFlows(join(tmpRoot, 'does-not-exist')).errors[0].message).toMatch(/cannot read flow directory/);
  });

  it('defaults are filled in', () => {
    const { flow } = parseFlow(`start: g\nnodes:\n  g: {verb: gather, prompt: [p], maxDigits: 4, into: x, next: e, onFailure: e}\n  e: {verb: hangup}\n`, 'f.yaml');
    expect(flow?.nodes.g).toEqual({
      verb: 'gather', prompt: [{ prompt: 'p' }], maxDigits: 4, minDigits: 1, terminator: '#', clearKey: undefined,
      firstDigitTimeoutMs: 8000, interDigitTimeoutMs: 4000, validate: { kind: 'none' }, into: 'x', attempts: 3,
      invalid: [], noInput: [], badCheckDigit: [], next: 'e', onFailure: 'e',
    });
    expect(flow?.nodes.e).toEqual({ verb: 'hangup', prompt: [], reason: 'normal' });
  });

  it('prompt catalogue: names and texts are checked', () => {
    const { catalogue, issues } = parsePromptCatalogue(`ok: 好\n'bad name': x\nempty: ''\nnested: {a: 1}\nnum: 96365\n`, 'prompts.zh-CN.yaml');
    expect(catalogue.prompts).toEqual({ ok: '好', num: '96365' });
    expect(catalogue.locale).toBe('zh-CN');
    expect(issues.map((i) => i.message)).toEqual(['"bad name" is not a prompt name', 'prompt "empty": text is empty', 'prompt "nested": text must be a string']);
  });
});
