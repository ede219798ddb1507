/** Builds the AppContext: `createInfra` (store, bus, metrics, health, storage, logger) then `createServices` (calendar, domain services, work orders). */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config/index.js';
import { HealthRegistry, type AppContext, type Infra, type Services } from './context.js';
import { Store } from './store/index.js';
import type { DataStore } from './store/ports.js';
import { isPostgresUrl, PgStore } from './store/pg/index.js';
import { EventBus } from './domain/events.js';
import { WorkingCalendar, type CalendarData } from './domain/calendar.js';
import { DeclarationService } from './domain/declarations.js';
import { FeedbackService, SubscriptionService } from './domain/feedback.js';
import { Metrics } from './http/metrics.js';
import { createLogger, type Logger } from './log.js';
import { isStorageFull, StorageHealth } from './store/health.js';
import { newInstanceId } from './store/lock.js';
import { WorkOrderService } from './workorders/service.js';
import { categoriesPath, loadCategoriesFile } from './workorders/categories-file.js';
import type { CategoryTree } from './workorders/categories.js';
import { assessmentPath, loadAssessmentFile } from './workorders/assessment-file.js';
import type { Feedback } from './domain/types.js';
import { answerTemplatesPath, loadAnswerTemplatesFile } from './workorders/answer-templates-file.js';

export const PROJECT_ROOT = resolve(new URL('..', import.meta.url).pathname);

export function loadCalendar(config: Config): WorkingCalendar {
  const candidates = [config.data.calendar_file, join(config.data.dir, 'calendar.json'), join(PROJECT_ROOT, 'data', 'calendar.json')].filter(Boolean);
  for (const f of candidates) {
    if (existsSync(f)) {
      try { return new WorkingCalendar(JSON.parse(readFileSync(f, 'utf8')) as CalendarData); } catch (e) {
        throw new Error(`calendar file ${f}: ${(e as Error).message}`);
      }
    }
  }
  return new WorkingCalendar({ holidays: [], workdays: [] });
}

/** The 诉求分类 tree (refuses to start on a missing or wrong file, naming each line and key). */
export function loadCategories(config: Config): CategoryTree {
  return loadCategoriesFile(categoriesPath(config.data.categories_file, config.data.dir, PROJECT_ROOT));
}

/** The 全程考核 weights (refuses to start on a wrong file, naming each line and key). */
/** 常用语 (refuses to start on a wrong file or an unknown category code, naming each line and key). */
export function loadAnswerTemplates(config: Config, tree: CategoryTree) { return loadAnswerTemplatesFile(answerTemplatesPath(config.data.dir, PROJECT_ROOT), tree); }

export function loadAssessment(config: Config) { return loadAssessmentFile(assessmentPath(config.data.dir, PROJECT_ROOT)); }

/** The store the config names: PostgreSQL for a postgres:// data.url (migrated by prepare()), else the SQLite file in the data dir. */
export function openStore(config: Config, log?: Logger): DataStore {
  if (config.data.url && isPostgresUrl(config.data.url)) {
    return PgStore.connect(config.data.url, { max: config.data.pool_size, synchronousCommit: config.data.pg_synchronous_commit as 'on' | 'off', onError: (e) => log?.warn('a PostgreSQL connection was lost; the pool reconnects', { error: e.message }) });
  }
  return Store.open(join(config.data.dir, 'hotline.db'), { synchronous: config.data.synchronous as 'NORMAL' | 'FULL', checkpoint: config.data.checkpoint as 'background' | 'inline' });
}

/** The infrastructure: store, bus (deferred to commits), metrics, health, storage state, logger, clock, instance id. */
export function createInfra(config: Config, opts: { log?: Logger; now?: () => Date; store?: DataStore; instance?: string } = {}): Infra {
  const log = opts.log ?? createLogger(config.log.level as never);
  const now = opts.now ?? (() => new Date());
  const store = opts.store ?? openStore(config, log);
  const bus = new EventBus();
  // Ordinary listeners (the live panel, other instances) hear of a change once it committed.
  bus.deferWith((fn) => store.afterCommit(fn));
  // A storage error in a listener (e.g. the push rows of a status event) is not swallowed: it fails the
  // emitter's transaction, so a step is never stored without its pushes.
  bus.rethrowIf(isStorageFull);
  bus.onListenerError(({ name, err }) => log.error('event listener failed', { event: name, error: (err as Error)?.message ?? String(err) }));
  const metrics = new Metrics();
  const health = new HealthRegistry();
  health.register('store', () => { const ok = store.healthySync(); return { ok, state: ok ? 'ok' : 'error', detail: { engine: store.engine } }; });
  const storage = new StorageHealth({
    log: log.child('storage'), dir: config.data.dir, minFreeMb: config.data.min_free_mb,
    headroom: () => (store.isOpen ? store.headroomBytes() : null),
  });
  storage.checkFree(); // warns at start when free space is low
  health.register('storage', () => storage.snapshot());
  storage.onChange(() => bus.emit('storage.state', storage.snapshot()));
  metrics.gauge('hotline_storage_full', 'Storage full: writes failing (1) or not (0)', () => (storage.full ? 1 : 0));
  return { config, store, bus, metrics, health, storage, log, now, instance: opts.instance ?? newInstanceId() };
}

/** The domain services on the infrastructure: calendar, declarations, feedback, subscriptions, work orders and the start-up data files. */
export function createServices(infra: Pick<Infra, 'config' | 'store' | 'bus' | 'now'>): Services {
  const { config, store, bus, now } = infra;
  const calendar = loadCalendar(config);
  const tz = config.time.zone;
  const declarations = new DeclarationService({
    declarations: store.declarations, departments: store.departments, subscriptions: store.subscriptions, tx: store, bus, calendar, timeZone: tz, now,
    clockSkewMs: config.api.clock_skew_sec * 1000,
  });
  const feedback = new FeedbackService({
    feedback: store.feedback, subscriptions: store.subscriptions, declarations: store.declarations, tx: store, bus, timeZone: tz,
    surveyWindowHours: config.sms.survey_window_hours, now,
  });
  const subscriptions = new SubscriptionService({ subscriptions: store.subscriptions, tx: store, bus, now });
  const tree = loadCategories(config);
  const assessment = loadAssessment(config);
  const answerTemplates = loadAnswerTemplates(config, tree);
  const workOrders = new WorkOrderService({
    store, bus, now, env: { tree, clock: { calendar, tz, hours: tree.workingHours }, warnRatio: config.workorders.warn_ratio, redoLimit: config.workorders.redo_limit },
  });
  // A dispatched work order's survey answer is its 回访 step (close, or 重办 / 转督办).
  feedback.delegateSurvey(async (id, score, actor): Promise<Feedback | null> => {
    const o = await store.workOrders.byId(id);
    if (!o || o.dispatchedAt === null || o.status !== 'answered') return null;
    const who = actor === 'citizen' ? { role: 'citizen' as const, id: 'citizen', name: '市民', departmentId: null, departmentName: null }
      : { role: 'system' as const, id: actor, name: actor, departmentId: null, departmentName: null };
    return (await workOrders.apply(id, { type: 'survey', score, via: o.channel === 'voice' ? 'call' : 'sms' }, who)).order;
  });
  return { calendar, declarations, feedback, subscriptions, workOrders, assessment, answerTemplates };
}

/** Infrastructure and services in one object (what the wiring hands around; `notices` is set later by it). */
export function createContext(config: Config, opts: { log?: Logger; now?: () => Date; store?: DataStore; instance?: string } = {}): AppContext {
  const infra = createInfra(config, opts);
  return { ...infra, ...createServices(infra) };
}
