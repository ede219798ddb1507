import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatCategoryIssue, limitsFor, parseCategories, unknownDepartments } from '../../src/workorders/categories.js';
import { loadCategoriesFile } from '../../src/workorders/categories-file.js';

const HEAD = `working_hours: ["08:30-12:00", "13:30-17:30"]
defaults:
  normal: { sign_hours: 4, finish_days: 10 }
  urgent: { sign_hours: 1, finish_days: 3 }
`;
const ok = (cats: string) => `${HEAD}categories:\n${cats}`;

describe('categories file', () => {
  it('the shipped default tree loads: two levels, departments, inherited and own limits', () => {
    const tree = loadCategoriesFile('data/categories.yaml');
    expect(tree.roots).toEqual(expect.arrayContaining(['SCJG', 'CSGL', 'ZF', 'JT', 'HB', 'SB', 'GA', 'JY', 'WSJK', 'SDQ']));
    expect(tree.workingHours).toEqual([[510, 720], [810, 1050]]);
    const food = tree.categories.get('SCJG.FOOD')!;
    expect(food).toMatchObject({ path: '市场监管/食品安全', parent: 'SCJG', department: 'SCJG', limits: { normal: { signHours: 2, finishDays: 5 }, urgent: { signHours: 1, finishDays: 1 } } });
    expect(tree.categories.get('SCJG.PRICE')!.limits).toEqual(tree.defaults);
    expect(tree.categories.get('HB.NOISE')!.limits.normal).toEqual({ signHours: 4, finishDays: 7 }); // from its parent
    expect(limitsFor(tree, 'nope', 'urgent')).toEqual({ signHours: 1, finishDays: 3 });
    expect(limitsFor(tree, null, 'normal')).toEqual({ signHours: 4, finishDays: 10 });
    expect(tree.categories.get('QT.OTHER')!.department).toBeNull();
    expect(unknownDepartments(tree, new Set(['SCJG', 'RSJ', 'GAJ'])).map((u) => u.department)).toContain('CGJ');
    // every code is unique and every second-level code is under its parent
    for (const c of tree.categories.values()) if (c.parent) expect(c.code.startsWith(c.parent + '.')).toBe(true);
  });

  const cases: Array<[string, string, string]> = [
    ['YAML syntax', 'working_hours: [08:30\ncategories: x', 'YAML 语法错误'],
    ['unknown top key', `${HEAD}categoriez: []\ncategories:\n  - { code: A, name: 甲, department: X }`, 'categoriez：未知的键'],
    ['bad working period', ok('  - { code: A, name: 甲, department: X }').replace('13:30-17:30', '17:30-13:30'), ':1：working_hours：工作时段“17:30-13:30”无效'],
    ['overlapping periods', ok('  - { code: A, name: 甲, department: X }').replace('13:30-17:30', '11:00-17:30'), '与前一时段重叠'],
    ['missing code', ok('  - { name: 甲, department: X }'), ':6：categories[0].code：缺少分类代码 code'],
    ['bad code', ok('  - { code: a-b, name: 甲, department: X }'), 'a-b.code：分类代码应为大写字母'],
    ['duplicate code', ok('  - { code: A, name: 甲, department: X }\n  - { code: A, name: 乙, department: X }'), ':7：A.code：分类代码重复'],
    ['child code not under parent', ok('  - code: A\n    name: 甲\n    department: X\n    children:\n      - { code: B.C, name: 丙 }'), 'B.C.code：二级分类代码应以“A.”开头'],
    ['three levels', ok('  - code: A\n    name: 甲\n    department: X\n    children:\n      - code: A.B\n        name: 乙\n        children: []'), 'A.B.children：分类只有两级'],
    ['missing department', ok('  - { code: A, name: 甲 }'), 'A.department：缺少默认承办部门'],
    ['missing name', ok('  - { code: A, department: X }'), 'A.name：缺少分类名称'],
    ['sign hours not a number', ok('  - { code: A, name: 甲, department: X, limits: { normal: { sign_hours: 四 } } }'), 'A.limits.normal.sign_hours：应为 1 到 200 的整数（工作小时），而不是“四”'],
    ['zero days', ok('  - { code: A, name: 甲, department: X, limits: { urgent: { finish_days: 0 } } }'), 'A.limits.urgent.finish_days：应为 1 到 365 的整数'],
    ['unknown urgency', ok('  - { code: A, name: 甲, department: X, limits: { fast: { sign_hours: 1 } } }'), 'A.limits.fast：未知的紧急程度'],
    ['urgent slower than normal', ok('  - { code: A, name: 甲, department: X, limits: { urgent: { finish_days: 30 } } }'), 'A.limits.urgent.finish_days：紧急件的办结时限不应长于一般件'],
    ['missing defaults', 'working_hours: ["08:30-12:00"]\ncategories:\n  - { code: A, name: 甲, department: X }', 'defaults：缺少默认时限'],
    ['empty categories', `${HEAD}categories: []`, 'categories：应为一级分类列表'],
    ['unknown category key', ok('  - { code: A, name: 甲, department: X, dept: Y }'), 'categories[0].dept：未知的键'],
  ];
  it.each(cases)('%s → refused with a Chinese message naming the line/key', (_name, text, expected) => {
    const { tree, issues } = parseCategories(text, 'c.yaml');
    expect(tree).toBeNull();
    expect(issues.map(formatCategoryIssue).join('\n')).toContain(expected);
  });

  it('a missing file and a wrong file are refused at load with every problem', () => {
    expect(() => loadCategoriesFile('/nonexistent/categories.yaml')).toThrow('诉求分类文件不存在');
    const good = readFileSync('data/categories.yaml', 'utf8');
    expect(parseCategories(good).issues).toEqual([]);
  });
});
