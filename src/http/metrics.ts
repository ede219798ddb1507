/** A tiny Prometheus text-format registry: counters, gauges and histograms with labels. */
type Labels = Record<string, string>;

interface Histogram { buckets: number[]; counts: number[]; sum: number; count: number }

interface Series { help: string; type: 'counter' | 'gauge' | 'histogram'; hist?: Map<string, { labels: Labels; h: Histogram }>; values: Map<string, { labels: Labels; value: number }>; collect?: () => Array<{ labels: Labels; value: number }> }

function key(labels: Labels): string { return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(','); }
function esc(v: string): string { return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"'); }

export class Metrics {
  private series = new Map<string, Series>();

  private get(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): Series {
    let s = this.series.get(name);
    if (!s) { s = { help, type, values: new Map() }; this.series.set(name, s); }
    return s;
  }

  counter(name: string, help: string) {
    const s = this.get(name, help, 'counter');
    return {
      inc: (labels: Labels = {}, by = 1) => {
        const k = key(labels);
        const v = s.values.get(k);
        if (v) v.value += by; else s.values.set(k, { labels, value: by });
      },
    };
  }

  /** A gauge read when scraped. */
  gauge(name: string, help: string, collect: () => number | Array<{ labels: Labels; value: number }>): void {
    const s = this.get(name, help, 'gauge');
    s.collect = () => { const r = collect(); return typeof r === 'number' ? [{ labels: {}, value: r }] : r; };
  }

  /** A histogram with fixed upper bounds (seconds, ascending); `le="+Inf"` is added. */
  histogram(name: string, help: string, buckets: number[]) {
    const s = this.get(name, help, 'histogram');
    s.hist ??= new Map();
    const bounds = [...buckets].sort((a, b) => a - b);
    return {
      observe: (value: number, labels: Labels = {}) => {
        const k = key(labels);
        let e = s.hist!.get(k);
        if (!e) { e = { labels, h: { buckets: bounds, counts: bounds.map(() => 0), sum: 0, count: 0 } }; s.hist!.set(k, e); }
        for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]) e.h.counts[i]++;
        e.h.sum += value; e.h.count++;
      },
    };
  }

  render(): string {
    const out: string[] = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      if (s.hist) {
        for (const { labels, h } of s.hist.values()) {
          const l = (extra: Labels) => {
            const all = Object.entries({ ...labels, ...extra }).map(([k, v]) => `${k}="${esc(String(v))}"`).join(',');
            return all ? `{${all}}` : '';
          };
          h.buckets.forEach((b, i) => out.push(`${name}_bucket${l({ le: String(b) })} ${h.counts[i]}`));
          out.push(`${name}_bucket${l({ le: '+Inf' })} ${h.count}`, `${name}_sum${l({})} ${h.sum}`, `${name}_count${l({})} ${h.count}`);
        }
        continue;
      }
      const vals = s.collect ? safe(s.collect) : [...s.values.values()];
      for (const { labels, value } of vals) {
        const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(String(v))}"`).join(',');
        out.push(`${name}${l ? `{${l}}` : ''} ${value}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

function safe(f: () => Array<{ labels: Labels; value: number }>) { try { return f(); } catch { return []; } }
