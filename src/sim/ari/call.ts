/**
 * SimCall: the far end of one simulated channel — the citizen's phone for an
 * inbound call, or the operator's phone for a channel the app originated.
 *
 * Tests, benchmarks and the admin panel's test phone drive calls through it
 * (press digits, hang up, stay silent) and read what happened: the ARI events
 * Asterisk sent about this channel, the playbacks the caller heard, and a
 * caller-side "heard" feed (prompts with captions, beeps, DTMF, hang-up).
 */

/** An ARI event as sent on the WebSocket (one app's copy). */
export interface AriEvent {
  type: string;
  timestamp: string;
  application: string;
  asterisk_id?: string;
  [key: string]: unknown;
}

export type PlaybackOutcome = 'done' | 'failed';

/** A playback as the caller experienced it. */
export interface SimPlayback {
  id: string;
  media: string[];
  language: string;
  /** queued → playing → done | failed; `lost` = unknown media scheme: started and never finishes (as on Asterisk). */
  state: 'queued' | 'playing' | 'done' | 'failed' | 'lost';
  /** true when the app stopped it with DELETE /playbacks/{id}. */
  stopped: boolean;
  startedAt?: number;
  finishedAt?: number;
  /** Resolves when PlaybackFinished is emitted; never resolves for a `lost` playback. */
  finished: Promise<PlaybackOutcome>;
}

/** One line of what the caller hears/experiences, for the test phone feed. */
export interface HeardItem {
  seq: number;
  at: string;
  kind: 'ringing' | 'answered' | 'prompt' | 'prompt-end' | 'beep' | 'recording' | 'recording-end' | 'dtmf-pressed' | 'dtmf-sent' | 'bridged' | 'unbridged' | 'moh' | 'moh-end' | 'ended';
  media?: string;
  caption?: string;
  url?: string;
  playbackId?: string;
  state?: string;
  digits?: string;
  detail?: string;
}

export interface CallEnd {
  /** who ended it: the caller (BYE), the app (DELETE), the dialplan after `continue`, or an unanswered originate. */
  by: 'caller' | 'app' | 'dialplan' | 'no-answer' | 'busy' | 'declined' | 'congestion' | 'failed' | 'shutdown';
  cause: number;
  causeText: string;
}

/** What the simulator implements for the caller's actions. */
export interface CallDriver {
  callerDtmf(call: SimCall, digit: string, durationMs: number): void;
  callerHangup(call: SimCall): void;
  callerTalking(call: SimCall, talking: boolean): void;
  farEndAnswer(call: SimCall): boolean;
  farEndReject(call: SimCall, result: 'busy' | 'declined' | 'no-answer' | 'congestion' | 'failed'): boolean;
}

export type EventMatcher = string | ((e: AriEvent) => boolean);
export type PlaybackMatcher = string | RegExp | ((p: SimPlayback) => boolean);

