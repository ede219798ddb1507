/** Reading the categories file (data/categories.yaml by default) for start-up; parsing and checks are pure (./categories.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCategoryIssue, parseCategories, type CategoryTree } from './categories.js';

export class CategoriesError extends Error {}

/** The tree of `file`; throws CategoriesError listing every problem (one per line) when the file is missing or wrong. */
export function loadCategoriesFile(file: string): CategoryTree {
  if (!existsSync(file)) throw new CategoriesError(`诉求分类文件不存在：${file}`);
  const { tree, issues } = parseCategories(readFileSync(file, 'utf8'), file);
  if (!tree) throw new CategoriesError(`诉求分类文件有误：\n${issues.map(formatCategoryIssue).join('\n')}`);
  return tree;
}

/** The configured file, else <data dir>/categories.yaml, else the shipped default. */
export function categoriesPath(configured: string, dataDir: string, projectRoot: string): string {
  if (configured) return configured;
  const own = join(dataDir, 'categories.yaml');
  return existsSync(own) ? own : join(projectRoot, 'data', 'categories.yaml');
}
