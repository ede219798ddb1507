/** 办事指南 (事前公开) and 公开栏 (answered complaints, 挂牌上岗, monthly figures) pages. */
import { html, multiline } from '../html.js';
import { localTime, page, WEB_BASE } from './layout.js';
import type { Department } from '../../domain/types.js';
import { FEEDBACK_KIND_ZH, type FeedbackKind } from '../../domain/types.js';
import type { GuideItem, OnDutyHandler, PublishedAnswer } from '../../store/repos/web.js';
import type { AssessmentRow } from '../../workorders/assessment.js';

/** Runs of 7+ digits in citizen text (phones, ID numbers, accounts) keep only their first 3 and last 2 digits. */
export function maskDigits(s: string): string {
  return s.replace(/\d{7,}/g, (d) => d.slice(0, 3) + '*'.repeat(d.length - 5) + d.slice(-2));
}

export function guideIndex(departments: Department[], items: GuideItem[]): string {
  const by = new Map<number, GuideItem[]>();
  for (const i of items) by.set(i.departmentId, [...(by.get(i.departmentId) ?? []), i]);
  return page({ title: '办事指南', active: '/guide', body: html`<h1>办事指南</h1><p class="hint">各部门办理事项的办事依据、办事程序、收费标准、承诺时限和投诉渠道。</p>
${departments.map((d) => html`<div class="card"><h2><a href="${WEB_BASE}/guide/${d.code}">${d.name}</a></h2>
${(by.get(d.id) ?? []).length ? html`<ul>${(by.get(d.id) ?? []).map((i) => html`<li><a href="${WEB_BASE}/guide/${d.code}#${i.itemCode}">${i.name}</a></li>`)}</ul>` : html`<p class="hint">暂无公开事项</p>`}</div>`)}` });
}

export function guideDepartment(d: Department, items: GuideItem[]): string {
  return page({ title: `${d.name} 办事指南`, active: '/guide', body: html`<h1>${d.name} · 办事指南</h1>
${items.length ? items.map((i) => html`<div class="card" id="${i.itemCode}"><h2>${i.name}</h2><dl>
<dt>办事依据</dt><dd>${multiline(i.basis || '—')}</dd><dt>办事程序</dt><dd>${multiline(i.procedure || '—')}</dd>
<dt>收费标准</dt><dd>${multiline(i.fees || '不收费')}</dd><dt>承诺时限</dt><dd>${i.timeLimit || '—'}</dd>
<dt>投诉渠道</dt><dd>${multiline(i.complaintChannel || '拨打 96365 或在本网站“投诉咨询建议”提交')}</dd></dl></div>`) : html`<p class="hint">暂无公开事项</p>`}
<p><a href="${WEB_BASE}/guide">全部部门</a></p>` });
}

const pct = (n: number | null) => (n === null ? '—' : `${n}%`);

export function board(o: { answers: PublishedAnswer[]; onDuty: OnDutyHandler[]; figures: AssessmentRow[]; month: string; tz: string; page: number; pages: number }): string {
  const units = new Map<string, OnDutyHandler[]>();
  for (const h of o.onDuty) { const k = h.departmentName ?? '96365 热线受理中心'; units.set(k, [...(units.get(k) ?? []), h]); }
  return page({ title: '公开栏', active: '/board', body: html`<h1>公开栏</h1>
<h2>投诉办理结果公开</h2>
${o.answers.length ? o.answers.map((a) => html`<div class="card"><p class="hint">${FEEDBACK_KIND_ZH[a.kind as FeedbackKind] ?? a.kind} · 编号 ${a.ref}${a.departmentName ? html` · ${a.departmentName}` : ''} · ${localTime(a.answeredAt, o.tz)}</p>
<p>${multiline(maskDigits(a.text ?? ''))}</p><p><strong>答复：</strong>${multiline(maskDigits(a.answer))}</p></div>`) : html`<p class="hint">暂无公开内容</p>`}
${o.pages > 1 ? html`<p>${o.page > 1 ? html`<a href="${WEB_BASE}/board?page=${o.page - 1}">上一页</a> ` : ''}第${o.page}/${o.pages}页${o.page < o.pages ? html` <a href="${WEB_BASE}/board?page=${o.page + 1}">下一页</a>` : ''}</p>` : ''}
<h2>挂牌上岗</h2>
${units.size ? [...units].map(([unit, hs]) => html`<div class="card"><strong>${unit}</strong><table><thead><tr><th>职务</th><th>姓名</th></tr></thead><tbody>${hs.map((h) => html`<tr><td>${h.title}</td><td>${h.name}</td></tr>`)}</tbody></table></div>`) : html`<p class="hint">暂无</p>`}
<h2>${o.month} 各部门办理情况</h2>
${o.figures.length ? html`<div class="card" style="overflow-x:auto"><table><thead><tr><th>部门</th><th>受理</th><th>办结</th><th>按时率</th><th>满意率</th><th>得分</th></tr></thead><tbody>
${o.figures.map((r) => html`<tr><td>${r.name}</td><td>${r.received}</td><td>${r.finished}</td><td>${pct(r.finishOnTimePct)}</td><td>${pct(r.satisfiedPct)}</td><td>${r.score ?? '—'}</td></tr>`)}</tbody></table></div>` : html`<p class="hint">本月暂无数据</p>`}` });
}
