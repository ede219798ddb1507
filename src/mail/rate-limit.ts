/** Sliding-window counter per key (sender address, client IP): whether one more is allowed now. Pure (the clock is passed in). */
export class RateWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly limit: number, private readonly windowMs: number) {}

  /** Count one for key at `now` when allowed (true); over the limit: false, nothing counted. limit 0 = no limit. */
  take(key: string, now: number): boolean {
    if (this.limit <= 0) return true;
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length >= this.limit) { this.hits.set(key, list); return false; }
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (!v.length || v[v.length - 1] <= since) this.hits.delete(k);
    return true;
  }
}
