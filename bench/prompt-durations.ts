/**
 * Seconds per prompt as a caller hears them: renders every catalogue prompt and every literal flow
 * text through the prompt pipeline (the configured TTS voice and speed, 8 kHz) into a temp dir and
 * prints the duration of each, plus the sequences a caller hears back to back.
 *
 *   npx tsx bench/prompt-durations.ts [--voice V] [--speed WPM] [--flows DIR]
 *
 * Needs espeak-ng. Not part of `npm run bench` (it measures prompts, not the server).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPromptCatalogue } from '../src/voice/flow-files.js';
import { EspeakNgEngine, PromptCache, wavInfo } from '../src/voice/tts/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const flowsDir = arg('flows') ?? 'ivr-flows';
const voice = arg('voice');
const speedArg = arg('speed');
const engine = new EspeakNgEngine({ ...(voice ? { voice } : {}), ...(speedArg ? { speed: Number(speedArg) } : {}) });
const dir = mkdtempSync(join(tmpdir(), 'hotline-prompt-durations-'));
const cache = new PromptCache({ engine, dir, concurrency: 2, log: { warn: (m) => console.error(m) } });

const { catalogue, issues } = loadPromptCatalogue(join(flowsDir, 'prompts.zh-CN.yaml'));
for (const i of issues) console.error(i.message);
const seconds = new Map<string, number>();
async function dur(text: string): Promise<number> {
  const c = await cache.get(text);
  return wavInfo(readFileSync(c.path)).durationSec;
}

try {
  const names = Object.keys(catalogue.prompts).filter((n) => !/^(digit|num|date)_/.test(n));
  for (const n of names) seconds.set(n, await dur(catalogue.prompts[n]));
  const digit = async (d: string) => dur(catalogue.prompts[`digit_${d}`]);
  const ref = '202612020001';
  let refSec = 0;
  for (const d of ref) refSec += await digit(d);
  console.log(`engine ${engine.name} voice ${engine.voice} speed ${speedArg ?? '(default)'}`);
  console.log('prompt'.padEnd(24) + 'seconds  text');
  for (const n of names) console.log(`${n.padEnd(24)}${seconds.get(n)!.toFixed(1).padStart(7)}  ${catalogue.prompts[n]}`);
  const s = (n: string) => seconds.get(n) ?? 0;
  console.log('--- sequences ---');
  console.log(`${'welcome + main_menu'.padEnd(24)}${(s('welcome') + s('main_menu')).toFixed(1).padStart(7)}`);
  console.log(`${'ref 12 digit prompts'.padEnd(24)}${refSec.toFixed(1).padStart(7)}  ${ref}`);
  console.log(`${'submit_ok (whole)'.padEnd(24)}${(s('feedback_received') + refSec + s('ref_repeat') + refSec + s('sms_confirm_note')).toFixed(1).padStart(7)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
