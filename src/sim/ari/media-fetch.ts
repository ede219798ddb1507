/**
 * res_http_media_cache as Asterisk runs it, for `sound:http(s)://…` playbacks (AriSimulator option
 * `mediaFetch: true`). Read from Asterisk's source (asterisk/asterisk, res/res_http_media_cache.c,
 * main/media_cache.c and main/bucket.c, the stored version at commit 0365210):
 *
 *  - main/media_cache.c ast_media_cache_retrieve(): the cache is keyed by the whole URI. Under the
 *    one global `media_cache` container lock it looks the URI up and asks the backend whether the
 *    item is stale (ast_bucket_file_is_stale → sorcery is_stale → bucket_http_wizard_is_stale, which
 *    may do an HTTP request), so **every revalidation request of every channel is serialised behind
 *    that one lock**. A stale item is deleted; the full download (ast_bucket_file_retrieve → curl GET)
 *    then runs *outside* the lock, so downloads of different channels overlap; when two downloaded the
 *    same URI, the one already linked wins and the other copy is thrown away.
 *  - res_http_media_cache.c curl_header_callback(): keeps only ETag, Cache-Control, Last-Modified,
 *    Content-Type and Expires (names lower-cased, values trimmed) as the item's metadata — from every
 *    response, the revalidation's too.
 *  - bucket_file_set_expiration() (after a 2xx GET, and after a 304): expiry = now + the number after
 *    the `=` of the first `s-maxage`, else `max-age`, found anywhere in Cache-Control (plain substring
 *    search, case-sensitive). A Cache-Control without max-age (e.g. `no-store`, `no-cache`) → expiry
 *    "now". Only when there is *no* Cache-Control is Expires parsed (`%a, %d %b %Y %T %z`). Neither →
 *    "now". Whole seconds; expired when now ≥ expiry.
 *  - bucket_file_always_revalidate(): Cache-Control containing `no-cache` or `must-revalidate` →
 *    revalidate on every use, even within max-age.
 *  - bucket_http_wizard_is_stale(): fresh (no request) when not expired and not always-revalidate.
 *    Otherwise: no ETag → stale (full GET again). With an ETag: a request with `If-None-Match: <etag>`
 *    and CURLOPT_NOBODY (i.e. **HEAD**); 304 → fresh again, expiry recomputed; any other answer →
 *    stale (full GET). **Last-Modified is stored but never sent** (no If-Modified-Since): a server
 *    that gives only Last-Modified gets a full GET whenever the item has expired.
 *  - bucket_file_run_curl(): follows up to 8 redirects, 180 s timeout; only a 2xx succeeds. A failed
 *    download → ast_media_cache_retrieve fails → the file "does not exist in any format" → the
 *    playback fails (PlaybackFinished state "failed", as for a missing sound file).
 *
 * Wall-clock time throughout (max-age is in real seconds whatever the simulator's media speed).
 */
import { parseWav } from './wav.js';

export interface MediaFetchStats {
  /** Full downloads (GET) sent. */
  gets: number;
  /** Revalidations (HEAD + If-None-Match) sent. */
  revalidations: number;
  /** Revalidations answered 304. */
  notModified: number;
  /** Uses answered from the cache without any request. */
  hits: number;
  /** Downloads that failed (non-2xx, network error, not a WAV). */
  failures: number;
  /** Total ms the global cache lock was held (revalidations run under it). */
  lockHeldMs: number;
  /** Longest wait for the global cache lock, ms. */
  lockWaitMaxMs: number;
  /** Bytes of media bodies downloaded. */
  bytes: number;
}

interface Entry {
  durationMs: number;
  /** lower-cased header name → value, as curl_header_callback stores them */
  meta: Map<string, string>;
  /** whole seconds since the epoch */
  expiresSec: number;
}

