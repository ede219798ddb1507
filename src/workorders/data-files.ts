/** Reading the start-up data files (adapter): the path rule and the missing/invalid errors they share. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, type DataFileIssue } from './file-issues.js';

/** `configured` when set, else <data dir>/<name> when there is one, else the shipped data/<name>. */
export function dataFilePath(name: string, dataDir: string, projectRoot: string, configured = ''): string {
  if (configured) return configured;
  const own = join(dataDir, name);
  return existsSync(own) ? own : join(projectRoot, 'data', name);
}

/** The parsed value of `file`; throws `Err` naming the file (`what`: 诉求分类文件…) and every problem, one per line. */
export function readDataFile<T>(file: string, what: string, parse: (text: string) => { value: T | null; issues: DataFileIssue[] },
  Err: new (message: string) => Error): T {
  if (!existsSync(file)) throw new Err(`${what}不存在：${file}`);
  const { value, issues } = parse(readFileSync(file, 'utf8'));
  if (!value) throw new Err(`${what}有误：\n${issues.map(formatIssue).join('\n')}`);
  return value;
}
