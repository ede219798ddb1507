/**
 * Reading the flow directory (ivr-flows/): the prompt catalogue and every flow file, parsed and
 * checked by the pure loader (flow/loader.ts). Used at start-up and by `hotline flow check`.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatIssue, parseFlow, parsePromptCatalogue, type FlowCheckOptions, type FlowCheckReport, type FlowIssue, type LoadedFlows, type PromptCatalogue } from './flow/index.js';

export function loadPromptCatalogue(path: string): { catalogue: PromptCatalogue; issues: FlowIssue[] } {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    return { catalogue: { locale: 'zh-CN', file: path, prompts: {} }, issues: [{ file: path, severity: 'error', message: `cannot read: ${(e as Error).message}` }] };
  }
  return parsePromptCatalogue(text, path);
}

// ───────────────────────────── directories ─────────────────────────────

/** Flow files of a directory: *.yaml / *.yml except prompt catalogues (prompts.*.yaml). */
export function flowFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f) && !/^prompts\./i.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Load and check every flow of a directory. Flows with errors are left out of `flows`. */
export function loadFlows(dir: string, opts: FlowCheckOptions = {}): LoadedFlows {
  const out: LoadedFlows = { flows: {}, errors: [], warnings: [] };
  let files: string[];
  try { files = flowFiles(dir); } catch (e) {
    out.errors.push({ file: dir, severity: 'error', message: `cannot read flow directory: ${(e as Error).message}` });
    return out;
  }
  if (files.length === 0) out.errors.push({ file: dir, severity: 'error', message: 'no flow files (*.yaml)' });
  for (const path of files) {
    const { flow, issues } = parseFlow(readFileSync(path, 'utf8'), basename(path), opts);
    for (const i of issues) (i.severity === 'error' ? out.errors : out.warnings).push(i);
    if (flow) {
      if (out.flows[flow.id]) out.errors.push({ file: basename(path), severity: 'error', message: `flow id "${flow.id}" is already used by ${out.flows[flow.id].file}` });
      else out.flows[flow.id] = flow;
    }
  }
  return out;
}

/**
 * `hotline flow check`: load the prompt catalogue of the directory (prompts.<locale>.yaml) unless
 * given, then every flow. ok = no errors (warnings are printed but do not fail).
 */
export function checkFlows(dir: string, opts: FlowCheckOptions & { locale?: string } = {}): FlowCheckReport {
  let catalogue: PromptCatalogue | null = null;
  const pre: FlowIssue[] = [];
  let prompts = opts.prompts;
  if (!prompts) {
    const path = join(dir, `prompts.${opts.locale ?? 'zh-CN'}.yaml`);
    if (existsSync(path)) {
      const r = loadPromptCatalogue(path);
      catalogue = r.catalogue;
      pre.push(...r.issues.map((i) => ({ ...i, file: basename(i.file) })));
      prompts = r.catalogue.prompts;
    } else {
      pre.push({ file: basename(path), severity: 'error', message: 'prompt catalogue not found' });
    }
  }
  const loaded = loadFlows(dir, { ...opts, prompts });
  loaded.errors.unshift(...pre.filter((i) => i.severity === 'error'));
  loaded.warnings.unshift(...pre.filter((i) => i.severity === 'warning'));
  const lines = [...loaded.errors, ...loaded.warnings].map(formatIssue);
  const ok = loaded.errors.length === 0;
  lines.push(ok
    ? `流程检查通过 flow check ok: ${Object.keys(loaded.flows).length} flow(s), ${Object.keys(catalogue?.prompts ?? {}).length} prompt(s)`
    : `流程检查失败 flow check failed: ${loaded.errors.length} error(s)`);
  return { ...loaded, ok, catalogue, report: lines.join('\n') };
}
