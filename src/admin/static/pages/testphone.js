// 测试电话 Test phone (demo mode): a dial pad that places a simulated call into the real IVR flow
// (prompts as captions and audio; keys as DTMF; a record button), and an SMS composer texting 96365.
import { act, api, bi, clear, fmtTime, h, onLive, toast } from '../lib.js';

const phoneState = { number: '13900001234' };
// The server keeps numbers as 86… (canonical); the dial pad shows what the user typed.
const national = (n) => String(n).replace(/[\s-]/g, '').replace(/^(\+|00)?86(?=1\d{10}$)/, '');
const sameNumber = (a, b) => national(a) === national(b);
/** Who ended the call (the simulator's reason) in words. */
const ENDED_BY = { caller: '本机挂断', app: '热线挂断', dialplan: '热线挂断', shutdown: '服务停止', 'no-answer': '无人接听', busy: '占线', congestion: '线路忙', failed: '呼叫失败' };

export function render(root) {
  let callId = null;
  const num = h('input', { id: 'tp-number', value: phoneState.number, inputmode: 'tel', 'aria-label': '本机号码 This phone' });
  num.addEventListener('change', () => { phoneState.number = num.value.trim(); loadSms(); });
  const status = h('div', { class: 'muted', id: 'tp-status', style: 'color:#9fb0cf;text-align:center;margin-top:8px' }, '空闲 Idle');
  const captions = h('ul', { class: 'captions', id: 'tp-captions' });
  const audio = h('audio', { id: 'tp-audio' });
  const dialBtn = h('button', { class: 'dial', id: 'tp-dial' }, '拨打 Call');
  const hangBtn = h('button', { class: 'hang', id: 'tp-hangup', disabled: true }, '挂断');
  const recBtn = h('button', { id: 'tp-record', disabled: true }, '● 说 5 秒话 Speak 5 s');
  // A caption line still taking pieces: one ending in "：" takes the value read after it, and spoken
  // digits, numbers and date words (one prompt each: 二 零 二 六 年 …) join the line they belong to.
  let open = null;
  const isPiece = (text) => Array.from(text).length <= 2;
  const endsWithColon = (text) => /[：:]$/.test(text);
  const cap = (text, sys = false) => {
    // A key pressed while a line is still taking pieces (the # after a complete code) goes above that
    // line, so "办理事项：" still joins the value read after it.
    if (sys && open && text.startsWith('按键')) { captions.insertBefore(h('li', { class: 'sys' }, text), open); return; }
    if (!sys && open && (isPiece(text) || endsWithColon(open.textContent))) open.textContent += text;
    else { open = h('li', { class: sys ? 'sys' : '' }, text); captions.append(open); }
    if (sys || !(isPiece(text) || endsWithColon(text))) open = null;
    captions.scrollTop = captions.scrollHeight;
  };
  const setCall = (id) => {
    callId = id;
    hangBtn.disabled = !id; recBtn.disabled = !id; dialBtn.disabled = !!id;
    status.textContent = id ? `通话中 In call · ${id}` : '空闲 Idle';
  };

  dialBtn.addEventListener('click', async () => {
    phoneState.number = num.value.trim();
    clear(captions);
    const r = await act(dialBtn, () => api('POST', '/testphone/call', { from: phoneState.number }));
    if (r) { setCall(r.callId); cap(`${fmtTime(new Date().toISOString(), true)} 已接通 96365`, true); }
  });
  hangBtn.addEventListener('click', async () => { if (callId) await act(hangBtn, () => api('POST', `/testphone/call/${encodeURIComponent(callId)}/hangup`)); });
  // The caller talks for 5 s once the recording tone sounds (pressed during the instructions, it waits for the tone).
  recBtn.addEventListener('click', async () => {
    if (!callId) return;
    cap('🎙 说话 5 秒（提示音后开始）Speaking after the tone', true);
    await act(recBtn, () => api('POST', `/testphone/call/${encodeURIComponent(callId)}/record`, { seconds: 5 }));
  });
  // Keys go out one request after another, in the order pressed: parallel requests could overtake
  // each other on the way and turn a quickly typed query code into a different one.
  let keys = Promise.resolve();
  const press = (d) => {
    if (!callId) { num.value += d; return; }
    const id = callId;
    cap(`按键 ${d}`, true);
    keys = keys.then(() => api('POST', `/testphone/call/${encodeURIComponent(id)}/press`, { digits: d })).catch((e) => toast(e.message, true));
  };
  const pad = h('div', { class: 'pad' }, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map((d) => h('button', { 'data-key': d, onclick: () => press(d) }, d)));

  // SMS composer
  const smsText = h('input', { id: 'tp-sms-text', placeholder: '如：查询 963650000011 / 投诉 …', size: 30 });
  const thread = h('div', { id: 'tp-sms-thread' });
  const sent = [];
  async function loadSms() {
    try {
      const r = await api('GET', `/testphone/sms?phone=${encodeURIComponent(phoneState.number)}`);
      const all = [...sent.filter((m) => m.from === phoneState.number).map((m) => ({ ...m, out: true })), ...r.items.map((m) => ({ ...m, out: false }))]
        .sort((a, b) => String(a.at).localeCompare(String(b.at)) || Number(b.out) - Number(a.out));
      clear(thread);
      if (!all.length) thread.append(h('p', { class: 'muted' }, '暂无短信 No messages'));
      for (const m of all) thread.append(h('div', { class: `bubble ${m.out ? 'out' : 'in'}` }, m.text, h('div', { class: 'muted' }, fmtTime(m.at, true))));
    } catch (e) { toast(e.message, true); }
  }
  const smsForm = h('form', { class: 'row', onsubmit: async (e) => {
    e.preventDefault();
    const text = smsText.value.trim();
    if (!text) return;
    if (await act(e.submitter, () => api('POST', '/testphone/sms', { from: phoneState.number, text }))) {
      sent.push({ from: phoneState.number, text, at: new Date().toISOString() });
      smsText.value = '';
      loadSms();
    }
  } }, smsText, h('button', { class: 'primary', type: 'submit' }, '发送至 96365'));

  // 测试邮箱 Test mailbox (when the 市民信箱 runs): write to 96365's mailbox, read the replies.
  const mailFrom = h('input', { id: 'tp-mail-from', value: phoneState.mail ?? 'citizen@example.cn', size: 24, 'aria-label': '发件地址 From' });
  const mailSubject = h('input', { id: 'tp-mail-subject', placeholder: '主题，如：投诉：夜间施工噪音', size: 30 });
  const mailText = h('textarea', { id: 'tp-mail-text', rows: 3, cols: 40, placeholder: '正文' });
  const mailList = h('div', { id: 'tp-mail-list' });
  const mailCard = h('div', { class: 'card', id: 'tp-mailbox', hidden: true });
  let lastReply = null;
  // After sending, the list refreshes a few times (the auto-reply comes within seconds).
  let pollTimer = null;
  const pollMail = (n = 6) => { clearTimeout(pollTimer); loadMail(); if (n > 1) pollTimer = setTimeout(() => pollMail(n - 1), 1500); };
  async function loadMail() {
    try {
      const r = await api('GET', `/testphone/mail?address=${encodeURIComponent(mailFrom.value.trim())}`);
      mailCard.hidden = false;
      mailCard.querySelector('.tp-mail-to').textContent = `收件：${r.address}`;
      clear(mailList);
      if (!r.items.length) mailList.append(h('p', { class: 'muted' }, '暂无来信 No mail'));
      for (const m of r.items) mailList.append(h('div', { class: 'bubble mail' }, h('strong', null, m.subject), h('div', { style: 'white-space:pre-wrap' }, m.text), h('div', { class: 'muted' }, fmtTime(m.at, true))));
      lastReply = r.items.length ? r.items[r.items.length - 1].messageId : null;
    } catch { mailCard.hidden = true; }
  }
  const sendMail = async (e, reply) => {
    const text = mailText.value.trim();
    if (!text) return;
    phoneState.mail = mailFrom.value.trim();
    const body = { from: phoneState.mail, subject: mailSubject.value.trim() || '（无主题）', text };
    if (reply && lastReply) body.inReplyTo = lastReply;
    if (await act(e.target, () => api('POST', '/testphone/mail', body))) { mailText.value = ''; toast('已发送 Sent'); pollMail(); }
  };
  mailFrom.addEventListener('change', loadMail);
  mailCard.append(h('h2', null, bi('测试邮箱', 'Test mailbox')), h('div', { class: 'muted tp-mail-to' }), h('div', { class: 'row' }, mailFrom, mailSubject), mailText,
    h('div', { class: 'row' }, h('button', { class: 'primary', id: 'tp-mail-send', onclick: (e) => sendMail(e, false) }, '写信给 96365'),
      h('button', { id: 'tp-mail-reply', onclick: (e) => sendMail(e, true) }, '回复最后一封 Reply'), h('button', { onclick: loadMail }, '收信 Refresh')), mailList);

  const off = onLive((m) => {
    if (m.type === 'testphone' && m.callId === callId) {
      const e = m.event;
      if (e.type === 'prompt') {
        cap(e.text);
        if (e.audioUrl) { audio.src = e.audioUrl; audio.play().catch(() => {}); }
      } else if (e.type === 'node') status.textContent = `通话中 · 节点 ${e.node}`;
      else if (e.type === 'state') cap(`状态：${e.state}`, true);
      else if (e.type === 'recording') cap(e.state === 'started' ? '● 开始录音 Recording…' : '■ 录音结束', true);
      else if (e.type === 'ended') { cap(`通话结束${e.reason ? '：' + (ENDED_BY[e.reason] ?? e.reason) : ''} Call ended`, true); setCall(null); }
    } else if (m.type === 'testphone-sms' && sameNumber(m.sms.to, phoneState.number)) loadSms();
  });

  // 坐席话机 Operator phone: the signed-in operator's seat (PJSIP/8001 for the demo login zuoxi) rings
  // here when the queue puts a caller through; 接听 answers it (the seat bar pops the caller up).
  const opBox = h('div', { id: 'tp-operator' }, h('p', { class: 'muted' }, '加载中…'));
  let opTimer = null;
  let opShown = '';
  const loadOperator = async () => {
    let r;
    try { r = await api('GET', '/testphone/operator'); } catch (e) {
      clear(opBox).append(h('p', { class: 'muted' }, `${e.message}（以坐席账号 zuoxi 登录并签入后，排队来电会在这里振铃）`));
      return false;
    }
    const key = JSON.stringify(r);
    if (key === opShown) return true;
    opShown = key;
    clear(opBox).append(h('p', { class: 'muted' }, `分机 ${r.endpoint} · 在顶部坐席栏“签入”后，按 0 转人工的来电会在这里振铃`));
    if (!r.calls.length) opBox.append(h('p', { id: 'tp-operator-idle' }, '空闲 Idle'));
    for (const c of r.calls) {
      const legUrl = `/testphone/operator/${encodeURIComponent(c.id)}`;
      opBox.append(h('div', { class: 'card', 'data-leg': c.id, style: 'margin:8px 0' },
        h('div', { class: 'row', style: 'justify-content:space-between' },
          h('strong', null, c.state === 'ringing' ? '振铃中 Ringing' : '通话中 Talking'),
          h('div', { class: 'row' },
            c.state === 'ringing' ? h('button', { class: 'dial', id: 'tp-operator-answer', onclick: (e) => act(e.target, () => api('POST', `${legUrl}/answer`)).then(loadOperator) }, '接听 Answer') : null,
            h('button', { class: 'hang', id: 'tp-operator-hangup', onclick: (e) => act(e.target, () => api('POST', `${legUrl}/hangup`)).then(loadOperator) }, '挂断'))),
        c.heard.length ? h('ul', { class: 'captions' }, c.heard.map((t) => h('li', null, t))) : null));
    }
    return true;
  };
  loadOperator().then((ok) => { if (ok) opTimer = setInterval(loadOperator, 1000); });

  root.append(h('h1', null, bi('测试电话', 'Test phone'), h('span', { class: 'en' }, '演示模式：模拟来电与短信进入真实的语音流程和短信指令')),
    h('div', { class: 'grid2' },
      h('div', { class: 'card row', style: 'align-items:flex-start;gap:20px' },
        h('div', { class: 'phone' }, h('div', { class: 'stat-label', style: 'color:#9fb0cf' }, '本机号码 This phone'), num, pad, h('div', { class: 'calls' }, dialBtn, hangBtn), status),
        // The speak button sits above the captions, so it stays put while captions arrive.
        h('div', { style: 'flex:1;min-width:220px' }, h('div', { class: 'row', style: 'justify-content:space-between;margin:0 0 12px' }, h('h2', { style: 'margin:0' }, bi('语音提示', 'Prompts')), recBtn), captions, audio)),
      h('div', { class: 'card' }, h('h2', null, bi('短信', 'SMS')), thread, smsForm),
      h('div', { class: 'card' }, h('h2', null, bi('坐席话机', 'Operator phone')), opBox)), mailCard);
  loadSms();
  loadMail();
  return () => { off(); audio.pause(); if (opTimer) clearInterval(opTimer); clearTimeout(pollTimer); };
}
