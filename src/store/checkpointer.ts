/**
 * WAL checkpoints off the main thread.
 *
 * With `synchronous=NORMAL` a WAL commit does not fsync; the checkpoint that copies the WAL back into
 * the database file does. SQLite's auto-checkpoint runs it inside whichever commit crosses 1,000 pages —
 * on the main thread, where it stalled the event loop (measured: 620 fsyncs, 4.35 s of a 25.6 s MT run,
 * up to 49 ms each). Here the main connection turns auto-checkpoint off and a worker thread with its own
 * connection to the same file runs `PRAGMA wal_checkpoint(PASSIVE)` on a timer (PASSIVE never blocks
 * the writer; a later commit restarts the WAL from its beginning once a checkpoint has caught up).
 *
 * If the worker cannot start or dies, the main connection gets its auto-checkpoint back, so the WAL
 * never grows without bound.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

const require = createRequire(import.meta.url);

/** The worker's body (CommonJS, evaluated): its own connection, a checkpoint per tick, results posted back. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let stopping = false;
function tick() {
  if (stopping) return;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0] || {};
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String(e && e.code || e && e.message || e) });
  }
  setTimeout(tick, workerData.everyMs);
}
parentPort.on('message', (m) => { if (m === 'stop') { stopping = true; try { db.close(); } catch {} parentPort.close(); } });
setTimeout(tick, workerData.everyMs);
`;

export const AUTO_CHECKPOINT_PAGES = 1000;

/** `caughtUp`: the last checkpoint copied every WAL frame back (the next commit rewinds the WAL). */
export interface CheckpointStats { runs: number; failures: number; lastError: string | null; lastWalPages: number; caughtUp: boolean }

export class BackgroundCheckpointer {
  readonly stats: CheckpointStats = { runs: 0, failures: 0, lastError: null, lastWalPages: 0, caughtUp: false };
  private worker: Worker | null = null;
  private stopped = false;

  constructor(private readonly db: Database.Database, private readonly file: string, private readonly everyMs = 500) {}

  start(): void {
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, everyMs: this.everyMs, driver: require.resolve('better-sqlite3') } });
      w.unref();
      w.on('message', (m: { ok: boolean; log?: number; checkpointed?: number; error?: string }) => {
        if (m.ok) { this.stats.runs++; this.stats.lastWalPages = m.log ?? 0; this.stats.caughtUp = m.log === m.checkpointed; } else { this.stats.failures++; this.stats.lastError = m.error ?? 'error'; }
      });
      w.on('error', (e) => { this.stats.lastError = e.message; this.fallBack(); });
      w.on('exit', () => { if (!this.stopped) this.fallBack(); });
      this.worker = w;
    } catch (e) {
      this.stats.lastError = (e as Error).message;
      this.fallBack();
    }
  }

  /** The worker is gone: the main connection checkpoints again, as SQLite does by default. */
  private fallBack(): void {
    this.worker = null;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }

  get running(): boolean { return this.worker !== null; }

  /** Stop the worker; closing the main connection afterwards checkpoints what is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { void w.terminate().finally(resolve); }, 1000);
      w.once('exit', () => { clearTimeout(t); resolve(); });
      w.postMessage('stop');
    });
  }
}
