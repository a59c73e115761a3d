import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Markdown } from './Markdown';

// React's act() environment flag for a non-jest runner.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const PAYLOADS: Record<string, string> = {
  'img onerror': '<img src=x onerror=alert(1)>',
  'script tag': 'before <script>alert(1)</script> after',
  'script block': '<script>\nalert(document.cookie)\n</script>',
  'svg onload': '<svg onload=alert(1)><circle r=5 /></svg>',
  'raw iframe': '<iframe src="javascript:alert(1)"></iframe>',
  'iframe srcdoc': '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  'javascript: link': '[click me](javascript:alert(1))',
  'obfuscated javascript: link': '[click](JaVaScRiPt:alert(1)) and [tab](java\tscript:alert(1)) and [ent](&#106;avascript:alert(1))',
  'javascript: image': '![pic](javascript:alert(1))',
  'data: link': '[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  'vbscript: link': '[v](vbscript:msgbox(1))',
  'reference link': '[x][1]\n\n[1]: javascript:alert(1)',
  'autolink': '<javascript:alert(1)>',
  'html link': '<a href="javascript:alert(1)">x</a>',
  'inline event in markdown table': '| a |\n|---|\n| <b onmouseover=alert(1)>x</b> |',
  'object/embed': '<object data="x.swf"></object><embed src="x.swf">',
  'form': '<form action="javascript:alert(1)"><button>go</button></form>',
  'style': '<style>body{display:none}</style><div style="background:url(javascript:alert(1))">x</div>',
  'math href': '$$\\href{javascript:alert(1)}{x}$$',
  'inline math href': 'a $\\href{javascript:alert(1)}{x}$ and \\(\\url{javascript:alert(1)}\\) b',
  'math html extension': '$$\\htmlId{x}{y}\\htmlStyle{background:url(javascript:alert(1))}{z}$$',
  'base/meta': '<base href="//evil.example/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  'unterminated while streaming': 'text <img src=x onerror=alert(1) [link](javascript:alert(1)',
};

const FORBIDDEN_TAGS = new Set([
  'script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'base', 'meta', 'link', 'style', 'form', 'img', 'foreignobject',
]);
const URL_ATTRS = ['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'srcdoc', 'poster', 'background'];

function assertInert(root: HTMLElement) {
  for (const el of Array.from(root.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    expect(FORBIDDEN_TAGS.has(tag), `forbidden <${tag}> in ${root.innerHTML}`).toBe(false);
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      expect(name.startsWith('on'), `event handler ${name} on <${tag}>`).toBe(false);
      if (name === 'srcdoc') throw new Error(`srcdoc on <${tag}>`);
      if (URL_ATTRS.includes(name)) {
        const v = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
        expect(/^(javascript|vbscript|data):/.test(v), `${name}="${attr.value}" on <${tag}>`).toBe(false);
      }
      if (name === 'style') {
        expect(attr.value.toLowerCase()).not.toContain('javascript:');
        expect(attr.value.toLowerCase()).not.toContain('url(');
      }
    }
  }
}

let alerts = 0;
let root: Root | null = null;
let host: HTMLElement | null = null;

async function render(text: string, streaming: boolean): Promise<HTMLElement> {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  await act(async () => {
    root!.render(<Markdown text={text} streaming={streaming} />);
  });
  // Let lazy pieces (highlighter, math) settle.
  await act(async () => {
    await new Promise((r) => setTimeout(r, 20));
  });
  return host;
}

afterEach(() => {
  expect(alerts, 'alert() ran: model output executed').toBe(0);
  act(() => root?.unmount());
  host?.remove();
  root = null;
  host = null;
});

beforeAll(() => {
  Object.defineProperty(window, 'alert', {
    configurable: true,
    value: () => {
      alerts += 1;
    },
  });
});

describe('Markdown sanitization', () => {
  it('the inertness check itself catches unsafe markup (control)', () => {
    const bad = document.createElement('div');
    bad.innerHTML = '<a href=" javascript:alert(1)">x</a>';
    expect(() => assertInert(bad)).toThrow();
    bad.innerHTML = '<span onclick="x()">x</span>';
    expect(() => assertInert(bad)).toThrow();
    bad.innerHTML = '<img src="x">';
    expect(() => assertInert(bad)).toThrow();
  });

  for (const [name, payload] of Object.entries(PAYLOADS)) {
    for (const streaming of [false, true]) {
      it(`${name} (${streaming ? 'streaming' : 'final'}) renders inert`, async () => {
        const el = await render(payload, streaming);
        assertInert(el);
      });
    }
  }

  it('shows raw HTML from the model as the characters it is', async () => {
    const el = await render('Use <img src=x onerror=alert(1)> carefully', false);
    expect(el.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(el.querySelector('img')).toBeNull();
  });

  it('keeps a javascript: link as text without a dangerous href', async () => {
    const el = await render('[click me](javascript:alert(1))', false);
    expect(el.textContent).toContain('click me');
    for (const a of Array.from(el.querySelectorAll('a'))) {
      expect(a.getAttribute('href') ?? '').not.toMatch(/javascript/i);
    }
  });

  it('still renders ordinary markdown: emphasis, safe links, lists, code', async () => {
    const el = await render('**bold** [site](https://example.com)\n\n- one\n- two\n\n```go\nfmt.Println("hi")\n```', false);
    expect(el.querySelector('strong, [data-streamdown="strong"]')?.textContent).toBe('bold');
    const a = el.querySelector('a')!;
    expect(a.getAttribute('href')).toBe('https://example.com/');
    expect(a.getAttribute('rel')).toContain('noopener');
    expect(el.querySelectorAll('li')).toHaveLength(2);
    expect(el.textContent).toContain('fmt.Println("hi")');
    expect(el.querySelector('[data-streamdown="code-block"]')).not.toBeNull();
  });

  it('renders math with KaTeX', async () => {
    const el = await render('$$E = mc^2$$', false);
    expect(el.querySelector('.katex')).not.toBeNull();
  });
});
