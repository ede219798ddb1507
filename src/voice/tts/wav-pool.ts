/**
 * WAV post-processing of TTS output off the main thread: a small pool of worker_threads (1 by
 * default) running toTelephonyWav (decode, mix down, low-pass + resample to 8 kHz, trim, encode —
 * ~20–100 ms of CPU for a prompt, which on the main thread would stall every call's events).
 * Same code as inline, so the same bytes. When workers cannot be started (no worker_threads, the
 * worker script missing, a worker dying) the conversion runs inline on the main thread instead.
 *
 * The worker script: compiled builds use ./wav-worker.js beside this file; from TypeScript sources
 * (tsx, vitest) an eval'd CommonJS stub registers tsx's require hook and loads ./wav-worker.ts
 * (Node 20 does not apply `--import tsx` loader hooks inside workers).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { toTelephonyWav, WavError, type TrimOptions } from './wav.js';

export interface WavConverter {
  /** toTelephonyWav(buf, rate, { trim }), possibly in a worker. */
  convert(buf: Buffer, rate: number, opts?: { trim?: TrimOptions | boolean }): Promise<Buffer>;
  close(): Promise<void>;
}

/** The main-thread converter (the fallback, and `workers: 0`). */
export const inlineWavConverter: WavConverter = {
  async convert(buf, rate, opts = {}) { return toTelephonyWav(buf, rate, opts); },
  async close() { /* nothing */ },
};

type WorkerT = import('node:worker_threads').Worker;
interface Pending { resolve: (b: Buffer) => void; reject: (e: Error) => void; input: Buffer; rate: number; trim?: TrimOptions | boolean }
interface Slot { worker: WorkerT; busy: number; pending: Map<number, Pending> }

export interface WavPoolOptions {
  /** Worker threads (default 1; 0 = always inline). */
  size?: number;
  /** Called once when workers turn out unusable and conversion falls back to the main thread. */
  onFallback?: (reason: string) => void;
}

export class WavConvertPool implements WavConverter {
  private readonly size: number;
  private slots: Slot[] = [];
  private starting: Promise<boolean> | null = null;
  private broken: string | null = null;
  private seq = 0;
  private rr = 0;
  private closed = false;

  constructor(private readonly o: WavPoolOptions = {}) {
    this.size = Math.max(0, Math.min(8, Math.floor(o.size ?? 1)));
    if (this.size === 0) this.broken = 'workers: 0';
  }

  /** Why conversion runs inline (null while workers are used). */
  get fallbackReason(): string | null { return this.broken; }

  async convert(buf: Buffer, rate: number, opts: { trim?: TrimOptions | boolean } = {}): Promise<Buffer> {
    if (this.broken || this.closed || !(await this.start()) || this.broken || this.slots.length === 0) return toTelephonyWav(buf, rate, opts);
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a), this.slots[this.rr++ % this.slots.length]);
    const id = ++this.seq;
    return new Promise<Buffer>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, input: buf, rate, trim: opts.trim });
      if (slot.busy++ === 0) slot.worker.ref(); // keep the process alive while a job is out
      // a copy goes to the worker (the caller keeps its buffer)
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      slot.worker.postMessage({ id, wav: ab, rate, trim: opts.trim }, [ab]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => 0)));
    for (const s of slots) {
      for (const [, p] of s.pending) {
        try { p.resolve(toTelephonyWav(p.input, p.rate, { trim: p.trim })); } catch (e) { p.reject(e as Error); }
      }
      s.pending.clear();
    }
  }

  private start(): Promise<boolean> {
    this.starting ??= this.spawnAll().catch((e) => { this.fail(`worker start failed: ${(e as Error).message}`); return false; });
    return this.starting;
  }

  private async spawnAll(): Promise<boolean> {
    const { Worker } = await import('node:worker_threads');
    const here = import.meta.url;
    const fromSource = here.endsWith('.ts');
    const make = (): WorkerT => {
      if (!fromSource) return new Worker(new URL('./wav-worker.js', here));
      const req = createRequire(here);
      const stub = `require(${JSON.stringify(req.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(fileURLToPath(new URL('./wav-worker.ts', here)))});`;
      return new Worker(stub, { eval: true });
    };
    const started = await Promise.all(Array.from({ length: this.size }, () => new Promise<Slot>((resolve, reject) => {
      const worker = make();
      const slot: Slot = { worker, busy: 0, pending: new Map() };
      const onEarly = (e: unknown) => reject(e instanceof Error ? e : new Error(`worker exited (${String(e)})`));
      worker.once('error', onEarly);
      worker.once('exit', onEarly);
      worker.once('message', (m: { ready?: boolean }) => {
        if (!m?.ready) return reject(new Error('worker did not report ready'));
        worker.off('error', onEarly);
        worker.off('exit', onEarly);
        this.attach(slot);
        resolve(slot);
      });
    })));
    if (this.closed) { await Promise.all(started.map((s) => s.worker.terminate())); return false; }
    this.slots = started;
    for (const s of started) s.worker.unref();
    return true;
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (m: { id: number; wav?: ArrayBuffer; error?: string; name?: string }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (--slot.busy === 0) slot.worker.unref();
      if (m.wav) p.resolve(Buffer.from(m.wav));
      else p.reject(m.name === 'WavError' ? new WavError(m.error ?? 'bad WAV') : new Error(m.error ?? 'conversion failed'));
    });
    const lost = (why: string) => {
      if (this.closed) return;
      this.fail(why);
      // whatever was out with this worker is converted here instead
      for (const [, p] of slot.pending) {
        try { p.resolve(toTelephonyWav(p.input, p.rate, { trim: p.trim })); } catch (e) { p.reject(e as Error); }
      }
      slot.pending.clear();
    };
    slot.worker.on('error', (e) => lost(`worker error: ${e.message}`));
    slot.worker.on('exit', (code) => lost(`worker exited with ${code}`));
  }

  private fail(reason: string): void {
    if (this.broken) return;
    this.broken = reason;
    this.o.onFallback?.(reason);
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) void s.worker.terminate().catch(() => 0);
  }
}

let shared: WavConvertPool | null = null;
/** The process-wide pool (1 worker), made on first use. */
export function sharedWavPool(): WavConvertPool {
  shared ??= new WavConvertPool({ size: 1 });
  return shared;
}
