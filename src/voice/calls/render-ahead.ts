/**
 * Render ahead: the status read-back speaks a declaration's item and department names by TTS. A
 * first call asking for a declaration must not wait for those renders, so they are rendered when
 * the declaration is created or renamed ('declaration.changed', after commit), one at a time in the
 * background, through the same prompt cache (and its render pool/worker) the calls use — a call that
 * asks meanwhile shares the render in flight. Bounded queue: beyond `max` waiting texts, new ones are
 * dropped (they are then rendered on demand, as before). Never throws.
 */
import type { DomainEvents } from '../../domain/events.js';

export interface RenderAheadOptions {
  /** Renders one text into the shared cache (MediaResolver.warm). */
  warm(text: string): Promise<unknown>;
  /** Texts waiting at most (default 1000). */
  max?: number;
  onError?(err: unknown, text: string): void;
}

/** The texts a declaration's status read-back speaks by TTS (main.yaml: item, dept, statusLabel). */
export function declarationTexts(p: Pick<DomainEvents['declaration.changed'], 'declaration'>): string[] {
  const d = p.declaration as { itemName?: string | null; departmentName?: string | null };
  return [d.itemName, d.departmentName].filter((t): t is string => typeof t === 'string' && t.trim().length > 0);
}

export class RenderAhead {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;
  dropped = 0;
  done = 0;

  constructor(private readonly o: RenderAheadOptions) {}

  get pending(): number { return this.queue.length; }

  add(texts: readonly string[]): void {
    if (this.stopped) return;
    for (const t of texts) {
      if (this.queued.has(t)) continue;
      if (this.queue.length >= (this.o.max ?? 1000)) { this.dropped++; continue; }
      this.queued.add(t);
      this.queue.push(t);
    }
    this.running ??= this.run().finally(() => { this.running = null; });
  }

  /** Resolves when everything queued so far is rendered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queued.clear();
  }

  private async run(): Promise<void> {
    // Start after the current turn: the emitter (an admin/API request) answers first.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length && !this.stopped) {
      const t = this.queue.shift()!;
      try { await this.o.warm(t); this.done++; } catch (e) { this.o.onError?.(e, t); }
      this.queued.delete(t);
    }
  }
}
