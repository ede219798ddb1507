/** What the call queue says to a waiting caller (Mandarin, read by TTS). */

/** Position (1 = next) and estimated wait (s; null: unknown, no operator signed in). */
export function positionText(position: number, estimateSec: number | null): string {
  const ahead = Math.max(0, position - 1);
  const where = ahead === 0 ? '您是下一位' : `您前面还有${ahead}位`;
  if (estimateSec === null) return `${where}，坐席暂时都不在线，请耐心等待。`;
  const minutes = Math.max(1, Math.round(estimateSec / 60));
  return `${where}，预计等待约${minutes}分钟。`;
}

export const CALLBACK_OFFER_TEXT = '按1预约回拨，按2留言，继续等待请不要挂机。';

/** Whispered to the operator before the caller is bridged. */
export const WHISPER_TEXT = '96365来电';

/** Heard by the citizen before being put through when operator calls are recorded (queue.record_calls). */
export const RECORDING_NOTICE_TEXT = '为了提高服务质量，您的通话可能被录音。';
