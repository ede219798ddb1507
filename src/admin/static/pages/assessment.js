// 全程考核 Assessment: per department / per handler figures for a period (sortable table), a bar chart of the
// composite score (SVG), drill-down from a figure to the work orders behind it, hot spots (this week vs
// last) and the CSV export. Department staff see their own department only (the server scopes it).
import { api, bi, clear, emptyRow, fmtTime, h, toast } from '../lib.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const num = (x, unit = '') => (x === null || x === undefined ? '—' : `${x}${unit}`);
// [key, 中文, English, format, drill-down figure]
const COLS = [
  ['name', '名称', 'Name', (r) => r.name, null],
  ['received', '受理', 'Received', (r) => r.received, 'received'],
  ['signOnTimePct', '签收按时率', 'Signed on time', (r) => num(r.signOnTimePct, '%'), 'sign_late'],
  ['finishOnTimePct', '办结按时率', 'Finished on time', (r) => num(r.finishOnTimePct, '%'), 'finish_late'],
  ['avgHours', '平均办理(工作小时)', 'Avg h', (r) => num(r.avgHours), 'finished'],
  ['p90Hours', 'P90 办理(工作小时)', 'P90 h', (r) => num(r.p90Hours), 'finished'],
  ['returns', '退单', 'Returns', (r) => r.returns, 'returns'],
  ['extensions', '延期', 'Extensions', (r) => r.extensions, 'extensions'],
  ['urges', '催办', 'Urged', (r) => r.urges, 'urges'],
  ['redoRatePct', '重办率', 'Redo', (r) => num(r.redoRatePct, '%'), 'redo'],
  ['satisfiedPct', '满意', 'Satisfied', (r) => num(r.satisfiedPct, '%'), 'satisfied'],
  ['basicPct', '基本满意', 'Fairly', (r) => num(r.basicPct, '%'), 'basic'],
  ['dissatisfiedPct', '不满意', 'Dissatisfied', (r) => num(r.dissatisfiedPct, '%'), 'dissatisfied'],
  ['score', '综合得分', 'Score', (r) => num(r.score), null],
];

function chart(rows) {
  const w = 720, barH = 22, left = 150, top = 8;
  const list = rows.slice(0, 20);
  const hgt = top * 2 + list.length * (barH + 6);
  const svg = s('svg', { viewBox: `0 0 ${w} ${Math.max(hgt, 40)}`, role: 'img', 'aria-label': '综合得分 Composite score', id: 'assessment-chart' });
  list.forEach((r, i) => {
    const y = top + i * (barH + 6);
    const v = r.score ?? 0;
    const bw = ((w - left - 60) * v) / 100;
    const name = r.name.length > 10 ? r.name.slice(0, 10) + '…' : r.name;
    const color = v >= 85 ? '#2fb36d' : v >= 60 ? '#5b8def' : '#e0524b';
    const rect = s('rect', { x: left, y, width: Math.max(bw, 0.5), height: barH, fill: color, rx: 2 });
    rect.append(s('title', {}, `${r.name} 综合得分 ${num(r.score)}`));
    svg.append(s('text', { x: left - 8, y: y + barH / 2 + 4, 'text-anchor': 'end' }, name), rect, s('text', { x: left + bw + 6, y: y + barH / 2 + 4 }, num(r.score)));
  });
  return h('div', { class: 'chart' }, svg);
}

