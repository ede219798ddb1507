/**
 * Engine media items → ARI media URIs.
 *
 *  - `{prompt}`: a professional recording in the sounds override directory → `sound:<name>` (it is
 *    installed in Asterisk's sounds too); otherwise the catalogue text rendered by TTS →
 *    `sound:<public url>/media/tts/<64 hex>/<expiry>/<signature>.wav` (signed, expiring: see
 *    ../media/signing.ts). The URL is long on purpose: Asterisk 22.9 fails on short media URLs
 *    (res_http_media_cache sizes a buffer from the URL length); `.wav` stays last for its extension.
 *  - `{tts}`: the text rendered by TTS (same URL form).
 *  - `{digits}`, `{number}`, `{date}`: speakable() in 'prompts' mode → digit/number prompts.
 *  - `{recording}`: `recording:<name>`.
 *  - personal text (a call's `personal` values, e.g. the answer read on a call-back) is rendered for
 *    that call only (PersonalAudio, `/media/call/…`), never into the shared cache or the memo, and
 *    forgotten when the call is released.
 * Items that cannot be produced (no TTS engine) are dropped with one warning per text.
 * Every URI handed out is remembered with its caption (the text), for the test phone and the
 * simulator's caller feed.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaSigner, type MediaKind } from '../media/signing.js';
import type { PersonalAudio } from './personal-audio.js';
import { speakable, type MediaItem, type SpokenPart } from '../flow/index.js';
import type { PromptCache } from '../tts/index.js';
import type { Logger } from '../../log.js';
import { ringbackWav } from './ringback.js';

export interface ResolvedMedia {
  uris: string[];
  /** Expected playing time when known (ms), for the playback watchdog; unknown parts count `unknownMs`. */
  expectedMs: number;
  /** Parts that could not be produced. */
  dropped: number;
}

export interface MediaDescription {
  caption: string;
  /** Same-origin URL a browser can play (TTS files), when there is one. */
  url?: string;
  /** Prompt name, when the media is a catalogue prompt. */
  prompt?: string;
  /** The generated ring-back tone. */
  ringback?: boolean;
}

export interface MediaResolverOptions {
  cache: PromptCache | null;
  /** Prompt name → text. */
  catalogue: Record<string, string>;
  /** Base URL Asterisk reaches this server on, e.g. http://127.0.0.1:8080 (read at each use). */
  publicUrl: () => string;
  timeZone: string;
  log: Logger;
  /** Assumed length of a media part of unknown length (default 20 s). */
  unknownMs?: number;
  /** Recording name → duration in seconds (from RecordingFinished), for `recording:` media. */
  recordingSeconds?: (name: string) => number | undefined;
  /** Signs the media URLs (default: a random per-process secret). */
  signer?: MediaSigner;
  /** Lifetime of shared prompt URLs in seconds (default 86400). */
  urlTtlSec?: number;
  /** Where a call's personal text is rendered (none: personal text is dropped, never shared). */
  personal?: PersonalAudio | null;
  /** A rendering failed: true when it was a storage error (full disk), which is then reported there. */
  storageFailure?: (err: unknown, where: string) => boolean;
}

/** Per call: its id (to release personal audio) and the values that must not enter the shared cache. */
export interface ResolveOptions { callId?: string; personal?: readonly string[] }

/** Personal audio URLs live this long (a call-back reads the answer within minutes). */
export const PERSONAL_URL_TTL_SEC = 15 * 60;

const MAX_MEMO = 20_000;

/** Bounded insertion-ordered map: oldest entries go first. */
class Memo<K, V> extends Map<K, V> {
  constructor(private readonly cap: number) { super(); }
  override set(k: K, v: V): this {
    if (!this.has(k) && this.size >= this.cap) {
      const first = this.keys().next();
      if (!first.done) this.delete(first.value);
    }
    return super.set(k, v);
  }
}

/** Does this text carry one of the call's personal values? */
function isPersonal(text: string, personal: readonly string[] | undefined): boolean {
  if (!personal || personal.length === 0) return false;
  return personal.some((v) => v.trim().length >= 2 && text.includes(v.trim()));
}

/** Playing time of an 8 kHz mono 16-bit WAV (16 bytes/ms), or the guess. */
function wavMs(path: string, guess: number): number {
  try { return Math.max(0, (statSync(path).size - 44) / 16); } catch { return guess; }
}

export class MediaResolver {
  /** text → {hash, ms} of its rendered file (shared prompts only). */
  private readonly rendered = new Memo<string, { hash: string; ms: number }>(MAX_MEMO);
  private readonly described = new Memo<string, MediaDescription>(MAX_MEMO);
  /** Shared file hash → its description (the URL of a file changes as its signature is renewed). */
  private readonly byHash = new Memo<string, MediaDescription>(MAX_MEMO);
  /** call id → the personal URIs described for it (forgotten on release). */
  private readonly personalUris = new Map<string, Set<string>>();
  private readonly signer: MediaSigner;
  private readonly ttlSec: number;
  private readonly prompts = new Map<string, { r: { uri: string; ms: number }; at: number }>();
  private readonly warned = new Set<string>();
  private readonly unknownMs: number;
  /** text → its resolution in progress: concurrent first requests for one text share one (and one render). */
  private readonly pendingTts = new Map<string, Promise<{ uri: string; ms: number } | null>>();

