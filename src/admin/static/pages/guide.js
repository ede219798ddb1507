// 办事指南 Service guide (事前公开): each department's items as the public web window shows them (/web/guide):
// 办事依据, 办事程序, 收费标准, 承诺时限, 投诉渠道. Admins add, edit and delete; supervisors read. Departments may also
// keep theirs over the department API (PUT /api/v1/guide/:itemCode).
import { act, api, bi, can, clear, emptyRow, h, select, toast } from '../lib.js';

const FIELDS = [['basis', '办事依据'], ['procedure', '办事程序'], ['fees', '收费标准'], ['timeLimit', '承诺时限'], ['complaintChannel', '投诉渠道']];

export async function render(root) {
  const depts = (await api('GET', '/departments').catch(() => ({ items: [] }))).items;
  const tbody = h('tbody');
  const filter = select('department', [['', '全部部门 All'], ...depts.map((d) => [d.code, d.name])], '', { id: 'guide-dept', onchange: () => load() });
  const editable = can('POST /api/guide');
  const f = {
    department: select('department', depts.map((d) => [d.code, d.name]), depts[0]?.code ?? '', { id: 'guide-form-dept' }),
    itemCode: h('input', { name: 'itemCode', required: true, maxlength: 64, placeholder: 'SP-01', id: 'guide-item-code' }),
    name: h('input', { name: 'name', required: true, maxlength: 200, placeholder: '食品经营许可证新办', id: 'guide-name' }),
    ...Object.fromEntries(FIELDS.map(([k, zh]) => [k, k === 'timeLimit' ? h('input', { name: k, maxlength: 200, placeholder: '10个工作日', id: `guide-${k}` }) : h('textarea', { name: k, rows: 2, placeholder: zh, id: `guide-${k}` })])),
  };
  const fill = (item) => {
    f.department.value = item.department; f.itemCode.value = item.itemCode; f.name.value = item.name;
    for (const [k] of FIELDS) f[k].value = item[k] ?? '';
    f.name.focus();
  };
  const load = async () => {
    try {
      const r = await api('GET', `/guide${filter.value ? `?department=${encodeURIComponent(filter.value)}` : ''}`);
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(5));
      for (const i of r.items) {
        tbody.appendChild(h('tr', null, h('td', null, i.departmentName), h('td', null, i.itemCode), h('td', null, i.name), h('td', null, i.timeLimit || '—'),
          h('td', { class: 'nowrap' }, editable ? [
            h('button', { onclick: () => fill(i) }, '编辑'), ' ',
            h('button', { class: 'danger', onclick: async (e) => {
              if (!confirm(`删除事项 ${i.name}？`)) return;
              if (await act(e.target, () => api('POST', '/guide/delete', { department: i.department, itemCode: i.itemCode }), '已删除 Deleted')) load();
            } }, '删除')] : '')));
      }
    } catch (e) { toast(e.message, true); }
  };
  const form = editable ? h('form', { class: 'card', id: 'guide-form', onsubmit: async (e) => {
    e.preventDefault();
    const body = { department: f.department.value, itemCode: f.itemCode.value.trim(), name: f.name.value.trim(), ...Object.fromEntries(FIELDS.map(([k]) => [k, f[k].value])) };
    if (await act(e.submitter, () => api('POST', '/guide', body), '已保存，网站办事指南已更新 Saved')) load();
  } }, h('h2', null, bi('新增或修改事项', 'Add or edit an item')),
  h('div', { class: 'form-grid' }, h('label', { class: 'field' }, '部门', f.department), h('label', { class: 'field' }, '事项编码', f.itemCode),
    h('label', { class: 'field' }, '事项名称', f.name), h('label', { class: 'field' }, '承诺时限', f.timeLimit)),
  FIELDS.filter(([k]) => k !== 'timeLimit').map(([k, zh]) => h('label', { class: 'field', style: 'margin-top:8px' }, zh, f[k])),
  h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, '保存 Save'), h('a', { href: '/web/guide', target: '_blank', rel: 'noopener' }, '查看网站办事指南'))) : null;
  root.append(h('h1', null, bi('办事指南', 'Service guide')),
    h('div', { class: 'card' }, h('div', { class: 'row', style: 'margin:0 0 10px' }, filter),
      h('table', { id: 'guide-table' }, h('thead', null, h('tr', null, ['部门', '编码', '事项', '承诺时限', ''].map((x) => h('th', null, x)))), tbody)),
    form);
  load();
}