interface Waiter {
  from: number;
  test: (e: AriEvent) => boolean;
  resolve: (e: AriEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const VALID_DTMF = /^[0-9A-Da-d*#]$/;

export class SimCall {
  readonly events: AriEvent[] = [];
  readonly playbacks: SimPlayback[] = [];
  readonly heard: HeardItem[] = [];
  /** Resolves when the channel is gone (after StasisEnd / ChannelDestroyed). */
  readonly ended: Promise<CallEnd>;
  endInfo: CallEnd | undefined;
  /** Whether the far end is currently producing speech (affects maxSilenceSeconds and the recorded audio). */
  talking = true;

  private cursor = 0;
  private waiters: Waiter[] = [];
  private heardListeners = new Set<(item: HeardItem) => void>();
  private resolveEnded!: (info: CallEnd) => void;
  private pressChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly driver: CallDriver,
    readonly id: string,
    readonly direction: 'inbound' | 'outbound',
    readonly from: string,
    readonly to: string,
    readonly app: string,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  get isEnded(): boolean {
    return this.endInfo !== undefined;
  }

  /**
   * Press keys on the phone: one ChannelDtmfReceived per key (sent on key release,
   * `durationMs` after press), `gapMs` wall-clock between keys. Invalid characters are
   * ignored. Calls are serialized, so `press('1'); press('2')` sends 1 then 2.
   */
  press(digits: string, gapMs = 80, durationMs = 100): Promise<void> {
    const run = async (): Promise<void> => {
      const keys = [...digits].filter((d) => VALID_DTMF.test(d));
      for (let i = 0; i < keys.length; i++) {
        if (this.isEnded) return;
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (this.isEnded) return;
        this.driver.callerDtmf(this, keys[i].toUpperCase(), durationMs);
      }
    };
    this.pressChain = this.pressChain.then(run, run);
    return this.pressChain;
  }

  /** The caller hangs up (SIP BYE). Resolves when the channel is gone. */
  hangup(): Promise<CallEnd> {
    if (!this.isEnded) this.driver.callerHangup(this);
    return this.ended;
  }

  /** The caller starts talking again (the default). */
  speak(): void {
    this.driver.callerTalking(this, true);
  }

  /** The caller goes quiet: a recording with maxSilenceSeconds ends after that much silence. */
  silence(): void {
    this.driver.callerTalking(this, false);
  }

  /** Outbound (originated) call still ringing: the far end picks up. */
  answer(): boolean {
    return this.driver.farEndAnswer(this);
  }

  /** Outbound call still ringing: the far end declines / never answers. */
  reject(result: 'busy' | 'declined' | 'no-answer' | 'congestion' | 'failed' = 'busy'): boolean {
    return this.driver.farEndReject(this, result);
  }

  /**
   * Wait for the next ARI event about this call that matches (event type or predicate).
   * Scans from just after the event the previous waitFor/waitForPlayback matched, so a
   * test reads the call as a sequence. Rejects after `timeoutMs`.
   */
  waitFor(match: EventMatcher, timeoutMs = 5000): Promise<AriEvent> {
    const test = typeof match === 'string' ? (e: AriEvent) => e.type === match : match;
    for (let i = this.cursor; i < this.events.length; i++) {
      if (test(this.events[i])) {
        this.cursor = i + 1;
        return Promise.resolve(this.events[i]);
      }
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        from: this.events.length,
        test,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          const what = typeof match === 'string' ? match : 'predicate';
          reject(new Error(`call ${this.id}: timed out after ${timeoutMs} ms waiting for ${what}; seen: ${this.events.slice(-8).map((e) => e.type).join(', ')}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Wait for the next playback (PlaybackStarted) whose media matches; returns the playback record. */
  async waitForPlayback(matcher: PlaybackMatcher, timeoutMs = 5000): Promise<SimPlayback> {
    const matches = (p: SimPlayback): boolean => {
      if (typeof matcher === 'function') return matcher(p);
      if (matcher instanceof RegExp) return p.media.some((m) => matcher.test(m));
      return p.media.some((m) => m === matcher || m.includes(matcher));
    };
    const ev = await this.waitFor((e) => {
      if (e.type !== 'PlaybackStarted') return false;
      const pb = this.playbacks.find((p) => p.id === (e.playback as { id: string }).id);
      return pb !== undefined && matches(pb);
    }, timeoutMs);
    return this.playbacks.find((p) => p.id === (ev.playback as { id: string }).id)!;
  }

  /** Media URIs of every playback started so far, in order (one entry per media item). */
  get promptsHeard(): string[] {
    return this.heard.filter((h) => h.kind === 'prompt').map((h) => h.media ?? '');
  }

  /** Subscribe to the caller-side feed; returns an unsubscribe function. */
  onHeard(listener: (item: HeardItem) => void): () => void {
    this.heardListeners.add(listener);
    return () => this.heardListeners.delete(listener);
  }

  // ---- used by the simulator -------------------------------------------------

  /** @internal record an event sent to the app about this channel. */
  _pushEvent(e: AriEvent): void {
    this.events.push(e);
    const idx = this.events.length - 1;
    for (const w of [...this.waiters]) {
      if (idx >= w.from && w.test(e)) {
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
        this.cursor = Math.max(this.cursor, idx + 1);
        w.resolve(e);
      }
    }
  }

  /** @internal */
  _hear(item: Omit<HeardItem, 'seq' | 'at'>): void {
    const full: HeardItem = { seq: this.heard.length + 1, at: new Date().toISOString(), ...item };
    this.heard.push(full);
    for (const l of this.heardListeners) {
      try {
        l(full);
      } catch {
        /* a broken listener must not break the call */
      }
    }
  }

  /** @internal */
  _end(info: CallEnd): void {
    if (this.endInfo) return;
    this.endInfo = info;
    this._hear({ kind: 'ended', detail: info.by, state: info.causeText });
    this.resolveEnded(info);
  }
}
