/**
 * What adapters and plugins receive: `Infra` (config, store, bus, metrics, health, storage, logger, clock,
 * instance) and `Services` (domain services, start-up data); `AppContext` is both, for the wiring.
 */
import type { Config } from './config/index.js';
import type { DataStore } from './store/ports.js';
import type { EventBus } from './domain/events.js';
import type { DeclarationService } from './domain/declarations.js';
import type { FeedbackService, SubscriptionService } from './domain/feedback.js';
import type { WorkingCalendar } from './domain/calendar.js';
import type { Metrics } from './http/metrics.js';
import type { Logger } from './log.js';
import type { StorageHealth } from './store/health.js';
import type { WorkOrderService } from './workorders/service.js';
import type { NoticePort } from './sms/notices.js';
import type { AssessmentConfig } from './workorders/assessment.js';
import type { AnswerTemplates } from './workorders/answer-templates.js';

export type ComponentState = { ok: boolean; state: string; detail?: Record<string, unknown> };

/** Components (store, SMPP link, ARI, AMI…) register a status function; /health and the live panel read them. */
export class HealthRegistry {
  private readonly parts = new Map<string, () => ComponentState>();
  register(name: string, fn: () => ComponentState): void { this.parts.set(name, fn); }
  snapshot(): { ok: boolean; components: Record<string, ComponentState> } {
    const components: Record<string, ComponentState> = {};
    let ok = true;
    for (const [name, fn] of this.parts) {
      let s: ComponentState;
      try { s = fn(); } catch (e) { s = { ok: false, state: 'error', detail: { error: (e as Error).message } }; }
      components[name] = s;
      if (!s.ok) ok = false;
    }
    return { ok, components };
  }
}

/**
 * Infrastructure: what runs the process — config, the store, the event bus, metrics, health, storage
 * state, the logger, the clock and this instance's id. No domain rules here.
 */
export interface Infra {
  config: Config;
  store: DataStore;
  bus: EventBus;
  metrics: Metrics;
  health: HealthRegistry;
  /** Full disk / failing writes: state, rate-limited logging, read by /health, the panel, the dispatcher (src/store/health.ts). */
  storage: StorageHealth;
  log: Logger;
  now: () => Date;
  /** This server process (`<host>/<pid>/<random>`): recorded as the owner of the calls it handles. */
  instance: string;
}

/** Services: the domain services and the data files checked at start, built on the infrastructure. */
export interface Services {
  calendar: WorkingCalendar;
  declarations: DeclarationService;
  feedback: FeedbackService;
  subscriptions: SubscriptionService;
  /** Work orders (工单): the handling cycle on feedback items (src/workorders/). */
  workOrders: WorkOrderService;
  /** 全程考核 weights (data/assessment.yaml, checked at start; src/workorders/assessment.ts). */
  assessment: AssessmentConfig;
  /** 常用语 for the answer forms (data/answer-templates.yaml, checked at start against the categories; src/workorders/answer-templates.ts). */
  answerTemplates: AnswerTemplates;
  /** Bulk notices into the outbox (set by the wiring once the SMS channel exists; absent without one). */
  notices?: NoticePort;
}

/** Both, for the wiring (src/app.ts) and the components that use infrastructure and services together. */
export type AppContext = Infra & Services;