export function render(root) {
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const dept = h('input', { name: 'department', placeholder: '部门代码（空 = 全部）', size: 14 });
  const by = h('select', { name: 'by' }, h('option', { value: 'department' }, '按部门 By department'), h('option', { value: 'handler' }, '按承办人 By handler'));
  const csv = h('a', { href: '/admin/api/assessment.csv', download: '', class: 'nowrap', id: 'assessment-csv' }, '导出 CSV Export');
  const body = h('div');
  const drill = h('div', { id: 'assessment-drill' });
  let data = null, sortKey = 'score', sortDesc = true;
  const qs = () => {
    const q = new URLSearchParams();
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    if (dept.value.trim()) q.set('department', dept.value.trim());
    return q;
  };
  const showDrill = async (row, figure, label) => {
    const q = qs();
    q.set('figure', figure);
    const code = (data.departmentCodes || {})[row.departmentId];
    if (code) q.set('department', code);
    if (by.value === 'handler') q.set('handler', row.key);
    try {
      const r = await api('GET', `/assessment?${q}`);
      const items = r.items;
      clear(drill).append(h('div', { class: 'card' }, h('h2', null, `${row.name} · ${label}（${r.figureZh}）`, h('span', { class: 'muted' }, ` ${r.total} 件${r.total > items.length ? `（显示前 ${items.length} 件）` : ''}`)),
        h('table', null, h('thead', null, h('tr', null, ['编号', '状态', '部门', '分类', '地址', '受理时间'].map((x) => h('th', null, x)))),
          h('tbody', null, items.length ? items.map((x) => h('tr', null, h('td', null, h('a', { href: `#/feedback/${x.id}` }, x.ref)), h('td', null, x.statusZh), h('td', null, x.department ?? '—'),
            h('td', null, x.categoryName ?? '—'), h('td', null, x.address ?? '—'), h('td', null, fmtTime(x.createdAt)))) : emptyRow(6)))));
      drill.scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (e) { toast(e.message, true); }
  };
  const draw = () => {
    const rows = [...(by.value === 'handler' ? data.handlers : data.departments)];
    rows.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      const c = typeof x === 'string' || typeof y === 'string' ? String(x ?? '').localeCompare(String(y ?? ''), 'zh') : (x ?? -1) - (y ?? -1);
      return sortDesc ? -c : c;
    });
    const head = h('tr', null, COLS.map(([k, zh, en]) => h('th', { class: 'click', title: `${en} · 点击排序 Sort`, onclick: () => { if (sortKey === k) sortDesc = !sortDesc; else { sortKey = k; sortDesc = k !== 'name'; } draw(); } },
      zh, sortKey === k ? (sortDesc ? ' ▼' : ' ▲') : '')));
    const cell = (r, [, zh, , fmt, figure]) => h('td', null, figure && r.received ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); showDrill(r, figure, zh); } }, String(fmt(r))) : String(fmt(r)));
    const hot = (title, list) => h('div', { class: 'card' }, h('h2', null, title),
      h('table', null, h('thead', null, h('tr', null, ['', '本周', '上周', '变化', '工单'].map((x) => h('th', null, x)))),
        h('tbody', null, list.length ? list.map((x) => h('tr', null, h('td', null, x.name), h('td', null, x.thisWeek), h('td', null, x.lastWeek), h('td', null, x.change > 0 ? `+${x.change}` : String(x.change)),
          h('td', null, x.refs.slice(0, 8).join('、'), x.refs.length > 8 ? ` 等 ${x.thisWeek} 件` : ''))) : emptyRow(5))));
    clear(body).append(
      h('div', { class: 'card' }, h('h2', null, bi('综合得分', 'Composite score')), rows.length ? chart(rows) : h('p', { class: 'muted' }, '暂无数据'),
        h('p', { class: 'muted' }, '权重：', data.weights.filter((w) => w.weight > 0).map((w) => `${w.label} ${w.weight}`).join('，'), `；基本满意按 ${data.basicSatisfiedCredit} 计。统计时间 ${fmtTime(data.generatedAt)}`)),
      h('div', { class: 'card table-scroll' }, h('table', { id: 'assessment-table' }, h('thead', null, head), h('tbody', null, rows.length ? rows.map((r) => h('tr', null, COLS.map((c) => cell(r, c)))) : emptyRow(COLS.length)))),
      drill,
      hot(bi('热点分类（本周 vs 上周）', 'Hot categories'), data.hotSpots.categories),
      hot(bi('热点地点（本周 vs 上周）', 'Hot places'), data.hotSpots.places));
  };
  const load = async () => {
    const q = qs();
    const cq = new URLSearchParams(q);
    if (by.value === 'handler') cq.set('by', 'handler');
    csv.setAttribute('href', `/admin/api/assessment.csv?${cq}`);
    clear(drill);
    try {
      data = await api('GET', `/assessment?${q}`);
      try { data.departmentCodes = Object.fromEntries((await api('GET', '/departments')).items?.map((d) => [d.id, d.code]) ?? []); } catch { data.departmentCodes = {}; }
      from.value = data.from; to.value = data.to;
      draw();
    } catch (e) { toast(e.message, true); }
  };
  by.addEventListener('change', () => { if (data) load(); });
  root.append(h('h1', null, bi('全程考核', 'Assessment')),
    h('div', { class: 'card' }, h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } },
      h('label', null, bi('起始日期', 'From'), from), h('label', null, bi('截止日期', 'To'), to), h('label', null, bi('部门', 'Department'), dept), by,
      h('button', { class: 'primary' }, '统计 Apply'), csv)),
    body);
  load();
}
