/**
 * TTS engines for the prompt fallback.
 *
 * - espeak-ng (Debian package): the Linux default, voice `cmn-latn-pinyin`. Debian's espeak-ng 1.51
 *   voice `cmn` reads Chinese characters as English (espeak-ng issue 1236), so every engine is
 *   verified on a Mandarin sample (`verify()`: its phonemes must not switch language). Run with
 *   execFile and an argument array; the text goes through stdin, so it never meets a shell or an
 *   option parser.
 * - say (npm `say`): only where it can export to a file — macOS (`say -o`) and Windows
 *   (System.Speech). On Linux `say` pipes the text, unescaped, into a festival Scheme string
 *   (`(SayText "…")`) and its export() throws ("does not support platform linux"), so it reports
 *   itself unavailable there. Debian's festival has no Mandarin voice anyway.
 * - none: no synthesis; recorded prompts (and digits from recorded prompts) only.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { speechTextZh } from '../flow/zh-reading.js';
import { checkMandarinPhonemes } from './phonemes.js';

/** What every engine must read as Mandarin (the hotline number, a key, a time) — checked at start-up and by `hotline tts check`. */
export const MANDARIN_SAMPLE = '您好，欢迎致电96365政务服务便民热线。查询请按1，工作时间8:30至17:30。';
/** espeak-ng voices tried, in order, when the configured one fails the Mandarin check. */
export const ESPEAK_MANDARIN_VOICES = ['cmn-latn-pinyin', 'cmn', 'zh'];
/** Default speaking rate in words per minute (espeak-ng's own default is 175). */
export const DEFAULT_TTS_SPEED = 200;

export interface TtsProbe {
  ok: boolean;
  /** Why the engine cannot be used (shown as a start-up warning). */
  reason?: string;
}

export interface TtsEngine {
  readonly name: string;
  readonly voice: string;
  /** Other settings that change the audio (e.g. the speed), part of the prompt cache key. */
  readonly cacheTag?: string;
  available(): Promise<boolean>;
  /** Like available(), with the reason when unavailable. */
  probe(): Promise<TtsProbe>;
  /** Render `text` into a WAV file at `outWavPath` (any rate/channels; the cache converts it). */
  synthesize(text: string, outWavPath: string): Promise<void>;
  /**
   * Does the voice speak Mandarin? Renders MANDARIN_SAMPLE (as the prompt pipeline would) and
   * inspects it where the engine can tell (espeak-ng: phonemes). Includes probe().
   */
  verify?(): Promise<TtsVerdict>;
}

export interface TtsVerdict extends TtsProbe {
  /** What was inspected (espeak-ng: the phoneme output of the sample). */
  detail?: string;
}

export class TtsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TtsUnavailableError';
  }
}

export class TtsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TtsError';
  }
}

export type TtsChoice = 'auto' | 'espeak-ng' | 'say' | 'none';

interface RunResult { code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }

/** execFile with an argument array (no shell), optional stdin text, and a kill timeout. */
function run(cmd: string, args: string[], opts: { input?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs, maxBuffer: 1 << 20, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout: String(stdout), stderr: String(stderr), error: e ?? undefined });
      });
    child.stdin?.on('error', () => { /* the process may exit before reading stdin (e.g. not found) */ });
    if (opts.input !== undefined) child.stdin?.end(opts.input, 'utf8');
    else child.stdin?.end();
  });
}

async function checkOutput(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (!st || st.size <= 44) throw new TtsError(`TTS produced no audio at ${path}`);
}

export interface EspeakOptions {
  command?: string;
  /** espeak-ng voice (default 'cmn-latn-pinyin': Mandarin from Chinese characters; empty = default). */
  voice?: string;
  /** Words per minute (default DEFAULT_TTS_SPEED). */
  speed?: number;
  timeoutMs?: number;
}

export class EspeakNgEngine implements TtsEngine {
  readonly name = 'espeak-ng';
  readonly voice: string;
  readonly speed: number;
  readonly cacheTag: string;
  private readonly command: string;
  private readonly timeoutMs: number;
  private probed: Promise<TtsProbe> | null = null;
  private verified: Promise<TtsVerdict> | null = null;

