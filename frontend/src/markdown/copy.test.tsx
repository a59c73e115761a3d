import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { mathToTex, selectionWithTex, tableToHtml, tableToMarkdown, texOf } from './copy';
import { Markdown } from './Markdown';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const TABLE = [
  '| operation | cost | note |',
  '|---|---|---|',
  '| lookup | $O(1)$ | a \\| b |',
  '| sort | $O(n \\log n)$ | plain |',
].join('\n');

let root: Root | null = null;
let host: HTMLElement | null = null;

async function render(md: string, ready = 'table .katex'): Promise<HTMLElement> {
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
  await act(async () => root!.render(<Markdown text={md} />));
  // KaTeX and the table render asynchronously in streamdown's blocks.
  for (let i = 0; i < 100 && !host.querySelector(ready); i++) {
    await act(async () => new Promise((r) => setTimeout(r, 20)));
  }
  return host;
}

afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
  root = null;
  host = null;
});

describe('copying rendered math', () => {
  it('the rendered table keeps the TeX annotation that copying reads', async () => {
    const h = await render(TABLE);
    const maths = h.querySelectorAll('table .katex');
    expect(maths.length).toBe(2);
    expect(texOf(maths[0]!)).toBe('O(1)');
    expect(texOf(maths[1]!)).toBe('O(n \\log n)');
    // Without the transform a text walk says the formula three times: the bug.
    expect(maths[0]!.textContent).toContain('O(1)O(1)');
  });

  it('copies a table as markdown with each formula once, as TeX', async () => {
    const h = await render(TABLE);
    const table = h.querySelector('table')!;
    expect(tableToMarkdown(table)).toBe(
      ['| operation | cost | note |', '| --- | --- | --- |', '| lookup | $O(1)$ | a \\| b |', '| sort | $O(n \\log n)$ | plain |'].join('\n'),
    );
    const html = tableToHtml(table);
    expect(html).toContain('<td>$O(1)$</td>');
    expect(html).not.toContain('katex');
    expect(html).not.toContain('class=');
  });

  it('a selection through a formula takes the whole formula, once', async () => {
    const h = await render('Lookup is $O(1)$ and\n\n$$\nE = mc^2\n$$\n\nthe end.', '.katex-display .katex-html');
    const inline = h.querySelector('.katex:not(.katex-display .katex)')!;
    const display = h.querySelector('.katex-display')!;
    const r = document.createRange();
    // From inside the inline formula's HTML to inside the display formula.
    r.setStart(inline.querySelector('.katex-html')!.firstChild!, 0);
    r.setEnd(display.querySelector('.katex-html')!, 1);
    const frag = selectionWithTex([r])!;
    expect(frag).not.toBeNull();
    const text = frag.textContent!;
    expect(text).toContain('$O(1)$');
    expect(text).toContain('$$E = mc^2$$');
    expect(text.match(/O\(1\)/g)).toHaveLength(1);
    expect(frag.querySelector('.katex')).toBeNull();
  });

  it('a selection without math is left to the browser', async () => {
    const h = await render('just *words* here', 'em');
    const r = document.createRange();
    r.selectNodeContents(h);
    expect(selectionWithTex([r])).toBeNull();
  });

  it('mathToTex replaces display and inline math in place', () => {
    const div = document.createElement('div');
    div.innerHTML =
      '<p>a <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi></mrow>' +
      '<annotation encoding="application/x-tex">x^2</annotation></semantics></math></span>' +
      '<span class="katex-html" aria-hidden="true">x2</span></span> b</p>' +
      '<span class="katex-display"><span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>y</mi></mrow>' +
      '<annotation encoding="application/x-tex">\\sqrt{y}</annotation></semantics></math></span>' +
      '<span class="katex-html" aria-hidden="true">√y</span></span></span>';
    mathToTex(div);
    expect(div.textContent).toBe('a $x^2$ b$$\\sqrt{y}$$');
  });
});
