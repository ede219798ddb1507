// 实时 Live: calls in progress, SMPP link, outbox depth and rate, new feedback — all pushed over the WebSocket (no polling).
import { add, api, bi, clear, fmtDuration, fmtTime, h, LABELS, liveStatus, onLive, phoneText, state, statusTag, tag } from '../lib.js';

const SEAT_STATE_ZH = { ready: '签入（空闲）', break: '小休', loggedOut: '签出', ringing: '振铃中', busy: '通话中', wrapUp: '话后整理' };
const LINK_ZH = { bound: '已连接', bound_trx: '已连接', connected: '已连接', up: '已连接', connecting: '连接中', binding: '绑定中', down: '断开', disconnected: '断开', closed: '断开' };
// ARI: 'replaced' = another process took the Stasis app over (no calls reach this server).
const ARI_ZH = { connected: '已连接', connecting: '连接中', reconnecting: '重连中', down: '断开', stopped: '已停止', replaced: '应用被其他进程接管 App taken over', 'app-not-registered': '应用未注册 App not registered' };

export function render(root) {
  const dept = state.session.user.role === 'department';
  const dot = h('span', { class: 'live-dot' });
  const connText = h('span', null, '连接中…');
  const link = h('div', { class: 'stat', id: 'live-link' }, '—');
  const ari = h('div', { class: 'stat', id: 'live-ari' }, '—');
  const setAri = (st) => { ari.textContent = ARI_ZH[st] ?? String(st ?? '—'); ari.classList.toggle('bad', st !== 'connected'); };
  const queued = h('div', { class: 'stat', id: 'live-queued' }, '—');
  const rate = h('div', { class: 'stat', id: 'live-rate' }, '—');
  // Storage (full disk): a banner while writes fail, a warning when free space is low.
  const storage = h('div', { class: 'notice warn', id: 'live-storage', hidden: true, style: 'margin-bottom: 16px' });
  const setStorage = (st) => {
    if (!st || st.state === 'ok') { storage.hidden = true; storage.textContent = ''; return; }
    const free = st.detail?.freeMb ?? null;
    storage.hidden = false;
    storage.textContent = st.state === 'full'
      ? '存储空间不足 storage full：新数据暂时无法保存，通话继续，短信发送暂停，空间恢复后自动继续。请尽快清理磁盘。'
      : `磁盘可用空间偏低 low disk space${free !== null ? `：剩余 ${free} MiB` : ''}`;
  };
  // 排队看板 Wallboard: the call queue now and today's service level (snapshot `queue`, then `queue.stats` events).
  const wb = {};
  const wbCard = (key, label) => h('div', { class: 'card' }, h('div', { class: 'stat-label' }, label), wb[key] = h('div', { class: 'stat', id: `wb-${key}` }, '—'));
  const wallboard = h('div', { class: 'wallboard', id: 'live-wallboard', hidden: true },
    h('h2', null, bi('排队看板', 'Wallboard')),
    h('div', { class: 'grid3' },
      wbCard('waiting', '排队等待 Callers waiting'), wbCard('longest', '最长等待 Longest wait'), wbCard('operators', '坐席状态 Operators'),
      wbCard('sl', '今日15秒接通率 Answered ≤15 s'), wbCard('abandoned', '今日放弃率 Abandoned'), wbCard('callbacks', '预约回拨 待回/已回 Call-backs'),
      wbCard('aht', '平均处理时长 Avg handling')));
  const pct = (n, d) => (d > 0 ? `${Math.round((n / d) * 1000) / 10}%` : '—');
  const setQueue = (q) => {
    if (!q) return;
    wallboard.hidden = false;
    wb.waiting.textContent = String(q.waiting);
    wb.longest.textContent = fmtDuration(q.longestWaitSec);
    wb.longest.classList.toggle('bad', q.longestWaitSec > 15);
    const o = q.operators || {};
    wb.operators.style.fontSize = '15px';
    wb.operators.textContent = `空闲 ${o.ready ?? 0} · 振铃 ${o.ringing ?? 0} · 通话 ${o.busy ?? 0} · 整理 ${o.wrapUp ?? 0} · 小休 ${o.break ?? 0} · 签出 ${o.loggedOut ?? 0}`;
    wb.sl.textContent = pct(q.answeredWithin15sToday, q.answeredToday);
    wb.abandoned.textContent = pct(q.abandonedToday, q.answeredToday + q.abandonedToday);
    wb.callbacks.textContent = `${q.callbacksPending} / ${q.callbacksDoneToday}`;
    wb.aht.textContent = q.avgHandlingSec === null || q.avgHandlingSec === undefined ? '—' : fmtDuration(q.avgHandlingSec);
  };
  const callsBody = h('tbody', { id: 'live-calls' });
  const feed = h('ul', { class: 'feed', id: 'live-feed' });
  const events = h('ul', { class: 'feed', id: 'live-events' });
  const calls = new Map();
  const recentBody = h('tbody', { id: 'live-recent' });
  // Recent calls: fetched once and again when a call ends (event-driven, not polling).
  const loadRecent = async () => {
    if (dept || !state.session.features.voice) return;
    try {
      const r = await api('GET', '/calls');
      clear(recentBody);
      if (!r.recent.length) recentBody.appendChild(h('tr', null, h('td', { colspan: 4, class: 'muted' }, '暂无 None')));
      for (const c of r.recent.slice(0, 10)) {
        recentBody.appendChild(h('tr', null, h('td', { class: 'nowrap' }, fmtTime(c.startedAt)), h('td', null, phoneText(c.caller)),
          h('td', { class: 'path' }, c.path ?? c.node ?? ''), h('td', null, fmtDuration(c.durationSec))));
      }
    } catch { /* the voice channel may be restarting */ }
  };
  loadRecent();

  const setConn = (on) => { dot.classList.toggle('on', on); connText.textContent = on ? '已连接（实时推送）Connected' : '未连接，正在重连… Reconnecting'; };
  setConn(liveStatus.connected);

  const drawCalls = () => {
    clear(callsBody);
    if (!calls.size) { callsBody.appendChild(h('tr', null, h('td', { colspan: 4, class: 'muted' }, '当前无通话 No calls in progress'))); return; }
    const now = Date.now();
    for (const c of calls.values()) {
      callsBody.appendChild(h('tr', { 'data-call': c.callId },
        h('td', null, phoneText(c.caller)), h('td', null, c.node || '—'), h('td', null, c.state || ''),
        h('td', { class: 'nowrap' }, fmtDuration((now - Date.parse(c.startedAt)) / 1000))));
    }
  };
  const setSms = (s) => {
    if (!s) return;
    if (s.queued !== undefined) queued.textContent = String(s.queued);
    if (s.perSecond !== undefined) rate.textContent = `${Number(s.perSecond).toFixed(1)}`;
    if (s.link) link.textContent = LINK_ZH[s.link] ?? s.link;
  };
  const addFeedback = (m) => {
    const f = m.data.feedback;
    const li = h('li', { class: 'fresh', 'data-ref': f.ref },
      h('div', null, h('b', null, `${LABELS.kind[f.kind] ?? f.kind} ${f.ref}`), ' ', statusTag(f.status), ' ', h('span', { class: 'muted' }, `${LABELS.channel[f.channel] ?? f.channel} · `, phoneText(f.phone), ` · ${fmtTime(m.at, true)}`)),
      h('div', { class: 'citizen-text' }, f.excerpt ?? (f.hasRecording ? '（语音留言）' : '')),
      h('a', { href: `#/feedback/${f.id}` }, '打开 Open →'));
    feed.prepend(li);
    while (feed.children.length > 50) feed.lastChild.remove();
  };
  // The event stream is drawn once per animation frame (the bus can carry hundreds of events a second).
  let pending = [];
  let frame = 0;
  const logEvent = (m) => {
    pending.push(m);
    if (pending.length > 100) pending = pending.slice(-100);
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const batch = pending; pending = [];
      for (const e of batch) events.prepend(h('li', null, h('span', { class: 'muted' }, fmtTime(e.at, true)), ' ', tag('', e.name), ' ', summary(e)));
      while (events.children.length > 100) events.lastChild.remove();
    });
  };

  const applySnapshot = (s) => {
    if (!s) return;
    calls.clear();
    for (const c of s.calls ?? []) calls.set(c.callId, c);
    drawCalls();
    if (s.sms) setSms(s.sms);
    if (!s.smsRunning) { link.textContent = '未运行'; }
    const smpp = s.health?.components?.smpp ?? s.health?.components?.sms;
    if (smpp) link.textContent = LINK_ZH[smpp.state] ?? smpp.state;
    if (s.health?.components?.storage) setStorage(s.health.components.storage);
    const a = s.health?.components?.ari;
    if (a) setAri(a.state);
    if (s.queue) setQueue(s.queue);
  };
  applySnapshot(liveStatus.snapshot);

  const off = onLive((m) => {
    if (m.type === 'status') return setConn(m.connected);
    if (m.type === 'snapshot') return applySnapshot(m);
    if (m.type !== 'event') return;
    logEvent(m);
    const d = m.data || {};
    switch (m.name) {
      case 'feedback.created': addFeedback(m); break;
      case 'call.updated': if (d.callId) { calls.set(d.callId, { ...calls.get(d.callId), ...d }); drawCalls(); } break;
      case 'call.ended': calls.delete(d.callId); drawCalls(); loadRecent(); break;
      case 'sms.link': link.textContent = LINK_ZH[d.state] ?? String(d.state ?? '—'); break;
      case 'ari.link': setAri(d.state); break;
      case 'sms.outbox': setSms(d); break;
      case 'storage.state': setStorage(d); break;
      case 'queue.stats': setQueue(d); break;
      default: break;
    }
  });
  const tick = setInterval(() => { if (calls.size) drawCalls(); }, 1000); // redraw durations locally (no server polling)

  add(root, h('h1', null, bi('实时监控', 'Live'), ' ', h('span', { class: 'en' }, dot, connText)),
    dept ? null : storage,
    dept ? null : wallboard,
    dept ? null : h('div', { class: 'grid3' },
      h('div', { class: 'card' }, h('div', { class: 'stat-label' }, 'SMPP 链路 Link'), link),
      state.session.features.voice ? h('div', { class: 'card' }, h('div', { class: 'stat-label' }, 'Asterisk ARI'), ari) : null,
      h('div', { class: 'card' }, h('div', { class: 'stat-label' }, '发件队列 Outbox queued'), queued),
      h('div', { class: 'card' }, h('div', { class: 'stat-label' }, '发送速率 条/秒 Messages/s'), rate)),
    h('div', { class: 'grid2' },
      h('div', null,
        dept ? null : h('div', { class: 'card' }, h('h2', null, bi('通话中', 'Calls in progress')),
          h('table', null, h('thead', null, h('tr', null, ['来电 Caller', '流程节点 Node', '状态 State', '时长 Duration'].map((x) => h('th', null, x)))), callsBody),
          state.session.features.voice ? [h('h3', null, '最近通话 Recent calls'),
            h('table', null, h('thead', null, h('tr', null, ['开始 Start', '来电 Caller', '路径 Path', '时长 Duration'].map((x) => h('th', null, x)))), recentBody)] : null),
        h('div', { class: 'card' }, h('h2', null, bi('新反馈', 'New feedback')), feed, h('p', { class: 'muted' }, '新反馈到达时自动出现，无需刷新。'))),
      h('div', { class: 'card' }, h('h2', null, bi('事件流', 'Event stream')), events)));
  drawCalls();
  return () => { off(); clearInterval(tick); if (frame) cancelAnimationFrame(frame); };
}

function summary(m) {
  const d = m.data || {};
  if (d.feedback) return `${d.feedback.ref} ${LABELS.status[d.feedback.status] ?? d.feedback.status}${d.action ? ' · ' + d.action : ''}`;
  if (m.name === 'declaration.changed') return `${d.queryCode} ${d.step ?? ''} ${LABELS.decl[d.status] ?? d.status}`;
  if (m.name.startsWith('call.')) return `${d.caller ?? ''} ${d.node ?? ''} ${d.state ?? ''}`;
  if (m.name === 'sms.outbox') return `队列 ${d.queued ?? '—'} · ${d.perSecond ?? 0}/s`;
  if (m.name.endsWith('.link')) return String(d.state ?? '');
  if (m.name === 'queue.stats') return `排队 ${d.waiting ?? 0} · 最长 ${fmtDuration(d.longestWaitSec)}`;
  if (m.name === 'seat.changed') return `坐席 ${d.name || '#' + d.staffId} → ${SEAT_STATE_ZH[d.state] ?? d.state}`;
  if (m.name === 'storage.state') return d.state === 'full' ? '存储空间不足 storage full' : String(d.state ?? '');
  return '';
}
