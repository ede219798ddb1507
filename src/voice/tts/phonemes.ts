/**
 * Is what the TTS voice made of a Mandarin sample really Mandarin? Pure: reads the phoneme output
 * of `espeak-ng -v <voice> -x -q <text>`.
 *
 * espeak-ng marks every switch to another language's rules with the language in parentheses:
 * Debian's espeak-ng 1.51 voice `cmn` turns Chinese characters into pinyin and reads that as
 * English — `(en)nI55Tr'i:55_| h,eI55@55Tr'i:55(cmn)_|` for 你好 ("nee three hey-o three"; espeak-ng
 * issue 1236) — while `cmn-latn-pinyin` gives `n'i35_| X'Au214_|`. Any `(xx)` means a caller hears
 * another language. Mandarin syllables carry tone contours as 2–3 digit Chao numbers (55, 35, 214,
 * 51, 21…); Cantonese (`yue`) marks its six tones with one digit (`n'ei5_| h'ou2_|`): a voice whose
 * tones are all single digits is not Mandarin either.
 */

export interface PhonemeVerdict {
  ok: boolean;
  /** Languages switched to (e.g. ['en']), in order of first appearance. */
  switches: string[];
  /** One clear line when not ok. */
  reason?: string;
}

const SWITCH = /\(([a-z]{2,3}(?:-[a-z0-9]+)*)\)/gi;

export function checkMandarinPhonemes(output: string): PhonemeVerdict {
  const text = String(output ?? '');
  const switches: string[] = [];
  for (const m of text.matchAll(SWITCH)) {
    const lang = m[1].toLowerCase();
    if (!switches.includes(lang)) switches.push(lang);
  }
  if (switches.length) {
    const foreign = switches.filter((l) => l !== 'cmn' && l !== 'zh');
    return {
      ok: false, switches,
      reason: `语音切换到其他语言 (${(foreign.length ? foreign : switches).map((l) => `(${l})`).join(' ')}) / the voice switches language: callers would hear ${foreign.includes('en') ? 'English' : (foreign[0] ?? switches[0])}, not Mandarin`,
    };
  }
  const phonemes = text.replace(/[_|:!\s]/g, '');
  if (!phonemes) return { ok: false, switches, reason: '没有音素输出 / no phonemes: the voice said nothing' };
  const tones = text.match(/\d+/g) ?? [];
  if (tones.length === 0) return { ok: false, switches, reason: '没有声调 / no tones: not a Mandarin reading' };
  if (tones.every((t) => t.length === 1)) {
    return { ok: false, switches, reason: '声调不是普通话 / single-digit tones (Cantonese-style): not Mandarin' };
  }
  return { ok: true, switches };
}
