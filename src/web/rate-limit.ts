/**
 * Per-key token buckets (client address, phone): `capacity` requests, refilled evenly over `perMs`.
 * In memory, per instance: behind a load balancer each instance counts its own share (README).
 * Pure apart from the clock it is given.
 */
export interface BucketOptions { capacity: number; perMs: number; now?: () => number; maxKeys?: number }

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;
  private readonly maxKeys: number;
  constructor(private readonly o: BucketOptions) { this.now = o.now ?? Date.now; this.maxKeys = o.maxKeys ?? 100_000; }

  private refill(key: string): { tokens: number; at: number } {
    const t = this.now();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.o.capacity, at: t };
    const tokens = Math.min(this.o.capacity, b.tokens + ((t - b.at) * this.o.capacity) / this.o.perMs);
    return { tokens, at: t };
  }

  /** Take one token; false when the bucket is empty (the caller asks for the challenge). */
  take(key: string): boolean {
    const b = this.refill(key);
    if (b.tokens < 1) { this.buckets.set(key, b); return false; }
    b.tokens -= 1;
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) this.sweep();
    this.buckets.set(key, b);
    return true;
  }

  /** Would a take succeed (without taking)? */
  peek(key: string): boolean { return this.refill(key).tokens >= 1; }

  /** Drop full buckets (they equal no bucket); all of them when still too many. */
  sweep(): void {
    for (const [k] of this.buckets) if (this.refill(k).tokens >= this.o.capacity) this.buckets.delete(k);
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }

  get size(): number { return this.buckets.size; }
}
