/**
 * The 诉求分类 tree (data/categories.yaml): pure parsing and checking, no I/O (the file is read by
 * ./categories-file.ts). Two levels; each category has a default department code and time limits per
 * urgency (签收 in working hours, 办结 in working days), inherited from its parent, then from `defaults`.
 * Every problem is reported in Chinese with the file, line and key, so start-up can refuse a bad file
 * with a message an administrator can act on.
 */
import { formatIssue, type DataFileIssue } from './file-issues.js';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';

export const URGENCIES = ['normal', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const URGENCY_ZH: Record<Urgency, string> = { normal: '一般', urgent: '紧急' };

export interface Limits { signHours: number; finishDays: number }

export interface Category {
  code: string;
  name: string;
  /** 市场监管/食品安全 */
  path: string;
  parent: string | null;
  /** Default department code; null: the dispatcher chooses. */
  department: string | null;
  limits: Record<Urgency, Limits>;
  children: string[];
}

export interface CategoryTree {
  /** Working periods of a working day, minutes since local midnight: [[510, 720], [810, 1050]]. */
  workingHours: Array<[number, number]>;
  categories: ReadonlyMap<string, Category>;
  roots: string[];
  /** Limits of an item without a (known) category. */
  defaults: Record<Urgency, Limits>;
}

export type CategoryIssue = DataFileIssue;

export const formatCategoryIssue = formatIssue;

const CODE = /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)?$/;
const PERIOD = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;