  constructor(private readonly o: MediaResolverOptions) {
    this.unknownMs = o.unknownMs ?? 20_000;
    this.signer = o.signer ?? new MediaSigner(randomBytes(32));
    this.ttlSec = o.urlTtlSec ?? 86400;
  }

  /** The signed same-origin path of a file (what the test phone's browser fetches). */
  mediaPath(kind: MediaKind, hash: string): string {
    return kind === 'call' ? this.signer.path('call', hash, PERSONAL_URL_TTL_SEC) : this.signer.path('tts', hash, this.ttlSec, true);
  }

  /** The TTS media URI for a rendered file hash (signed; long on purpose). */
  ttsUri(hash: string, kind: MediaKind = 'tts'): string {
    return `sound:${this.o.publicUrl().replace(/\/+$/, '')}${this.mediaPath(kind, hash)}`;
  }

  private ringbackHash: string | null = null;

  /**
   * Write the generated ring-back WAV (./ringback.ts) into the prompt cache directory, named by its
   * content hash, so the media route serves it like a rendered prompt. Once, at start; never throws.
   */
  async prepareRingback(): Promise<string | null> {
    if (!this.o.cache) return null;
    const { wav, hash } = ringbackWav();
    const path = join(this.o.cache.dir, `${hash}.wav`);
    try {
      const st = await stat(path).catch(() => null);
      if (!st || st.size !== wav.length) {
        await mkdir(this.o.cache.dir, { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, wav);
        await rename(tmp, path);
      }
      this.ringbackHash = hash;
      this.byHash.set(hash, { caption: '（回铃音 ring-back）', ringback: true }); // described by hash: its signed URL is renewed
      return hash;
    } catch (e) {
      this.o.log.warn('回铃音文件无法写入 / ring-back file could not be written', { error: (e as Error).message });
      return null;
    }
  }

  /** The signed `sound:<public url>/media/tts/<hash>/<expiry>/<sig>.wav` of the ring-back, once prepared (else null). */
  ringbackUri(): string | null {
    return this.ringbackHash ? this.ttsUri(this.ringbackHash) : null;
  }

  describe(uri: string): MediaDescription | undefined {
    const d = this.described.get(uri);
    if (d) return d;
    const m = /\/media\/tts\/([0-9a-f]{64})\//.exec(uri);
    const byHash = m ? this.byHash.get(m[1]) : undefined;
    return byHash ? { ...byHash, url: this.mediaPath('tts', m![1]) } : undefined;
  }

  /** Forget what was rendered (after the shared cache was pruned: files are re-rendered on demand). */
  forget(): void {
    this.rendered.clear();
    this.prompts.clear();
  }

  /** The call ended: its personal audio files and descriptions are gone. */
  release(callId: string): void {
    for (const u of this.personalUris.get(callId) ?? []) this.described.delete(u);
    this.personalUris.delete(callId);
    this.o.personal?.release(callId);
  }

  /** Resolve one play action's items. Never throws. */
  async resolve(items: readonly MediaItem[], opts: ResolveOptions = {}): Promise<ResolvedMedia> {
    const out: ResolvedMedia = { uris: [], expectedMs: 0, dropped: 0 };
    for (const item of items) {
      let parts: SpokenPart[];
      try { parts = speakable(item, { mode: 'prompts', timeZone: this.o.timeZone }); } catch { parts = []; }
      for (const part of parts) {
        const r = 'tts' in part && isPersonal(part.tts, opts.personal) ? await this.personalPart(part.tts, opts.callId) : await this.part(part);
        if (r) { out.uris.push(r.uri); out.expectedMs += r.ms; } else out.dropped++;
      }
    }
    return out;
  }

  /**
   * The same without waiting, when every part is already known (the common case once prompts are
   * rendered); null when something still has to be rendered. Lets a session send the request in
   * the same tick as the event that caused it.
   */
  resolveSync(items: readonly MediaItem[], opts: ResolveOptions = {}): ResolvedMedia | null {
    const out: ResolvedMedia = { uris: [], expectedMs: 0, dropped: 0 };
    const now = Date.now();
    for (const item of items) {
      let parts: SpokenPart[];
      try { parts = speakable(item, { mode: 'prompts', timeZone: this.o.timeZone }); } catch { return null; }
      for (const p of parts) {
        let r: { uri: string; ms: number } | undefined;
        if ('recording' in p) return null;
        if ('prompt' in p) {
          const m = this.prompts.get(p.prompt);
          r = m && now - m.at < 30_000 ? m.r : undefined;
        } else {
          if (isPersonal(p.tts, opts.personal)) return null; // rendered per call, never memoised
          const hit = this.rendered.get(p.tts);
          r = hit ? { uri: this.ttsUri(hit.hash), ms: hit.ms } : undefined;
        }
        if (!r) return null;
        out.uris.push(r.uri);
        out.expectedMs += r.ms;
      }
    }
    return out;
  }

  private async part(p: SpokenPart): Promise<{ uri: string; ms: number } | null> {
    if ('recording' in p) {
      const uri = `recording:${p.recording}`;
      this.described.set(uri, { caption: '（您的留言 your recording）' });
      const sec = this.o.recordingSeconds?.(p.recording);
      return { uri, ms: sec !== undefined ? sec * 1000 : this.unknownMs };
    }
    if ('prompt' in p) {
      // Hot path: a prompt resolved in the last 30 s is reused (a new recording in sounds/ is seen after that).
      const memo = this.prompts.get(p.prompt);
      const now = Date.now();
      if (memo && now - memo.at < 30_000) return memo.r;
      const r = await this.promptPart(p.prompt);
      if (r) this.prompts.set(p.prompt, { r, at: now });
      return r;
    }
    return this.tts(p.tts);
  }

  private async promptPart(name: string): Promise<{ uri: string; ms: number } | null> {
    const text = this.o.catalogue[name];
    if (this.o.cache?.recordedPrompt(name) || text === undefined) {
      // A professional recording (installed in Asterisk's sounds too), or a name outside the
      // catalogue: one of Asterisk's own sounds (e.g. beep).
      const uri = `sound:${name}`;
      this.described.set(uri, { caption: text ?? name, prompt: name });
      return { uri, ms: this.unknownMs };
    }
    return this.tts(text, name);
  }

  /**
   * Render a shared text ahead of the calls that will speak it (./render-ahead.ts): into the cache
   * and the memo, so the first call finds it resolved. True when it is ready. Never throws.
   */
  async warm(text: string): Promise<boolean> {
    return (await this.tts(text)) !== null;
  }

  private tts(text: string, prompt?: string): Promise<{ uri: string; ms: number } | null> {
    const hit = this.rendered.get(text);
    if (hit) {
      const d = this.byHash.get(hit.hash);
      if (prompt && d && !d.prompt) this.byHash.set(hit.hash, { ...d, prompt });
      return Promise.resolve({ uri: this.ttsUri(hit.hash), ms: hit.ms });
    }
    let p = this.pendingTts.get(text);
    if (!p) {
      p = this.ttsFirst(text, prompt).finally(() => this.pendingTts.delete(text));
      this.pendingTts.set(text, p);
    } else if (prompt) {
      void p.then((r) => {
        const h = r && this.rendered.get(text);
        const d = h ? this.byHash.get(h.hash) : undefined;
        if (h && d && !d.prompt) this.byHash.set(h.hash, { ...d, prompt });
      });
    }
    return p;
  }

  private async ttsFirst(text: string, prompt?: string): Promise<{ uri: string; ms: number } | null> {
    if (!this.o.cache) return this.drop(text, 'no TTS cache');
    try {
      const c = await this.o.cache.get(text);
      const ms = wavMs(c.path, this.unknownMs);
      this.rendered.set(text, { hash: c.hash, ms });
      this.byHash.set(c.hash, { caption: text, ...(prompt ? { prompt } : {}) });
      return { uri: this.ttsUri(c.hash), ms };
    } catch (e) {
      // Full disk: the TTS cache file cannot be written; the prompt is skipped (the storage health logs it).
      if (this.o.storageFailure?.(e, 'voice tts cache')) return null;
      return this.drop(text, (e as Error).message);
    }
  }

  /** Personal text: rendered for this call only; no memo, no shared cache. */
  private async personalPart(text: string, callId?: string): Promise<{ uri: string; ms: number } | null> {
    if (!this.o.personal || !callId) return this.drop('（个人信息 personal text）', 'no personal audio store');
    try {
      const c = await this.o.personal.render(callId, text);
      const uri = this.ttsUri(c.hash, 'call');
      let set = this.personalUris.get(callId);
      if (!set) { set = new Set(); this.personalUris.set(callId, set); }
      set.add(uri);
      this.described.set(uri, { caption: text, url: this.mediaPath('call', c.hash) });
      return { uri, ms: wavMs(c.path, this.unknownMs) };
    } catch (e) {
      if (this.o.storageFailure?.(e, 'voice personal audio')) return null;
      return this.drop('（个人信息 personal text）', (e as Error).message);
    }
  }

  private drop(text: string, why: string): null {
    const key = text.slice(0, 80);
    if (!this.warned.has(key) && this.warned.size < 1000) {
      this.warned.add(key);
      this.o.log.warn('提示音无法合成，已跳过 / prompt text could not be rendered, skipped', { text: key, reason: why });
    }
    return null;
  }
}
