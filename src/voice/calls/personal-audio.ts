/**
 * Personal audio: text read to ONE caller (a complaint answer on a landline call-back) is rendered
 * for that call into its own directory (data/tts-personal), never into the shared prompt cache, and
 * deleted when the call ends. A sweep deletes anything older than the TTL (a crash mid-call), and
 * pruneShared() clears the shared cache of files that are not prompts (answers cached there by
 * versions before this one).
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { PromptCache } from '../tts/index.js';
import type { Logger } from '../../log.js';

const WAV = /^([0-9a-f]{64})\.wav$/;

export interface PersonalAudioOptions {
  /** A PromptCache whose directory is the personal directory (same engine as the shared one). */
  cache: PromptCache | null;
  /** Files older than this are deleted by sweep() (default 1 hour). */
  ttlMs?: number;
  log: Logger;
  now?: () => number;
}

export class PersonalAudio {
  private readonly byCall = new Map<string, Set<string>>();
  private readonly users = new Map<string, Set<string>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly o: PersonalAudioOptions) {
    this.ttlMs = o.ttlMs ?? 3600_000;
    this.now = o.now ?? Date.now;
  }

  get dir(): string | null { return this.o.cache?.dir ?? null; }
  /** Files held for calls in progress (diagnostics, tests). */
  get held(): number { return this.users.size; }

  /** Render `text` for `callId`; the file lives until release(callId) (or the TTL). */
  async render(callId: string, text: string): Promise<{ hash: string; path: string }> {
    if (!this.o.cache) throw new Error('no TTS engine for personal audio');
    const c = await this.o.cache.get(text);
    let calls = this.byCall.get(callId);
    if (!calls) { calls = new Set(); this.byCall.set(callId, calls); }
    calls.add(c.hash);
    let u = this.users.get(c.hash);
    if (!u) { u = new Set(); this.users.set(c.hash, u); }
    u.add(callId);
    return c;
  }

  /** The call ended: delete the files only it used. */
  release(callId: string): number {
    const hashes = this.byCall.get(callId);
    if (!hashes) return 0;
    this.byCall.delete(callId);
    let n = 0;
    for (const h of hashes) {
      const u = this.users.get(h);
      u?.delete(callId);
      if (u && u.size > 0) continue;
      this.users.delete(h);
      if (this.unlink(h)) n++;
    }
    return n;
  }

  /** Delete files older than the TTL that no call in progress holds. */
  sweep(): number {
    const dir = this.dir;
    if (!dir) return 0;
    let n = 0;
    for (const name of safeList(dir)) {
      const m = WAV.exec(name);
      if (!m || this.users.has(m[1])) continue;
      try { if (statSync(join(dir, name)).mtimeMs < this.now() - this.ttlMs && this.unlink(m[1])) n++; } catch { /* gone */ }
    }
    return n;
  }

  private unlink(hash: string): boolean {
    const dir = this.dir;
    if (!dir) return false;
    try { unlinkSync(join(dir, `${hash}.wav`)); return true; } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log.warn('personal audio could not be deleted', { error: (e as Error).message });
      return false;
    }
  }
}

/**
 * Delete files of the shared prompt cache that are not in `keep` (the hashes of the prompt catalogue
 * and the flows' literal texts) and older than `olderThanMs`: dynamic texts are re-rendered on demand.
 */
export function pruneSharedCache(dir: string, keep: ReadonlySet<string>, olderThanMs: number, now = Date.now()): number {
  let n = 0;
  for (const name of safeList(dir)) {
    const m = WAV.exec(name);
    if (!m || keep.has(m[1])) continue;
    try {
      const p = join(dir, name);
      if (statSync(p).mtimeMs < now - olderThanMs) { unlinkSync(p); n++; }
    } catch { /* gone */ }
  }
  return n;
}

function safeList(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}
