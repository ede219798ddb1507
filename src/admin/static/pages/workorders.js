// 工单 Work orders: the queues (待派单 … 我的) with counts, and one order's view (fields, time left, the
// whole timeline, duplicates) with the steps this user may take now — the server says which
// (GET /api/work-orders/:id → actions, from src/workorders/machine.ts); each step opens its own form.
import { act, api, bi, can, clear, emptyRow, fmtTime, h, LABELS, onLive, phoneText, role, select, smsPreview, state, statusTag, tag, toast } from '../lib.js';

const QUEUE_ORDER = ['to_dispatch', 'to_sign', 'handling', 'warning', 'overdue', 'survey', 'redo', 'mine', 'all'];
const RETURN_REASONS = [['not_ours', '非本单位职责'], ['wrong_category', '分类错误'], ['incomplete', '信息不全']];
const URGENCY = [['', '不变 Unchanged'], ['normal', '一般 Normal'], ['urgent', '紧急 Urgent']];
const SCORES = [['1', '满意'], ['2', '基本满意'], ['3', '不满意']];

let departments = null;
async function loadDepartments() {
  if (!departments) departments = (await api('GET', '/departments')).items;
  return departments;
}

const listState = { queue: '', offset: 0 };

export function render(root, [id]) {
  if (id) return renderDetail(root, id);
  return renderList(root);
}

/** 剩余时限 as a tag: yellow when the warning point has passed, red when overdue. */
function timeLeftTag(t) {
  if (!t) return h('span', { class: 'muted' }, '—');
  return tag(t.level === 'overdue' ? 'overdue' : t.level === 'warn' ? 'warn' : 'ok', t.text);
}

function renderList(root) {
  const tabs = h('div', { class: 'tabs', id: 'wo-tabs', role: 'tablist' });
  const tbody = h('tbody');
  const pagerText = h('span');
  const prev = h('button', { onclick: () => { listState.offset = Math.max(0, listState.offset - 50); load(); } }, '上一页 Prev');
  const next = h('button', { onclick: () => { listState.offset += 50; load(); } }, '下一页 Next');
  root.append(
    h('h1', null, bi('工单', 'Work orders')),
    tabs,
    h('div', { class: 'card' },
      h('table', { id: 'wo-table' },
        h('thead', null, h('tr', null, ['编号 Ref', '类型 Kind', '分类 Category', '摘要 Summary', '承办部门 Dept', '剩余时限 Time left', '状态 Status'].map((x) => h('th', null, x)))),
        tbody),
      h('p', { class: 'muted' }, '↑↓ 选择，Enter 打开。Arrow keys to move, Enter to open.'),
      h('div', { class: 'pager' }, pagerText, prev, next)));

  let seq = 0;
  async function load() {
    const my = ++seq;
    const qs = new URLSearchParams({ limit: '50', offset: String(listState.offset) });
    if (!listState.queue && role() === 'department') listState.queue = 'to_sign';
    if (listState.queue) qs.set('queue', listState.queue);
    try {
      const r = await api('GET', `/work-orders?${qs}`);
      if (my !== seq) return;
      listState.queue = r.queue;
      clear(tabs);
      const byKey = Object.fromEntries(r.queues.map((q) => [q.key, q]));
      for (const k of QUEUE_ORDER) {
        const q = byKey[k];
        if (!q || (k === 'to_dispatch' && role() === 'department')) continue; // dispatching is the centre's
        tabs.appendChild(h('a', { href: '#/workorders', role: 'tab', 'data-queue': k, class: k === r.queue ? 'active' : null, 'aria-selected': k === r.queue ? 'true' : 'false',
          onclick: (e) => { e.preventDefault(); listState.queue = k; listState.offset = 0; load(); } },
        q.label, q.count !== null ? h('span', { class: 'badge-count', 'data-count': String(q.count), style: `margin-left:4px;${q.count === 0 ? 'background:#d5dae1;color:#5b6573' : k === 'warning' ? 'background:#d48806' : k === 'overdue' ? '' : 'background:#2f5fb3'}` }, String(q.count)) : null));
      }
      // a live reload keeps the keyboard where it was
      const focused = tbody.contains(document.activeElement) ? document.activeElement.getAttribute('data-id') : null;
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(7, '该队列暂无工单 No work orders in this queue'));
      for (const it of r.items) tbody.appendChild(row(it));
      if (focused) tbody.querySelector(`tr[data-id="${CSS.escape(focused)}"]`)?.focus();
      pagerText.textContent = r.items.length ? `第 ${listState.offset + 1}–${listState.offset + r.items.length} 条` : '';
      prev.disabled = listState.offset === 0;
      next.disabled = r.items.length < 50;
    } catch (e) { toast(e.message, true); }
  }
  load();
  let pending = null;
  const off = onLive((m) => {
    if (m.type !== 'event' || !m.name.startsWith('feedback.') || pending) return;
    pending = setTimeout(() => { pending = null; load(); }, 300);
  });
  return () => { off(); clearTimeout(pending); };
}

