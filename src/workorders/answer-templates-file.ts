/** Reading the 常用语 file (data/answer-templates.yaml by default) for start-up; parsing and checks are pure (./answer-templates.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTemplateIssue, parseAnswerTemplates, type AnswerTemplates } from './answer-templates.js';
import type { CategoryTree } from './categories.js';

export class AnswerTemplatesError extends Error {}

/** The phrases of `file`, checked against the category tree; throws AnswerTemplatesError listing every problem (one per line). */
export function loadAnswerTemplatesFile(file: string, tree?: CategoryTree): AnswerTemplates {
  if (!existsSync(file)) throw new AnswerTemplatesError(`常用语文件不存在：${file}`);
  const { templates, issues } = parseAnswerTemplates(readFileSync(file, 'utf8'), file, tree?.categories);
  if (!templates) throw new AnswerTemplatesError(`常用语文件有误：\n${issues.map(formatTemplateIssue).join('\n')}`);
  return templates;
}

/** <data dir>/answer-templates.yaml when there is one, else the shipped default. */
export function answerTemplatesPath(dataDir: string, projectRoot: string): string {
  const own = join(dataDir, 'answer-templates.yaml');
  return existsSync(own) ? own : join(projectRoot, 'data', 'answer-templates.yaml');
}
