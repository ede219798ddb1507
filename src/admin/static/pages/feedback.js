// 反馈 Feedback: the inbox (filters, pages) and one item's detail (audio, transcript, assign, answer, close, timeline).
import { act, add, api, bi, can, clear, emptyRow, fmtDuration, fmtTime, h, LABELS, onLive, phoneText, role, select, smsPreview, statusTag, tag, toast } from '../lib.js';

let departments = null;
async function loadDepartments() {
  if (!departments) departments = (await api('GET', '/departments')).items;
  return departments;
}

const filters = { status: '', channel: '', kind: '', department: '', since: '', until: '', q: '', offset: 0 };

export function render(root, [id]) {
  if (id) return renderDetail(root, id);
  return renderList(root);
}

function opts(map, all = '全部 All') { return [['', all], ...Object.entries(map)]; }

function renderList(root) {
  const tbody = h('tbody');
  const pagerText = h('span');
  const prev = h('button', { onclick: () => { filters.offset = Math.max(0, filters.offset - 50); load(); } }, '上一页 Prev');
  const next = h('button', { onclick: () => { filters.offset += 50; load(); } }, '下一页 Next');
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); read(); filters.offset = 0; load(); } });
  const f = {
    status: select('status', opts(LABELS.status), filters.status),
    channel: select('channel', opts(LABELS.channel), filters.channel),
    kind: select('kind', opts(LABELS.kind), filters.kind),
    department: select('department', [['', '全部 All']], filters.department),
    since: h('input', { type: 'date', name: 'since', value: filters.since }),
    until: h('input', { type: 'date', name: 'until', value: filters.until }),
    q: h('input', { type: 'search', name: 'q', placeholder: '编号 / 号码 / 内容', value: filters.q, size: 18 }),
  };
  const read = () => { for (const k of Object.keys(f)) filters[k] = f[k].value; };
  add(form,
    h('label', null, bi('状态', 'Status'), f.status), h('label', null, bi('渠道', 'Channel'), f.channel), h('label', null, bi('类型', 'Kind'), f.kind),
    role() !== 'department' ? h('label', null, bi('部门', 'Department'), f.department) : null,
    h('label', null, bi('起始日期', 'From'), f.since), h('label', null, bi('截止日期', 'To'), f.until),
    h('label', null, bi('搜索', 'Search'), f.q),
    h('button', { class: 'primary', type: 'submit' }, '查询 Search'),
    h('button', { type: 'button', onclick: () => { for (const k of Object.keys(f)) { f[k].value = ''; filters[k] = ''; } filters.offset = 0; load(); } }, '重置 Reset'));
  loadDepartments().then((ds) => { for (const d of ds) f.department.appendChild(h('option', { value: d.code, selected: d.code === filters.department }, d.name)); }).catch(() => {});

  root.append(
    h('h1', null, bi('反馈工单', 'Feedback inbox')),
    h('div', { class: 'card' }, form,
      h('table', { id: 'feedback-table' },
        h('thead', null, h('tr', null, ['编号 Ref', '时间 Time', '类型 Kind', '渠道 Channel', '号码 Phone', '内容 Content', '部门 Dept', '状态 Status'].map((x) => h('th', null, x)))),
        tbody),
      h('div', { class: 'pager' }, pagerText, prev, next)));

  let seq = 0;
  async function load() {
    const my = ++seq;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v !== '' && v !== 0) qs.set(k, String(v));
    qs.set('limit', '50');
    try {
      const r = await api('GET', `/feedback?${qs}`);
      if (my !== seq) return;
      clear(tbody);
      if (!r.items.length) tbody.appendChild(emptyRow(8));
      for (const it of r.items) tbody.appendChild(row(it));
      pagerText.textContent = r.items.length ? `第 ${filters.offset + 1}–${filters.offset + r.items.length} 条` : '';
      prev.disabled = filters.offset === 0;
      next.disabled = !r.hasMore;
    } catch (e) { toast(e.message, true); }
  }
  load();
  // New feedback appears without reload (first page, no filters narrowing it away is checked by reloading).
  let pending = null;
  const off = onLive((m) => {
    if (m.type !== 'event' || !m.name.startsWith('feedback.') || filters.offset !== 0 || pending) return;
    pending = setTimeout(() => { pending = null; load(); }, 300); // at most ~3 reloads/s however busy the bus is
  });
  return () => { off(); clearTimeout(pending); };
}

