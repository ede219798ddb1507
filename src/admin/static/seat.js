// 坐席 The operator's seat: the seat bar (签入 / 小休 / 签出, the state and how long, the current call) in the
// top bar, and the screen pop (来电弹屏) when the queue rings this operator (a `seat.offer` on the live feed,
// sent only to this operator's sockets): the caller's number, their history and a new work order pre-filled.
// Citizen text goes in as text nodes only (lib.js h()).
import { api, can, clear, fmtDuration, fmtTime, h, LABELS, onLive, phoneText, toast } from './lib.js';

const STATE_ZH = { ready: '签入（空闲）', break: '小休', loggedOut: '签出', ringing: '振铃中', busy: '通话中', wrapUp: '话后整理' };
/** The canonical 86… mobile as one dials it (13812345678); other numbers as they are. */
const dialled = (p) => (/^86(1\d{10})$/.test(p ?? '') ? p.slice(2) : p);
const BUTTONS = [['ready', '签入'], ['break', '小休'], ['loggedOut', '签出']];

/** The seat bar for users with a seat; null for everyone else. Returns the element (mounted by app.js). */
let teardown = null;
export function seatBar() {
  teardown?.(); teardown = null; // a new login builds a new shell
  if (!can('POST /api/seat')) return null;
  let seat = null; // { endpoint, state, since }
  let call = null; // the latest offer while ringing/busy
  const stateEl = h('b', { id: 'seat-state' }, '—');
  const sinceEl = h('span', { class: 'muted', id: 'seat-since' });
  const callEl = h('span', { id: 'seat-call', class: 'muted' });
  const buttons = BUTTONS.map(([st, zh]) => h('button', { 'data-seat': st, onclick: () => set(st) }, zh));
  const bar = h('div', { class: 'seat-bar', id: 'seat-bar', hidden: true }, h('span', { class: 'muted' }, '坐席 '), h('span', { id: 'seat-endpoint' }), ' ', stateEl, ' ', sinceEl, ' ', ...buttons, ' ', callEl);
  const draw = () => {
    if (!seat) { bar.hidden = true; return; }
    bar.hidden = false;
    bar.querySelector('#seat-endpoint').textContent = seat.endpoint;
    stateEl.textContent = STATE_ZH[seat.state] ?? seat.state;
    bar.dataset.state = seat.state;
    sinceEl.textContent = seat.since ? fmtDuration((Date.now() - Date.parse(seat.since)) / 1000) : '';
    for (const b of buttons) b.classList.toggle('primary', b.dataset.seat === seat.state);
    clear(callEl);
    if (call && (seat.state === 'ringing' || seat.state === 'busy' || seat.state === 'wrapUp')) callEl.append('当前来电 ', phoneText(dialled(call.phone)), h('a', { href: '#', onclick: (e) => { e.preventDefault(); showPop(call); } }, ' 弹屏'));
  };
  const set = async (st) => {
    try {
      const r = await api('POST', '/seat', { state: st });
      seat = r.seat; draw();
      toast(r.note ?? `已${BUTTONS.find((b) => b[0] === st)[1]}`);
    } catch (e) { toast(e.message, true); }
  };
  const load = async () => {
    try { const r = await api('GET', '/seat'); seat = r.seat; if (r.offer) call = r.offer; draw(); } catch { /* no seat */ }
  };
  load();
  const off = onLive((m) => {
    if (m.type === 'snapshot' && m.seat) { seat = { endpoint: m.seat.endpoint, state: m.seat.state, since: m.seat.since }; if (m.seat.offer) call = m.seat.offer; draw(); return; }
    if (m.type !== 'event') return;
    if (m.name === 'seat.offer') { call = m.data; draw(); showPop(m.data); return; }
    if (m.name === 'seat.changed' && seat && String(m.data.staffId) === String(currentUserId())) { seat = { ...seat, state: m.data.state, since: m.data.at }; draw(); }
  });
  const tick = setInterval(() => { if (seat) sinceEl.textContent = seat.since ? fmtDuration((Date.now() - Date.parse(seat.since)) / 1000) : ''; }, 1000);
  teardown = () => { off(); clearInterval(tick); document.getElementById('seat-pop')?.remove(); };
  return bar;
}

let currentUserId = () => null;
export function setCurrentUser(fn) { currentUserId = fn; }

