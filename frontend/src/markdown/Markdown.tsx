import 'katex/dist/katex.min.css';
import { createMathPlugin } from '@streamdown/math';
import { memo, useRef, useState, type AnchorHTMLAttributes, type MouseEvent, type TableHTMLAttributes } from 'react';
import { Streamdown, type Components } from 'streamdown';
import { RenderBoundary } from './RenderBoundary';
import { IconCopy } from '../components/Icons';
import { installMathCopy, tableToHtml, tableToMarkdown } from './copy';
import { highlighter } from './highlighter';
import { normaliseMathDelimiters } from './mathDelimiters';
import { rehypePlugins, remarkPlugins, urlTransform } from './safety';

interface WailsRuntime {
  BrowserOpenURL?: (url: string) => void;
}

function openExternal(e: MouseEvent<HTMLAnchorElement>, href: string | undefined) {
  if (!href || href.startsWith('#')) return;
  const rt = (window as unknown as { runtime?: WailsRuntime }).runtime;
  if (rt?.BrowserOpenURL) {
    e.preventDefault();
    rt.BrowserOpenURL(href);
  }
}

function Link({ href, children, node: _node, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { node?: unknown }) {
  if (!href) return <span className="md-blocked">{children}</span>;
  return (
    <a
      {...rest}
      href={href}
      target="_blank"
      rel="noopener noreferrer nofollow"
      onClick={(e) => openExternal(e, href)}
    >
      {children}
    </a>
  );
}

/**
 * A table that scrolls sideways when wide, with a copy button of our own:
 * streamdown's walks every text node, so a formula came out as its MathML
 * and its HTML and its TeX at once. Ours copies markdown (text) and a plain
 * HTML table (for spreadsheets), each formula as its TeX.
 */
function Table({ children, node: _node, ...rest }: TableHTMLAttributes<HTMLTableElement> & { node?: unknown }) {
  const ref = useRef<HTMLTableElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    const table = ref.current;
    if (!table) return;
    const text = tableToMarkdown(table);
    try {
      if (typeof ClipboardItem !== 'undefined' && navigator.clipboard?.write) {
        const html = tableToHtml(table);
        await navigator.clipboard.write([
          new ClipboardItem({
            'text/plain': new Blob([text], { type: 'text/plain' }),
            'text/html': new Blob([html], { type: 'text/html' }),
          }),
        ]);
      } else {
        await navigator.clipboard.writeText(text);
      }
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // The page has no clipboard permission: nothing to say beyond the unchanged button.
    }
  };
  return (
    <div data-streamdown="table-wrapper">
      <div className="md-table-actions">
        <button type="button" aria-label={copied ? 'Copied' : 'Copy table'} title={copied ? 'Copied' : 'Copy table'} onClick={() => void copy()}>
          <IconCopy width={14} height={14} />
        </button>
      </div>
      <div className="md-table-scroll">
        <table ref={ref} data-streamdown="table" {...rest}>
          {children}
        </table>
      </div>
    </div>
  );
}

const components: Components = { a: Link, table: Table };

// KaTeX runs with its defaults (trust: false), so \href, \url and \html… commands
// render as text, never as links or markup.
const math = createMathPlugin({ singleDollarTextMath: true, errorColor: 'var(--fg-muted)' });
const plugins = { code: highlighter, math };

const controls = { code: { copy: true, download: false }, table: { copy: false, download: false, fullscreen: false }, mermaid: false, image: false } as const;

export interface MarkdownProps {
  text: string;
  /** The text is still streaming: tolerate unterminated markdown. */
  streaming?: boolean;
}

/** Renders model (or user) markdown safely; see safety.ts for the rules. */
export const Markdown = memo(function Markdown({ text, streaming = false }: MarkdownProps) {
  installMathCopy();
  return (
    <RenderBoundary text={text}>
      <Streamdown
        className="md"
        mode={streaming ? 'streaming' : 'static'}
        parseIncompleteMarkdown={streaming}
        isAnimating={streaming}
        animated={false}
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        urlTransform={urlTransform}
        components={components}
        plugins={plugins}
        controls={controls}
        linkSafety={{ enabled: false }}
        lineNumbers={false}
        codeBlockMaxHeight={0}
        skipHtml={false}
      >
        {normaliseMathDelimiters(text)}
      </Streamdown>
    </RenderBoundary>
  );
});
