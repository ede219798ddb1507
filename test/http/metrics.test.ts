import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/http/metrics.js';

describe('Metrics histogram', () => {
  it.each([
    { values: [0], lines: ['x_bucket{le="1"} 1', 'x_bucket{le="5"} 1', 'x_bucket{le="+Inf"} 1', 'x_sum 0', 'x_count 1'] },
    { values: [0.5, 1, 3], lines: ['x_bucket{le="1"} 2', 'x_bucket{le="5"} 3', 'x_bucket{le="+Inf"} 3', 'x_sum 4.5', 'x_count 3'] },
    { values: [9], lines: ['x_bucket{le="1"} 0', 'x_bucket{le="5"} 0', 'x_bucket{le="+Inf"} 1', 'x_count 1'] },
  ])('observes $values into cumulative buckets', ({ values, lines }) => {
    const m = new Metrics();
    const h = m.histogram('x', 'test', [5, 1]);
    for (const v of values) h.observe(v);
    const text = m.render();
    expect(text).toContain('# TYPE x histogram');
    for (const l of lines) expect(text).toContain(l);
  });

  it('keeps label sets apart', () => {
    const m = new Metrics();
    const h = m.histogram('w', 'wait', [15]);
    h.observe(3, { kind: 'caller' });
    h.observe(30, { kind: 'callback' });
    const t = m.render();
    expect(t).toContain('w_bucket{kind="caller",le="15"} 1');
    expect(t).toContain('w_bucket{kind="callback",le="15"} 0');
    expect(t).toContain('w_count{kind="callback"} 1');
  });
});
