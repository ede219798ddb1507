// Shared helpers of the panel. Every piece of data goes into the page as text (textContent /
// createTextNode) — never through innerHTML — so citizen text such as <img src=x onerror=…> shows literally.

export const state = { session: null, timeZone: 'Asia/Shanghai' };

/** Build an element: h('div', {class: 'x', onclick: fn}, 'text', child, …). Strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'style') el.style.cssText = v; // CSSOM: allowed under the panel's CSP (a style attribute is not)
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** A phone number (masked or not) as its own left-to-right island: bidi controls or RTL text around it cannot reorder it. */
export const phoneText = (v) => h('bdi', { dir: 'ltr', class: 'phone-no' }, v || '—');

/** A label in Chinese with its English beside it. */
export const bi = (zh, en) => h('span', null, zh, h('span', { class: 'en' }, en));

/** Append children like h() does: null/false skipped, arrays flattened, strings as text. */
export function add(el, ...children) { append(el, children); return el; }

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

export class ApiError extends Error {
  constructor(status, body) { super((body && body.message) || `HTTP ${status}`); this.status = status; this.body = body; }
}

/** JSON API call; POSTs carry the session's CSRF token. A 401 sends the user back to the login form. */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (state.session) headers['x-csrf-token'] = state.session.csrfToken;
  }
  const res = await fetch('/admin/api' + path, { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}), credentials: 'same-origin' });
  let json = null;
  try { json = await res.json(); } catch { /* empty */ }
  if (res.status === 401 && path !== '/login') { window.dispatchEvent(new CustomEvent('hotline:logged-out')); }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export function can(routeKey) { return !!state.session && state.session.allowed.includes(routeKey); }
export const role = () => state.session?.user.role;

let fmtCache = null;
/** UTC ISO → 'YYYY-MM-DD HH:mm' in Asia/Shanghai (the configured zone). */
export function fmtTime(iso, withSeconds = false) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (!fmtCache || fmtCache.tz !== state.timeZone) {
    fmtCache = { tz: state.timeZone, f: new Intl.DateTimeFormat('zh-CN', { timeZone: state.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }) };
  }
  const p = Object.fromEntries(fmtCache.f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${withSeconds ? ':' + p.second : ''}`;
}

export function fmtDuration(sec) {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  const s = Math.max(0, Math.round(sec));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export const LABELS = {
  status: { new: '新建', transcribed: '已转写', assigned: '已分派', handling: '办理中', returned: '已退单', answered: '已答复', escalated: '待督办', closed: '已办结', merged: '已合并' },
  kind: { complaint: '投诉', consultation: '咨询', suggestion: '建议', report: '举报', request: '诉求(待分类)' },
  channel: { voice: '电话', sms: '短信', web: '网站', api: '接口', mail: '市民信箱' },
  role: { admin: '管理员', supervisor: '督办', operator: '话务员', department: '部门' },
  decl: { accepted: '已受理', in_progress: '办理中', supplement_needed: '待补交材料', fee_due: '待缴费', approved: '已办结（准予许可）', ready_for_pickup: '证照待领取', rejected: '不予许可', closed: '已办结' },
  satisfaction: { 1: '满意', 2: '基本满意', 3: '不满意' },
  smsStatus: { queued: '排队中', held: '暂缓（免打扰时段）', submitted: '已提交', delivered: '已送达', failed: '失败', expired: '已过期', no_receipt: '无回执', undeliverable: '无法送达', submitting: '发送中', cancelled: '已取消', superseded: '已被新通知取代' },
  smsReason: { reply: '回复', push: '推送', answer: '答复', manual: '人工', reminder: '督办提醒', survey: '满意度回访' },
  action: { created: '创建', transcribed: '转写', assigned: '分派', answered: '答复', closed: '办结', reopened: '重新办理', satisfaction: '满意度评价', classified: '分类',
    // work-order steps (src/workorders/machine.ts)
    dispatch: '派单', redispatch: '改派', direct: '直办', sign: '签收', return: '退单', uphold: '维持派单', assist: '协办', assist_answer: '协办答复',
    request_extension: '申请延期', approve_extension: '同意延期', refuse_extension: '不同意延期', interim: '阶段性答复', answer: '办结回复', survey: '回访',
    redo: '重办', escalate: '转督办', urge: '催办', merge: '合并', merged_in: '并入', parent_answered: '合并答复', close: '办结', claim: '认领', release: '放弃认领', edit: '登记信息',
    // 市民信箱 (src/mail/)
    mail_supplement: '来信补充', mail_attachments: '邮件附件', mail_no_reply: '未自动回复' },
};

export const tag = (cls, text) => h('span', { class: `tag ${cls}` }, text);
export const statusTag = (s) => tag(s, LABELS.status[s] ?? s);

let toastTimer = null;
export function toast(msg, bad = false) {
  document.querySelector('.toast')?.remove();
  const t = h('div', { class: bad ? 'toast bad' : 'toast', role: 'status' }, msg);
  document.body.appendChild(t);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.remove(), 4000);
}

/** Run an action, show its error as a toast; disables the button meanwhile. */
export async function act(button, fn, okMsg) {
  if (button) button.disabled = true;
  try {
    const r = await fn();
    if (okMsg) toast(okMsg);
    return r;
  } catch (e) {
    toast(e.message || String(e), true);
    return undefined;
  } finally { if (button) button.disabled = false; }
}

export function select(name, options, value, extra = {}) {
  return h('select', { name, ...extra }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function table(headers, rows) {
  return h('table', null, h('thead', null, h('tr', null, headers.map((x) => h('th', null, x)))), h('tbody', null, rows));
}

export function emptyRow(cols, text = '暂无数据 No data') {
  return h('tr', null, h('td', { colspan: cols, class: 'muted' }, text));
}

// ---------------- live socket ----------------

const listeners = new Set();
let socket = null;
let retry = 0;
let wanted = false;
export const liveStatus = { connected: false, snapshot: null };

/** Subscribe to live messages ({type:'event'|'snapshot'|'testphone'|…}); returns the unsubscribe function. */
export function onLive(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function dispatch(msg) { for (const fn of [...listeners]) { try { fn(msg); } catch (e) { console.error(e); } } }

export function connectLive() {
  wanted = true;
  if (socket && socket.readyState <= 1) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/admin/live`);
  socket = ws;
  ws.onopen = () => { retry = 0; liveStatus.connected = true; dispatch({ type: 'status', connected: true }); };
  ws.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    if (msg.type === 'snapshot') liveStatus.snapshot = msg;
    // Keep the snapshot's storage state current: a page opened later shows it (full disk banner).
    if (msg.type === 'event' && msg.name === 'storage.state' && liveStatus.snapshot?.health?.components) liveStatus.snapshot.health.components.storage = msg.data;
    dispatch(msg);
  };
  ws.onclose = () => {
    liveStatus.connected = false;
    dispatch({ type: 'status', connected: false });
    if (socket === ws) socket = null;
    if (wanted) setTimeout(connectLive, Math.min(15000, 500 * 2 ** retry++));
  };
}

