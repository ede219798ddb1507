// 申报件 Declarations: search by query code or phone; timeline, due time, overdue badge, subscribers.
import { api, bi, clear, emptyRow, fmtTime, h, LABELS, phoneText, tag, toast } from '../lib.js';

let lastQuery = '';

export function render(root, [code]) {
  if (code) return renderDetail(root, code);
  const q = h('input', { type: 'search', name: 'q', placeholder: '查询码 / 部门受理号 / 手机号', value: lastQuery, size: 28 });
  const overdueOnly = h('input', { type: 'checkbox', name: 'overdue' });
  const tbody = h('tbody');
  const load = async () => {
    lastQuery = q.value.trim();
    const qs = new URLSearchParams();
    if (lastQuery) qs.set('q', lastQuery);
    if (overdueOnly.checked) qs.set('overdue', '1');
    try {
      const r = await api('GET', `/declarations?${qs}`);
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(7, lastQuery ? '未找到 Nothing found' : '暂无数据 No data'));
      for (const d of r.items) {
        tbody.appendChild(h('tr', { class: 'click', onclick: () => { location.hash = `#/declarations/${d.queryCode}`; } },
          h('td', { class: 'nowrap' }, d.queryCode), h('td', null, d.itemName), h('td', null, d.departmentName),
          h('td', null, d.applicantName, h('div', { class: 'muted' }, phoneText(d.applicantPhone))),
          h('td', null, tag(d.closedAt ? 'closed' : 'assigned', LABELS.decl[d.status] ?? d.status)),
          h('td', { class: 'nowrap' }, fmtTime(d.dueAt)), h('td', null, d.overdue ? tag('overdue', '超期 Overdue') : '')));
      }
    } catch (e) { toast(e.message, true); }
  };
  root.append(h('h1', null, bi('申报件查询', 'Declarations')),
    h('div', { class: 'card' },
      h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } },
        h('label', null, bi('查询', 'Query code or phone'), q),
        h('label', { class: 'row', style: 'margin:0 0 6px' }, overdueOnly, '只看超期 Overdue only'),
        h('button', { class: 'primary', type: 'submit' }, '查询 Search')),
      h('table', null, h('thead', null, h('tr', null, ['查询码 Code', '事项 Item', '部门 Dept', '申请人 Applicant', '状态 Status', '办结时限 Due', ''].map((x) => h('th', null, x)))), tbody)));
  load();
}

function renderDetail(root, code) {
  const wrap = h('div');
  root.append(h('p', null, h('a', { href: '#/declarations' }, '← 返回 Back')), wrap);
  api('GET', `/declarations/${encodeURIComponent(code)}`).then((d) => {
    clear(wrap).append(h('div', { class: 'grid2' },
      h('div', null,
        h('div', { class: 'card' },
          h('h2', null, d.itemName, ' ', d.overdue ? tag('overdue', '超期 Overdue') : null),
          h('dl', { class: 'kv' },
            h('dt', null, '查询码'), h('dd', null, d.queryCode),
            h('dt', null, '部门受理号'), h('dd', null, d.deptRef ?? '—'),
            h('dt', null, '承办部门'), h('dd', null, d.departmentName),
            h('dt', null, '申请人'), h('dd', null, `${d.applicantName || '—'} `, d.applicantPhone ? phoneText(d.applicantPhone) : ''),
            h('dt', null, '当前状态'), h('dd', null, LABELS.decl[d.status] ?? d.status),
            h('dt', null, '受理时间'), h('dd', null, fmtTime(d.acceptedAt)),
            h('dt', null, '办结时限'), h('dd', null, fmtTime(d.dueAt), d.overdue ? [' ', tag('overdue', '已超期')] : null),
            h('dt', null, '办结时间'), h('dd', null, fmtTime(d.closedAt)))),
        h('div', { class: 'card' }, h('h2', null, bi('订阅者', 'Subscribers'), ` (${d.subscribers.length})`),
          d.subscribers.length ? h('ul', null, d.subscribers.map((s) => h('li', null, phoneText(s.phone), ` · ${s.channel} · ${fmtTime(s.since)}`))) : h('p', { class: 'muted' }, '无订阅 None'))),
      h('div', { class: 'card' }, h('h2', null, bi('办理过程', 'Timeline')),
        h('ol', { class: 'timeline', id: 'decl-timeline' }, d.timeline.map((e) => h('li', { class: e.voided ? 'voided' : '' },
          h('div', { class: 'when' }, fmtTime(e.occurredAt, true), e.voided ? '' : e.applied ? '' : ' · 迟到事件（未改变状态）'),
          h('div', { class: 'what' }, h('span', { class: 'step-name' }, e.stepName), ' ', tag('', LABELS.decl[e.status] ?? e.status),
            e.voided ? [' ', tag('bad', '已撤销')] : null),
          e.voided ? h('div', { class: 'muted void-reason' }, `撤销于 ${fmtTime(e.voidedAt)}：${e.voidReason ?? ''}`) : null,
          e.handlerName ? h('div', null, `${e.handlerName}${e.handlerTitle ? '（' + e.handlerTitle + '）' : ''}`) : null,
          e.opinion ? h('div', { class: 'opinion' }, e.opinion) : null,
          e.details ? h('div', { class: 'muted' }, Object.entries(e.details).map(([k, v]) => `${k}: ${v}`).join('；')) : null))))));
  }).catch((e) => { clear(wrap).append(h('div', { class: 'notice warn' }, e.status === 404 ? '申报件不存在或不属于本部门。Not found.' : e.message)); });
}
