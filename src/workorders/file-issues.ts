/** A problem found in one of the start-up data files (categories, 常用语, assessment weights): pure. */
export interface DataFileIssue { file: string; line: number | null; key: string; message: string }

/** `file:line：key：message` — the line and key when known. */
export function formatIssue(i: DataFileIssue): string {
  return `${i.file}${i.line ? `:${i.line}` : ''}：${i.key ? `${i.key}：` : ''}${i.message}`;
}
