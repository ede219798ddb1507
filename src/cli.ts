/**
 * The `hotline` command: start | migrate | dept add|list|rotate-key | demo-data | config | audit verify
 * (channels add: sms preview, flow check, user add).
 */
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig, redactConfig, type Config } from './config/index.js';
import { migrateSqliteFile, SchemaTooNewError } from './store/index.js';
import { addDepartment, rotateDepartmentKey } from './departments.js';
import { createContext, openStore } from './services.js';
import type { DataStore } from './store/ports.js';
import { seedDemoData } from './demo/demo-data.js';
import { startServer, onSimulators, type RunningServer } from './app.js';
import { registerAdminCommands, demoLogins } from './admin/index.js';
import { registerVoiceCommands } from './voice/channel.js';
import { DEMO_CODES } from './demo/demo-data.js';
import { createLogger, type Level } from './log.js';
import { loadTemplates, previewTemplate, parseVarArgs } from './sms/templates/index.js';
import { resolve } from 'node:path';
import { nationalDisplay } from './domain/phone.js';

const USAGE = `hotline — 96365 citizen hotline channel server

  hotline start                      start the server (simulators when no Asterisk/SMSC configured)
  hotline migrate                    apply database migrations
  hotline dept add <code> <name> [--contact <phone>]
                                     add a department; prints its API key once on stdout
  hotline dept list                  list departments
  hotline dept rotate-key <code>     issue a new API key (the old one stops working)
  hotline demo-data                  load demo departments, declarations and feedback
  hotline config                     print every config key (env name, default, meaning)
  hotline audit verify               check the audit log's hash chain
  hotline sms preview <template> [name=value …]
                                     print a template's text, encoding and segment count
  hotline sms templates              list the SMS templates
  hotline tts check                  check that the configured TTS voice speaks Mandarin (exit 1 if not)
  hotline tts say <text> [--out file.wav]
                                     render any text as the prompts are (8 kHz WAV) to listen to it
`;

/** The configured store, migrated (PostgreSQL) and ready for a CLI command. */
async function readyStore(config: Config): Promise<DataStore> {
  const store = openStore(config);
  try { await store.prepare(); } catch (e) { await store.close(); throw e; }
  return store;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) { const v = args[i + 1]; args.splice(i, 2); return v; }
  return undefined;
}

export type CliCommand = (args: string[], config: Config) => Promise<number>;
/** Commands contributed by channels (sms preview, flow check, user add…). */
export const extraCommands = new Map<string, CliCommand>();
registerAdminCommands(extraCommands);
registerVoiceCommands(extraCommands);

/** The first lines a person sees after `npm start`. */
export function startupBanner(server: RunningServer): string {
  const sim = onSimulators(server.ctx.config);
  const lines = [
    '',
    `96365 市民热线 channel server — listening on ${server.url}`,
    sim ? '  模拟模式 DEMO: no Asterisk (HOTLINE_ARI_URL) and no SMSC (HOTLINE_SMPP_HOST) configured — running on the built-in ARI and SMSC simulators with demo data.' : `  Asterisk ARI: ${server.ctx.config.ari.url || 'simulator'} · SMSC: ${server.ctx.config.smpp.host ? `${server.ctx.config.smpp.host}:${server.ctx.config.smpp.port}` : 'simulator'}`,
    `  管理面板 Admin panel: ${server.url}/admin/`,
  ];
  if (server.channels.admin.demo) {
    lines.push(`  演示登录 Demo logins: ${demoLogins().map((l) => `${l.username} / ${l.password} (${l.role})`).join(', ')}`);
    lines.push(`  演示查询码 Demo query codes: ${Object.values(DEMO_CODES).join(', ')} — try the 测试电话 Test phone page`);
  }
  lines.push(`  Department API: ${server.url}/api/v1 (OpenAPI: ${server.url}/api/docs/openapi.json) · health: ${server.url}/health`, '');
  return lines.join('\n');
}

