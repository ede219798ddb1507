/** Reading the categories file (data/categories.yaml by default) for start-up; parsing and checks are pure (./categories.ts). */
import { parseCategories, type CategoryTree } from './categories.js';
import { dataFilePath, readDataFile } from './data-files.js';

export class CategoriesError extends Error {}

/** The tree of `file`; throws CategoriesError listing every problem (one per line) when the file is missing or wrong. */
export function loadCategoriesFile(file: string): CategoryTree {
  return readDataFile(file, '诉求分类文件', (text) => { const r = parseCategories(text, file); return { value: r.tree, issues: r.issues }; }, CategoriesError);
}

/** The configured file, else <data dir>/categories.yaml, else the shipped default. */
export function categoriesPath(configured: string, dataDir: string, projectRoot: string): string {
  return dataFilePath('categories.yaml', dataDir, projectRoot, configured);
}
