/** Test helpers of the public web window: a context with the web plugins on fastify inject, and form posting with the CSRF cookie. */
import type { FastifyInstance } from 'fastify';
import { buildHttp } from '../../src/http/app.js';
import { webComponent, type WebComponent } from '../../src/web/index.js';
import { addDepartment } from '../../src/departments.js';
import { testContext } from '../helpers/context.js';
import type { AppContext } from '../../src/context.js';

export interface WebHarness { ctx: AppContext & { cleanup(): void }; app: FastifyInstance; web: WebComponent; sent: Array<{ phone: string; code: string }>; close(): Promise<void> }

export async function webHarness(env: Record<string, string> = {}): Promise<WebHarness> {
  const ctx = testContext(env);
  const sent: Array<{ phone: string; code: string }> = [];
  const web = webComponent(ctx, { sms: { sendCode: async (phone, code) => { sent.push({ phone, code }); } } });
  const app = await buildHttp(ctx, web.httpPlugins);
  await addDepartment(ctx.store, 'SCJG', '市市场监督管理局');
  return { ctx, app, web, sent, async close() { await app.close(); ctx.cleanup(); } };
}

/** A visitor: keeps the cookie, reads the CSRF token of the last form page. */
export class Visitor {
  cookie = '';
  csrf = '';
  constructor(private readonly app: FastifyInstance, readonly ip = '10.0.0.1') {}
  private take(res: { headers: Record<string, unknown>; body: string }) {
    const sc = res.headers['set-cookie'];
    const c = Array.isArray(sc) ? sc[0] : sc;
    if (typeof c === 'string') this.cookie = c.split(';')[0];
    const m = /name="csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
  }
  async get(url: string) {
    const res = await this.app.inject({ method: 'GET', url, headers: this.cookie ? { cookie: this.cookie } : {}, remoteAddress: this.ip });
    this.take(res);
    return res;
  }
  async post(url: string, fields: Record<string, string>, opts: { csrf?: string | null } = {}) {
    const body = new URLSearchParams({ ...(opts.csrf === null ? {} : { csrf: opts.csrf ?? this.csrf }), ...fields }).toString();
    const res = await this.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie ? { cookie: this.cookie } : {}) }, remoteAddress: this.ip });
    this.take(res);
    return res;
  }
}
