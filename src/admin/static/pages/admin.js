// 管理 Admin: staff users, departments and their API keys, settings (secrets redacted).
import { act, api, bi, can, clear, emptyRow, fmtTime, h, LABELS, select, tag, toast } from '../lib.js';

const TABS = [['users', '用户 Users'], ['departments', '部门 Departments'], ['settings', '配置 Settings']];

function secretBox(title, value) {
  return h('div', { class: 'notice warn' }, h('b', null, title), h('div', { class: 'secret', id: 'secret-value' }, value), h('div', { class: 'muted' }, '只显示这一次，请妥善转交。Shown once.'));
}

export function render(root, [tab = 'users']) {
  root.append(h('h1', null, bi('系统管理', 'Administration')),
    h('div', { class: 'tabs' }, TABS.map(([id, label]) => h('a', { href: `#/admin/${id}`, class: id === tab ? 'active' : '' }, label))));
  const body = h('div');
  root.append(body);
  if (tab === 'departments') departments(body);
  else if (tab === 'settings') settings(body);
  else users(body);
}

/** 坐席分机 An operator's seat phone (PJSIP/8001): edited in place, checked and unique on the server. */
function seatEndpoint(u, reload) {
  const input = h('input', { value: u.endpoint ?? '', placeholder: 'PJSIP/8001', size: 11, 'data-endpoint': u.username, 'aria-label': `${u.username} 坐席分机` });
  return h('div', { class: 'row', style: 'margin: 4px 0 0' }, h('span', { class: 'muted' }, '分机 '), input,
    h('button', { onclick: async (e) => { if (await act(e.target, () => api('POST', `/users/${u.id}/endpoint`, { endpoint: input.value.trim() || null }), '分机已保存 Saved')) reload(); } }, '保存'));
}

/** 职务 A staff member's title, public on the web window's 公开栏 (挂牌上岗): edited in place. */
function staffTitle(u, reload) {
  const input = h('input', { value: u.title ?? '', placeholder: '职务 如 科长', size: 9, maxlength: 40, 'data-title': u.username, 'aria-label': `${u.username} 职务（挂牌上岗）` });
  return h('div', { class: 'row', style: 'margin: 4px 0 0' }, h('span', { class: 'muted' }, '职务 '), input,
    h('button', { onclick: async (e) => { if (await act(e.target, () => api('POST', `/users/${u.id}/title`, { title: input.value.trim() || null }), '职务已保存（挂牌上岗）Saved')) reload(); } }, '保存'));
}

async function users(root) {
  const tbody = h('tbody');
  const out = h('div');
  const depts = (await api('GET', '/departments').catch(() => ({ items: [] }))).items;
  const load = async () => {
    const r = await api('GET', '/users');
    clear(tbody);
    if (!r.items.length) tbody.appendChild(emptyRow(6));
    for (const u of r.items) {
      tbody.appendChild(h('tr', null, h('td', null, u.username), h('td', null, u.displayName ?? '', can('POST /api/users/:id/title') ? staffTitle(u, load) : ''), h('td', null, LABELS.role[u.role] ?? u.role, u.role === 'operator' ? seatEndpoint(u, load) : ''), h('td', null, u.departmentName ?? '—'),
        h('td', null, u.disabled ? tag('bad', '已停用') : tag('ok', '正常'), ' ', u.locked ? tag('warn', `登录已锁定（${u.lockedAddresses} 个地址）`) : '',
          h('div', { class: 'muted' }, `最近登录 ${fmtTime(u.lastLoginAt)}`)),
        h('td', { class: 'nowrap' },
          h('button', { onclick: async (e) => {
            const r2 = await act(e.target, () => api('POST', `/users/${u.id}/password`, {}));
            if (r2) clear(out).append(secretBox(`${u.username} 的新密码 New password`, r2.password));
          } }, '重置密码'), ' ',
          h('button', { class: u.disabled ? '' : 'danger', onclick: async (e) => { if (await act(e.target, () => api('POST', `/users/${u.id}/disabled`, { disabled: !u.disabled }))) load(); } }, u.disabled ? '启用' : '停用'),
          u.locked ? [' ', h('button', { class: 'unlock', onclick: async (e) => { if (await act(e.target, () => api('POST', `/users/${u.id}/unlock`), '已解除锁定 Unlocked')) load(); } }, '解除锁定')] : '')));
    }
  };
  const f = {
    username: h('input', { name: 'username', required: true, placeholder: 'zhangsan' }),
    displayName: h('input', { name: 'displayName', placeholder: '张三' }),
    role: select('role', Object.entries(LABELS.role), 'operator'),
    department: select('department', [['', '—'], ...depts.map((d) => [d.code, d.name])], ''),
    password: h('input', { name: 'password', type: 'password', placeholder: '留空则自动生成', autocomplete: 'new-password' }),
  };
  root.append(
    h('div', { class: 'card' }, h('h2', null, bi('新增用户', 'Add user')),
      h('form', { class: 'form-grid', onsubmit: async (e) => {
        e.preventDefault();
        const body = { username: f.username.value.trim(), role: f.role.value, displayName: f.displayName.value.trim() || undefined, department: f.department.value || undefined, password: f.password.value || undefined };
        const r = await act(e.submitter, () => api('POST', '/users', body), '用户已添加 Added');
        if (r) { if (r.password) clear(out).append(secretBox(`${r.user.username} 的初始密码 Initial password`, r.password)); e.target.reset(); load(); }
      } },
        h('label', { class: 'field' }, '用户名 Username', f.username), h('label', { class: 'field' }, '姓名 Name', f.displayName),
        h('label', { class: 'field' }, '角色 Role', f.role), h('label', { class: 'field' }, '部门（部门用户）Dept', f.department),
        h('label', { class: 'field' }, '密码 Password', f.password), h('button', { class: 'primary', type: 'submit' }, '添加 Add')), out),
    h('div', { class: 'card' }, h('table', { id: 'users-table' }, h('thead', null, h('tr', null, ['用户名', '姓名', '角色', '部门', '状态', ''].map((x) => h('th', null, x)))), tbody)));
  load().catch((e) => toast(e.message, true));
}