export function disconnectLive() { wanted = false; socket?.close(); socket = null; }

/**
 * A live preview of the SMS a staff text will be sent as: how many messages and segments, and the
 * exact text of each (a long answer goes as numbered messages (1/n)…(n/n) — nothing is cut).
 * `fetchPreview(text)` calls the server's preview endpoint; returns the preview element and an
 * `update()` to call on input (debounced).
 */
export function smsPreview(fetchPreview) {
  const box = h('div', { class: 'sms-preview', 'aria-live': 'polite' });
  let timer = null;
  let seq = 0;
  const show = (r) => {
    clear(box);
    if (r.channel === 'voice') { box.append(h('p', { class: 'muted' }, '固定电话：答复将通过语音回拨播报。Landline: the answer is read out in a call-back.')); return; }
    if (!r.messages || !r.messages.length) return;
    box.append(h('p', { class: 'muted', id: 'sms-preview-summary' },
      `将以 ${r.messages.length} 条短信发送，共 ${r.segments} 段（每条不超过 ${r.maxSegments} 段）。Sent as ${r.messages.length} SMS, ${r.segments} segments.`));
    r.messages.forEach((m, i) => box.append(h('div', { class: 'sms-preview-msg' },
      h('div', { class: 'muted' }, `第 ${i + 1} 条 · ${m.segments} 段 · ${m.units} ${m.encoding === 'gsm7' ? '字符 (GSM)' : '字 (UCS2)'}`),
      h('div', { class: 'citizen-text', 'data-sms': String(i + 1) }, m.text))));
  };
  const update = (text) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const my = ++seq;
      if (!text.trim()) { clear(box); return; }
      try { const r = await fetchPreview(text); if (my === seq) show(r); } catch (e) { if (my === seq) clear(box).append(h('p', { class: 'muted' }, e.message)); }
    }, 250);
  };
  return { el: box, update };
}