function row(it) {
  const open = () => { location.hash = `#/workorders/${it.id}`; };
  return h('tr', { class: 'click', tabindex: '0', 'data-id': it.id, 'data-ref': it.ref, onclick: open,
    onkeydown: (e) => {
      if (e.key === 'Enter') { e.preventDefault(); open(); }
      else if (e.key === 'ArrowDown') { e.preventDefault(); e.currentTarget.nextElementSibling?.focus(); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); e.currentTarget.previousElementSibling?.focus(); }
    } },
  h('td', { class: 'nowrap' }, it.ref),
  h('td', { class: 'nowrap' }, LABELS.kind[it.kind] ?? it.kind, it.urgency === 'urgent' ? [' ', tag('bad', it.urgencyZh)] : null),
  h('td', null, it.categoryName ?? h('span', { class: 'muted' }, '未分类')),
  h('td', { class: 'excerpt' }, it.summary ?? ''),
  h('td', null, it.department ?? '—'),
  h('td', { class: 'nowrap', 'data-level': it.timeLeft?.level ?? '' }, timeLeftTag(it.timeLeft)),
  h('td', { class: 'nowrap' }, statusTag(it.status), it.reopenCount ? [' ', tag('warn', `重办 ${it.reopenCount}`)] : null, it.returnCount ? [' ', tag('warn', `退单 ${it.returnCount}`)] : null));
}

function renderDetail(root, id) {
  const wrap = h('div');
  root.append(h('p', null, h('a', { href: '#/workorders' }, '← 返回工单队列 Back to queues')), wrap);
  let shown = null; // updatedAt of the order on screen
  const load = async () => {
    let d;
    try { d = await api('GET', `/work-orders/${encodeURIComponent(id)}`); shown = d.order.updatedAt; } catch (e) {
      clear(wrap).append(h('div', { class: 'notice warn' }, e.status === 404 ? '该工单不存在或不属于本部门。Not found.' : e.message));
      return;
    }
    const depts = await loadDepartments().catch(() => []);
    clear(wrap).append(detail(d, depts, load));
  };
  load();
  // Another user's step shows without reload; our own (already shown) is skipped, and a form being
  // filled in is not wiped: a notice asks to refresh instead.
  const off = onLive((m) => {
    if (m.type !== 'event' || !m.name.startsWith('feedback.') || String(m.data.feedback?.id) !== String(id)) return;
    if (m.data.feedback.updatedAt && m.data.feedback.updatedAt === shown) return;
    const typing = [...wrap.querySelectorAll('#wo-form textarea, #wo-form input')].some((e) => e.value.trim() && e.type !== 'number')
      || [...wrap.querySelectorAll('#wo-intake [data-initial]')].some((e) => (e.type === 'checkbox' ? String(e.checked) : e.value) !== e.dataset.initial); // 登记信息 being changed
    if (!typing) { load(); return; }
    if (!wrap.querySelector('#wo-stale')) wrap.prepend(h('div', { class: 'notice warn', id: 'wo-stale' }, '该工单已被他人更新，提交前请先刷新。Updated by someone else: refresh before submitting. ', h('button', { type: 'button', onclick: load }, '刷新 Refresh')));
  });
  return off;
}