  constructor(opts: EspeakOptions = {}) {
    this.command = opts.command ?? 'espeak-ng';
    this.voice = opts.voice || ESPEAK_MANDARIN_VOICES[0];
    this.speed = opts.speed ?? DEFAULT_TTS_SPEED;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(this.voice)) throw new TtsError(`espeak-ng: bad voice name "${this.voice}"`);
    if (!Number.isInteger(this.speed) || this.speed < 80 || this.speed > 450) throw new TtsError(`espeak-ng: speed ${this.speed} outside 80–450 words per minute`);
    this.cacheTag = `s${this.speed}`;
  }

  probe(): Promise<TtsProbe> {
    this.probed ??= (async (): Promise<TtsProbe> => {
      const v = await run(this.command, ['--version'], { timeoutMs: 5000 });
      if (v.error) {
        return { ok: false, reason: v.error.code === 'ENOENT'
          ? `未找到 ${this.command}（apt-get install espeak-ng）/ ${this.command} not found`
          : `${this.command} --version failed: ${v.stderr.trim() || v.error.message}` };
      }
      const voices = await run(this.command, [`--voices=${this.voice}`], { timeoutMs: 5000 });
      const listed = voices.stdout.split('\n').slice(1).some((line) => line.trim().split(/\s+/).some((w) => w === this.voice || w.endsWith(`/${this.voice}`)));
      if (!listed) return { ok: false, reason: `espeak-ng 没有 "${this.voice}" 语音 / voice "${this.voice}" not installed` };
      return { ok: true };
    })();
    return this.probed;
  }

  async available(): Promise<boolean> {
    return (await this.probe()).ok;
  }

  /** The phonemes espeak-ng makes of `text` (`-x -q`: mnemonics, no audio), language switches included. */
  async phonemes(text: string): Promise<string> {
    const r = await run(this.command, ['-v', this.voice, '-s', String(this.speed), '-b', '1', '-x', '-q', '--stdin'], { input: text, timeoutMs: this.timeoutMs });
    if (r.error) throw new TtsError(`espeak-ng failed: ${r.stderr.trim().slice(0, 200) || r.error.message}`);
    return r.stdout.trim();
  }

  verify(): Promise<TtsVerdict> {
    this.verified ??= (async (): Promise<TtsVerdict> => {
      const p = await this.probe();
      if (!p.ok) return p;
      let out: string;
      try { out = await this.phonemes(speechTextZh(MANDARIN_SAMPLE)); } catch (e) { return { ok: false, reason: (e as Error).message }; }
      const v = checkMandarinPhonemes(out);
      return v.ok ? { ok: true, detail: out } : { ok: false, reason: `espeak-ng 语音 "${this.voice}" 不是普通话 / voice "${this.voice}" is not Mandarin: ${v.reason}`, detail: out };
    })();
    return this.verified;
  }

  async synthesize(text: string, outWavPath: string): Promise<void> {
    // -b 1: UTF-8 input; --stdin: read the whole text from stdin (never as an argument);
    // no -m, so "<…>" is text, not SSML.
    const args = ['-v', this.voice, '-s', String(this.speed), '-b', '1', '-w', outWavPath, '--stdin'];
    const r = await run(this.command, args, { input: text, timeoutMs: this.timeoutMs });
    if (r.error) throw new TtsError(`espeak-ng failed: ${r.stderr.trim().slice(0, 200) || r.error.message}`);
    await checkOutput(outWavPath);
  }
}

export interface SayOptions {
  platform?: NodeJS.Platform;
  /** Voice name (default: macOS 'Tingting', Windows 'Microsoft Huihui Desktop'; empty = default). */
  voice?: string;
  /** Words per minute (default DEFAULT_TTS_SPEED; `say` takes it as a factor of 175). */
  speed?: number;
  timeoutMs?: number;
}

interface SayModule {
  export(text: string, voice?: string, speed?: number, filePath?: string, callback?: (err: unknown) => void): void;
}

export class SayEngine implements TtsEngine {
  readonly name = 'say';
  readonly voice: string;
  readonly cacheTag: string;
  private readonly platform: NodeJS.Platform;
  private readonly speed: number;
  private readonly timeoutMs: number;

  constructor(opts: SayOptions = {}) {
    this.platform = opts.platform ?? process.platform;
    this.voice = opts.voice || (this.platform === 'win32' ? 'Microsoft Huihui Desktop' : 'Tingting');
    this.speed = opts.speed ?? DEFAULT_TTS_SPEED;
    this.cacheTag = `s${this.speed}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The say package cannot show what it will pronounce: the probe is all that can be checked. */
  async verify(): Promise<TtsVerdict> {
    return this.probe();
  }

  async probe(): Promise<TtsProbe> {
    if (this.platform !== 'darwin' && this.platform !== 'win32') {
      return {
        ok: false,
        reason: `say 在 ${this.platform} 上不能导出音频文件 / the say package cannot export on ${this.platform} ` +
          '(on Linux it only pipes text to festival, unescaped, and say.export() throws); use espeak-ng',
      };
    }
    // On Windows the voice and file name are pasted into a PowerShell command line by `say`.
    if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(this.voice)) return { ok: false, reason: `say: unsafe voice name "${this.voice}"` };
    try {
      await this.load();
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `say: ${(e as Error).message}` };
    }
  }

  async available(): Promise<boolean> {
    return (await this.probe()).ok;
  }

  private async load(): Promise<SayModule> {
    // Imported lazily: the package builds a platform singleton at import time and throws on
    // platforms it does not know.
    const mod = (await import('say')) as unknown as { default?: SayModule } & SayModule;
    return mod.default ?? mod;
  }

  async synthesize(text: string, outWavPath: string): Promise<void> {
    const p = await this.probe();
    if (!p.ok) throw new TtsUnavailableError(p.reason ?? 'say unavailable');
    if (/['"`$\r\n]/.test(outWavPath)) throw new TtsError('say: unsafe output path');
    // macOS: the text is an argv element (no shell) — keep it from looking like an option.
    // Windows: `say` sends the text through stdin; only our voice and file name reach the command line.
    const safeText = text.startsWith('-') ? ` ${text}` : text;
    const say = await this.load();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TtsError('say: timed out')), this.timeoutMs);
      say.export(safeText, this.voice, this.speed / 175, outWavPath, (err) => {
        clearTimeout(timer);
        if (err) reject(new TtsError(`say failed: ${String(err).slice(0, 200)}`));
        else resolve();
      });
    });
    await checkOutput(outWavPath);
  }
}

