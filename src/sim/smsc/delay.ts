/**
 * Delay distributions for the SMSC simulator's slow profile: how long a real SMSC takes to answer a
 * submit_sm and to send its delivery receipt. Pure: `delayAt(spec, u)` is the quantile function (u in
 * [0, 1)), `delaySampler(spec, seed)` draws from it with a seeded generator so runs are repeatable.
 *
 * A lognormal is given the way one measures an SMSC: its median and its p99 (σ = ln(p99/median) / z₀.₉₉).
 */

export type DelaySpec =
  | number
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'lognormal'; medianMs: number; p99Ms: number; /** Clamp (a real SMSC's own timeout). */ maxMs?: number };

/** z of the standard normal at p = 0.99. */
export const Z99 = 2.326347874040841;

/**
 * Inverse of the standard normal CDF (P. J. Acklam's rational approximation, relative error < 1.2e-9).
 * p outside (0, 1) is clamped to the nearest representable tail.
 */
export function normalQuantile(p: number): number {
  const q0 = Math.min(Math.max(p, 1e-16), 1 - 1e-16);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q0 < lo) {
    const q = Math.sqrt(-2 * Math.log(q0));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (q0 > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - q0));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = q0 - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The delay (ms, ≥ 0) at quantile u of the distribution. */
export function delayAt(spec: DelaySpec, u: number): number {
  if (typeof spec === 'number') return Math.max(0, spec);
  switch (spec.kind) {
    case 'fixed': return Math.max(0, spec.ms);
    case 'uniform': {
      const lo = Math.max(0, Math.min(spec.minMs, spec.maxMs));
      const hi = Math.max(0, spec.minMs, spec.maxMs);
      return lo + (hi - lo) * Math.min(Math.max(u, 0), 1);
    }
    case 'lognormal': {
      if (spec.medianMs <= 0) return 0;
      const sigma = spec.p99Ms > spec.medianMs ? Math.log(spec.p99Ms / spec.medianMs) / Z99 : 0;
      const v = spec.medianMs * Math.exp(sigma * normalQuantile(u));
      return spec.maxMs !== undefined ? Math.min(v, spec.maxMs) : v;
    }
  }
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draw delays from `spec`, repeatably for one seed. */
export function delaySampler(spec: DelaySpec, seed = 1): () => number {
  const rnd = seededRandom(seed);
  return () => delayAt(spec, rnd());
}

/**
 * Parse a delay from text (for env variables): `20` or `fixed:20`, `uniform:5-50`,
 * `lognormal:20/200` (median/p99) or `lognormal:20/200/2000` (…/max). Throws on anything else.
 */
export function parseDelaySpec(text: string): DelaySpec {
  const s = text.trim();
  const num = (x: string) => {
    const n = Number(x);
    if (x.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`bad delay number '${x}' in '${text}'`);
    return n;
  };
  if (/^[\d.]+$/.test(s)) return { kind: 'fixed', ms: num(s) };
  const m = /^(fixed|uniform|lognormal):(.*)$/.exec(s);
  if (!m) throw new Error(`bad delay '${text}' (fixed:MS, uniform:MIN-MAX, lognormal:MEDIAN/P99[/MAX])`);
  if (m[1] === 'fixed') return { kind: 'fixed', ms: num(m[2]) };
  if (m[1] === 'uniform') {
    const [lo, hi, ...rest] = m[2].split('-');
    if (hi === undefined || rest.length) throw new Error(`bad uniform delay '${text}' (uniform:MIN-MAX)`);
    return { kind: 'uniform', minMs: num(lo), maxMs: num(hi) };
  }
  const [median, p99, max, ...rest] = m[2].split('/');
  if (p99 === undefined || rest.length) throw new Error(`bad lognormal delay '${text}' (lognormal:MEDIAN/P99[/MAX])`);
  return { kind: 'lognormal', medianMs: num(median), p99Ms: num(p99), ...(max !== undefined ? { maxMs: num(max) } : {}) };
}

/** A short label for tables (`lognormal 15/150 ms`). */
export function describeDelay(spec: DelaySpec): string {
  if (typeof spec === 'number') return `${spec} ms`;
  switch (spec.kind) {
    case 'fixed': return `${spec.ms} ms`;
    case 'uniform': return `uniform ${spec.minMs}–${spec.maxMs} ms`;
    case 'lognormal': return `lognormal p50 ${spec.medianMs} / p99 ${spec.p99Ms} ms${spec.maxMs !== undefined ? ` (max ${spec.maxMs})` : ''}`;
  }
}
