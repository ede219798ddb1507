/**
 * The panel's browser files (plain ES modules and CSS, no build step) from src/admin/static/. They
 * are read once at start into memory; a request can only name a file in that list, so no path
 * from a URL ever reaches the file system.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json; charset=utf-8',
};

export interface StaticFile { body: Buffer; type: string; etag: string }

/** The static dir next to this module (src/admin/static), or the source copy when running from dist/. */
export function staticDir(): string {
  const here = fileURLToPath(new URL('./static/', import.meta.url));
  if (existsSync(here)) return here;
  return resolve(fileURLToPath(new URL('../../src/admin/static/', import.meta.url)));
}

export function loadStaticFiles(dir = staticDir()): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(p);
      files.set(relative(dir, p).split(sep).join('/'), { body, type, etag: '"' + createHash('sha1').update(body).digest('base64url').slice(0, 16) + '"' });
    }
  };
  walk(dir);
  return files;
}

/** Content-Security-Policy for the panel: nothing but our own files; no inline script, no eval. */
export const PANEL_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "media-src 'self' blob:",
  "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');
