/**
 * 常用语 (data/answer-templates.yaml): the answer phrases staff pick into 阶段性答复, 办结回复, 直办 and
 * 协办答复 — general ones plus a few per top-level 诉求分类. Pure parsing and checking, no I/O (the file
 * is read by ./answer-templates-file.ts). Every problem is reported in Chinese with the file, line and
 * key, so start-up can refuse a bad file with a message an administrator can act on.
 */
import { formatIssue, type DataFileIssue } from './file-issues.js';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';

export interface AnswerTemplates {
  /** 通用: offered on every order. */
  general: string[];
  /** Top-level category code → its phrases. */
  byCategory: ReadonlyMap<string, string[]>;
}

export interface AnswerTemplate { group: string; text: string }

export type TemplateIssue = DataFileIssue;

export const MAX_TEMPLATE_CHARS = 500;

export const formatTemplateIssue = formatIssue;

/**
 * Parse and check the templates file. `categories` (code → name, top-level and second-level) checks
 * the keys under `categories`: each must be a known top-level code. `templates` is null on any error.
 */
export function parseAnswerTemplates(text: string, file = 'answer-templates.yaml', categories?: ReadonlyMap<string, { parent: string | null }>): { templates: AnswerTemplates | null; issues: TemplateIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const issues: TemplateIssue[] = [];
  const lineOf = (n: Node | null | undefined): number | null => (n?.range ? lc.linePos(n.range[0]).line : null);
  const err = (n: Node | null | undefined, key: string, message: string) => { issues.push({ file, line: lineOf(n), key, message }); };
  for (const e of doc.errors) issues.push({ file, line: e.linePos?.[0]?.line ?? null, key: '', message: `YAML 语法错误：${e.message.split('\n')[0]}` });
  if (issues.length) return { templates: null, issues };
  const root = doc.contents;
  if (!isMap(root)) { err(root, '', '文件应为映射（general、categories）'); return { templates: null, issues }; }
  for (const p of root.items) {
    const k = String((p.key as { value?: unknown })?.value ?? p.key);
    if (!['general', 'categories'].includes(k)) err(p.key as Node, k, '未知的键（可用：general、categories）');
  }
  const phrases = (node: Node | undefined, key: string): string[] => {
    if (!isSeq(node) || node.items.length === 0) { err(node ?? root, key, '应为常用语列表（至少一条）'); return []; }
    const out: string[] = [];
    node.items.forEach((item, i) => {
      const v = isScalar(item) ? item.value : undefined;
      if (typeof v !== 'string' || !v.trim()) { err(item as Node, `${key}[${i}]`, '常用语应为非空文字'); return; }
      const s = v.trim();
      if ([...s].length > MAX_TEMPLATE_CHARS) { err(item as Node, `${key}[${i}]`, `常用语过长（${[...s].length} 字，最多 ${MAX_TEMPLATE_CHARS} 字）`); return; }
      if (out.includes(s)) { err(item as Node, `${key}[${i}]`, '常用语重复'); return; }
      out.push(s);
    });
    return out;
  };
  const general = root.has('general') ? phrases(root.get('general', true) as Node, 'general') : [];
  const byCategory = new Map<string, string[]>();
  const cats = root.get('categories', true) as Node | undefined;
  if (cats !== undefined) {
    if (!isMap(cats)) err(cats, 'categories', '应为映射：一级分类代码 → 常用语列表');
    else {
      for (const p of cats.items) {
        const code = String((p.key as { value?: unknown })?.value ?? '');
        const key = `categories.${code}`;
        const known = categories?.get(code);
        if (categories && !known) { err(p.key as Node, key, `未知的诉求分类代码“${code}”（见 categories.yaml）`); continue; }
        if (known?.parent) { err(p.key as Node, key, `常用语按一级分类配置：请写“${known.parent}”而不是二级分类“${code}”`); continue; }
        byCategory.set(code, phrases(p.value as Node, key));
      }
    }
  }
  if (!root.has('general') && !root.has('categories')) err(root, '', '至少应有 general 或 categories');
  if (issues.length) return { templates: null, issues };
  return { templates: { general, byCategory }, issues };
}

/** The phrases for an order of `category` (its top-level category's first, then the general ones). */
export function templatesFor(t: AnswerTemplates, category: string | null, groupName: (code: string) => string): AnswerTemplate[] {
  const top = category ? category.split('.')[0]! : null;
  const own = top ? (t.byCategory.get(top) ?? []).map((text) => ({ group: groupName(top), text })) : [];
  return [...own, ...t.general.map((text) => ({ group: '通用', text }))];
}