export interface MediaFetchOptions {
  /** ms since the epoch (default Date.now) */
  now?: () => number;
  /** Timeout of one request (CURLOPT_TIMEOUT 180 s in Asterisk; default 180 000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const KEPT_HEADERS = ['etag', 'cache-control', 'last-modified', 'content-type', 'expires'];

/** bucket_file_set_expiration(): the expiry (whole seconds) from the stored metadata. */
export function expirySeconds(meta: ReadonlyMap<string, string>, nowMs: number): number {
  const now = Math.floor(nowMs / 1000);
  const cc = meta.get('cache-control');
  if (cc !== undefined) {
    let i = cc.indexOf('s-maxage');
    if (i < 0) i = cc.indexOf('max-age');
    if (i >= 0) {
      const eq = cc.indexOf('=', i);
      // sscanf("%30u"): leading blanks skipped, digits read; no digits → no max-age
      const m = eq >= 0 ? /^\s*(\d{1,30})/.exec(cc.slice(eq + 1)) : null;
      if (m) return now + (Number(m[1]) >>> 0);
    }
    return now;
  }
  const exp = meta.get('expires');
  if (exp !== undefined) {
    const t = Date.parse(exp);
    // strptime failing leaves garbage in Asterisk; an unparseable date here is "now"
    return Number.isFinite(t) ? Math.floor(t / 1000) : now;
  }
  return now;
}

/** bucket_file_always_revalidate() */
export function alwaysRevalidate(meta: ReadonlyMap<string, string>): boolean {
  const cc = meta.get('cache-control');
  return cc !== undefined && (cc.includes('no-cache') || cc.includes('must-revalidate'));
}

function keepHeaders(meta: Map<string, string>, h: Headers): void {
  for (const name of KEPT_HEADERS) {
    const v = h.get(name);
    if (v !== null) meta.set(name, v.trim());
  }
}

/** The media cache of one simulated Asterisk. */
export class MediaFetchCache {
  readonly stats: MediaFetchStats = { gets: 0, revalidations: 0, notModified: 0, hits: 0, failures: 0, lockHeldMs: 0, lockWaitMaxMs: 0, bytes: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  /** the `media_cache` container lock: a FIFO mutex */
  private lockTail: Promise<void> = Promise.resolve();

  constructor(o: MediaFetchOptions = {}) {
    this.now = o.now ?? Date.now;
    this.timeoutMs = o.timeoutMs ?? 180_000;
    this.fetchFn = o.fetch ?? fetch;
  }

  clear(): void {
    this.entries.clear();
  }

  /** ast_media_cache_retrieve(): the simulated length of the media, or 'missing' when it cannot be had. */
  async resolve(url: string): Promise<{ ms: number } | 'missing'> {
    const fresh = await this.locked(async () => {
      const e = this.entries.get(url);
      if (!e) return null;
      if (await this.isFresh(url, e)) return e;
      this.entries.delete(url); // stale: removed, to be replaced by a full download
      return null;
    });
    if (fresh) return { ms: fresh.durationMs };
    const got = await this.download(url);
    if (!got) return 'missing';
    return this.locked(async () => {
      const already = this.entries.get(url);
      if (already) return { ms: already.durationMs }; // another channel linked it first
      this.entries.set(url, got);
      return { ms: got.durationMs };
    });
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const asked = performance.now();
    let release!: () => void;
    const prev = this.lockTail;
    this.lockTail = new Promise<void>((r) => { release = r; });
    await prev;
    const got = performance.now();
    this.stats.lockWaitMaxMs = Math.max(this.stats.lockWaitMaxMs, got - asked);
    try {
      return await fn();
    } finally {
      this.stats.lockHeldMs += performance.now() - got;
      release();
    }
  }

  /** bucket_http_wizard_is_stale(), inverted. */
  private async isFresh(url: string, e: Entry): Promise<boolean> {
    const expired = Math.floor(this.now() / 1000) >= e.expiresSec;
    if (!expired && !alwaysRevalidate(e.meta)) {
      this.stats.hits++;
      return true;
    }
    const etag = e.meta.get('etag');
    if (etag === undefined) return false;
    this.stats.revalidations++;
    try {
      const res = await this.fetchFn(url, { method: 'HEAD', headers: { 'if-none-match': etag, 'user-agent': 'asterisk-libcurl-agent/1.0' }, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      keepHeaders(e.meta, res.headers);
      if (res.status === 304) {
        this.stats.notModified++;
        e.expiresSec = expirySeconds(e.meta, this.now());
        return true;
      }
    } catch {
      /* a failed revalidation is "stale" */
    }
    return false;
  }

  /** bucket_file_run_curl(): GET; only 2xx with a WAV body plays. */
  private async download(url: string): Promise<Entry | null> {
    this.stats.gets++;
    try {
      const res = await this.fetchFn(url, { headers: { 'user-agent': 'asterisk-libcurl-agent/1.0' }, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
      const body = Buffer.from(await res.arrayBuffer());
      this.stats.bytes += body.length;
      if (res.status < 200 || res.status > 299) {
        this.stats.failures++;
        return null;
      }
      const info = parseWav(body);
      if (!info) {
        this.stats.failures++;
        return null;
      }
      const meta = new Map<string, string>();
      keepHeaders(meta, res.headers);
      return { durationMs: info.durationMs, meta, expiresSec: expirySeconds(meta, this.now()) };
    } catch {
      this.stats.failures++;
      return null;
    }
  }
}
