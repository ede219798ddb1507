/**
 * What the call layer needs from ARI, as plain data and promises. `AriLink` (./client.ts) implements
 * it over ari-client; tests may implement it with a fake. No ari-client object crosses this line.
 */

/** An ARI event as received on the WebSocket (parsed JSON). */
export interface AriEventJson {
  type: string;
  timestamp?: string;
  application?: string;
  [key: string]: unknown;
}

export interface AriChannelJson {
  id: string;
  name?: string;
  state?: string;
  caller?: { name?: string; number?: string };
  connected?: { name?: string; number?: string };
  dialplan?: { context?: string; exten?: string; priority?: number; app_name?: string; app_data?: string };
  creationtime?: string;
  language?: string;
}

export interface RecordOptions {
  name: string;
  format: string;
  maxDurationSeconds: number;
  maxSilenceSeconds: number;
  beep: boolean;
  terminateOn: string;
  ifExists: 'fail' | 'overwrite' | 'append';
}

export interface OriginateOptions {
  endpoint: string;
  app: string;
  appArgs: string[];
  callerId?: string;
  /** Ring timeout in seconds. */
  timeout: number;
  channelId?: string;
  variables?: Record<string, string>;
}

/** An ARI REST failure: the HTTP status (null for network errors and timeouts) and Asterisk's message. */
export class AriRequestError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
    this.name = 'AriRequestError';
  }
  get notFound(): boolean { return this.status === 404; }
}

/** An endpoint as ARI describes it (GET /endpoints/{tech}/{resource}). */
export interface AriEndpointJson {
  technology: string;
  resource: string;
  /** unknown | offline | online (PJSIP: online once a contact is registered/reachable). */
  state?: string;
  channel_ids: string[];
}

/**
 * 'replaced': the event socket is open, but another WebSocket took the Stasis app over
 * (ApplicationReplaced): new calls go to the other process.
 */
export type AriLinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'replaced' | 'down' | 'stopped';

export interface AriPort {
  answer(channelId: string): Promise<void>;
  play(channelId: string, playbackId: string, media: string[]): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  /** Playback state, or null when Asterisk no longer knows it (finished). */
  getPlayback(playbackId: string): Promise<{ state: string } | null>;
  record(channelId: string, opts: RecordOptions): Promise<void>;
  stopRecording(name: string): Promise<void>;
  /** Live recording state, or null when it is not live any more. */
  getLiveRecording(name: string): Promise<{ state: string } | null>;
  /** Stored recording (name, format), or null when there is none. */
  getStoredRecording(name: string): Promise<{ name: string; format: string } | null>;
  /** GET /recordings/stored/{name}/file. */
  downloadRecording(name: string): Promise<Buffer>;
  deleteStoredRecording(name: string): Promise<void>;
  hangup(channelId: string, reason?: string): Promise<void>;
  /** Channel ids currently in (or subscribed by) the Stasis application. */
  appChannelIds(): Promise<string[]>;
  getChannel(channelId: string): Promise<AriChannelJson | null>;
  originate(o: OriginateOptions): Promise<AriChannelJson>;
  /** The endpoint, or null when Asterisk does not know it (404). */
  getEndpoint(tech: string, resource: string): Promise<AriEndpointJson | null>;
  /** Music on hold on a channel (POST/DELETE /channels/{id}/moh). */
  startMoh(channelId: string, mohClass?: string): Promise<void>;
  stopMoh(channelId: string): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  /** Record a bridge's mix (POST /bridges/{id}/record): RecordingStarted/RecordingFinished with target_uri bridge:<id>; ends with the bridge. */
  recordBridge(bridgeId: string, o: Pick<RecordOptions, 'name' | 'format' | 'maxDurationSeconds' | 'ifExists'>): Promise<void>;
}
