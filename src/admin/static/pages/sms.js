// 短信 SMS: outbox / inbox (through the SMS channel), manual send (admin), subscriptions & opt-outs.
import { act, api, bi, can, clear, emptyRow, fmtTime, h, LABELS, onLive, phoneText, smsPreview, state, tag, toast } from '../lib.js';

const TABS = [['outbox', '发件箱 Outbox'], ['inbox', '收件箱 Inbox'], ['send', '人工发送 Send'], ['subs', '订阅与退订 Subscriptions']];
const STATUS_CLASS = { delivered: 'ok', failed: 'bad', expired: 'bad', undeliverable: 'bad', no_receipt: 'warn', cancelled: 'closed', superseded: 'closed', queued: 'assigned', held: 'warn', submitted: 'transcribed' };

export function render(root, [tab = 'outbox']) {
  const running = state.session.features.sms;
  const tabs = h('div', { class: 'tabs' }, TABS.filter(([id]) => id !== 'send' || can('POST /api/sms/send'))
    .map(([id, label]) => h('a', { href: `#/sms/${id}`, class: id === tab ? 'active' : '' }, label)));
  const body = h('div');
  root.append(h('h1', null, bi('短信', 'SMS')), tabs, body);
  if (tab === 'subs') return subs(body);
  if (!running) {
    body.append(h('div', { class: 'notice warn', id: 'sms-not-running' }, '短信通道未运行，发件箱与收件箱不可用。The SMS channel is not running.'));
    return undefined;
  }
  if (tab === 'inbox') return inbox(body);
  if (tab === 'send') return send(body);
  return outbox(body);
}

function outbox(root) {
  const status = h('select', null, ['', 'queued', 'held', 'submitted', 'delivered', 'no_receipt', 'failed', 'expired', 'cancelled', 'superseded'].map((s) => h('option', { value: s }, s ? LABELS.smsStatus[s] : '全部 All')));
  const phone = h('input', { type: 'search', placeholder: '手机号 Phone', size: 14 });
  const stats = h('div', { class: 'muted' });
  const tbody = h('tbody');
  const load = async () => {
    const qs = new URLSearchParams({ limit: '100' });
    if (status.value) qs.set('status', status.value);
    if (phone.value.trim()) qs.set('phone', phone.value.trim());
    try {
      const [r, s] = await Promise.all([api('GET', `/sms/outbox?${qs}`), api('GET', '/sms/stats')]);
      stats.textContent = `队列 ${s.queued ?? 0} · 已发 ${s.sent ?? '—'} · 失败 ${s.failed ?? '—'} · ${s.perSecond ?? 0} 条/秒${s.link ? ' · 链路 ' + s.link : ''}`;
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(7));
      for (const m of r.items) {
        const actions = h('td', { class: 'nowrap' });
        if (['failed', 'expired'].includes(m.status) && can('POST /api/sms/:id/retry')) {
          actions.append(h('button', { onclick: async (e) => { if (await act(e.target, () => api('POST', `/sms/${m.id}/retry`), '已重新排队 Queued again')) load(); } }, '重发 Retry'));
        }
        if (['queued', 'held', 'failed'].includes(m.status) && can('POST /api/sms/:id/cancel')) {
          actions.append(' ', h('button', { class: 'danger', onclick: async (e) => { if (await act(e.target, () => api('POST', `/sms/${m.id}/cancel`), '已取消 Cancelled')) load(); } }, '取消 Cancel'));
        }
        tbody.appendChild(h('tr', null,
          h('td', { class: 'nowrap' }, fmtTime(m.createdAt)), h('td', { class: 'nowrap' }, phoneText(m.phone)), h('td', null, LABELS.smsReason[m.reason] ?? m.reason),
          h('td', { class: 'excerpt' }, m.text),
          h('td', null, tag(STATUS_CLASS[m.status] ?? '', LABELS.smsStatus[m.status] ?? m.status), m.lastError ? h('div', { class: 'muted' }, m.lastError) : null),
          h('td', null, `${m.segments} 段 · 第 ${m.attempts} 次`, (m.receipts ?? []).map((r) => h('div', { class: 'muted' }, `${LABELS.smsStatus[r.stat] ?? r.stat}${r.at ? ' ' + fmtTime(r.at) : ''}`))),
          actions));
      }
    } catch (e) { toast(e.message, true); }
  };
  root.append(h('div', { class: 'card' },
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } }, h('label', null, bi('状态', 'Status'), status), h('label', null, bi('号码', 'Phone'), phone), h('button', { class: 'primary' }, '查询 Search'), stats),
    h('table', null, h('thead', null, h('tr', null, ['时间 Time', '号码 Phone', '类别 Reason', '内容 Text', '状态 Status', '回执 Receipts', ''].map((x) => h('th', null, x)))), tbody)));
  load();
  let t = null;
  const off = onLive((m) => { if (m.type === 'event' && m.name === 'sms.outbox' && !t) t = setTimeout(() => { t = null; load(); }, 1000); });
  return () => { off(); clearTimeout(t); };
}

