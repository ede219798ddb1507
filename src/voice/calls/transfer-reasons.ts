/**
 * Why an operator transfer did not connect, in words (Chinese first) — for the log and the call log.
 *
 * A real Asterisk answers an originate to an endpoint it cannot dial (unknown endpoint, PJSIP endpoint
 * without a registered contact) with `500 {"error": "Allocation failed"}` and says why only in its own
 * log; so after a refused originate the endpoint is looked up (GET /endpoints/{tech}/{resource}) and
 * the answer is put into words here. A leg that was dialled but ended unanswered carries a Q.850 cause.
 */
import type { AriEndpointJson } from '../ari/types.js';

export interface TransferFailure {
  /** The transfer effect's status: 'busy' or 'error' (refused) / 'noAnswer' (leg ended). */
  status: 'busy' | 'error' | 'noAnswer';
  /** Short machine code: not_found | not_registered | busy | refused | unknown | no_answer | rejected | congestion … */
  code: string;
  /** Words for the log. */
  reason: string;
}

/** `PJSIP/operator` → ['PJSIP', 'operator']; `Local/8001@ctx` → ['Local', '8001@ctx']. */
export function splitEndpoint(endpoint: string): [string, string] | null {
  const i = endpoint.indexOf('/');
  if (i <= 0 || i === endpoint.length - 1) return null;
  return [endpoint.slice(0, i), endpoint.slice(i + 1)];
}

/**
 * A refused originate, given what Asterisk said (`status`, `message`) and the endpoint as Asterisk
 * knows it (`null` = 404 not found; `undefined` = could not be asked).
 */
export function refusedOriginate(httpStatus: number | null, message: string, endpoint: AriEndpointJson | null | undefined): TransferFailure {
  const said = httpStatus ? `HTTP ${httpStatus}${message && !message.startsWith('HTTP') ? ` ${message}` : message.replace(/^HTTP \d+/, '')}` : message;
  if (httpStatus === 400) return { status: 'error', code: 'invalid', reason: `坐席端点写法无效 / invalid endpoint or parameters (${said.trim()})` };
  if (endpoint === null) return { status: 'error', code: 'not_found', reason: `坐席端点不存在（Asterisk 未配置）/ endpoint not found (not configured in Asterisk; ${said.trim()})` };
  if (endpoint) {
    const st = String(endpoint.state ?? 'unknown');
    if (st !== 'online') return { status: 'error', code: 'not_registered', reason: `坐席话机未注册（离线）/ endpoint not registered (state ${st}: no phone is logged in; ${said.trim()})` };
    if (endpoint.channel_ids.length > 0) return { status: 'busy', code: 'busy', reason: `坐席忙（已有 ${endpoint.channel_ids.length} 路通话）/ endpoint busy (${endpoint.channel_ids.length} call(s) on it; ${said.trim()})` };
    return { status: 'error', code: 'refused', reason: `Asterisk 拒绝呼叫坐席（端点在线）/ Asterisk refused the call although the endpoint is online (${said.trim()}; see the Asterisk log)` };
  }
  return { status: 'error', code: 'unknown', reason: `转人工呼叫失败，原因未知 / originate failed, reason unknown (${said.trim() || 'no answer from ARI'})` };
}

/** Q.850 cause of an operator leg that ended before it was answered. */
export function legEnded(cause: number | undefined): TransferFailure {
  switch (cause) {
    case 17: return { status: 'busy', code: 'busy', reason: '坐席忙 / operator busy (cause 17 user busy)' };
    case 18: case 19: return { status: 'noAnswer', code: 'no_answer', reason: `坐席无人接听 / no answer (cause ${cause})` };
    case 20: return { status: 'noAnswer', code: 'not_registered', reason: '坐席话机不在线 / subscriber absent: the phone is not registered (cause 20)' };
    case 21: return { status: 'busy', code: 'rejected', reason: '坐席拒接 / call rejected by the operator (cause 21)' };
    case 1: case 3: return { status: 'noAnswer', code: 'not_found', reason: `坐席号码不存在 / unallocated number or no route (cause ${cause})` };
    case 34: case 38: case 41: case 42: return { status: 'noAnswer', code: 'congestion', reason: `线路拥塞 / network congestion or failure (cause ${cause})` };
    case undefined: case 0: return { status: 'noAnswer', code: 'no_answer', reason: '坐席未接听 / the operator leg ended unanswered' };
    default: return { status: 'noAnswer', code: 'other', reason: `坐席未接通 / the operator leg ended (cause ${cause})` };
  }
}