function row(it) {
  return h('tr', { class: 'click', 'data-id': it.id, onclick: () => { location.hash = `#/feedback/${it.id}`; } },
    h('td', { class: 'nowrap' }, it.ref),
    h('td', { class: 'nowrap' }, fmtTime(it.createdAt)),
    h('td', null, LABELS.kind[it.kind] ?? it.kind),
    h('td', { class: 'nowrap' }, LABELS.channel[it.channel] ?? it.channel, it.hasRecording ? [' ', tag('', '录音')] : null),
    h('td', { class: 'nowrap' }, phoneText(it.phone)),
    h('td', { class: 'excerpt' }, it.smsParts ? [tag('warn', partsLabel(it.smsParts)), ' '] : null, it.excerpt ?? (it.hasRecording ? '（语音留言，待转写）' : '')),
    h('td', null, it.departmentName ?? '—'),
    h('td', null, statusTag(it.status), it.reopenCount ? tag('warn', `重办 ${it.reopenCount}`) : null));
}

// A long SMS that arrived incomplete: 收到 2/3 段 (the text shows […] where parts are missing).
function partsLabel(p) { return `收到 ${p.received}/${p.expected} 段`; }

function renderDetail(root, id) {
  const wrap = h('div');
  root.append(h('p', null, h('a', { href: '#/feedback' }, '← 返回列表 Back to inbox')), wrap);
  const load = async () => {
    let f;
    try { f = await api('GET', `/feedback/${encodeURIComponent(id)}`); } catch (e) {
      clear(wrap).append(h('div', { class: 'notice warn' }, e.status === 404 ? '该反馈不存在或不属于本部门。Not found.' : e.message));
      return;
    }
    const depts = can('POST /api/feedback/:id/assign') ? await loadDepartments().catch(() => []) : [];
    clear(wrap).append(detail(f, depts, load));
  };
  load();
  const off = onLive((m) => { if (m.type === 'event' && m.name.startsWith('feedback.') && String(m.data.feedback.id) === String(id)) load(); });
  return off;
}