function inbox(root) {
  const tbody = h('tbody');
  const load = async () => {
    try {
      const r = await api('GET', '/sms/inbox?limit=100');
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(4));
      for (const m of r.items) tbody.appendChild(h('tr', null, h('td', { class: 'nowrap' }, fmtTime(m.receivedAt)), h('td', { class: 'nowrap' }, phoneText(m.phone)), h('td', { class: 'excerpt' }, m.partsExpected && m.parts < m.partsExpected ? [tag('warn', `收到 ${m.parts}/${m.partsExpected} 段`), ' '] : null, m.text), h('td', null, m.command ?? m.status ?? '')));
    } catch (e) { toast(e.message, true); }
  };
  root.append(h('div', { class: 'card' }, h('table', null, h('thead', null, h('tr', null, ['时间 Time', '号码 Phone', '内容 Text', '识别为 Parsed as'].map((x) => h('th', null, x)))), tbody)));
  load();
  return onLive((m) => { if (m.type === 'event' && m.name === 'sms.inbound') load(); });
}

function send(root) {
  const phone = h('input', { name: 'phone', placeholder: '13800000000', required: true });
  const text = h('textarea', { name: 'text', required: true, maxlength: 1000 });
  const count = h('span', { class: 'muted' }, '0 字');
  const preview = smsPreview((t) => api('POST', '/sms/preview', { text: t }));
  text.addEventListener('input', () => { count.textContent = `${Array.from(text.value).length} 字`; preview.update(text.value); });
  root.append(h('div', { class: 'card' }, h('h2', null, bi('人工发送短信', 'Send a message')),
    h('p', { class: 'muted' }, '以 96365 名义发送，记入审计日志。Sent as 96365; audited.'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      const r = await act(e.submitter, () => api('POST', '/sms/send', { phone: phone.value.trim(), text: text.value }));
      if (r) { toast(`已加入发送队列 #${r.id} Queued`); text.value = ''; }
    } }, h('label', { class: 'field' }, bi('手机号', 'Mobile'), phone), h('label', { class: 'field' }, bi('内容', 'Text'), text), preview.el,
      h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, '发送 Send'), count))));
}

function subs(root) {
  const a = h('tbody'), b = h('tbody');
  api('GET', '/subscriptions?limit=200').then((r) => {
    if (!r.items.length) a.appendChild(emptyRow(4));
    for (const s of r.items) a.appendChild(h('tr', null, h('td', null, phoneText(s.phone)), h('td', null, h('a', { href: `#/declarations/${s.queryCode}` }, s.queryCode)), h('td', null, s.channel), h('td', null, fmtTime(s.createdAt), s.endedAt ? ` → ${fmtTime(s.endedAt)}` : '')));
    if (!r.optOuts.length) b.appendChild(emptyRow(2));
    for (const o of r.optOuts) b.appendChild(h('tr', null, h('td', null, phoneText(o.phone)), h('td', null, fmtTime(o.at))));
  }).catch((e) => toast(e.message, true));
  root.append(h('div', { class: 'grid2' },
    h('div', { class: 'card' }, h('h2', null, bi('订阅', 'Subscriptions')), h('table', null, h('thead', null, h('tr', null, ['号码', '申报件', '渠道', '时间'].map((x) => h('th', null, x)))), a)),
    h('div', { class: 'card' }, h('h2', null, bi('退订（不再推送）', 'Opt-outs')), h('table', null, h('thead', null, h('tr', null, ['号码', '退订时间'].map((x) => h('th', null, x)))), b))));
}
