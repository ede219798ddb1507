/** The window's first page: what a citizen can do here, in large tiles (the page every phone loads first: kept small). */
import { html } from '../html.js';
import { page, WEB_BASE } from './layout.js';

export function homePage(): string {
  return page({ title: '首页', active: '', body: html`<h1>网上办事窗口</h1>
<div class="tiles">
<a href="${WEB_BASE}/query">办件查询<span>查询码或受理编号查进度</span></a>
<a href="${WEB_BASE}/feedback">我要投诉<span>投诉、咨询、建议</span></a>
<a href="${WEB_BASE}/track">进度跟进<span>查看办理情况和答复</span></a>
<a href="${WEB_BASE}/subscribe">短信订阅<span>办件进展短信通知</span></a>
<a href="${WEB_BASE}/guide">办事指南<span>依据、程序、收费、时限</span></a>
<a href="${WEB_BASE}/board">公开栏<span>办理结果、挂牌上岗</span></a>
</div>
<div class="card" style="margin-top:1rem"><p>电话、短信、网站，同一号码 <strong>96365</strong>：从哪个窗口提交，就从哪个窗口答复。</p></div>` });
}
