/** Internal records of the ARI simulator (not exported from index.ts): shared by simulator.ts and resources/*.ts. */
import type { WebSocket } from 'ws';

import type { SimCall, SimPlayback } from './call.js';

export interface CallerIdRec {
  name: string;
  number: string;
}

export interface Chan {
  id: string;
  name: string;
  state: string;
  protocolId: string;
  caller: CallerIdRec;
  connected: CallerIdRec;
  accountcode: string;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
  /** The Stasis app the channel is in, if any. */
  stasisApp: string | null;
  /** Apps subscribed explicitly or because they originated the channel (they get ChannelDestroyed). */
  subs: Set<string>;
  hangingUp: boolean;
  gone: boolean;
  vars: Map<string, string>;
  queue: QueueItem[];
  current: QueueItem | null;
  bridge: BridgeRec | null;
  call: SimCall;
  outbound?: { app?: string; appArgs: string[]; answered: boolean; timer?: NodeJS.Timeout; timeoutTimer?: NodeJS.Timeout };
}

export type QueueItem = { kind: 'playback'; pb: PlaybackRec } | { kind: 'record'; rec: RecordingRec };

export type PlayInterrupt = 'stop' | 'hangup';

export interface PlaybackRec {
  id: string;
  medias: string[];
  index: number;
  language: string;
  targetUri: string;
  state: 'queued' | 'playing' | 'continuing' | 'done' | 'failed';
  chan: Chan;
  canceled: boolean;
  stopped: boolean;
  sim: SimPlayback;
  settle: (outcome: 'done' | 'failed') => void;
  interrupt?: (why: PlayInterrupt) => void;
}

export interface RecordingRec {
  name: string;
  format: string;
  targetUri: string;
  state: 'queued' | 'recording' | 'done' | 'failed';
  chan: Chan;
  maxDurationSec: number;
  maxSilenceSec: number;
  terminateOn: string;
  beep: boolean;
  ifExists: string;
  startWall: number;
  /** wall-clock instants where the caller switched between talking and silence */
  segments: { wall: number; talking: boolean }[];
  timers: NodeJS.Timeout[];
  silenceTimer?: NodeJS.Timeout;
}

export interface BridgeRec {
  id: string;
  type: 'mixing' | 'holding';
  name: string;
  channels: string[];
  creationtime: string;
  /** Apps subscribed to the bridge: explicitly, or by adding one of their channels (as Stasis does). */
  subs: Set<string>;
}

export interface WsSession {
  ws: WebSocket;
  apps: string[];
  subscribeAll: boolean;
}

export interface StoredRec {
  name: string;
  format: string;
  file: string;
}

export interface HttpResult {
  status: number;
  json?: unknown;
  body?: Buffer;
  contentType?: string;
}

export class AriError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Params {
  get(name: string): string | undefined;
  list(name: string): string[];
  path: Record<string, string>;
  variables: Record<string, string>;
}

export type Handler = (p: Params) => HttpResult | Promise<HttpResult>;

export const FORMATS: Record<string, { ext: string; mime: string }> = {
  wav: { ext: 'wav', mime: 'audio/wav' },
  sln: { ext: 'sln', mime: 'audio/x-slin' },
  ulaw: { ext: 'ulaw', mime: 'audio/basic' },
  alaw: { ext: 'alaw', mime: 'audio/x-alaw-basic' },
};

export const BODY_LIMIT = 64 * 1024;
/** Recordings longer than this (simulated) are truncated when synthesized, to bound memory. */
export const MAX_SYNTH_MS = 30 * 60 * 1000;

export const noContent = (): HttpResult => ({ status: 204 });
export const ok = (json: unknown, status = 200): HttpResult => ({ status, json });

