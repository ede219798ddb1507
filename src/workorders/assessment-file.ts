/** Reading the assessment weights file (data/assessment.yaml by default) for start-up; parsing and checks are pure (./assessment.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatAssessmentIssue, parseAssessment, type AssessmentConfig } from './assessment.js';

export class AssessmentFileError extends Error {}

/** The weights of `file`; throws AssessmentFileError listing every problem (one per line) when the file is missing or wrong. */
export function loadAssessmentFile(file: string): AssessmentConfig {
  if (!existsSync(file)) throw new AssessmentFileError(`考核权重文件不存在：${file}`);
  const { config, issues } = parseAssessment(readFileSync(file, 'utf8'), file);
  if (!config) throw new AssessmentFileError(`考核权重文件有误：\n${issues.map(formatAssessmentIssue).join('\n')}`);
  return config;
}

/** <data dir>/assessment.yaml when there is one, else the shipped default. */
export function assessmentPath(dataDir: string, projectRoot: string): string {
  const own = join(dataDir, 'assessment.yaml');
  return existsSync(own) ? own : join(projectRoot, 'data', 'assessment.yaml');
}