function detail(d, depts, reload) {
  const o = d.order;
  const meta = h('dl', { class: 'kv', id: 'wo-meta' },
    h('dt', null, '编号'), h('dd', null, o.ref),
    h('dt', null, '状态'), h('dd', { id: 'wo-status' }, statusTag(o.status), o.satisfaction ? [' ', tag(o.satisfaction === 3 ? 'bad' : 'ok', LABELS.satisfaction[o.satisfaction])] : null),
    h('dt', null, '类型 / 渠道'), h('dd', null, `${LABELS.kind[o.kind] ?? o.kind} · ${LABELS.channel[o.channel] ?? o.channel} · ${o.urgencyZh ?? ''}`),
    h('dt', null, '分类'), h('dd', null, o.categoryName ?? '未分类'),
    h('dt', null, '来电/来信号码'), h('dd', null, phoneText(o.phone)),
    o.mailContact ? [h('dt', null, '联系邮箱'), h('dd', { id: 'wo-mail' }, o.mailContact)] : null,
    o.address ? [h('dt', null, '地址'), h('dd', null, o.address)] : null,
    o.replyBy ? [h('dt', null, '答复方式'), h('dd', { id: 'wo-reply-by' }, REPLY_BY.find(([k]) => k === o.replyBy)?.[1] ?? o.replyBy)] : null,
    h('dt', null, '受理时间'), h('dd', null, fmtTime(o.createdAt, true)),
    h('dt', null, '承办部门'), h('dd', { id: 'wo-dept' }, o.department ?? '未派单'),
    o.parts?.length ? [h('dt', null, '协办单位'), h('dd', null, o.parts.map((p, i) => [i ? '、' : '', p.departmentName, ' ', tag(p.status === 'answered' ? 'ok' : 'warn', p.status === 'answered' ? '已答复' : '待答复')]))] : null,
    h('dt', null, '剩余时限'), h('dd', { id: 'wo-time-left' }, timeLeftTag(o.timeLeft), o.dueAt ? h('span', { class: 'muted' }, ` 截止 ${fmtTime(o.dueAt)}`) : null),
    o.signDueAt ? [h('dt', null, '签收时限'), h('dd', null, fmtTime(o.signDueAt), o.signedAt ? h('span', { class: 'muted' }, `（已签收 ${fmtTime(o.signedAt)}）`) : null)] : null,
    o.finishDueAt ? [h('dt', null, '办结时限'), h('dd', null, fmtTime(o.finishDueAt))] : null,
    o.instruction ? [h('dt', null, '派单意见'), h('dd', null, o.instruction)] : null,
    o.parentId ? [h('dt', null, '主工单'), h('dd', null, h('a', { href: `#/workorders/${o.parentId}` }, `#${o.parentId}`))] : null);

  const blocks = [h('div', { class: 'card' }, h('h2', null, bi('工单信息', 'Order')), meta,
    o.text !== null && o.text !== undefined ? [h('h3', null, '原文 Original text'), h('div', { class: 'citizen-text', id: 'wo-text' }, o.text)] : null,
    o.hasRecording ? recordingPlayer(o) : null,
    o.hasCallRecording ? [h('h3', null, '坐席通话录音 Operator call'), h('audio', { controls: true, preload: 'none', src: `/admin/api/feedback/${o.id}/call-recording`, id: 'wo-call-audio', style: 'width:100%' })] : null,
    o.transcript && !d.canEdit ? [h('h3', null, '转写 Transcript'), h('div', { class: 'citizen-text' }, o.transcript)] : null,
    o.answer ? [h('h3', null, '办结回复 Answer'), h('p', { class: 'muted' }, fmtTime(o.answeredAt)), h('div', { class: 'citizen-text', id: 'wo-answer' }, o.answer)] : null)];

  if (o.extension) {
    const x = o.extension;
    blocks.push(h('div', { class: 'notice warn', id: 'wo-extension', style: 'margin-bottom:16px' }, `延期申请待审批：${x.requestedByName ?? ''} 申请延期 ${x.days} 个工作日（${fmtTime(x.requestedAt)}），理由：`, h('bdi', null, x.reason)));
  }
  if (d.canEdit && can('POST /api/work-orders/:id/details')) blocks.push(intakeCard(d, depts, reload));
  if (d.actions?.length) blocks.push(actionsCard(d, depts, reload));
  if (d.duplicates?.length) {
    blocks.push(h('div', { class: 'card', id: 'wo-duplicates' }, h('h2', null, bi('疑似重复', 'Possible duplicates')),
      h('ul', null, d.duplicates.map((x) => h('li', null, h('a', { href: `#/workorders/${x.id}` }, x.ref), ' ', h('span', { class: 'muted' }, x.reasons.join('、')))))));
  }
  if (d.merged?.length) {
    blocks.push(h('div', { class: 'card' }, h('h2', null, bi('已并入的工单', 'Merged in')),
      h('ul', null, d.merged.map((x) => h('li', null, h('a', { href: `#/workorders/${x.id}` }, x.ref), ' ', x.summary ?? '')))));
  }
  if (d.history?.length) {
    blocks.push(h('div', { class: 'card', id: 'wo-history' }, h('h2', null, bi('该市民的历史诉求', 'Citizen history')),
      h('ul', null, d.history.map((x) => h('li', null, h('a', { href: `#/workorders/${x.id}` }, x.ref), ' ', h('span', { class: 'muted' }, fmtTime(x.createdAt)), ' ', statusTag(x.status), ' ', x.summary ?? '')))));
  }

  const timeline = h('ol', { class: 'timeline', id: 'wo-timeline' }, d.timeline.map((t) => h('li', { 'data-action': t.action },
    h('div', { class: 'when' }, fmtTime(t.at, true)),
    h('div', { class: 'what' }, h('b', { class: 'step-name' }, t.label || LABELS.action[t.action] || t.action), ' ',
      actorText(t), t.departmentName ? h('span', { class: 'muted' }, ` · ${t.departmentName}`) : null),
    stepDetail(t) ? h('div', { class: 'muted' }, stepDetail(t)) : null,
    t.opinion ? h('div', { class: 'opinion' }, t.action === 'created' ? `渠道：${LABELS.channel[t.opinion] ?? t.opinion}` : t.opinion) : null)));
  return h('div', { class: 'grid2' }, h('div', null, blocks), h('div', { class: 'card' }, h('h2', null, bi('全程时间线', 'Timeline')), timeline));
}

