/** HTML → text for work orders (src/mail/html-text.ts): scripts and styles gone, entities decoded, emoji kept, long text bounded. */
import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText, tidyText } from '../../src/mail/html-text.js';

const table: Array<[string, string, string]> = [
  ['plain paragraph', '<p>路灯坏了</p>', '路灯坏了'],
  ['script removed with its content', '<p>你好</p><script>alert("x")</script><p>路灯</p>', '你好\n\n路灯'],
  ['unclosed script removes the rest', '<p>a</p><script>steal()', 'a'],
  ['style and head removed', '<html><head><title>t</title><style>p{color:red}</style></head><body>正文</body></html>', '正文'],
  ['comments removed', 'a<!-- <b>hidden</b> -->b', 'ab'],
  ['line breaks and blocks', '第一行<br>第二行<div>第三行</div>', '第一行\n第二行\n第三行'],
  ['list items', '<ul><li>一</li><li>二</li></ul>', '• 一\n• 二'],
  ['table cells', '<table><tr><td>地址</td><td>幸福路</td></tr></table>', '地址 幸福路'],
  ['named entities', '&lt;b&gt; &amp; &quot;引号&quot; &nbsp;空格&hellip;', '<b> & "引号" 空格…'],
  ['numeric entities', '&#20320;&#x597D; &#128512;', '你好 😀'],
  ['bad numeric entity', '&#0;&#xD800;', '\uFFFD\uFFFD'],
  ['unknown entity kept', '&bogus; &amp', '&bogus; &'],
  ['emoji as text kept', '<p>谢谢👍🏻</p>', '谢谢👍🏻'],
  ['attributes with > inside quotes do not leak', '<a href="x">链接</a> <img src="a.png" alt="图">', '链接'],
  ['on* handlers gone with the tag', '<div onclick="evil()">点我</div>', '点我'],
  ['blank runs collapsed', '<p>a</p>\n\n\n<p></p><p>b</p>', 'a\n\nb'],
];

describe('htmlToText', () => {
  it.each(table)('%s', (_l, html, text) => expect(htmlToText(html)).toBe(text));

  it('5,000 characters pass whole, fast; longer text is cut at maxChars with …', () => {
    const body = '噪'.repeat(5000);
    const t0 = performance.now();
    expect(htmlToText(`<p>${body}</p>`)).toBe(body);
    expect(performance.now() - t0).toBeLessThan(50);
    const cut = htmlToText(`<p>${'字'.repeat(6000)}</p>`, 5000);
    expect(Array.from(cut).length).toBe(5000);
    expect(cut.endsWith('…')).toBe(true);
    expect(Array.from(tidyText('😀'.repeat(10), 5)).length).toBe(5); // code points, not UTF-16 units
  });

  it('entities alone', () => expect(decodeEntities('&LT;&gt;&#65;')).toBe('<>A'));
});