export class NoneEngine implements TtsEngine {
  readonly name = 'none';
  readonly voice = '';
  constructor(private readonly reason = 'TTS 已关闭 / TTS disabled (tts engine: none)') {}
  async probe(): Promise<TtsProbe> { return { ok: false, reason: this.reason }; }
  async verify(): Promise<TtsVerdict> { return { ok: false, reason: this.reason }; }
  async available(): Promise<boolean> { return false; }
  async synthesize(): Promise<void> { throw new TtsUnavailableError(this.reason); }
}

export interface SelectOptions {
  platform?: NodeJS.Platform;
  espeak?: EspeakOptions;
  say?: Omit<SayOptions, 'platform'>;
  /**
   * Check that the voice speaks Mandarin (default true). An espeak-ng voice that fails is replaced,
   * with a warning, by the first of ESPEAK_MANDARIN_VOICES that passes; when none does, the next
   * engine is tried, and in the end TTS is off (NoneEngine) with a warning.
   */
  verify?: boolean;
}

/**
 * Pick the engine for config `auto|espeak-ng|say|none`. Never throws: an unusable engine gives
 * NoneEngine plus a warning to log at start-up (recorded prompts and digits still play).
 */
export async function selectTtsEngine(choice: TtsChoice | string, opts: SelectOptions = {}): Promise<{ engine: TtsEngine; warning: string | null }> {
  const platform = opts.platform ?? process.platform;
  const verify = opts.verify !== false;
  const espeak = () => new EspeakNgEngine(opts.espeak);
  const say = () => new SayEngine({ ...opts.say, platform });
  const fallback = (reasons: string[]) => ({
    engine: new NoneEngine(`没有可用的 TTS 引擎 / no TTS engine: ${reasons.join('; ')}`),
    warning: `TTS 不可用，只播放录制的提示音 / TTS fallback unavailable, only recorded prompts will play: ${reasons.join('; ')}`,
  });
  let order: Array<() => TtsEngine>;
  let warning: string | null = null;
  switch (choice) {
    case 'none': return { engine: new NoneEngine(), warning: null };
    case 'espeak-ng': order = [espeak]; break;
    case 'say': order = [say]; break;
    case 'auto': order = platform === 'darwin' || platform === 'win32' ? [say, espeak] : [espeak]; break;
    default:
      warning = `unknown tts engine "${choice}", using auto`;
      order = platform === 'darwin' || platform === 'win32' ? [say, espeak] : [espeak];
  }
  const join = (...w: Array<string | null>) => w.filter(Boolean).join('; ') || null;
  const reasons: string[] = [];
  for (const make of order) {
    let engine: TtsEngine;
    try { engine = make(); } catch (e) { reasons.push((e as Error).message); continue; }
    const p = verify && engine.verify ? await engine.verify() : await engine.probe();
    if (p.ok) return { engine, warning };
    reasons.push(p.reason ?? `${engine.name} unavailable`);
    if (verify && engine instanceof EspeakNgEngine && (await engine.probe()).ok) {
      // Installed, but the voice is not Mandarin: try the others.
      for (const voice of ESPEAK_MANDARIN_VOICES.filter((v) => v !== engine.voice)) {
        const alt = new EspeakNgEngine({ ...opts.espeak, voice });
        if ((await alt.verify()).ok) {
          return { engine: alt, warning: join(warning, `${p.reason}; 改用普通话语音 using Mandarin voice "${voice}" instead (set HOTLINE_VOICE_TTS_VOICE=${voice})`) };
        }
      }
    }
  }
  const fb = fallback(reasons);
  return { engine: fb.engine, warning: join(warning, fb.warning) };
}
