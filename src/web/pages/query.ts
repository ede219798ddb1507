/** 办件查询 pages: the form (query code, or department reference + last 4 digits), the result with the whole timeline. */
import { html, type Html } from '../html.js';
import { challengeBlock, errorsFor, formGuard, localTime, page, WEB_BASE } from './layout.js';
import type { Challenge } from '../challenge.js';
import type { Declaration, DeclarationEvent } from '../../domain/types.js';
import { isOverdue } from '../../domain/declarations.js';
import { maskName, maskPhone } from '../../domain/masking.js';
import { STATUS_LABEL_ZH } from '../../domain/types.js';

export interface QueryFormState { code?: string; ref?: string; errors?: Record<string, string>; notice?: Html | null; challenge?: Challenge | null; challengeError?: string | null; challengeFor?: 'code' | 'ref' }

export const NOT_FOUND_TEXT = '未找到';

export function queryForm(csrf: string, s: QueryFormState = {}): string {
  const codeChallenge = s.challengeFor === 'code' ? s.challenge : null;
  const refChallenge = s.challengeFor === 'ref' ? s.challenge : null;
  return page({ title: '办件查询', active: '/query', body: html`<h1>办件查询</h1>${s.notice ?? ''}
<form class="card" method="get" action="${WEB_BASE}/query/result" novalidate>
<h2>按查询码</h2><p class="hint">受理时告知您的12位数字查询码（短信、回执上均有）。</p>
<label for="code">查询码</label><input id="code" name="code" inputmode="numeric" maxlength="20" autocomplete="off" value="${s.code ?? ''}"${s.errors?.code ? html` aria-invalid="true" aria-describedby="code-err"` : ''} required>
${errorsFor(s.errors, 'code')}
${codeChallenge ? challengeBlock(codeChallenge, s.challengeError) : ''}
<button type="submit">查询</button></form>
<form class="card" method="post" action="${WEB_BASE}/query/ref" novalidate>
<h2>按部门受理编号</h2><p class="hint">没有查询码时，可用办理部门给您的受理编号加申请时所留手机号的后4位查询。</p>
<label for="ref">部门受理编号</label><input id="ref" name="ref" maxlength="64" autocomplete="off" value="${s.ref ?? ''}"${s.errors?.ref ? html` aria-invalid="true" aria-describedby="ref-err"` : ''} required>
${errorsFor(s.errors, 'ref')}
<label for="phone4">手机号后4位</label><input id="phone4" name="phone4" inputmode="numeric" maxlength="4" autocomplete="off"${s.errors?.phone4 ? html` aria-invalid="true" aria-describedby="phone4-err"` : ''} required>
${errorsFor(s.errors, 'phone4')}
${formGuard(csrf, refChallenge, s.challengeError)}
<button type="submit">查询</button></form>` });
}

function stepItem(e: DeclarationEvent, tz: string): Html {
  return html`<li><strong>${e.stepName}</strong> · ${STATUS_LABEL_ZH[e.status] ?? e.status}<br>
<span class="hint">${localTime(e.occurredAt, tz)}</span>
${e.handlerName || e.handlerTitle ? html`<br>经办人：${e.handlerName ?? ''}${e.handlerTitle ? html`（${e.handlerTitle}）` : ''}` : ''}
${e.opinion ? html`<br>意见：${e.opinion}` : ''}</li>`;
}

/** The public view of a declaration: what the SMS and voice channels tell (src/domain/declarations.ts publicView), with the whole timeline. */
export function queryResult(decl: Declaration, timeline: DeclarationEvent[], now: Date, tz: string): string {
  const view = {
    queryCode: decl.queryCode, itemName: decl.itemName, departmentName: decl.departmentName, statusLabel: STATUS_LABEL_ZH[decl.status],
    acceptedAt: decl.acceptedAt, dueAt: decl.dueAt, overdue: isOverdue(decl, now), applicantName: maskName(decl.applicantName), applicantPhone: maskPhone(decl.applicantPhone),
  };
  const steps = timeline.filter((e) => e.voidedAt === null);
  return page({ title: '办件进度', active: '/query', body: html`<h1>办件进度</h1>
<div class="card"><dl>
<dt>事项名称</dt><dd>${view.itemName}</dd>
<dt>办理部门</dt><dd>${view.departmentName}</dd>
<dt>查询码</dt><dd>${view.queryCode}${decl.deptRef ? html`（部门编号 ${decl.deptRef}）` : ''}</dd>
<dt>申请人</dt><dd>${view.applicantName || '—'} ${view.applicantPhone}</dd>
<dt>当前状态</dt><dd><strong>${view.statusLabel}</strong></dd>
<dt>受理时间</dt><dd>${localTime(view.acceptedAt, tz)}</dd>
<dt>承诺办结时间</dt><dd>${view.dueAt ? localTime(view.dueAt, tz) : '—'}${view.overdue ? html` <span class="err">已超期</span>` : ''}</dd>
</dl></div>
<h2>办理过程</h2><ol class="tl card">${steps.map((e) => stepItem(e, tz))}</ol>
<p><a class="btn" href="${WEB_BASE}/subscribe?code=${view.queryCode}">短信订阅进度</a> <a href="${WEB_BASE}/query">再查一个</a></p>` });
}
