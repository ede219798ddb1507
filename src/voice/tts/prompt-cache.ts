/**
 * Rendered-prompt cache: text → 8 kHz mono 16-bit WAV, named by the sha256 of (format, engine,
 * voice, engine settings, text as spoken) — `data/tts/<64 hex>.wav`. Before synthesis every text
 * goes through speechTextZh (digits, dates, times, letters and symbols → the Chinese a Mandarin voice
 * reads as a caller expects: 96365 → 九六三六五); the cache key is that spoken text, so a change of
 * reading renders anew. The long hex name is deliberate: Asterisk 22 fails on
 * short media URLs (res_http_media_cache sizes a buffer from the URL length), so the HTTP URL
 * built from this name stays long.
 *
 * Renders on demand with a small concurrency limit and one render per text at a time (concurrent
 * requests for the same text share it). A professional recording in the sounds override directory
 * with a prompt's name replaces the rendered prompt.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TtsError, TtsUnavailableError, type TtsEngine } from './engines.js';
import { sharedWavPool, type WavConverter } from './wav-pool.js';
import { speechTextZh } from '../flow/zh-reading.js';

/** Bump when the output format or conversion changes: every cached file is then re-rendered. */
const FORMAT_TAG = 'wav-8000-mono-s16-v2';
const RECORDED_EXTENSIONS = ['wav', 'sln', 'sln16', 'gsm', 'ulaw', 'alaw', 'g722'];
const PROMPT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface CacheLogger {
  warn(msg: string): void;
  info?(msg: string): void;
}

export interface PromptCacheOptions {
  engine: TtsEngine;
  /** Where rendered prompts live (e.g. data/tts). Created if missing. */
  dir: string;
  /** Professional recordings (e.g. sounds/), by prompt name: sounds/welcome.wav replaces "welcome". */
  soundsDir?: string;
  /** Renders at once (1-4, default 1; the machine is small and espeak-ng is CPU-bound). */
  concurrency?: number;
  /** Longest text accepted (default 2000 characters). */
  maxTextLength?: number;
  /** Output sample rate (default 8000). */
  rate?: number;
  /** Text → what the engine is given (default speechTextZh). */
  speechText?: (text: string) => string;
  log?: CacheLogger;
  /**
   * Runs the WAV conversion of the engine's output (default: the process-wide worker pool, one
   * worker_threads worker, falling back to the main thread; inlineWavConverter: main thread).
   */
  converter?: WavConverter;
}

export interface CachedPrompt {
  hash: string;
  path: string;
}

export type ResolvedPrompt =
  | { kind: 'recorded'; name: string; path: string }
  | { kind: 'tts'; name: string; hash: string; path: string };

export interface RenderAllResult {
  rendered: string[];
  cached: string[];
  recorded: string[];
  failed: Array<{ name: string; error: string }>;
  /** True when the engine is unavailable and nothing was rendered. */
  skipped: boolean;
}

/** Same text, same file: Unicode NFC, trimmed, inner whitespace collapsed. */
export function normalizeText(text: string): string {
  return String(text).normalize('NFC').replace(/\s+/g, ' ').trim();
}

export class PromptCache {
  readonly engine: TtsEngine;
  readonly dir: string;
  readonly soundsDir: string | null;
  private readonly limit: number;
  private readonly maxLen: number;
  private readonly rate: number;
  private readonly speech: (text: string) => string;
  private readonly log: CacheLogger;
  private readonly inflight = new Map<string, Promise<CachedPrompt>>();
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private tmpSeq = 0;
  private availability: Promise<boolean> | null = null;
  private readonly converter: WavConverter;

  constructor(opts: PromptCacheOptions) {
    this.engine = opts.engine;
    this.dir = opts.dir;
    this.soundsDir = opts.soundsDir ?? null;
    this.limit = Math.min(4, Math.max(1, Math.floor(opts.concurrency ?? 1)));
    this.maxLen = opts.maxTextLength ?? 2000;
    this.rate = opts.rate ?? 8000;
    this.speech = opts.speechText ?? speechTextZh;
    this.log = opts.log ?? { warn: (m) => console.warn(m) };
    this.converter = opts.converter ?? sharedWavPool();
  }

  /** What the engine is given for a text (normalised, then speechTextZh). */
  spoken(text: string): string {
    return normalizeText(this.speech(normalizeText(text)));
  }

  /** sha256 of format, engine, voice, engine settings and spoken text, as 64 hex characters. */
  hashOf(text: string): string {
    return createHash('sha256')
      .update(`${FORMAT_TAG}\0${this.engine.name}\0${this.engine.voice}\0${this.engine.cacheTag ?? ''}\0${this.spoken(text)}`, 'utf8')
      .digest('hex');
  }