/** The screen pop: number, waiting time, history, and the new work order (saved during or after the call). */
function showPop(offer) {
  const key = `${offer.callId ?? ''}|${offer.callbackRequestId ?? ''}|${offer.at}`;
  const open = document.getElementById('seat-pop');
  if (open && open.dataset.offer === key) { open.scrollIntoView(); return; } // keep what the operator typed
  open?.remove();
  const history = h('div', { id: 'pop-history' }, h('p', { class: 'muted' }, '正在加载市民历史… Loading history…'));
  const text = h('textarea', { id: 'pop-text', rows: 4, placeholder: '来电内容 What the caller says' });
  const summary = h('input', { id: 'pop-summary', placeholder: '摘要 Summary', maxlength: 500 });
  const address = h('input', { id: 'pop-address', placeholder: '地址 Address', maxlength: 500 });
  const kind = h('select', { id: 'pop-kind' }, ['complaint', 'consultation', 'suggestion', 'report', 'request'].filter((k) => LABELS.kind[k]).map((k) => h('option', { value: k }, LABELS.kind[k])));
  const urgent = h('input', { type: 'checkbox', id: 'pop-urgent' });
  const result = h('div', { id: 'pop-result' });
  const save = h('button', { class: 'primary', id: 'pop-save', onclick: async () => {
    save.disabled = true;
    try {
      const r = await api('POST', '/work-orders', {
        phone: offer.phone, callId: offer.callId ?? null, kind: kind.value, text: text.value || undefined,
        summary: summary.value || undefined, address: address.value || undefined, urgency: urgent.checked ? 'urgent' : 'normal',
      });
      clear(result).append('已建工单 ', h('a', { href: `#/workorders/${r.order.id}`, id: 'pop-order-ref' }, r.order.ref));
      toast(`工单 ${r.order.ref} 已保存`);
    } catch (e) { save.disabled = false; toast(e.message, true); }
  } }, '保存工单 Save work order');
  const pop = h('div', { class: 'seat-pop card', id: 'seat-pop', role: 'dialog', 'aria-label': '来电弹屏', 'data-offer': key },
    h('div', { class: 'row', style: 'justify-content: space-between; margin: 0' },
      h('h2', null, '来电弹屏 ', h('span', { class: 'en' }, 'Incoming call')),
      h('button', { onclick: () => pop.remove(), id: 'pop-close' }, '关闭 Close')),
    h('div', { class: 'pop-phone' }, '来电号码 ', h('b', { id: 'pop-phone' }, phoneText(dialled(offer.phone)))),
    h('div', { class: 'muted' }, `等待 ${fmtDuration(offer.waitedSec)}`, offer.flow ? ` · 流程 ${offer.flow}` : '', offer.callbackRequestId ? ` · 预约回拨 #${offer.callbackRequestId}` : '', ` · ${fmtTime(offer.at, true)}`),
    h('h3', null, '市民历史 Caller history'), history,
    h('h3', null, '新建工单 New work order'),
    h('div', { class: 'muted' }, '渠道：电话 · 号码与通话已关联，通话中或挂机后均可保存'),
    h('label', null, '类型 ', kind), ' ', h('label', null, urgent, ' 紧急'),
    summary, address, text, h('div', { class: 'row' }, save, result));
  document.body.appendChild(pop);
  loadHistory(offer.phone, history);
}

async function loadHistory(phone, box) {
  try {
    const r = await api('GET', `/seat/history?phone=${encodeURIComponent(phone)}`);
    clear(box);
    const section = (title, items, row) => h('div', null, h('div', { class: 'stat-label' }, `${title}（${items.length}）`),
      items.length ? h('ul', { class: 'feed' }, items.map(row)) : h('p', { class: 'muted' }, '无 None'));
    box.append(
      section('工单', r.workOrders, (o) => h('li', { 'data-ref': o.ref }, h('a', { href: `#/workorders/${o.id}` }, o.ref), ' ', LABELS.kind[o.kind] ?? o.kind, ' · ', LABELS.status[o.status] ?? o.status, ' · ', fmtTime(o.createdAt), h('div', { class: 'citizen-text' }, o.summary))),
      section('申报件', r.declarations, (d) => h('li', null, d.queryCode, ' ', d.itemName ?? '', ' · ', d.departmentName ?? '', ' · ', LABELS.decl[d.status] ?? d.status)),
      section('通话', r.calls, (c) => h('li', { 'data-call': c.callId }, fmtTime(c.startedAt), ' · ', fmtDuration(c.durationSec), c.outcome ? ` · ${c.outcome}` : '', c.feedbackRef ? ` · ${c.feedbackRef}` : '')));
  } catch (e) { clear(box).append(h('p', { class: 'muted' }, `历史加载失败：${e.message}`)); }
}