const ACTORS = { citizen: '市民', system: '系统' };
const actorText = (t) => (t.actorName && t.actorName !== t.actor ? t.actorName : ACTORS[t.actor] ?? t.actorName ?? t.actor);
/** The few facts of a step worth a line: where it went, how many days. */
function stepDetail(t) {
  const x = t.detail;
  if (!x || typeof x !== 'object') return '';
  const parts = [];
  if ((t.action === 'dispatch' || t.action === 'redispatch') && x.department) parts.push(`派至 ${x.department}${x.assists?.length ? `，协办：${x.assists.join('、')}` : ''}`);
  if (typeof x.days === 'number') parts.push(`${x.days} 个工作日`);
  if (t.action === 'return' && x.reason) parts.push(RETURN_REASONS.find(([k]) => k === x.reason)?.[1] ?? String(x.reason));
  return parts.join(' · ');
}

// ---------------- the recording and 登记信息 ----------------

const SPEEDS = [0.75, 1, 1.25, 1.5];
const fmtSec = (t) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;

/**
 * The call's recording (the feedback page's role-checked route) with keyboard shortcuts for typing the
 * transcript without the mouse: Alt+P play/pause, Alt+←/→ back/forward 5 s, Alt+1…4 speed 0.75–1.5.
 * The key listener goes away with the page (it removes itself once the player is no longer shown).
 */
function recordingPlayer(o) {
  const audio = h('audio', { controls: true, preload: 'none', src: `/admin/api/feedback/${o.id}/recording`, id: 'wo-audio', style: 'width:100%' });
  const speedBtns = SPEEDS.map((v) => h('button', { type: 'button', class: v === 1 ? 'primary' : null, 'data-speed': String(v), onclick: () => setSpeed(v) }, `${v}×`));
  const pos = h('span', { class: 'muted', id: 'wo-audio-pos' }, '');
  function setSpeed(v) {
    audio.playbackRate = v;
    for (const b of speedBtns) b.classList.toggle('primary', Number(b.dataset.speed) === v);
  }
  const seek = (dt) => { audio.currentTime = Math.max(0, Math.min((audio.duration || Infinity), audio.currentTime + dt)); };
  const toggle = () => { if (audio.paused) void audio.play().catch(() => {}); else audio.pause(); };
  audio.addEventListener('timeupdate', () => { pos.textContent = fmtSec(audio.currentTime); });
  const onKey = (e) => {
    if (!audio.isConnected) { document.removeEventListener('keydown', onKey); return; }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key.toLowerCase();
    if (k === 'p' || e.code === 'KeyP') { e.preventDefault(); toggle(); }
    else if (e.key === 'ArrowLeft') { e.preventDefault(); seek(-5); }
    else if (e.key === 'ArrowRight') { e.preventDefault(); seek(5); }
    else if (/^Digit[1-4]$/.test(e.code)) { e.preventDefault(); setSpeed(SPEEDS[Number(e.code.slice(5)) - 1]); }
  };
  document.addEventListener('keydown', onKey);
  return [h('h3', null, `录音 Recording${o.recordingDuration ? `（${fmtSec(o.recordingDuration)}）` : ''}`), audio,
    h('div', { class: 'row', id: 'wo-audio-speed' }, h('span', null, '倍速 Speed'), speedBtns, pos),
    h('p', { class: 'muted' }, '快捷键：Alt+P 播放/暂停，Alt+← / Alt+→ 后退/前进 5 秒，Alt+1…4 倍速 0.75/1/1.25/1.5。')];
}

