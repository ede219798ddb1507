/**
 * The live panel of every instance sees what any instance committed: events of this instance's bus
 * (after commit) are published with pg_notify on one channel; what other instances publish arrives by
 * LISTEN and is re-emitted here as remote (bus.emitRemote: the live feed only — pushes, call-backs and
 * other work were done once, where the change was made). Link and storage states stay per instance.
 */
import type { DomainEventName, EventBus } from '../../domain/events.js';
import type { Logger } from '../../log.js';
import { NOTIFY_PAYLOAD_LIMIT, PgListener } from './notify.js';
import type { Pool } from './pool.js';

export const EVENTS_CHANNEL = 'hotline_events';

/** Events other instances' panels show. */
export const SHARED_EVENTS: ReadonlySet<DomainEventName> = new Set<DomainEventName>([
  'declaration.changed', 'feedback.created', 'feedback.updated', 'feedback.answered', 'feedback.reopened', 'call.updated', 'call.ended', 'sms.inbound',
]);

interface Envelope { origin: string; name: DomainEventName; payload: unknown }

export class PgEventBridge {
  private listener: PgListener | null = null;
  private off: (() => void) | null = null;
  readonly counters = { published: 0, received: 0, tooLarge: 0, failed: 0 };
  constructor(private readonly pool: Pool, private readonly bus: EventBus, private readonly instance: string, private readonly log: Logger) {}

  async start(): Promise<void> {
    this.listener = new PgListener(this.pool, (e) => this.log.warn('event listener connection lost; reconnecting', { error: e.message }));
    await this.listener.listen(EVENTS_CHANNEL, (m) => {
      const env = m as Envelope;
      if (!env || typeof env !== 'object' || env.origin === this.instance || !SHARED_EVENTS.has(env.name)) return;
      this.counters.received++;
      this.bus.emitRemote(env.name, env.payload);
    });
    this.off = this.bus.onAny((name, payload, meta) => {
      if (meta.remote || !SHARED_EVENTS.has(name)) return;
      const text = JSON.stringify({ origin: this.instance, name, payload } satisfies Envelope);
      if (Buffer.byteLength(text) > NOTIFY_PAYLOAD_LIMIT) { this.counters.tooLarge++; return; }
      this.counters.published++;
      this.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, text]).catch((e: Error) => {
        this.counters.failed++;
        this.log.warn('could not publish an event to the other instances', { event: name, error: e.message });
      });
    }, { local: true });
  }

  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    await this.listener?.close();
    this.listener = null;
  }
}