/** Parse and check the categories file; `tree` is null when there is any error. */
export function parseCategories(text: string, file = 'categories.yaml'): { tree: CategoryTree | null; issues: CategoryIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const issues: CategoryIssue[] = [];
  const lineOf = (n: Node | null | undefined): number | null => (n?.range ? lc.linePos(n.range[0]).line : null);
  const err = (n: Node | null | undefined, key: string, message: string) => { issues.push({ file, line: lineOf(n), key, message }); };
  for (const e of doc.errors) issues.push({ file, line: e.linePos?.[0]?.line ?? null, key: '', message: `YAML 语法错误：${e.message.split('\n')[0]}` });
  if (issues.length) return { tree: null, issues };
  const root = doc.contents;
  if (!isMap(root)) { err(root, '', '文件应为映射（working_hours、defaults、categories）'); return { tree: null, issues }; }
  for (const p of root.items) {
    const k = String((p.key as { value?: unknown })?.value ?? p.key);
    if (!['working_hours', 'defaults', 'categories'].includes(k)) err(p.key as Node, k, '未知的键（可用：working_hours、defaults、categories）');
  }

  // working hours
  const workingHours: Array<[number, number]> = [];
  const wh = root.get('working_hours', true) as Node | undefined;
  if (!isSeq(wh) || wh.items.length === 0) err(wh ?? root, 'working_hours', '应为工作时段列表，如 ["08:30-12:00", "13:30-17:30"]');
  else {
    for (const item of wh.items) {
      const s = String((item as { value?: unknown }).value ?? '');
      const m = PERIOD.exec(s);
      const a = m ? Number(m[1]) * 60 + Number(m[2]) : NaN, b = m ? Number(m[3]) * 60 + Number(m[4]) : NaN;
      if (!m || Number(m[2]) > 59 || Number(m[4]) > 59 || a >= b || b > 24 * 60) { err(item as Node, 'working_hours', `工作时段“${s}”无效（应为 HH:mm-HH:mm，开始早于结束）`); continue; }
      const prev = workingHours[workingHours.length - 1];
      if (prev && a < prev[1]) { err(item as Node, 'working_hours', `工作时段“${s}”与前一时段重叠或顺序颠倒`); continue; }
      workingHours.push([a, b]);
    }
  }

  const readLimits = (node: Node | undefined, key: string, base: Record<Urgency, Limits> | null): Record<Urgency, Limits> | null => {
    if (node === undefined) return base;
    if (!isMap(node)) { err(node, key, '应为映射（normal 一般 / urgent 紧急）'); return null; }
    const out = {} as Record<Urgency, Limits>;
    let ok = true;
    for (const p of node.items) {
      const u = String((p.key as { value?: unknown })?.value);
      if (!(URGENCIES as readonly string[]).includes(u)) { err(p.key as Node, `${key}.${u}`, '未知的紧急程度（可用：normal 一般、urgent 紧急）'); ok = false; }
    }
    for (const u of URGENCIES) {
      const m = node.get(u, true) as Node | undefined;
      const b = base?.[u];
      if (m === undefined) { if (b) { out[u] = b; continue; } err(node, `${key}.${u}`, `缺少“${URGENCY_ZH[u]}”（${u}）的时限`); ok = false; continue; }
      if (!isMap(m)) { err(m, `${key}.${u}`, '应为 { sign_hours: 签收工作小时, finish_days: 办结工作日 }'); ok = false; continue; }
      for (const p of m.items) {
        const f = String((p.key as { value?: unknown })?.value);
        if (f !== 'sign_hours' && f !== 'finish_days') { err(p.key as Node, `${key}.${u}.${f}`, '未知的键（可用：sign_hours、finish_days）'); ok = false; }
      }
      const num = (f: 'sign_hours' | 'finish_days', fallback: number | undefined, max: number): number => {
        const n = m.get(f, true) as Node | undefined;
        if (n === undefined) {
          if (fallback !== undefined) return fallback;
          err(m, `${key}.${u}.${f}`, f === 'sign_hours' ? '缺少签收时限（工作小时）' : '缺少办结时限（工作日）'); ok = false; return 0;
        }
        const v = (n as { value?: unknown }).value;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
          err(n, `${key}.${u}.${f}`, `应为 1 到 ${max} 的整数${f === 'sign_hours' ? '（工作小时）' : '（工作日）'}，而不是“${String(v)}”`); ok = false; return 0;
        }
        return v;
      };
      out[u] = { signHours: num('sign_hours', b?.signHours, 200), finishDays: num('finish_days', b?.finishDays, 365) };
    }
    if (ok && out.urgent.signHours > out.normal.signHours) err(node, `${key}.urgent.sign_hours`, '紧急件的签收时限不应长于一般件');
    if (ok && out.urgent.finishDays > out.normal.finishDays) err(node, `${key}.urgent.finish_days`, '紧急件的办结时限不应长于一般件');
    return ok ? out : null;
  };

  const defaults = readLimits(root.get('defaults', true) as Node | undefined ?? undefined, 'defaults', null);
  if (!root.has('defaults')) err(root, 'defaults', '缺少默认时限 defaults（normal / urgent 的 sign_hours、finish_days）');

  const categories = new Map<string, Category>();
  const roots: string[] = [];
  const names = new Map<string, string>();
  const readCategory = (node: Node, parent: Category | null, idx: number) => {
    const where = parent ? `${parent.code}.children[${idx}]` : `categories[${idx}]`;
    if (!isMap(node)) { err(node, where, '应为映射（code、name、department、limits、children）'); return; }
    for (const p of node.items) {
      const k = String((p.key as { value?: unknown })?.value);
      if (!['code', 'name', 'department', 'limits', 'children'].includes(k)) err(p.key as Node, `${where}.${k}`, '未知的键（可用：code、name、department、limits、children）');
    }
    const codeNode = node.get('code', true) as Node | undefined;
    const code = String((codeNode as { value?: unknown } | undefined)?.value ?? '');
    const key = code || where;
    if (!code) { err(node, `${where}.code`, '缺少分类代码 code'); return; }
    if (!CODE.test(code)) { err(codeNode, `${key}.code`, '分类代码应为大写字母、数字、下划线（二级分类为“上级代码.子代码”）'); return; }
    if (parent && !code.startsWith(parent.code + '.')) err(codeNode, `${key}.code`, `二级分类代码应以“${parent.code}.”开头`);
    if (!parent && code.includes('.')) err(codeNode, `${key}.code`, '一级分类代码不能含“.”');
    if (categories.has(code)) { err(codeNode, `${key}.code`, '分类代码重复'); return; }
    const nameNode = node.get('name', true) as Node | undefined;
    const name = String((nameNode as { value?: unknown } | undefined)?.value ?? '').trim();
    if (!name) err(node, `${key}.name`, '缺少分类名称 name');
    const path = parent ? `${parent.name}/${name}` : name;
    if (name && names.has(path)) err(nameNode, `${key}.name`, `分类名称“${path}”与 ${names.get(path)} 重复`);
    names.set(path, code);
    const deptNode = node.get('department', true) as Node | undefined;
    let department: string | null = parent ? parent.department : null;
    if (deptNode !== undefined) {
      const v = (deptNode as { value?: unknown }).value;
      if (v === null || v === '') department = null;
      else if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v)) err(deptNode, `${key}.department`, '部门代码应为字母、数字（空 = 由派单员选择）');
      else department = v;
    } else if (!parent) err(node, `${key}.department`, '缺少默认承办部门 department（空字符串 = 由派单员选择）');
    const limits = readLimits(node.get('limits', true) as Node | undefined, `${key}.limits`, parent ? parent.limits : defaults);
    const cat: Category = { code, name, path, parent: parent?.code ?? null, department, limits: limits ?? (defaults as Record<Urgency, Limits>), children: [] };
    categories.set(code, cat);
    if (parent) parent.children.push(code); else roots.push(code);
    const ch = node.get('children', true) as Node | undefined;
    if (ch !== undefined) {
      if (parent) { err(ch, `${key}.children`, '分类只有两级：二级分类不能再有 children'); return; }
      if (!isSeq(ch)) { err(ch, `${key}.children`, '应为二级分类列表'); return; }
      ch.items.forEach((c, i) => readCategory(c as Node, cat, i));
    }
  };
  const cats = root.get('categories', true) as Node | undefined;
  if (!isSeq(cats) || cats.items.length === 0) err(cats ?? root, 'categories', '应为一级分类列表（至少一项）');
  else cats.items.forEach((c, i) => readCategory(c as Node, null, i));

  if (issues.length || !defaults) return { tree: null, issues };
  return { tree: { workingHours, categories, roots, defaults }, issues };
}

/** Department codes the tree names that are not known departments (a warning at start, not an error: departments are added later). */
export function unknownDepartments(tree: CategoryTree, known: ReadonlySet<string>): Array<{ category: string; department: string }> {
  const out: Array<{ category: string; department: string }> = [];
  for (const c of tree.categories.values()) if (c.department && !known.has(c.department) && (!c.parent || tree.categories.get(c.parent)!.department !== c.department)) out.push({ category: c.code, department: c.department });
  return out;
}

/** The limits for a category and urgency; no or an unknown category: the file's defaults. */
export function limitsFor(tree: CategoryTree, category: string | null, urgency: Urgency): Limits {
  const c = category ? tree.categories.get(category) : undefined;
  return (c?.limits ?? tree.defaults)[urgency];
}
