// 我的账户 Account: change one's own password (all sessions end; log in again).
import { act, api, bi, h, state } from '../lib.js';

export function render(root) {
  const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  const u = state.session.user;
  root.append(h('h1', null, bi('我的账户', 'Account')),
    h('div', { class: 'card' }, h('p', null, `${u.username} · ${u.displayName ?? ''}`),
      h('form', { onsubmit: async (e) => {
        e.preventDefault();
        const r = await act(e.submitter, () => api('POST', '/me/password', { current: current.value, password: next.value }));
        if (r) { alert('密码已修改，请重新登录。Password changed; please log in again.'); location.reload(); }
      } }, h('label', { class: 'field' }, bi('当前密码', 'Current'), current), h('label', { class: 'field' }, bi('新密码（至少 8 位）', 'New, 8+ characters'), next),
        h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, '修改密码 Change')))));
}