/** `hotline migrate` on PostgreSQL (HOTLINE_DATA_URL): the same output and refusal as on SQLite. */
async function migratePostgres(url: string): Promise<number> {
  const { createPool, migratePg } = await import('./store/pg/index.js');
  const pool = createPool(url, { max: 1 });
  try {
    const r = await migratePg(pool);
    process.stdout.write(r.applied.length ? `migrated ${r.from} → ${r.to}: ${r.applied.join(', ')}\n` : `schema is current (version ${r.to})\n`);
    return 0;
  } catch (e) {
    if (e instanceof SchemaTooNewError) throw e;
    process.stderr.write(`hotline migrate: PostgreSQL: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await pool.end();
  }
}

/**
 * SIGTERM / SIGINT: an orderly shutdown in this process — the HTTP port closes (no new API calls,
 * no new media), calls in progress are hung up, the SMS dispatcher finishes its current commit and
 * the SMPP link unbinds, the ARI socket closes, the store closes, the data-directory lock is
 * released; then exit 0. A second signal, or 20 s without finishing, exits at once (code 1).
 */
export function installShutdown(server: RunningServer, log: ReturnType<typeof createLogger>, graceMs = 20_000): (sig: string) => void {
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) {
      log.warn(`${sig} again: exiting without finishing the shutdown`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${sig}: 正在停止 / shutting down (no new calls or messages; finishing what is in progress)`);
    const force = setTimeout(() => { log.error(`shutdown did not finish within ${graceMs / 1000} s: exiting`); process.exit(1); }, graceMs);
    force.unref();
    server.stop().then(() => {
      log.info('已停止 / stopped: HTTP closed, calls ended, SMPP unbound, ARI left, store closed, data directory unlocked');
      process.exit(0);
    }, (e) => {
      log.error('shutdown failed', { error: (e as Error).message });
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return shutdown;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') { process.stdout.write(USAGE); return 0; }
  let config: Config;
  try { config = loadConfig(); } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(e.message + '\n'); return 2; }
    throw e;
  }
  const extra = extraCommands.get(`${cmd} ${sub ?? ''}`.trim()) ?? extraCommands.get(cmd);
  if (extra) return extra(extraCommands.has(cmd) && !extraCommands.has(`${cmd} ${sub ?? ''}`.trim()) ? [sub, ...rest].filter((x) => x !== undefined) : rest, config);
  switch (cmd) {
    case 'start': {
      const log = createLogger(config.log.level as Level);
      // A signal during start-up is not a kill: it is held and the server stops in order once it is up
      // (a second one exits at once).
      let early: string | null = null;
      const hold = (sig: string) => { if (early) process.exit(1); early = sig; log.info(`${sig}: 启动完成后停止 / will stop once started`); };
      const onInt = () => hold('SIGINT'), onTerm = () => hold('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      let server: RunningServer;
      try { server = await startServer(config, { log }); } catch (e) {
        // One clear line for what stops start-up (bad template, flow error, port in use, newer database…).
        process.stderr.write(`hotline: start-up failed: ${(e as Error).message}\n`);
        if (config.log.level === 'debug') process.stderr.write(`${(e as Error).stack}\n`);
        return 1;
      }
      log.info(`listening on ${server.url}`, { config: redactConfig(config).http, pid: process.pid, instance: server.ctx.instance });
      process.stdout.write(startupBanner(server) + '\n');
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      const shutdown = installShutdown(server, log);
      if (early) shutdown(early);
      return -1; // keep running
    }
    case 'migrate': {
      if (config.data.url) return migratePostgres(config.data.url);
      const r = migrateSqliteFile(join(config.data.dir, 'hotline.db'));
      process.stdout.write(r.applied.length ? `migrated ${r.from} → ${r.to}: ${r.applied.join(', ')}\n` : `schema is current (version ${r.to})\n`);
      return 0;
    }
    case 'dept': {
      const store = await readyStore(config);
      try {
        if (sub === 'add') {
          const args = [...rest];
          const contact = flag(args, '--contact') ?? null;
          const [code, ...nameParts] = args;
          if (!code || nameParts.length === 0) { process.stderr.write('usage: hotline dept add <code> <name> [--contact <phone>]\n'); return 2; }
          const { department, apiKey } = await addDepartment(store, code, nameParts.join(' '), contact);
          process.stderr.write(`department ${department.code} (${department.name}) added; its API key follows (shown once):\n`);
          process.stdout.write(apiKey + '\n');
          return 0;
        }
        if (sub === 'list') {
          for (const d of await store.departments.all()) process.stdout.write(`${d.code}\t${d.name}\t${d.contactPhone ? nationalDisplay(d.contactPhone) : ''}\n`);
          return 0;
        }
        if (sub === 'rotate-key' && rest[0]) { process.stdout.write(await rotateDepartmentKey(store, rest[0]) + '\n'); return 0; }
        process.stderr.write(USAGE); return 2;
      } catch (e) { process.stderr.write(`${(e as Error).message}\n`); return 1; } finally { await store.close(); }
    }
    case 'demo-data': {
      const ctx = createContext(config, { log: createLogger('warn'), store: await readyStore(config) });
      const r = await seedDemoData(ctx);
      if (!r.created) process.stdout.write('demo data already present\n');
      for (const d of r.departments) process.stdout.write(`department ${d.code} ${d.name} api key: ${d.apiKey}\n`);
      process.stdout.write(`demo query codes: ${Object.values(r.codes).join(' ')}\n`);
      await ctx.store.close();
      return 0;
    }
    case 'config': process.stdout.write(describeConfig() + '\n'); return 0;
    case 'sms': {
      let templates;
      try { templates = loadTemplates(resolve(config.sms.templates_dir), { maxSegments: config.sms.max_segments }); } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`); return 1;
      }
      if (sub === 'templates') { process.stdout.write(templates.names().join('\n') + '\n'); return 0; }
      if (sub === 'preview' && rest[0]) {
        if (!templates.has(rest[0])) { process.stderr.write(`unknown template ${rest[0]} (hotline sms templates lists them)\n`); return 2; }
        const p = previewTemplate(templates, rest[0], parseVarArgs(rest.slice(1)));
        process.stdout.write(`${p.text}\n---\nencoding: ${p.encoding}  length: ${p.units} ${p.encoding === 'gsm7' ? 'septets' : 'UCS2 units'}  segments: ${p.segments} (limit ${p.maxSegments})${p.overLimit ? '  OVER THE LIMIT' : ''}\n`);
        return p.overLimit ? 1 : 0;
      }
      process.stderr.write(USAGE); return 2;
    }
    case 'audit': {
      if (sub !== 'verify') { process.stderr.write(USAGE); return 2; }
      const store = await readyStore(config);
      const r = await store.audit.verify();
      await store.close();
      if (r.ok) { process.stdout.write(`audit log ok: ${r.entries} entries, chain intact\n`); return 0; }
      process.stdout.write(`audit log BROKEN at entry ${r.badId}: ${r.reason}\n`);
      return 1;
    }
    default:
      process.stderr.write(`unknown command: ${cmd}\n\n${USAGE}`);
      return 2;
  }
}

/** Run the CLI in this process and exit with its code (`start` keeps running until a signal). */
export function run(argv: string[]): void {
  main(argv).then((code) => { if (code >= 0) process.exit(code); }).catch((e) => {
    if (e instanceof SchemaTooNewError || e instanceof ConfigError) { process.stderr.write(`${e.message}\n`); process.exit(2); }
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) run(process.argv.slice(2));
