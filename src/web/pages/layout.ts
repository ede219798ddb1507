/**
 * The public pages' shell: one small inline style sheet (phone first, no web fonts, no scripts), the
 * header with the hotline name and the navigation, the footer. Pages are complete without JavaScript.
 */
import { html, raw, type Html } from '../html.js';
import type { Challenge } from '../challenge.js';
import { localParts } from '../../domain/time.js';

export const WEB_BASE = '/web';

const STYLE = raw(`*{box-sizing:border-box}body{margin:0;font:16px/1.6 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1d2733;background:#f4f6f8}
header{background:#b3261e;color:#fff;padding:.6rem 1rem}header a{color:#fff;text-decoration:none}header .t{font-size:1.15rem;font-weight:700}header .s{font-size:.85rem;opacity:.9}
nav{display:flex;flex-wrap:wrap;gap:.25rem;padding:.4rem .6rem;background:#fff;border-bottom:1px solid #dde2e7}nav a{padding:.35rem .55rem;border-radius:.4rem;color:#1d4f91;text-decoration:none;font-size:.95rem}nav a[aria-current]{background:#1d4f91;color:#fff}
main{max-width:40rem;margin:0 auto;padding:1rem}h1{font-size:1.3rem;margin:.2rem 0 .8rem}h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.card{background:#fff;border:1px solid #dde2e7;border-radius:.6rem;padding:1rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.7rem 0 .25rem}input,select,textarea{width:100%;font:inherit;padding:.6rem;border:1px solid #9aa5b1;border-radius:.45rem;background:#fff}
textarea{min-height:8rem}input[type=checkbox],input[type=radio]{width:auto;margin-right:.4rem}.check{font-weight:400;display:flex;align-items:center}
button,.btn{display:inline-block;font:inherit;font-weight:600;background:#1d4f91;color:#fff;border:0;border-radius:.45rem;padding:.7rem 1.2rem;margin-top:1rem;text-decoration:none;min-height:44px}
.hint{color:#52606d;font-size:.9rem}.err{color:#b3261e;font-weight:600}.ok{color:#1b7a3a;font-weight:600}.warn{color:#a15c00;font-weight:600}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
dl{margin:0}dt{color:#52606d;font-size:.9rem}dd{margin:0 0 .5rem}ol.tl{list-style:none;padding:.9rem .5rem .1rem 0;margin:0;border-left:3px solid #1d4f91}ol.tl li{padding:0 0 .8rem .8rem}
.tiles{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}.tiles a{display:block;background:#fff;border:1px solid #dde2e7;border-radius:.6rem;padding:1rem;color:#1d4f91;text-decoration:none;font-weight:700;min-height:5rem}
.tiles a span{display:block;font-weight:400;color:#52606d;font-size:.85rem}table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #dde2e7;padding:.35rem;text-align:left}th{white-space:nowrap}.btn+a{margin-left:.8rem}
footer{text-align:center;color:#52606d;font-size:.85rem;padding:1rem}.big{font-size:1.6rem;font-weight:700;letter-spacing:.1em}`);

export const NAV: ReadonlyArray<[string, string]> = [
  ['', '首页'], ['/query', '办件查询'], ['/feedback', '投诉咨询建议'], ['/track', '进度跟进'], ['/subscribe', '订阅'], ['/guide', '办事指南'], ['/board', '公开栏'],
];

export function page(o: { title: string; active?: string; body: Html }): string {
  return '<!doctype html>' + html`<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} - 96365 网站服务</title><style>${STYLE}</style></head><body>
<header><a href="${WEB_BASE}/"><div class="t">96365 便民服务热线</div><div class="s">网站服务 · 一号对外 · 全程公开</div></a></header>
<nav aria-label="栏目">${NAV.map(([p, name]) => html`<a href="${WEB_BASE}${p || '/'}"${o.active === p ? raw(' aria-current="page"') : ''}>${name}</a>`)}</nav>
<main>${o.body}</main><footer>电话 96365 · 短信 96365 · 本站不使用第三方脚本</footer></body></html>`.value;
}

/** What every POST form carries: the CSRF token, the honeypot field (hidden from people), the challenge when asked. */
export function formGuard(csrf: string, challenge?: Challenge | null, challengeError?: string | null): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">
<div class="hp" aria-hidden="true"><label for="website">请勿填写此项</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
${challenge ? challengeBlock(challenge, challengeError) : ''}`;
}

export function challengeBlock(c: Challenge, error?: string | null): Html {
  return html`<div class="card" role="group" aria-labelledby="chq"><p id="chq" class="warn">操作过于频繁，请先回答：${c.question}</p>
${error ? html`<p class="err" role="alert">${error}</p>` : ''}
<label for="challenge_answer">答案</label><input id="challenge_answer" name="challenge_answer" inputmode="numeric" autocomplete="off" required>
<input type="hidden" name="challenge_token" value="${c.token}"></div>`;
}

export function errorsFor(errors: Record<string, string> | undefined, field: string): Html {
  const e = errors?.[field];
  return e ? html`<p class="err" id="${field}-err" role="alert">${e}</p>` : html``;
}

export function message(title: string, body: Html, active = ''): string { return page({ title, active, body: html`<h1>${title}</h1><div class="card">${body}</div>` }); }

const two = (n: number) => (n < 10 ? '0' : '') + n;

/** 2026-12-03T06:30:00Z → 2026-12-03 14:30 (local). */
export function localTime(iso: string | null | undefined, tz: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const p = localParts(new Date(ms), tz); // per-quarter-hour offset cache (src/domain/time.ts): no Intl call per date
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
