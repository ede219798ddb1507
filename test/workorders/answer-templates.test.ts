import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTemplateIssue, parseAnswerTemplates, templatesFor } from '../../src/workorders/answer-templates.js';
import { AnswerTemplatesError, answerTemplatesPath, loadAnswerTemplatesFile } from '../../src/workorders/answer-templates-file.js';
import { loadCategoriesFile } from '../../src/workorders/categories-file.js';

const CATS = new Map<string, { parent: string | null }>([['SCJG', { parent: null }], ['SCJG.FOOD', { parent: 'SCJG' }], ['CSGL', { parent: null }]]);

describe('parseAnswerTemplates', () => {
  const ok: Array<[string, string, { general: string[]; byCategory: Record<string, string[]> }]> = [
    ['general only', 'general:\n  - 您好，已收到。\n', { general: ['您好，已收到。'], byCategory: {} }],
    ['categories only', 'categories:\n  SCJG:\n    - 已立案调查。\n', { general: [], byCategory: { SCJG: ['已立案调查。'] } }],
    ['both, phrases trimmed', 'general: ["  感谢来电  "]\ncategories:\n  CSGL: [已劝离, 已清运]\n', { general: ['感谢来电'], byCategory: { CSGL: ['已劝离', '已清运'] } }],
  ];
  it.each(ok)('%s', (_name, text, want) => {
    const { templates, issues } = parseAnswerTemplates(text, 't.yaml', CATS);
    expect(issues).toEqual([]);
    expect(templates!.general).toEqual(want.general);
    expect(Object.fromEntries(templates!.byCategory)).toEqual(want.byCategory);
  });

  const bad: Array<[string, string, { line: number | null; key: string; message: RegExp }]> = [
    ['YAML syntax', 'general: [a\n', { line: null, key: '', message: /YAML 语法错误/ }],
    ['not a map', '- a\n', { line: 1, key: '', message: /应为映射/ }],
    ['unknown top key', 'general: [a]\nphrases: [b]\n', { line: 2, key: 'phrases', message: /未知的键/ }],
    ['only an unknown key', 'x: 1\n', { line: 1, key: 'x', message: /未知的键/ }],
    ['general not a list', 'general: 您好\n', { line: 1, key: 'general', message: /常用语列表/ }],
    ['empty list', 'general: []\n', { line: 1, key: 'general', message: /至少一条/ }],
    ['blank phrase', 'general:\n  - 好\n  - "  "\n', { line: 3, key: 'general[1]', message: /非空文字/ }],
    ['number phrase', 'general:\n  - 12345\n', { line: 2, key: 'general[0]', message: /非空文字/ }],
    ['duplicate phrase', 'general:\n  - 已收到\n  - 已收到\n', { line: 3, key: 'general[1]', message: /重复/ }],
    ['too long', `general:\n  - ${'长'.repeat(501)}\n`, { line: 2, key: 'general[0]', message: /过长（501 字/ }],
    ['unknown category', 'categories:\n  XYZ: [a]\n', { line: 2, key: 'categories.XYZ', message: /未知的诉求分类代码“XYZ”/ }],
    ['second-level category', 'categories:\n  SCJG.FOOD: [a]\n', { line: 2, key: 'categories.SCJG.FOOD', message: /请写“SCJG”/ }],
    ['categories not a map', 'categories: [a]\n', { line: 1, key: 'categories', message: /应为映射/ }],
  ];
  it.each(bad)('refuses: %s', (_name, text, want) => {
    const { templates, issues } = parseAnswerTemplates(text, 't.yaml', CATS);
    expect(templates).toBeNull();
    expect(issues[0]).toMatchObject({ file: 't.yaml', key: want.key, ...(want.line !== null ? { line: want.line } : {}) });
    expect(issues[0]!.message).toMatch(want.message);
  });

  it('formats an issue with file, line and key', () => {
    expect(formatTemplateIssue({ file: 'a.yaml', line: 3, key: 'general[1]', message: '常用语重复' })).toBe('a.yaml:3：general[1]：常用语重复');
  });
});

describe('templatesFor', () => {
  const t = parseAnswerTemplates('general: [通用一]\ncategories:\n  SCJG: [市场一, 市场二]\n', 't.yaml', CATS).templates!;
  const name = (c: string) => ({ SCJG: '市场监管' }[c] ?? c);
  it.each([
    ['second-level category → its top-level phrases first', 'SCJG.FOOD', [['市场监管', '市场一'], ['市场监管', '市场二'], ['通用', '通用一']]],
    ['top-level category', 'SCJG', [['市场监管', '市场一'], ['市场监管', '市场二'], ['通用', '通用一']]],
    ['category without phrases', 'CSGL.ROAD', [['通用', '通用一']]],
    ['no category', null, [['通用', '通用一']]],
  ] as Array<[string, string | null, string[][]]>)('%s', (_n, cat, want) => {
    expect(templatesFor(t, cat, name).map((x) => [x.group, x.text])).toEqual(want);
  });
});

describe('loadAnswerTemplatesFile', () => {
  it('the shipped file is valid against the shipped categories', () => {
    const root = process.cwd();
    const tree = loadCategoriesFile(join(root, 'data', 'categories.yaml'));
    const t = loadAnswerTemplatesFile(answerTemplatesPath(join(root, 'no-such-dir'), root), tree);
    expect(t.general.length).toBeGreaterThanOrEqual(3);
    for (const code of t.byCategory.keys()) expect(tree.roots).toContain(code);
  });
  it('a missing or wrong file is refused in Chinese, naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
    expect(() => loadAnswerTemplatesFile(join(dir, 'none.yaml'))).toThrow(/常用语文件不存在/);
    const f = join(dir, 'answer-templates.yaml');
    writeFileSync(f, 'general:\n  - 好\n  - 好\n');
    expect(() => loadAnswerTemplatesFile(f)).toThrow(AnswerTemplatesError);
    expect(() => loadAnswerTemplatesFile(f)).toThrow(/常用语文件有误：\n.*answer-templates\.yaml:3：general\[1\]：常用语重复/);
    expect(answerTemplatesPath(dir, '/project')).toBe(f); // the data dir's own file wins
  });
});
