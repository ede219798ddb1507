/** TTS fallback: engines (espeak-ng, say, none), WAV conversion to 8 kHz mono 16-bit, prompt cache. */
export {
  EspeakNgEngine, SayEngine, NoneEngine, selectTtsEngine, TtsError, TtsUnavailableError,
  MANDARIN_SAMPLE, ESPEAK_MANDARIN_VOICES, DEFAULT_TTS_SPEED,
  type TtsEngine, type TtsProbe, type TtsVerdict, type TtsChoice, type EspeakOptions, type SayOptions, type SelectOptions,
} from './engines.js';
export { wavInfo, decodeWav, mixDown, resample, lowPassTaps, encodeWavPcm16, toTelephonyWav, trimSilence, WavError, type WavInfo, type TrimOptions } from './wav.js';
export {
  PromptCache, normalizeText,
  type PromptCacheOptions, type CachedPrompt, type ResolvedPrompt, type RenderAllResult, type CacheLogger,
} from './prompt-cache.js';
export { checkMandarinPhonemes, type PhonemeVerdict } from './phonemes.js';
export { WavConvertPool, inlineWavConverter, sharedWavPool, type WavConverter, type WavPoolOptions } from './wav-pool.js';
