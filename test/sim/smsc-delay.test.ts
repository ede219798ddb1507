/** The slow SMSC's delay distributions and profiles (pure). */
import { describe, expect, it } from 'vitest';
import {
  delayAt, delaySampler, describeDelay, normalQuantile, parseDelaySpec, seededRandom, smscProfileOptions, type DelaySpec,
} from '../../src/sim/smsc/index.js';
import { takeToken } from '../../src/sim/smsc/simulator.js';

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.99, 2.326347874],
    [0.01, -2.326347874],
    [0.975, 1.959963985],
    [0.8413447461, 1],
    [0.001, -3.090232306],
    [0.9999, 3.719016485],
  ])('Φ⁻¹(%f) = %f', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 6);
  });

  it('clamps 0 and 1 to finite tails', () => {
    expect(Number.isFinite(normalQuantile(0))).toBe(true);
    expect(Number.isFinite(normalQuantile(1))).toBe(true);
    expect(normalQuantile(0)).toBeLessThan(-8);
    expect(normalQuantile(1)).toBeGreaterThan(8);
  });
});

describe('delayAt (quantile function)', () => {
  const logn: DelaySpec = { kind: 'lognormal', medianMs: 20, p99Ms: 200 };
  it.each<[string, DelaySpec, number, number]>([
    ['a number is fixed', 25, 0.9, 25],
    ['negative number → 0', -5, 0.3, 0],
    ['fixed', { kind: 'fixed', ms: 40 }, 0.01, 40],
    ['uniform low end', { kind: 'uniform', minMs: 10, maxMs: 50 }, 0, 10],
    ['uniform middle', { kind: 'uniform', minMs: 10, maxMs: 50 }, 0.5, 30],
    ['uniform with the bounds swapped', { kind: 'uniform', minMs: 50, maxMs: 10 }, 0.25, 20],
    ['lognormal median', logn, 0.5, 20],
    ['lognormal p99', logn, 0.99, 200],
    ['lognormal p1 (symmetric in log space)', logn, 0.01, 2],
    ['lognormal clamped at max', { kind: 'lognormal', medianMs: 20, p99Ms: 200, maxMs: 100 }, 0.99, 100],
    ['lognormal with p99 ≤ median is fixed', { kind: 'lognormal', medianMs: 20, p99Ms: 10 }, 0.99, 20],
    ['lognormal median 0 → 0', { kind: 'lognormal', medianMs: 0, p99Ms: 10 }, 0.7, 0],
  ])('%s', (_l, spec, u, want) => {
    expect(delayAt(spec, u)).toBeCloseTo(want, 4);
  });
});

describe('delaySampler', () => {
  it('is repeatable for one seed and differs between seeds', () => {
    const spec: DelaySpec = { kind: 'lognormal', medianMs: 15, p99Ms: 150 };
    const a = delaySampler(spec, 7);
    const b = delaySampler(spec, 7);
    const c = delaySampler(spec, 8);
    const xs = Array.from({ length: 20 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(xs);
  });

  it('draws close to the asked median and p99 (20,000 draws)', () => {
    const draw = delaySampler({ kind: 'lognormal', medianMs: 15, p99Ms: 150 }, 96365);
    const xs = Array.from({ length: 20_000 }, draw).sort((x, y) => x - y);
    expect(xs[10_000]).toBeGreaterThan(14);
    expect(xs[10_000]).toBeLessThan(16);
    expect(xs[19_800]).toBeGreaterThan(125);
    expect(xs[19_800]).toBeLessThan(180);
  });

  it('seededRandom stays in [0, 1)', () => {
    const r = seededRandom(0);
    for (let i = 0; i < 1000; i++) { const x = r(); expect(x >= 0 && x < 1).toBe(true); }
  });
});

describe('parseDelaySpec / describeDelay', () => {
  it.each<[string, DelaySpec]>([
    ['20', { kind: 'fixed', ms: 20 }],
    ['fixed:5', { kind: 'fixed', ms: 5 }],
    ['uniform:5-50', { kind: 'uniform', minMs: 5, maxMs: 50 }],
    ['lognormal:20/200', { kind: 'lognormal', medianMs: 20, p99Ms: 200 }],
    [' lognormal:15/150/1000 ', { kind: 'lognormal', medianMs: 15, p99Ms: 150, maxMs: 1000 }],
  ])('%s', (text, want) => {
    expect(parseDelaySpec(text)).toEqual(want);
  });

  it.each(['', 'slow', 'uniform:5', 'uniform:5-6-7', 'lognormal:20', 'fixed:-1', 'fixed:x', 'gamma:1/2'])('refuses %j', (text) => {
    expect(() => parseDelaySpec(text)).toThrow(/bad/);
  });

  it.each<[DelaySpec, string]>([
    [5, '5 ms'],
    [{ kind: 'uniform', minMs: 1, maxMs: 9 }, 'uniform 1–9 ms'],
    [{ kind: 'lognormal', medianMs: 15, p99Ms: 150, maxMs: 1000 }, 'lognormal p50 15 / p99 150 ms (max 1000)'],
  ])('describes %j', (spec, want) => {
    expect(describeDelay(spec)).toBe(want);
  });
});

describe('profiles', () => {
  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    ['fast', {}, {}],
    ['slow', {}, { maxBinds: 2, submitResponseDelay: { kind: 'lognormal', medianMs: 15, p99Ms: 150, maxMs: 1000 } }],
    ['throttled', {}, { maxTpsPerBind: 500 }],
    ['slow', { SMSC_RESP_DELAY: 'fixed:40', SMSC_TPS_PER_BIND: '300', SMSC_MAX_BINDS: '1', SMSC_SEED: '3' },
      { submitResponseDelay: { kind: 'fixed', ms: 40 }, maxTpsPerBind: 300, maxBinds: 1, seed: 3 }],
    ['fast', { SMSC_DLR_DELAY: 'uniform:1-2' }, { receiptDelay: { kind: 'uniform', minMs: 1, maxMs: 2 } }],
  ])('%s %j', (name, env, want) => {
    expect(smscProfileOptions(name, env)).toMatchObject(want);
  });

  it('refuses an unknown profile', () => {
    expect(() => smscProfileOptions('turbo')).toThrow(/unknown SMSC profile/);
  });
});

describe('takeToken (throttle bucket)', () => {
  it.each<[string, number, number[], boolean[]]>([
    ['burst = rate, then refused', 3, [0, 0, 0, 0], [true, true, true, false]],
    ['refills with time', 2, [0, 0, 0, 500, 500, 1000], [true, true, false, true, false, true]],
    ['never above the burst', 1, [0, 5000, 5000], [true, true, false]],
  ])('%s', (_l, rate, times, want) => {
    const b = { tokens: 0, at: 0 };
    expect(times.map((t) => takeToken(b, rate, 1_000_000 + t))).toEqual(want);
  });
});
