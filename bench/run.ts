/**
 * `npm run bench [-- name…]`: runs each bench/*.bench.ts in its own process (so RSS and timings are
 * per benchmark) and prints their figures. Benchmarks measure; they never fail a build.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, f)], { stdio: 'inherit', env: { ...process.env, HOTLINE_LOG_LEVEL: process.env.HOTLINE_LOG_LEVEL ?? 'warn' } });
  if (r.status !== 0) console.log(`(${f} exited with ${r.status})`);
}
