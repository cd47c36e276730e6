import { describe, expect, it } from 'vitest';
import { escapeHtml, html, jsonForScript, rawHtml, relativeFileUrl, safeUrl } from '../../src/util/escape-html.js';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(385043936817661)).toBe('385043936817661');
  });

  it('html`` escapes every interpolation unless it is already safe markup', () => {
    const evil = '<script>alert(1)</script>';
    expect(html`<p title="${'"onmouseover="x'}">${evil}</p>`.value).toBe('<p title="&quot;onmouseover=&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(html`${rawHtml('<b>')}${null}${undefined}${false}${0}`.value).toBe('<b>0');
  });
});

describe('jsonForScript', () => {
  it('cannot close its script element and parses back to the same value', () => {
    const value = { prompt: '</script><script>alert(1)</script><!--', line: 'a\u2028b' };
    const text = jsonForScript(value);
    expect(text).not.toContain('<');
    expect(text).not.toContain('\u2028');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('safeUrl', () => {
  it('keeps http(s) and relative URLs', () => {
    expect(safeUrl('https://media.pixverseai.cn/a.mp4')).toBe('https://media.pixverseai.cn/a.mp4');
    expect(safeUrl('HTTP://x/y')).toBe('HTTP://x/y');
    expect(safeUrl('videos/a.mp4')).toBe('videos/a.mp4');
  });

  it('refuses script, data and protocol-relative URLs, however disguised', () => {
    for (const url of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\tscript:alert(1)', '\u0001javascript:x', 'data:text/html,x', 'vbscript:x', '//evil.example/x', '\\\\evil\\x', '']) {
      expect(safeUrl(url), url).toBeNull();
    }
  });
});

describe('relativeFileUrl', () => {
  it('percent-encodes each segment so names with #, ? or spaces still point at the file', () => {
    expect(relativeFileUrl('a b/c#1?.mp4')).toBe('a%20b/c%231%3F.mp4');
    expect(relativeFileUrl('javascript:alert(1).mp4')).toBe('javascript%3Aalert(1).mp4');
  });

  it('refuses paths that leave the folder', () => {
    for (const path of ['/etc/passwd', '../x.mp4', 'a/../../x.mp4', 'C:\\x.mp4', 'c:x.mp4', '\\\\host\\x', '']) {
      expect(relativeFileUrl(path), path).toBeNull();
    }
  });
});
