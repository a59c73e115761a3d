import 'katex/dist/katex.min.css';
import { createMathPlugin } from '@streamdown/math';
import { memo, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { Streamdown, type Components } from 'streamdown';
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

const components: Components = { a: Link };

// KaTeX runs with its defaults (trust: false), so \href, \url and \html… commands
// render as text, never as links or markup.
const math = createMathPlugin({ singleDollarTextMath: true, errorColor: 'var(--fg-muted)' });
const plugins = { code: highlighter, math };

const controls = { code: { copy: true, download: false }, table: { copy: true, download: false, fullscreen: false }, mermaid: false, image: false } as const;

export interface MarkdownProps {
  text: string;
  /** The text is still streaming: tolerate unterminated markdown. */
  streaming?: boolean;
}

/** Renders model (or user) markdown safely; see safety.ts for the rules. */
export const Markdown = memo(function Markdown({ text, streaming = false }: MarkdownProps) {
  return (
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
  );
});
