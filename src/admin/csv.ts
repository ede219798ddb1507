/**
 * CSV for spreadsheet export (RFC 4180 quoting), with a guard against formula injection: a cell a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading apostrophe.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !(typeof v === 'number')) s = "'" + s;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text with CRLF line ends and a UTF-8 BOM (so Excel reads the Chinese correctly). */
export function toCsv(rows: unknown[][]): string {
  return '\uFEFF' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