  pathFor(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new TtsError('bad prompt hash');
    return join(this.dir, `${hash}.wav`);
  }

  /** Is this text already rendered? */
  has(text: string): boolean {
    return existsSync(this.pathFor(this.hashOf(text)));
  }

  /** Is the engine usable (probed once)? */
  available(): Promise<boolean> {
    this.availability ??= this.engine.available().catch(() => false);
    return this.availability;
  }

  /** The rendered file for a text, rendering it first if needed. */
  get(text: string): Promise<CachedPrompt> {
    const norm = normalizeText(text);
    if (!norm) return Promise.reject(new TtsError('empty text'));
    if (norm.length > this.maxLen) return Promise.reject(new TtsError(`text too long (${norm.length} > ${this.maxLen} characters)`));
    const hash = this.hashOf(norm);
    const path = this.pathFor(hash);
    if (existsSync(path)) return Promise.resolve({ hash, path });
    let p = this.inflight.get(hash);
    if (!p) {
      p = this.withSlot(() => this.render(norm, hash, path)).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, p);
    }
    return p;
  }

  /** A professional recording for a prompt name, if one is in the sounds directory. */
  recordedPrompt(name: string): string | null {
    if (!this.soundsDir || !PROMPT_NAME.test(name)) return null;
    for (const ext of RECORDED_EXTENSIONS) {
      const p = join(this.soundsDir, `${name}.${ext}`);
      if (existsSync(p)) return p;
    }
    return null;
  }

  /** A catalogue prompt: the recording if there is one, else the rendered text. */
  async resolvePrompt(name: string, text: string): Promise<ResolvedPrompt> {
    const rec = this.recordedPrompt(name);
    if (rec) return { kind: 'recorded', name, path: rec };
    const c = await this.get(text);
    return { kind: 'tts', name, ...c };
  }

  /**
   * Render the whole prompt catalogue (first start; later starts find everything cached).
   * Prompts with a professional recording are skipped. Never throws.
   */
  async renderAll(prompts: Readonly<Record<string, string>>): Promise<RenderAllResult> {
    const res: RenderAllResult = { rendered: [], cached: [], recorded: [], failed: [], skipped: false };
    const todo: Array<[string, string]> = [];
    for (const [name, text] of Object.entries(prompts)) {
      if (this.recordedPrompt(name)) res.recorded.push(name);
      else if (this.has(text)) res.cached.push(name);
      else todo.push([name, text]);
    }
    if (todo.length === 0) return res;
    if (!(await this.available())) {
      const p = await this.engine.probe().catch(() => ({ ok: false, reason: 'probe failed' }));
      this.log.warn(`提示音未能合成 / ${todo.length} prompt(s) not rendered, TTS engine "${this.engine.name}" unavailable: ${p.reason ?? ''}`.trim());
      res.skipped = true;
      res.failed.push(...todo.map(([name]) => ({ name, error: 'TTS unavailable' })));
      return res;
    }
    await Promise.all(todo.map(async ([name, text]) => {
      try {
        await this.get(text);
        res.rendered.push(name);
      } catch (e) {
        res.failed.push({ name, error: (e as Error).message });
      }
    }));
    if (res.failed.length) this.log.warn(`${res.failed.length} prompt(s) failed to render: ${res.failed.map((f) => f.name).join(', ')}`);
    res.rendered.sort();
    return res;
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  private async render(text: string, hash: string, path: string): Promise<CachedPrompt> {
    if (existsSync(path)) return { hash, path }; // rendered while this request waited for a slot
    if (!(await this.available())) {
      const p = await this.engine.probe().catch(() => ({ ok: false, reason: undefined }));
      throw new TtsUnavailableError(`TTS engine "${this.engine.name}" unavailable${p.reason ? `: ${p.reason}` : ''}`);
    }
    mkdirSync(this.dir, { recursive: true });
    const tag = `${process.pid}-${++this.tmpSeq}`;
    const raw = join(this.dir, `.${hash}.${tag}.raw.wav`);
    const tmp = join(this.dir, `.${hash}.${tag}.tmp`);
    try {
      await this.engine.synthesize(this.spoken(text) || text, raw);
      // off the main thread (a worker), so calls in progress keep their event loop; no 300 ms tail after every prompt
      const converted = await this.converter.convert(await readFile(raw), this.rate, { trim: true });
      await writeFile(tmp, converted);
      await rename(tmp, path); // atomic: a reader never sees half a file
      return { hash, path };
    } finally {
      await unlink(raw).catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    }
  }
}
