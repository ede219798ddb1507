// 审计 Audit log: every staff action, newest first; each entry carries the hash of the previous one.
import { act, api, bi, clear, emptyRow, fmtTime, h, tag, toast } from '../lib.js';

export function render(root) {
  let offset = 0;
  const tbody = h('tbody');
  const verdict = h('span');
  const prev = h('button', { onclick: () => { offset = Math.max(0, offset - 100); load(); } }, '上一页 Prev');
  const next = h('button', { onclick: () => { offset += 100; load(); } }, '下一页 Next');
  const load = async () => {
    try {
      const r = await api('GET', `/audit?limit=100&offset=${offset}`);
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(6));
      for (const e of r.items) {
        tbody.appendChild(h('tr', null, h('td', null, String(e.id)), h('td', { class: 'nowrap' }, fmtTime(e.at, true)), h('td', null, e.actor), h('td', null, tag('', e.action)),
          h('td', null, e.target ?? ''), h('td', { class: 'excerpt muted' }, e.detail ?? '')));
      }
      prev.disabled = offset === 0;
      next.disabled = r.items.length < 100;
    } catch (e) { toast(e.message, true); }
  };
  root.append(h('h1', null, bi('审计日志', 'Audit log')),
    h('div', { class: 'card' },
      h('div', { class: 'row', style: 'margin:0 0 10px' }, h('button', { onclick: async (e) => {
        const r = await act(e.target, () => api('GET', '/audit?limit=1&verify=1'));
        if (!r) return;
        clear(verdict).append(r.verify.ok ? tag('ok', `哈希链完整，共 ${r.verify.entries} 条 Chain intact`) : tag('bad', `第 ${r.verify.badId} 条异常：${r.verify.reason}`));
      } }, '校验哈希链 Verify chain'), verdict),
      h('table', null, h('thead', null, h('tr', null, ['#', '时间 Time', '操作人 Actor', '操作 Action', '对象 Target', '详情 Detail'].map((x) => h('th', null, x)))), tbody),
      h('div', { class: 'pager' }, prev, next)));
  load();
}
