/** 订阅 / 退订 pages: the request form, the code form (after the SMS), the result. */
import { html, type Html } from '../html.js';
import { errorsFor, formGuard, page, WEB_BASE } from './layout.js';
import type { Challenge } from '../challenge.js';

export interface SubscribeState { code?: string; phone?: string; action?: string; errors?: Record<string, string>; challenge?: Challenge | null; challengeError?: string | null; notice?: Html | null }

export function subscribeForm(csrf: string, s: SubscribeState = {}): string {
  const action = s.action === 'unsubscribe' ? 'unsubscribe' : 'subscribe';
  return page({ title: '订阅办件进度', active: '/subscribe', body: html`<h1>订阅办件进度</h1>${s.notice ?? ''}
<form class="card" method="post" action="${WEB_BASE}/subscribe" novalidate>
<p class="hint">办件每有进展，系统将短信通知该手机。为防止他人代订，验证码将发送到该手机。</p>
<label for="code">查询码</label><input id="code" name="code" inputmode="numeric" maxlength="20" autocomplete="off" value="${s.code ?? ''}" required>
${errorsFor(s.errors, 'code')}
<label for="phone">手机号</label><input id="phone" name="phone" type="tel" inputmode="tel" maxlength="20" autocomplete="tel" value="${s.phone ?? ''}" required>
${errorsFor(s.errors, 'phone')}
<label class="check"><input type="radio" name="action" value="subscribe"${action === 'subscribe' ? html` checked` : ''}>订阅</label>
<label class="check"><input type="radio" name="action" value="unsubscribe"${action === 'unsubscribe' ? html` checked` : ''}>退订</label>
${formGuard(csrf, s.challenge, s.challengeError)}
<button type="submit">获取短信验证码</button></form>` });
}

export function codeForm(csrf: string, s: { code: string; phone: string; maskedPhone: string; action: string; minutes: number; error?: string | null; challenge?: Challenge | null; challengeError?: string | null }): string {
  return page({ title: '输入验证码', active: '/subscribe', body: html`<h1>输入短信验证码</h1>
<form class="card" method="post" action="${WEB_BASE}/subscribe/confirm" novalidate>
<p>如查询码有效，验证码已发送至 <strong>${s.maskedPhone}</strong>，${s.minutes}分钟内有效。</p>
${s.error ? html`<p class="err" role="alert" id="otp-err">${s.error}</p>` : ''}
<input type="hidden" name="code" value="${s.code}"><input type="hidden" name="phone" value="${s.phone}"><input type="hidden" name="action" value="${s.action}">
<label for="otp">验证码（6位数字）</label><input id="otp" name="otp" inputmode="numeric" maxlength="6" autocomplete="one-time-code" required${s.error ? html` aria-invalid="true" aria-describedby="otp-err"` : ''}>
${formGuard(csrf, s.challenge, s.challengeError)}
<button type="submit">确认${s.action === 'unsubscribe' ? '退订' : '订阅'}</button></form>
<p><a href="${WEB_BASE}/subscribe?code=${s.code}">重新获取验证码</a></p>` });
}
