/** A tiny Prometheus text-format registry: counters and gauges with labels. */
type Labels = Record<string, string>;

interface Series { help: string; type: 'counter' | 'gauge'; values: Map<string, { labels: Labels; value: number }>; collect?: () => Array<{ labels: Labels; value: number }> }

function key(labels: Labels): string { return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(','); }
function esc(v: string): string { return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"'); }

export class Metrics {
  private series = new Map<string, Series>();

  private get(name: string, help: string, type: 'counter' | 'gauge'): Series {
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

  render(): string {
    const out: string[] = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
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
