/** Reading the 常用语 file (data/answer-templates.yaml by default) for start-up; parsing and checks are pure (./answer-templates.ts). */
import { parseAnswerTemplates, type AnswerTemplates } from './answer-templates.js';
import type { CategoryTree } from './categories.js';
import { dataFilePath, readDataFile } from './data-files.js';

export class AnswerTemplatesError extends Error {}

/** The phrases of `file`, checked against the category tree; throws AnswerTemplatesError listing every problem (one per line). */
export function loadAnswerTemplatesFile(file: string, tree?: CategoryTree): AnswerTemplates {
  return readDataFile(file, '常用语文件', (text) => { const r = parseAnswerTemplates(text, file, tree?.categories); return { value: r.templates, issues: r.issues }; }, AnswerTemplatesError);
}

/** <data dir>/answer-templates.yaml when there is one, else the shipped default. */
export function answerTemplatesPath(dataDir: string, projectRoot: string): string {
  return dataFilePath('answer-templates.yaml', dataDir, projectRoot);
}
