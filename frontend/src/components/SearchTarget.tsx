import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { findTerms } from '../app/search';

/** The name of the CSS highlight (styles.css: ::highlight(search-hit)). */
export const HIT_HIGHLIGHT = 'search-hit';

interface HighlightRegistry {
  set(name: string, h: unknown): void;
  delete(name: string): void;
}

/**
 * The message a search result opened: framed, with the matched words
 * highlighted in the rendered text. The highlight is a CSS Custom Highlight
 * over ranges of the rendered DOM, so it never touches the markdown or the
 * nodes React owns; it is redone as the message's rendering changes (code
 * highlighting and math arrive after the first paint).
 */
export function SearchTarget({ terms, children }: { terms: readonly string[]; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const registry = (globalThis as { CSS?: { highlights?: HighlightRegistry } }).CSS?.highlights;
    const Highlight = (globalThis as { Highlight?: new (...r: Range[]) => unknown }).Highlight;
    const apply = () => {
      const ranges = termRanges(el, terms);
      el.dataset.matches = String(ranges.length);
      if (registry && Highlight) registry.set(HIT_HIGHLIGHT, new Highlight(...ranges));
    };
    apply();
    const mo = new MutationObserver(apply);
    mo.observe(el, { subtree: true, childList: true, characterData: true });
    return () => {
      mo.disconnect();
      registry?.delete(HIT_HIGHLIGHT);
    };
  }, [terms]);
  return (
    <div ref={ref} className="search-target">
      {children}
    </div>
  );
}

/** Ranges of every occurrence of the terms in root's text nodes. */
export function termRanges(root: Node, terms: readonly string[]): Range[] {
  const out: Range[] = [];
  if (terms.length === 0) return out;
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const text = n.nodeValue ?? '';
    for (const [s, e] of findTerms(text, terms)) {
      const r = document.createRange();
      r.setStart(n, s);
      r.setEnd(n, e);
      out.push(r);
    }
  }
  return out;
}
