import { describe, expect, it } from 'vitest';
import { html } from '../../src/console/html.ts';
import { renderJson } from '../../src/console/render-json.ts';

describe('html', () => {
  it('escapes every interpolation that is not already Html, attribute quotes included', () => {
    const name = `"><img src=x onerror='alert(1)'>`;
    const out = html`<a title="${name}">${name}</a>${html`<b>${'&'}</b>`}${[1, '<2>']}${undefined}${false}`;
    expect(out.text).toBe(
      '<a title="&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;">&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;</a><b>&amp;</b>1&lt;2&gt;',
    );
  });
});

describe('renderJson', () => {
  it('renders keys and values escaped, objects as collapsible details open at the top only', () => {
    const out = renderJson({ '<k>': { inner: '</details><script>' }, list: [1, null] }).text;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&quot;&lt;k&gt;&quot;');
    expect(out).toContain('&quot;&lt;/details&gt;&lt;script&gt;&quot;');
    expect(out.match(/<details open>/g)).toHaveLength(1);
    expect(out.match(/<details>/g)).toHaveLength(2);
    expect(out).toContain('2 items');
    expect(out).toContain('1 key<');
  });

  it('falls back to indented text past its node budget', () => {
    const big = Array.from({ length: 5000 }, (_v, i) => i);
    const out = renderJson(big).text;
    expect(out).toMatch(/^<pre class="json-text">\[\n {2}0,/);
    expect(out).not.toContain('<details');
  });
});
