/** 我要投诉/咨询/建议 pages: the form, the reference-number page, the follow-up form and result. */
import { html, multiline, type Html } from '../html.js';
import { errorsFor, formGuard, localTime, page, WEB_BASE } from './layout.js';
import type { Challenge } from '../challenge.js';
import type { CategoryTree } from '../../workorders/categories.js';
import { FEEDBACK_KIND_ZH, type Feedback } from '../../domain/types.js';
import { STATUS_ZH } from '../../workorders/machine.js';
import type { TimelineEntry } from '../../workorders/model.js';
import { WEB_KINDS } from '../validate.js';

export interface FeedbackFormState { fields?: Record<string, string | undefined>; errors?: Record<string, string>; challenge?: Challenge | null; challengeError?: string | null; maxFiles: number; maxKb: number }

function categoryOptions(tree: CategoryTree, chosen: string | undefined): Html[] {
  return [...tree.categories.values()].sort((a, b) => a.path.localeCompare(b.path, 'zh')).map((c) => html`<option value="${c.code}"${chosen === c.code ? html` selected` : ''}>${c.path}</option>`);
}

export function feedbackForm(csrf: string, tree: CategoryTree, s: FeedbackFormState): string {
  const f = s.fields ?? {};
  const kind = f.kind ?? 'complaint';
  const inv = (k: string) => (s.errors?.[k] ? html` aria-invalid="true" aria-describedby="${k}-err"` : '');
  return page({ title: '我要投诉 咨询 建议', active: '/feedback', body: html`<h1>我要投诉 · 咨询 · 建议</h1>
<form class="card" method="post" action="${WEB_BASE}/feedback" enctype="multipart/form-data" novalidate>
${s.errors?.form ? html`<p class="err" role="alert">${s.errors.form}</p>` : ''}
<fieldset style="border:0;padding:0;margin:0"><legend><strong>类型</strong></legend>
${WEB_KINDS.map((k) => html`<label class="check"><input type="radio" name="kind" value="${k}"${kind === k ? html` checked` : ''}>${FEEDBACK_KIND_ZH[k]}</label>`)}</fieldset>
${errorsFor(s.errors, 'kind')}
<label for="category">分类（可不选）</label><select id="category" name="category"${inv('category')}><option value="">请选择</option>${categoryOptions(tree, f.category)}</select>
${errorsFor(s.errors, 'category')}
<label for="text">内容</label><textarea id="text" name="text" maxlength="2000"${inv('text')} required>${f.text ?? ''}</textarea>
${errorsFor(s.errors, 'text')}
<label for="address">事发地址（可不填）</label><input id="address" name="address" maxlength="200" value="${f.address ?? ''}"${inv('address')}>
${errorsFor(s.errors, 'address')}
<label for="phone">联系电话</label><input id="phone" name="phone" type="tel" inputmode="tel" maxlength="20" autocomplete="tel" value="${f.phone ?? ''}"${inv('phone')} required>
${errorsFor(s.errors, 'phone')}
<p class="hint">凭受理编号和此电话可在“进度跟进”查看办理情况与答复。</p>
<label class="check"><input type="checkbox" name="notify" value="1"${f.notify === undefined || f.notify === '1' ? html` checked` : ''}>答复后发短信告诉我（固定电话为语音回拨）</label>
${s.maxFiles > 0 ? html`<label for="files">附件（可不传；最多${s.maxFiles}个，每个不超过${s.maxKb}KB，JPG、PNG或PDF）</label><input id="files" name="files" type="file" accept="image/jpeg,image/png,application/pdf" multiple>` : ''}
${errorsFor(s.errors, 'files')}
${formGuard(csrf, s.challenge, s.challengeError)}
<button type="submit">提交</button></form>` });
}

export function feedbackDone(f: Feedback): string {
  return page({ title: '已受理', active: '/feedback', body: html`<h1>已受理</h1><div class="card">
<p class="ok">您的${FEEDBACK_KIND_ZH[f.kind]}已登记。</p><p>受理编号</p><p class="big" id="ref">${f.ref}</p>
<p class="hint">请记下受理编号。凭编号和联系电话可随时在“进度跟进”查看办理过程和答复。</p>
<p><a class="btn" href="${WEB_BASE}/track">进度跟进</a></p></div>` });
}

export interface TrackFormState { ref?: string; errors?: Record<string, string>; notice?: Html | null; challenge?: Challenge | null; challengeError?: string | null }

export function trackForm(csrf: string, s: TrackFormState = {}): string {
  return page({ title: '进度跟进', active: '/track', body: html`<h1>进度跟进</h1>${s.notice ?? ''}
<form class="card" method="post" action="${WEB_BASE}/track" novalidate>
<label for="ref">受理编号</label><input id="ref" name="ref" inputmode="numeric" maxlength="20" autocomplete="off" value="${s.ref ?? ''}" required>
${errorsFor(s.errors, 'ref')}
<label for="phone">联系电话</label><input id="phone" name="phone" type="tel" inputmode="tel" maxlength="20" required>
${errorsFor(s.errors, 'phone')}
${formGuard(csrf, s.challenge, s.challengeError)}
<button type="submit">查看</button></form>` });
}

/** What a citizen sees of the cycle: the step names, the department, the time (not staff's internal notes). */
const PUBLIC_STEPS = new Set(['created', 'dispatch', 'redispatch', 'direct', 'assigned', 'sign', 'interim', 'answer', 'answered', 'parent_answered', 'survey', 'satisfaction', 'redo', 'reopened', 'approve_extension', 'merge', 'close', 'closed']);
const OWN_LABELS: Record<string, string> = { created: '网上提交', assigned: '分派', answered: '答复', closed: '办结', reopened: '重新办理', satisfaction: '评价' };

export function trackResult(f: Feedback, timeline: TimelineEntry[], tz: string): string {
  const steps = timeline.filter((e) => PUBLIC_STEPS.has(e.action));
  return page({ title: '办理情况', active: '/track', body: html`<h1>办理情况</h1><div class="card"><dl>
<dt>受理编号</dt><dd>${f.ref}</dd><dt>类型</dt><dd>${FEEDBACK_KIND_ZH[f.kind]}</dd>
<dt>状态</dt><dd><strong>${STATUS_ZH[f.status] ?? f.status}</strong></dd>
${f.departmentName ? html`<dt>承办单位</dt><dd>${f.departmentName}</dd>` : ''}
<dt>提交时间</dt><dd>${localTime(f.createdAt, tz)}</dd>
<dt>内容</dt><dd>${multiline(f.text ?? f.transcript ?? '')}</dd></dl></div>
${f.answer ? html`<h2>答复</h2><div class="card" id="answer"><p>${multiline(f.answer)}</p><p class="hint">${localTime(f.answeredAt, tz)}</p></div>` : html`<p class="hint">尚未答复，办结后将在此显示答复。</p>`}
<h2>办理过程</h2><ol class="tl card">${steps.map((e) => html`<li><strong>${e.label && e.label !== e.action ? e.label : OWN_LABELS[e.action] ?? e.action}</strong>${e.departmentName ? html` · ${e.departmentName}` : ''}<br><span class="hint">${localTime(e.at, tz)}</span></li>`)}</ol>` });
}
