/**
 * A mail's HTML body to plain text for the work order: scripts, styles and comments removed with their
 * content, block elements become line breaks, every other tag is dropped, entities decoded, blank runs
 * collapsed. The result is only ever shown as text (the panel escapes it). Pure.
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ensp: ' ', emsp: ' ', thinsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', middot: '·', bull: '•', times: '×', divide: '÷',
  yen: '¥', euro: '€', deg: '°', laquo: '«', raquo: '»', shy: '',
};

/** Decode HTML character references (named, decimal, hex); an unknown or invalid one stays as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(cp) || cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(cp);
    }
    const v = NAMED[ref.toLowerCase()];
    return v === undefined ? whole : v;
  });
}

const BLOCK = /<\/?(p|div|br|tr|table|h[1-6]|ul|ol|blockquote|pre|section|article|header|footer|hr)\b[^>]*>/gi;

export function htmlToText(html: string, maxChars = 20_000): string {
  let s = html.slice(0, maxChars * 20);
  s = s.replace(/<!--[\s\S]*?(-->|$)/g, '');
  s = s.replace(/<(script|style|head|title|noscript|template|iframe|object|svg)\b[\s\S]*?(<\/\1\s*>|$)/gi, '');
  s = s.replace(/<li\b[^>]*>/gi, '\n• ');
  s = s.replace(/<\/(td|th)\s*>/gi, ' ');
  s = s.replace(BLOCK, '\n');
  s = s.replace(/<\/?[a-z!?/][^>]*>/gi, '');
  s = decodeEntities(s);
  return tidyText(s, maxChars);
}

/** Line ends unified, trailing blanks cut, at most one empty line in a row, at most maxChars (code points). */
export function tidyText(s: string, maxChars = 20_000): string {
  const lines = s.replace(/\r\n?/g, '\n').replace(/[\t\u00a0 ]+/g, ' ').split('\n').map((l) => l.trim());
  const out: string[] = [];
  for (const l of lines) if (l || (out.length && out[out.length - 1])) out.push(l);
  while (out.length && !out[out.length - 1]) out.pop();
  const text = out.join('\n');
  const cps = Array.from(text);
  return cps.length > maxChars ? `${cps.slice(0, maxChars - 1).join('')}…` : text;
}