function departments(root) {
  const tbody = h('tbody');
  const out = h('div');
  const load = async () => {
    const r = await api('GET', '/departments');
    clear(tbody);
    for (const d of r.items) {
      tbody.appendChild(h('tr', null, h('td', null, d.code), h('td', null, d.name), h('td', null, d.contactPhone ?? '—'), h('td', null, fmtTime(d.createdAt)),
        h('td', null, h('button', { onclick: async (e) => {
          if (!confirm(`更换 ${d.name} 的 API 密钥？旧密钥将立即失效。Rotate key?`)) return;
          const r2 = await act(e.target, () => api('POST', `/departments/${encodeURIComponent(d.code)}/rotate-key`));
          if (r2) clear(out).append(secretBox(`${d.name} 的新 API 密钥 New API key`, r2.apiKey));
        } }, '更换密钥 Rotate key'))));
    }
  };
  const code = h('input', { name: 'code', required: true, placeholder: 'SCJG' });
  const name = h('input', { name: 'name', required: true, placeholder: '市市场监督管理局' });
  const phone = h('input', { name: 'contactPhone', placeholder: '联系人手机' });
  root.append(
    h('div', { class: 'card' }, h('h2', null, bi('新增部门', 'Add department')),
      h('form', { class: 'form-grid', onsubmit: async (e) => {
        e.preventDefault();
        const r = await act(e.submitter, () => api('POST', '/departments', { code: code.value.trim(), name: name.value.trim(), contactPhone: phone.value.trim() || undefined }), '部门已添加 Added');
        if (r) { clear(out).append(secretBox(`${r.department.name} 的 API 密钥 API key`, r.apiKey)); e.target.reset(); load(); }
      } }, h('label', { class: 'field' }, '代码 Code', code), h('label', { class: 'field' }, '名称 Name', name), h('label', { class: 'field' }, '督办联系人手机 Contact', phone),
        h('button', { class: 'primary', type: 'submit' }, '添加 Add')), out),
    h('div', { class: 'card' }, h('table', null, h('thead', null, h('tr', null, ['代码', '名称', '联系人', '创建时间', ''].map((x) => h('th', null, x)))), tbody)));
  load().catch((e) => toast(e.message, true));
}

function settings(root) {
  const pre = h('pre', { class: 'json', id: 'settings-json' }, '…');
  root.append(h('div', { class: 'card' }, h('h2', null, bi('当前配置（密钥已隐藏）', 'Settings, secrets redacted')), pre));
  api('GET', '/settings').then((r) => { pre.textContent = JSON.stringify(r, null, 2); }).catch((e) => toast(e.message, true));
}