function detail(f, depts, reload) {
  const phone = h('bdi', { id: 'fb-phone', dir: 'ltr', class: 'phone-no' }, f.phone || '—');
  const meta = h('dl', { class: 'kv' },
    h('dt', null, '编号'), h('dd', null, f.ref),
    h('dt', null, '状态'), h('dd', null, statusTag(f.status), f.satisfaction ? [' ', tag(f.satisfaction === 3 ? 'bad' : 'ok', LABELS.satisfaction[f.satisfaction])] : null),
    h('dt', null, '类型 / 渠道'), h('dd', null, `${LABELS.kind[f.kind] ?? f.kind} · ${LABELS.channel[f.channel] ?? f.channel}`),
    h('dt', null, '来电/来信号码'), h('dd', null, phone, ' ', can('POST /api/feedback/:id/reveal-phone') && f.phone ? h('button', { class: 'link', id: 'reveal', onclick: async (e) => {
      const r = await act(e.target, () => api('POST', `/feedback/${f.id}/reveal-phone`));
      if (r) { phone.textContent = r.phone; e.target.remove(); }
    } }, '查看完整号码（留痕）') : null),
    h('dt', null, '受理时间'), h('dd', null, fmtTime(f.createdAt, true)),
    h('dt', null, '承办部门'), h('dd', null, f.departmentName ?? '未分派'),
    f.declaration ? [h('dt', null, '关联申报件'), h('dd', null, h('a', { href: `#/declarations/${f.declaration.queryCode}` }, `${f.declaration.queryCode} ${f.declaration.itemName}`))] : null,
    f.flowPath ? [h('dt', null, '语音路径'), h('dd', null, f.flowPath)] : null);

  const blocks = [h('div', { class: 'card' }, h('h2', null, bi('反馈内容', 'Content')), meta,
    f.text !== null ? [h('h3', null, '原文 Original text'),
      f.smsParts && f.smsParts.received < f.smsParts.expected
        ? h('div', { class: 'notice warn', id: 'fb-sms-parts' }, `短信不完整：${partsLabel(f.smsParts)}，缺失部分在原文中以 […] 标出。Incomplete SMS: ${f.smsParts.received} of ${f.smsParts.expected} parts.`)
        : null,
      h('div', { class: 'citizen-text', id: 'fb-text' }, f.text)] : null,
    f.hasRecording ? [h('h3', null, `录音 Recording（${fmtDuration(f.recordingDuration)}）`),
      h('audio', { controls: true, preload: 'none', src: `/admin/api/feedback/${f.id}/recording`, id: 'fb-audio', style: 'width:100%' })] : null)];

  // transcript
  if (can('POST /api/feedback/:id/transcript')) {
    const ta = h('textarea', { id: 'fb-transcript', placeholder: '听录音，输入转写内容… Type what the caller said' }, f.transcript ?? '');
    blocks.push(h('div', { class: 'card' }, h('h2', null, bi('转写', 'Transcript')), ta,
      f.transcribedBy ? h('p', { class: 'muted' }, `上次转写：${f.transcribedBy} · ${fmtTime(f.transcribedAt)}`) : null,
      h('div', { class: 'row' }, h('button', { class: 'primary', id: 'save-transcript', onclick: async (e) => {
        if (await act(e.target, () => api('POST', `/feedback/${f.id}/transcript`, { transcript: ta.value }), '转写已保存 Saved')) reload();
      } }, '保存转写 Save'))));
  } else if (f.transcript !== null) {
    blocks.push(h('div', { class: 'card' }, h('h2', null, bi('转写', 'Transcript')), h('div', { class: 'citizen-text' }, f.transcript)));
  }

  // assign + close
  const ops = [];
  if (can('POST /api/feedback/:id/assign') && f.status !== 'closed') {
    const sel = select('department', [['', '选择部门 Choose…'], ...depts.map((d) => [d.code, d.name])], depts.find((d) => d.id === f.departmentId)?.code ?? '', { id: 'assign-dept' });
    ops.push(h('div', { class: 'row' }, h('span', null, '分派至 Assign to'), sel, h('button', { id: 'assign', onclick: async (e) => {
      if (!sel.value) return toast('请选择部门 Choose a department', true);
      if (await act(e.target, () => api('POST', `/feedback/${f.id}/assign`, { department: sel.value }), '已分派 Assigned')) reload();
    } }, f.departmentId ? '改派 Reassign' : '分派 Assign')));
  }
  if (can('POST /api/feedback/:id/close') && f.status !== 'closed') {
    ops.push(h('div', { class: 'row' }, h('button', { class: 'danger', id: 'close', onclick: async (e) => {
      // Closing without a sent final answer needs a written reason (办结规则); the citizen is told it.
      let body = {};
      if (f.answer === null) {
        const reason = prompt('尚未发出办结回复，请写明办结理由（将告知市民）\nNo answer was sent: give the reason for closing');
        if (reason === null) return;
        if (!reason.trim()) return toast('请写明办结理由 A reason is needed', true);
        body = { reason: reason.trim().slice(0, 500) };
      } else if (!confirm('确认办结该工单？Close this item?')) return;
      if (await act(e.target, () => api('POST', `/feedback/${f.id}/close`, body), '已办结 Closed')) reload();
    } }, '办结 Close')));
  }
  // classify: a 诉求 recorded from a citizen's free text (or any item) gets its kind from staff
  if (can('POST /api/feedback/:id/kind') && f.status !== 'closed') {
    const kindSel = select('kind', Object.entries(LABELS.kind), f.kind, { id: 'fb-kind' });
    ops.unshift(h('div', { class: 'row' }, h('span', null, '类型 Kind'), kindSel, h('button', { id: 'set-kind', onclick: async (e) => {
      if (kindSel.value === f.kind) return;
      if (await act(e.target, () => api('POST', `/feedback/${f.id}/kind`, { kind: kindSel.value }), '已分类 Classified')) reload();
    } }, f.kind === 'request' ? '分类 Classify' : '改类型 Change kind')));
  }
  if (ops.length) blocks.push(h('div', { class: 'card' }, h('h2', null, bi('处理', 'Handling')), ops));

  // answer
  if (can('POST /api/feedback/:id/answer') && f.status !== 'closed') {
    const ta = h('textarea', { id: 'fb-answer', maxlength: 2000, placeholder: '答复内容将以短信发送给市民（同一渠道进出）… The answer goes to the citizen by SMS' }, '');
    // The exact SMS (numbered messages when long, segment count) before sending.
    const preview = smsPreview((text) => api('POST', `/feedback/${f.id}/answer-preview`, { answer: text }));
    ta.addEventListener('input', () => preview.update(ta.value));
    blocks.push(h('div', { class: 'card' }, h('h2', null, bi('答复', 'Answer')),
      f.answer !== null ? [h('p', { class: 'muted' }, `已答复：${f.answeredBy ?? ''} · ${fmtTime(f.answeredAt)}`), h('div', { class: 'citizen-text' }, f.answer), h('h3', null, '再次答复 Answer again')] : null,
      ta, preview.el, h('div', { class: 'row' }, h('button', { class: 'primary', id: 'send-answer', onclick: async (e) => {
        if (!ta.value.trim()) return toast('答复内容为空 Empty answer', true);
        if (await act(e.target, () => api('POST', `/feedback/${f.id}/answer`, { answer: ta.value }), '已答复，短信发送中 Answered')) reload();
      } }, '发送答复 Send answer'))));
  } else if (f.answer !== null) {
    blocks.push(h('div', { class: 'card' }, h('h2', null, bi('答复', 'Answer')), h('p', { class: 'muted' }, `${f.answeredBy ?? ''} · ${fmtTime(f.answeredAt)}`), h('div', { class: 'citizen-text' }, f.answer)));
  }

  // 公开栏 (the public web window): an answered item a supervisor or admin marks publishable (masked there; audited)
  if (can('POST /api/feedback/:id/publish') && f.answer !== null) {
    blocks.push(h('div', { class: 'card', id: 'fb-publish' }, h('h2', null, bi('公开栏', 'Public board')),
      h('p', { class: 'muted' }, f.publishable ? '已在网站公开栏展示（号码等已脱敏）Shown on the public board' : '未公开 Not public'),
      h('button', { id: 'publish-toggle', onclick: async (e) => {
        if (await act(e.target, () => api('POST', `/feedback/${f.id}/publish`, { publishable: !f.publishable }), f.publishable ? '已取消公开 Unpublished' : '已设为公开 Published')) reload();
      } }, f.publishable ? '取消公开 Unpublish' : '设为公开 Publish')));
  }

  const timeline = h('ol', { class: 'timeline', id: 'fb-timeline' }, f.timeline.map((t) => h('li', null,
    h('div', { class: 'when' }, fmtTime(t.at, true)),
    h('div', { class: 'what' }, LABELS.action[t.action] ?? t.action, h('span', { class: 'en' }, t.actor)),
    t.detail && t.action !== 'assigned' ? h('div', { class: 'opinion' }, t.action === 'created' ? `渠道：${LABELS.channel[t.detail] ?? t.detail}` : t.detail) : null)));
  return h('div', { class: 'grid2' }, h('div', null, blocks), h('div', { class: 'card' }, h('h2', null, bi('处理时间线', 'Timeline')), timeline));
}
