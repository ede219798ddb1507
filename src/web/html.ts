/**
 * HTML building for the public pages: every interpolated value is escaped unless it is already
 * `Html` (built by `html` itself or `raw` on a constant). Citizen and department text can therefore
 * never become markup.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escape text for element content and quoted attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"'`]/g, (c) => ESC[c]);
}

/** Trusted markup (constants of this module's callers only, never input). */
export function raw(s: string): Html { return new Html(s); }

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(p);
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes text; nested html`` and arrays of it pass through. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Line breaks of citizen text kept, everything else escaped. */
export function multiline(s: string | null | undefined): Html {
  return new Html(escapeHtml(s ?? '').replace(/\r?\n/g, '<br>'));
}
