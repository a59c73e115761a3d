// Search results as the UI shows them: the snippet's runs (plain text, the
// matched words marked by the server, never markdown) and the words to
// highlight in the message once it is open.

import type { SearchHit, SnippetPart } from '../protocol';

/** The snippet's runs; a server without runs gives the plain snippet as one. */
export function snippetParts(hit: Pick<SearchHit, 'snippet' | 'snippet_parts'>): SnippetPart[] {
  return hit.snippet_parts && hit.snippet_parts.length > 0 ? hit.snippet_parts : [{ text: hit.snippet }];
}

/** The distinct matched words of a hit, longest first (so a longer word wins where two overlap). */
export function matchedTerms(hit: Pick<SearchHit, 'snippet' | 'snippet_parts'>): string[] {
  const seen = new Map<string, string>();
  for (const p of snippetParts(hit)) {
    const t = p.text.trim();
    if (p.match && t && !seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  }
  return [...seen.values()].sort((a, b) => b.length - a.length);
}

/**
 * Where the terms occur in text, case-insensitively, as [start, end) ranges
 * in order, without overlaps.
 */
export function findTerms(text: string, terms: readonly string[]): Array<[number, number]> {
  const hay = text.toLowerCase();
  const found: Array<[number, number]> = [];
  for (const term of terms) {
    const needle = term.toLowerCase();
    if (!needle) continue;
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) {
      const end = i + needle.length;
      if (!found.some(([s, e]) => i < e && end > s)) found.push([i, end]);
    }
  }
  return found.sort((a, b) => a[0] - b[0]);
}
