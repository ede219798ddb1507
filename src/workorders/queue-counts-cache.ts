/**
 * The inbox tab counts (待派单 12 · 待签收 3 …) are one COUNT per queue; on a million orders they
 * take 100–180 ms, and every open panel asks for them on every live change. This keeps each scope's
 * counts (a department, a staff member's 我的工单) for a short time and shares one computation
 * among requests that arrive while it runs.
 *
 * Freshness: any committed work-order change (a 'feedback.*' event, of this instance or another
 * one on the shared database) starts a new generation, and counts of an older generation are never
 * served; so a person sees their own step counted at once. Counts that change with time alone
 * (即将超时, 已超时) or by a write that emits no event are at most `ttlMs` old.
 */
export class QueueCountsCache<V> {
  private generation = 0;
  private readonly kept = new Map<string, { gen: number; at: number; value: V }>();
  private readonly running = new Map<string, { gen: number; p: Promise<V> }>();

  constructor(private readonly ttlMs: number, private readonly clock: () => number = () => performance.now()) {}

  /** A committed change: counts computed before it are not served again. */
  invalidate(): void { this.generation++; this.kept.clear(); }

  async get(key: string, compute: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return compute();
    const gen = this.generation;
    const k = this.kept.get(key);
    if (k && k.gen === gen && this.clock() - k.at < this.ttlMs) return k.value;
    const r = this.running.get(key);
    if (r && r.gen === gen) return r.p;
    const started = this.clock();
    const p = compute();
    this.running.set(key, { gen, p });
    try {
      const value = await p;
      if (this.generation === gen) this.kept.set(key, { gen, at: started, value });
      return value;
    } finally {
      if (this.running.get(key)?.p === p) this.running.delete(key);
    }
  }
}
