/** Reading the assessment weights file (data/assessment.yaml by default) for start-up; parsing and checks are pure (./assessment.ts). */
import { parseAssessment, type AssessmentConfig } from './assessment.js';
import { dataFilePath, readDataFile } from './data-files.js';

export class AssessmentFileError extends Error {}

/** The weights of `file`; throws AssessmentFileError listing every problem (one per line) when the file is missing or wrong. */
export function loadAssessmentFile(file: string): AssessmentConfig {
  return readDataFile(file, '考核权重文件', (text) => { const r = parseAssessment(text, file); return { value: r.config, issues: r.issues }; }, AssessmentFileError);
}

/** <data dir>/assessment.yaml when there is one, else the shipped default. */
export function assessmentPath(dataDir: string, projectRoot: string): string {
  return dataFilePath('assessment.yaml', dataDir, projectRoot);
}