const REPLY_BY = [['', '未定 Not set'], ['sms', '短信 SMS'], ['call', '电话回复 Call back'], ['none', '无需回复 No reply']];

/** 登记信息: transcript (voice), category, 事发地址, urgency, reply channel, optionally the dispatch — one save (POST …/details). */
function intakeCard(d, depts, reload) {
  const o = d.order;
  const cats = d.categories ?? [];
  const voice = o.channel === 'voice' || o.hasRecording;
  const transcript = voice ? h('textarea', { id: 'wo-i-transcript', name: 'transcript', maxlength: 20000, rows: 5, placeholder: '听录音，输入转写内容… Type what the caller said' }, o.transcript ?? '') : null;
  const category = select('category', [['', '选择分类 Choose…'], ...cats.map((c) => [c.code, c.path])], o.category ?? '', { id: 'wo-i-category' });
  const address = h('input', { id: 'wo-i-address', name: 'address', maxlength: 500, placeholder: '事发地址，如：××区××路××号', value: o.address ?? '' });
  const urgency = select('urgency', URGENCY.slice(1), o.urgency ?? 'normal', { id: 'wo-i-urgency' });
  const replyBy = select('replyBy', REPLY_BY, o.replyBy ?? '', { id: 'wo-i-replyBy' });
  const canDispatch = d.actions?.some((a) => a.type === 'dispatch');
  const doDispatch = canDispatch ? h('input', { type: 'checkbox', id: 'wo-i-dispatch', name: 'dispatch' }) : null;
  const dept = canDispatch ? deptSelect(depts, 'department', '按分类默认部门 Category default', '') : null;
  if (dept) dept.id = 'wo-i-department';
  const instruction = canDispatch ? h('textarea', { id: 'wo-i-instruction', name: 'instruction', maxlength: 2000, placeholder: '派单意见（可选）Instruction' }) : null;
  if (dept) {
    category.addEventListener('change', () => { const c = cats.find((x) => x.code === category.value); if (c?.department && !dept.dataset.touched) dept.value = c.department; });
    dept.addEventListener('change', () => { dept.dataset.touched = '1'; if (dept.value) doDispatch.checked = true; });
  }
  const save = h('button', { class: 'primary', id: 'wo-i-save', type: 'submit' }, '保存登记信息 Save');
  const form = h('form', { id: 'wo-intake', onsubmit: async (e) => {
    e.preventDefault();
    const body = { urgency: urgency.value, address: address.value.trim() || null };
    if (category.value) body.category = category.value;
    if (replyBy.value) body.replyBy = replyBy.value;
    if (transcript && transcript.value !== (o.transcript ?? '')) body.transcript = transcript.value;
    if (doDispatch?.checked) {
      if (!category.value) return toast('派单前请选择诉求分类 Choose a category', true);
      body.dispatch = { ...(dept.value ? { department: dept.value } : {}), ...(instruction.value.trim() ? { instruction: instruction.value } : {}) };
    }
    if (await act(save, () => api('POST', `/work-orders/${o.id}/details`, body), body.dispatch ? '登记信息已保存并派单 Saved and dispatched' : '登记信息已保存 Saved')) {
      window.dispatchEvent(new CustomEvent('hotline:badges'));
      reload();
    }
  } },
  transcript ? field('转写', 'Transcript', transcript) : null,
  field('诉求分类', 'Category', category), field('事发地址', 'Incident address', address),
  h('div', { class: 'row' }, field('紧急程度', 'Urgency', urgency), field('答复方式', 'Reply by', replyBy)),
  canDispatch ? [h('label', { class: 'row' }, doDispatch, o.departmentId ? bi('同时改派', 'Re-dispatch in the same save') : bi('同时派单', 'Dispatch in the same save')), field('承办部门', 'Department', dept), field('派单意见', 'Instruction', instruction)] : null,
  h('div', { class: 'row' }, save));
  for (const e of form.querySelectorAll('textarea, input, select')) e.dataset.initial = e.type === 'checkbox' ? String(e.checked) : e.value;
  return h('div', { class: 'card', id: 'wo-intake-card' }, h('h2', null, bi('登记信息', 'Intake')), form);
}

