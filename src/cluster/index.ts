/**
 * This instance among others on one database: it registers itself and renews its lease (instances
 * table, every `heartbeatMs`); on PostgreSQL it also competes for the jobs leadership (an advisory lock:
 * scheduled jobs run once across the cluster) and bridges live events to the other instances
 * (LISTEN/NOTIFY). On SQLite there is one instance per data directory (the lock file): it is always the
 * leader and nothing is bridged.
 */
import { hostname } from 'node:os';
import type { Infra } from '../context.js';
import type { Component } from '../app.js';
import { PgEventBridge, PgLeader, PgStore } from '../store/pg/index.js';

export interface Cluster extends Component {
  /** Whether this instance runs the cluster-wide scheduled jobs now. */
  isLeader(): boolean;
  /** Instance ids seen within the lease (this one included). */
  liveInstances(): Promise<string[]>;
  /** How long an instance may stay silent before its claimed work is taken over (ms). */
  readonly leaseMs: number;
}

export function createCluster(ctx: Infra, opts: { heartbeatMs?: number; leaseMs?: number; leaderRetryMs?: number } = {}): Cluster {
  const log = ctx.log.child('cluster');
  const heartbeatMs = opts.heartbeatMs ?? ctx.config.cluster.heartbeat_sec * 1000;
  const leaseMs = opts.leaseMs ?? ctx.config.cluster.lease_sec * 1000;
  const pg = ctx.store instanceof PgStore ? ctx.store : null;
  const leader = pg ? new PgLeader(pg.pool, {
    retryMs: opts.leaderRetryMs ?? Math.min(heartbeatMs, 5000),
    onChange: (l) => log.info(l ? '本实例负责定时任务 / this instance now runs the scheduled jobs' : 'no longer the jobs leader', { instance: ctx.instance }),
  }) : null;
  const bridge = pg ? new PgEventBridge(pg.pool, ctx.bus, ctx.instance, log) : null;
  let timer: NodeJS.Timeout | null = null;
  const beat = () => {
    ctx.store.instances.heartbeat(ctx.instance, ctx.now().toISOString())
      .then((ok) => { if (!ok) return ctx.store.instances.register(ctx.instance, hostname(), process.pid, ctx.now().toISOString()); })
      .catch((e: Error) => { if (!ctx.storage.failure(e, 'instance heartbeat')) log.warn('instance heartbeat failed', { error: e.message }); });
  };
  return {
    name: 'cluster',
    leaseMs,
    isLeader: () => (leader ? leader.isLeader() : true),
    async liveInstances() {
      return (await ctx.store.instances.live(new Date(ctx.now().getTime() - leaseMs).toISOString())).map((r) => r.id);
    },
    async start() {
      try {
        await ctx.store.instances.register(ctx.instance, hostname(), process.pid, ctx.now().toISOString());
      } catch (e) {
        // Started on a full disk: the heartbeat registers once writes succeed again.
        if (!ctx.storage.failure(e, 'instance register')) throw e;
      }
      timer = setInterval(beat, heartbeatMs);
      timer.unref();
      if (leader) { await leader.tryAcquire().catch(() => false); leader.start(); }
      await bridge?.start();
      ctx.health.register('cluster', () => ({
        ok: true, state: leader ? (leader.isLeader() ? 'leader' : 'member') : 'single',
        detail: { engine: ctx.store.engine, instance: ctx.instance, ...(bridge ? { events: bridge.counters } : {}) },
      }));
    },
    async stop() {
      if (timer) clearInterval(timer);
      await bridge?.stop().catch(() => undefined);
      await leader?.stop().catch(() => undefined);
      await ctx.store.instances.stopped(ctx.instance, ctx.now().toISOString()).catch(() => undefined);
    },
  };
}
