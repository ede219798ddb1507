// The panel's entry: login form, the shell (side navigation + top bar) and a hash router (#/feedback, #/feedback/12, …).
import { api, bi, can, clear, connectLive, disconnectLive, h, LABELS, onLive, state, toast } from './lib.js';
import * as feedback from './pages/feedback.js';
import * as workorders from './pages/workorders.js';
import * as declarations from './pages/declarations.js';
import * as sms from './pages/sms.js';
import * as live from './pages/live.js';
import * as supervision from './pages/supervision.js';
import * as assessment from './pages/assessment.js';
import * as audit from './pages/audit.js';
import * as admin from './pages/admin.js';
import * as testphone from './pages/testphone.js';
import * as account from './pages/account.js';
import * as guide from './pages/guide.js';
import { seatBar, setCurrentUser } from './seat.js';

const PAGES = [
  { id: 'feedback', zh: '反馈', en: 'Feedback', page: feedback, needs: 'GET /api/feedback', badge: 'feedbackWaiting' },
  { id: 'workorders', zh: '工单', en: 'Work orders', page: workorders, needs: 'GET /api/work-orders' },
  { id: 'declarations', zh: '申报件', en: 'Declarations', page: declarations, needs: 'GET /api/declarations' },
  { id: 'sms', zh: '短信', en: 'SMS', page: sms, needs: 'GET /api/subscriptions' },
  { id: 'live', zh: '实时', en: 'Live', page: live, needs: 'GET /api/session' },
  { id: 'supervision', zh: '督办', en: 'Supervision', page: supervision, needs: 'GET /api/stats', badge: 'overdueDeclarations' },
  { id: 'assessment', zh: '全程考核', en: 'Assessment', page: assessment, needs: 'GET /api/assessment' },
  { id: 'guide', zh: '办事指南', en: 'Service guide', page: guide, needs: 'GET /api/guide' },
  { id: 'audit', zh: '审计', en: 'Audit log', page: audit, needs: 'GET /api/audit' },
  { id: 'admin', zh: '管理', en: 'Admin', page: admin, needs: 'GET /api/users' },
  { id: 'testphone', zh: '测试电话', en: 'Test phone', page: testphone, needs: 'POST /api/testphone/call', feature: 'testPhone' },
  { id: 'account', zh: '我的账户', en: 'Account', page: account, needs: 'GET /api/session', hidden: true },
];

const root = document.getElementById('app');
let cleanup = null;
let navEls = {};

function visiblePages() {
  return PAGES.filter((p) => can(p.needs) && (!p.feature || state.session.features[p.feature]));
}

async function boot() {
  try {
    state.session = await api('GET', '/session');
    state.timeZone = state.session.timeZone || 'Asia/Shanghai';
    showShell();
  } catch (e) {
    if (e.status === 401) showLogin();
    else { clear(root).appendChild(h('p', { class: 'boot error' }, `加载失败 Failed to load: ${e.message}`)); }
  }
}

function showLogin(message) {
  disconnectLive();
  if (cleanup) { cleanup(); cleanup = null; }
  state.session = null;
  const err = h('p', { class: 'error', id: 'login-error' }, message || '');
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { class: 'primary', type: 'submit' }, '登录 Log in');
  const form = h('form', { class: 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    btn.disabled = true; err.textContent = '';
    try {
      await api('POST', '/login', { username: user.value, password: pass.value });
      await boot();
    } catch (e) { err.textContent = e.message; pass.value = ''; pass.focus(); } finally { btn.disabled = false; }
  } },
    h('h1', null, '96365 热线工作台'),
    h('p', { class: 'muted', style: 'text-align:center;margin-top:-8px' }, 'Hotline staff panel'),
    h('label', { class: 'field' }, bi('用户名', 'Username'), user),
    h('label', { class: 'field' }, bi('密码', 'Password'), pass),
    err, btn);
  clear(root).appendChild(h('div', { class: 'login-wrap' }, form));
  user.focus();
}

function showShell() {
  const s = state.session;
  const nav = h('nav', { class: 'nav' });
  navEls = {};
  for (const p of visiblePages()) {
    if (p.hidden) continue;
    const count = h('span', { class: 'badge-count', hidden: true });
    const a = h('a', { href: `#/${p.id}`, 'data-page': p.id }, h('span', null, p.zh, h('span', { class: 'en' }, p.en)), count);
    navEls[p.id] = { a, count, badge: p.badge };
    nav.appendChild(a);
  }
  const who = h('div', { class: 'who' },
    h('b', null, s.user.displayName || s.user.username), ` · ${LABELS.role[s.user.role]}`,
    s.user.departmentName ? ` · ${s.user.departmentName}` : '',
    s.features.demo ? h('span', { class: 'demo-flag' }, '演示模式 Demo') : null);
  const logout = h('button', { onclick: async () => {
    try { await api('POST', '/logout'); } catch { /* ignore */ }
    showLogin('已退出登录 Logged out');
  } }, '退出 Log out');
  setCurrentUser(() => s.user.id);
  const top = h('header', { class: 'top' }, who, seatBar(), h('div', { class: 'row', style: 'margin:0' }, h('a', { href: '#/account' }, '修改密码 Password'), logout));
  const content = h('main', { class: 'content', id: 'content' });
  clear(root).appendChild(h('div', { class: 'shell' },
    h('aside', { class: 'side' }, h('div', { class: 'side-inner' }, h('div', { class: 'logo' }, h('b', null, '96365 热线'), h('span', null, '12345 一站式服务 · 渠道工作台')), nav)),
    h('div', { class: 'main' }, top, content)));
  connectLive();
  refreshBadges();
  route();
}

let badgeTimer = null;
async function refreshBadges() {
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    try {
      const b = await api('GET', '/badges');
      for (const n of Object.values(navEls)) {
        if (!n.badge) continue;
        const v = b[n.badge] || 0;
        n.count.textContent = String(v);
        n.count.hidden = v === 0;
      }
    } catch { /* ignore */ }
  }, 150);
}

// Badges follow the live feed (no polling).
onLive((m) => {
  if (m.type === 'event' && (m.name.startsWith('feedback.') || m.name === 'declaration.changed')) refreshBadges();
});

function route() {
  if (!state.session) return;
  const [, id = '', ...rest] = location.hash.replace(/^#/, '').split('/');
  const pages = visiblePages();
  const p = pages.find((x) => x.id === id) || pages[0];
  if (!p) return;
  if (p.id !== id) { location.hash = `#/${p.id}`; return; }
  for (const [pid, n] of Object.entries(navEls)) n.a.classList.toggle('active', pid === p.id);
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const content = document.getElementById('content');
  clear(content);
  document.title = `${p.zh} · 96365 热线工作台`;
  const r = p.page.render(content, rest.map(decodeURIComponent));
  cleanup = typeof r === 'function' ? r : null;
}

window.addEventListener('hashchange', route);
window.addEventListener('hotline:logged-out', () => { if (state.session) showLogin('登录已过期，请重新登录 Session expired'); });
window.addEventListener('hotline:badges', refreshBadges);
window.addEventListener('unhandledrejection', (e) => { toast(String(e.reason?.message || e.reason), true); });
boot();