// ---------------- the steps ----------------

const textarea = (name, placeholder, value = '') => h('textarea', { id: `wo-f-${name}`, name, maxlength: 2000, placeholder }, value);
const field = (zh, en, el) => h('label', { class: 'field' }, bi(zh, en), el);

/** An answer box with its count and the exact SMS it goes as (the feedback answer-preview). */
function answerBox(o, placeholder, templates = [], all = null) {
  const ta = textarea('answer', placeholder);
  const count = h('p', { class: 'muted', id: 'wo-count' }, '0 字');
  const preview = can('POST /api/feedback/:id/answer-preview') ? smsPreview((text) => api('POST', `/feedback/${o.id}/answer-preview`, { answer: text })) : null;
  ta.addEventListener('input', () => {
    count.textContent = `${[...ta.value].length} 字 · ${[...ta.value].length} characters`;
    preview?.update(ta.value);
  });
  const picker = templatePicker(ta, templates, all);
  return { el: [h('div', null, picker, field('答复内容', 'Answer (sent to the citizen)', ta)), count, preview?.el], ta };
}

/**
 * The 常用语 of a category (its top level's, then the general ones), as the server's templatesFor:
 * used when 登记信息's category was changed and not yet saved.
 */
function phrasesFor(all, category) {
  const top = category ? category.split('.')[0] : null;
  const own = top && all.byCategory[top] ? all.byCategory[top].texts.map((text) => ({ group: all.byCategory[top].group, text })) : [];
  return [...own, ...all.general.map((text) => ({ group: '通用', text }))];
}

