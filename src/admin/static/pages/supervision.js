// 督办 Supervision: per department received / answered / overdue / median time to answer / satisfaction,
// an SVG bar chart drawn here, CSV export, and the overdue declarations.
import { api, bi, clear, emptyRow, fmtTime, h, LABELS, tag, toast } from '../lib.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const SERIES = [['received', '受理', '#5b8def'], ['answered', '已答复', '#2fb36d'], ['overdue', '超期未答复', '#e0524b']];

function chart(rows) {
  const w = 720, hgt = 260, left = 40, bottom = 46, top = 14;
  const max = Math.max(1, ...rows.flatMap((r) => SERIES.map(([k]) => r[k])));
  const svg = s('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': '各部门反馈统计 Feedback per department', id: 'stats-chart' });
  const plotH = hgt - top - bottom;
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const v = Math.round((max * i) / ticks);
    const y = top + plotH - (plotH * v) / max;
    svg.append(s('line', { x1: left, x2: w - 8, y1: y, y2: y, stroke: '#e6e9f0' }), s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, String(v)));
  }
  const group = (w - left - 8) / Math.max(rows.length, 1);
  const bw = Math.min(26, (group - 16) / SERIES.length);
  rows.forEach((r, i) => {
    const gx = left + i * group + (group - bw * SERIES.length) / 2;
    SERIES.forEach(([k, label, color], j) => {
      const v = r[k];
      const bh = (plotH * v) / max;
      const rect = s('rect', { x: gx + j * bw, y: top + plotH - bh, width: bw - 2, height: Math.max(bh, 0.5), fill: color, rx: 2 });
      rect.append(s('title', {}, `${r.departmentName} ${label}: ${v}`));
      svg.append(rect);
    });
    const name = r.departmentName.length > 8 ? r.departmentName.slice(0, 8) + '…' : r.departmentName;
    svg.append(s('text', { x: left + i * group + group / 2, y: hgt - bottom + 16, 'text-anchor': 'middle' }, name));
  });
  return h('div', { class: 'chart' }, svg, h('div', { class: 'legend' }, SERIES.map(([, label, color]) => h('span', null, h('i', { style: `background:${color}` }), label))));
}

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 1000) / 10}%`);
const hours = (x) => (x === null || x === undefined ? '—' : x < 48 ? `${x.toFixed(1)} 小时` : `${(x / 24).toFixed(1)} 天`);

export function render(root) {
  const since = h('input', { type: 'date', name: 'since' });
  const until = h('input', { type: 'date', name: 'until' });
  const csv = h('a', { href: '/admin/api/stats.csv', download: '', class: 'nowrap', id: 'csv-link' }, '导出 CSV Export');
  const body = h('div');
  const load = async () => {
    const qs = new URLSearchParams();
    if (since.value) qs.set('since', since.value);
    if (until.value) qs.set('until', until.value);
    csv.setAttribute('href', `/admin/api/stats.csv?${qs}`);
    try {
      const r = await api('GET', `/stats?${qs}`);
      const rows = r.rows;
      clear(body).append(
        h('div', { class: 'card' }, h('h2', null, bi('各部门办理情况', 'Per department')), rows.length ? chart(rows) : h('p', { class: 'muted' }, '暂无数据')),
        h('div', { class: 'card' },
          h('table', { id: 'stats-table' }, h('thead', null, h('tr', null, ['部门 Dept', '受理', '已答复', '未办结', '超期未答复', '答复用时中位数', '满意率', '不满意', '超期申报件'].map((x) => h('th', null, x)))),
            h('tbody', null, rows.length ? rows.map((x) => h('tr', null, h('td', null, x.departmentName), h('td', null, x.received), h('td', null, x.answered), h('td', null, x.open),
              h('td', null, x.overdue ? tag('overdue', String(x.overdue)) : '0'), h('td', null, hours(x.medianAnswerHours)), h('td', null, pct(x.satisfactionRate), x.rated ? h('span', { class: 'muted' }, ` (${x.rated})`) : null),
              h('td', null, x.dissatisfied), h('td', null, x.overdueDeclarations ? tag('overdue', String(x.overdueDeclarations)) : '0'))) : emptyRow(9))),
          h('p', { class: 'muted' }, `反馈超过 ${r.feedbackAnswerWorkingDays} 个工作日未答复计为超期。统计时间 ${fmtTime(r.generatedAt)}`)),
        h('div', { class: 'card' }, h('h2', null, bi('超期申报件', 'Overdue declarations'), ` (${r.overdueDeclarations.length})`),
          h('table', null, h('thead', null, h('tr', null, ['查询码', '事项', '部门', '办结时限', '状态'].map((x) => h('th', null, x)))),
            h('tbody', null, r.overdueDeclarations.length ? r.overdueDeclarations.map((d) => h('tr', { class: 'click', onclick: () => { location.hash = `#/declarations/${d.queryCode}`; } },
              h('td', null, d.queryCode), h('td', null, d.itemName), h('td', null, d.departmentName), h('td', null, fmtTime(d.dueAt), ' ', tag('overdue', '超期')), h('td', null, LABELS.decl[d.status] ?? d.status))) : emptyRow(5)))));
    } catch (e) { toast(e.message, true); }
  };
  root.append(h('h1', null, bi('督办考核', 'Supervision')),
    h('div', { class: 'card' }, h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } },
      h('label', null, bi('起始日期', 'From'), since), h('label', null, bi('截止日期', 'To'), until), h('button', { class: 'primary' }, '统计 Apply'), csv)),
    body);
  load();
}
