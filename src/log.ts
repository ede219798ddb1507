/**
 * A small structured logger: one line per entry, `time level [scope] message {fields}`.
 * Phone numbers in fields named phone/from/to/caller/destination/source are masked.
 */
import { maskPhone } from './domain/masking.js';

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const PHONE_KEYS = new Set(['phone', 'from', 'to', 'caller', 'called', 'destination', 'source', 'msisdn', 'sourceAddr', 'destAddr']);

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export interface LogSink { write(line: string): void }

export function maskFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (PHONE_KEYS.has(k) && typeof v === 'string') out[k] = maskPhone(v);
    else if (v instanceof Error) out[k] = v.message;
    else out[k] = v;
  }
  return out;
}

export function createLogger(level: Level = 'info', scope = 'hotline', sink: LogSink = process.stderr): Logger {
  const min = ORDER[level];
  const log = (lv: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lv] < min) return;
    let line = `${new Date().toISOString()} ${lv.toUpperCase().padEnd(5)} [${scope}] ${msg}`;
    if (fields && Object.keys(fields).length) {
      try { line += ' ' + JSON.stringify(maskFields(fields)); } catch { line += ' {unserialisable fields}'; }
    }
    sink.write(line + '\n');
  };
  return {
    debug: (m, f) => log('debug', m, f), info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f), error: (m, f) => log('error', m, f),
    child: (s) => createLogger(level, `${scope}:${s}`, sink),
  };
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const l = createLogger('debug', 'test', { write: (s) => { lines.push(s); } });
  return Object.assign(l, { lines });
}

export const silentLogger: Logger = createLogger('silent');