/** 常用语: a select whose phrase goes in at the cursor (or at the end); the count and the SMS preview follow. */
function templatePicker(ta, saved, all) {
  if (!saved.length && !all) return null;
  let templates = saved;
  const sel = h('select', { id: 'wo-f-template', name: 'template', 'aria-label': '常用语 Answer templates' });
  const fill = () => {
    const groups = [...new Set(templates.map((t) => t.group))];
    sel.replaceChildren(h('option', { value: '' }, '插入常用语… Insert a phrase'),
      ...groups.map((g) => h('optgroup', { label: g }, templates.map((t, i) => (t.group === g ? h('option', { value: String(i) }, t.text) : null)))));
  };
  fill();
  if (all) {
    // the phrases follow 登记信息's category while it is being changed, saved or not
    const follow = (e) => {
      if (!sel.isConnected) { document.removeEventListener('change', follow); return; }
      if (e.target?.id === 'wo-i-category') { templates = phrasesFor(all, e.target.value || null); fill(); }
    };
    document.addEventListener('change', follow);
    const current = document.getElementById('wo-i-category');
    if (current) templates = phrasesFor(all, current.value || null), fill();
  }
  sel.addEventListener('change', () => {
    const t = templates[Number(sel.value)];
    sel.value = '';
    if (!t) return;
    // where the cursor was (the textarea keeps it while the select has focus); a selection is replaced
    const at = ta.selectionStart ?? ta.value.length, end = ta.selectionEnd ?? at;
    const before = ta.value.slice(0, at), after = ta.value.slice(end);
    const room = ta.maxLength > 0 ? ta.maxLength - before.length - after.length : Infinity;
    const text = t.text.slice(0, Math.max(0, room));
    ta.value = before + text + after;
    ta.focus();
    ta.setSelectionRange(at + text.length, at + text.length);
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
  return field('常用语', 'Answer templates', sel);
}

function deptSelect(depts, name, first = '选择部门 Choose…', value = '') {
  return select(name, [['', first], ...depts.map((x) => [x.code, x.name])], value, { id: `wo-f-${name}` });
}

/** Each step's form: its fields and the body it posts. */
function formFor(a, d, depts) {
  const o = d.order;
  switch (a.type) {
    case 'dispatch': {
      const current = depts.find((x) => x.id === o.departmentId)?.code ?? '';
      const dept = deptSelect(depts, 'department', '按分类默认部门 Category default', o.status === 'returned' ? '' : current);
      const cats = d.categories ?? [];
      const category = select('category', [['', '选择分类 Choose…'], ...cats.map((c) => [c.code, c.path])], o.category ?? '', { id: 'wo-f-category' });
      // the category's default department, unless one is chosen
      category.addEventListener('change', () => { const c = cats.find((x) => x.code === category.value); if (c?.department && !dept.dataset.touched) dept.value = c.department; });
      dept.addEventListener('change', () => { dept.dataset.touched = '1'; });
      const urgency = select('urgency', URGENCY, '', { id: 'wo-f-urgency' });
      const instruction = textarea('instruction', '派单意见（可选）Instruction');
      const assist = deptSelect(depts, 'assist', '无协办 No assisting dept');
      return { fields: [field('诉求分类', 'Category', category), field('承办部门', 'Department', dept), field('协办部门', 'Assisting', assist), field('紧急程度', 'Urgency', urgency), field('派单意见', 'Instruction', instruction)],
        need: '派单前请选择诉求分类 Choose a category',
        body: () => (!category.value ? null : { category: category.value, ...(dept.value ? { department: dept.value } : {}), ...(urgency.value ? { urgency: urgency.value } : {}), ...(instruction.value.trim() ? { instruction: instruction.value } : {}),
          ...(assist.value ? { assists: [{ department: assist.value }] } : {}) }) };
    }
    case 'assist': {
      const dept = deptSelect(depts, 'department');
      const instruction = textarea('instruction', '协办要求（可选）');
      return { fields: [field('协办部门', 'Assisting department', dept), field('协办要求', 'Instruction', instruction)],
        body: () => (dept.value ? { assists: [{ department: dept.value, ...(instruction.value.trim() ? { instruction: instruction.value } : {}) }] } : null), need: '请选择部门 Choose a department' };
    }
    case 'direct': case 'interim': case 'answer': {
      const b = answerBox(o, a.type === 'interim' ? '阶段性答复：目前办理进展…（以短信发给市民）' : '办结回复：办理结果…（以短信发给市民）', d.answerTemplates ?? [], d.answerPhrases ?? null);
      return { fields: b.el, body: () => (b.ta.value.trim() ? { answer: b.ta.value } : null), need: '答复内容为空 Empty answer' };
    }
    case 'assist_answer': {
      const b = answerBox(o, '协办答复：本单位协办情况…（给主办单位）', d.answerTemplates ?? [], d.answerPhrases ?? null);
      const open = o.parts.filter((p) => p.status === 'open');
      const dept = can('GET /api/users') && open.length > 1 ? select('department', open.map((p) => [depts.find((x) => x.id === p.departmentId)?.code ?? '', p.departmentName]), '', { id: 'wo-f-department' }) : null;
      return { fields: [dept ? field('协办单位', 'Assisting department', dept) : null, b.el[0], b.el[1]], body: () => (b.ta.value.trim() ? { answer: b.ta.value, ...(dept ? { department: dept.value } : {}) } : null), need: '答复内容为空 Empty answer' };
    }
    case 'sign': {
      const op = textarea('opinion', '签收意见（可选）');
      return { fields: [field('签收意见', 'Note', op)], body: () => (op.value.trim() ? { opinion: op.value } : {}) };
    }
    case 'return': {
      const reason = select('reason', RETURN_REASONS, 'not_ours', { id: 'wo-f-reason' });
      const op = textarea('opinion', '退单理由（必填），如：该事项属于××局职责');
      return { fields: [field('退单原因', 'Reason', reason), field('退单意见', 'Opinion', op)], body: () => (op.value.trim() ? { reason: reason.value, opinion: op.value } : null), need: '请写明退单理由 Give a reason' };
    }
    case 'request_extension': {
      const days = h('input', { type: 'number', id: 'wo-f-days', name: 'days', min: 1, max: 60, value: '3' });
      const reason = textarea('reason', '延期理由（必填）');
      return { fields: [field('延期（工作日）', 'Days', days), field('延期理由', 'Reason', reason)],
        body: () => (reason.value.trim() && Number(days.value) >= 1 ? { days: Number(days.value), reason: reason.value } : null), need: '请填写天数与理由 Days and reason' };
    }
    case 'decide_extension': {
      const x = o.extension;
      const approve = select('approve', [['yes', '同意 Approve'], ['no', '不同意 Refuse']], 'yes', { id: 'wo-f-approve' });
      const days = h('input', { type: 'number', id: 'wo-f-days', name: 'days', min: 1, max: 60, value: String(x?.days ?? 1) });
      const op = textarea('opinion', '审批意见（不同意时必填）');
      return { fields: [field('审批', 'Decision', approve), field('新的延期天数', 'Days', days), field('审批意见', 'Opinion', op)],
        body: () => ({ approve: approve.value === 'yes', ...(op.value.trim() ? { opinion: op.value } : {}), ...(approve.value === 'yes' && Number(days.value) >= 1 ? { days: Number(days.value) } : {}) }) };
    }
    case 'survey': {
      const score = select('score', SCORES, '1', { id: 'wo-f-score' });
      const op = textarea('opinion', '回访记录（可选）');
      return { fields: [field('满意度', 'Score', score), field('回访记录', 'Notes', op)], body: () => ({ score: Number(score.value), ...(op.value.trim() ? { opinion: op.value } : {}) }) };
    }
    case 'uphold': case 'redo': case 'urge': {
      const op = textarea('opinion', `${a.label}意见（必填）`);
      return { fields: [field(`${a.label}意见`, 'Opinion', op)], body: () => (op.value.trim() ? { opinion: op.value } : null), need: '请填写意见 Opinion required' };
    }
    case 'merge': {
      const parent = h('input', { id: 'wo-f-parent', name: 'parent', placeholder: '主工单编号 Parent ref', value: d.duplicates?.[0]?.ref ?? '' });
      return { fields: [field('合并到主工单', 'Parent ref', parent)], body: () => (parent.value.trim() ? { parent: parent.value.trim() } : null), need: '请填写主工单编号 Parent ref' };
    }
    case 'close': {
      const reason = textarea('reason', '办结说明（可选，将短信告知市民）');
      return { fields: [field('办结说明', 'Reason', reason)], body: () => (reason.value.trim() ? { reason: reason.value } : {}) };
    }
    case 'claim': {
      const mine = o.claimedBy === `staff:${state.session?.user.username ?? ''}`;
      return { fields: [h('p', { class: 'muted' }, o.claimedBy ? `当前认领：${o.claimedBy}` : '认领后该工单出现在“我的工单”。')], body: () => (mine ? { release: true } : {}) };
    }
    default:
      return { fields: [], body: () => ({}) };
  }
}

function actionsCard(d, depts, reload) {
  const o = d.order;
  const formBox = h('div', { id: 'wo-form' });
  const open = (a, btn) => {
    for (const b of buttons) b.classList.toggle('primary', b === btn);
    const f = formFor(a, d, depts);
    const submit = h('button', { class: 'primary', id: 'wo-submit', type: 'submit' }, `确认${a.label}`);
    const form = h('form', { class: 'wo-step', 'data-step': a.type, onsubmit: async (e) => {
      e.preventDefault();
      const body = f.body();
      if (body === null) return toast(f.need || '请完整填写 Incomplete', true);
      if (await act(submit, () => api('POST', `/work-orders/${o.id}/${a.path}`, body), `${a.label}已提交 Done`)) { window.dispatchEvent(new CustomEvent('hotline:badges')); reload(); }
    } }, h('h3', null, a.label), f.fields, h('div', { class: 'row' }, submit, h('button', { type: 'button', onclick: () => { clear(formBox); for (const b of buttons) b.classList.remove('primary'); } }, '取消 Cancel')));
    clear(formBox).append(form);
    form.querySelector('textarea, select, input')?.focus();
  };
  const buttons = d.actions.map((a) => {
    const b = h('button', { type: 'button', id: `act-${a.type}`, 'data-action': a.type, onclick: () => open(a, b) }, a.label);
    return b;
  });
  return h('div', { class: 'card', id: 'wo-actions' }, h('h2', null, bi('办理', 'Steps')), h('div', { class: 'row' }, buttons), formBox);
}
