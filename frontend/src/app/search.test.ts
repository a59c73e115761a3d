import { describe, expect, it } from 'vitest';
import { emptyView, initialState, reduce, shownMessages, type ViewMessage } from '../state/store';
import type { EventOf, Message } from '../protocol';
import { findTerms, matchedTerms, snippetParts } from './search';

describe('search snippets', () => {
  const hit = {
    snippet: 'the **axolotl** and the Axolotl',
    snippet_parts: [{ text: 'the **' }, { text: 'axolotl', match: true }, { text: '** and the ' }, { text: 'Axolotl', match: true }],
  };
  it('keeps the message text as text and marks only what the server matched', () => {
    expect(snippetParts(hit).filter((p) => p.match).map((p) => p.text)).toEqual(['axolotl', 'Axolotl']);
    expect(snippetParts({ snippet: 'plain', snippet_parts: null })).toEqual([{ text: 'plain' }]);
    expect(matchedTerms(hit)).toEqual(['axolotl']);
  });
  it('finds the terms case-insensitively without overlaps', () => {
    expect(findTerms('An Axolotl, an axolotls', ['axolotl'])).toEqual([
      [3, 10],
      [15, 22],
    ]);
    expect(findTerms('sky blue', ['sky blue', 'sky'])).toEqual([[0, 8]]);
    expect(findTerms('nothing', [])).toEqual([]);
  });
});

function msg(seq: number): Message {
  return { id: seq, chat_id: 'c', seq, end_seq: seq, role: 'user', content: `m${seq}`, status: 'done', media: [], created_at: '' };
}

function view(seq: number): ViewMessage {
  return { ...msg(seq), id: String(seq) };
}

function page(seqs: number[], extra: Partial<EventOf<'history'>>): EventOf<'history'> {
  return { event: 'history', chat_id: 'c', items: seqs.map(msg), has_more: false, last_seq: 100, ...extra };
}

describe('a window around a search hit', () => {
  it('replaces the view, keeps the live tail, hides it until paging down closes the gap', () => {
    let s = initialState();
    s = { ...s, views: { c: { ...emptyView('c'), loaded: true, messages: [view(90), view(99), { ...view(101), status: 'streaming' }] } } };
    const focus = { messageId: '10', terms: ['m10'] };
    s = reduce(s, { type: 'history', kind: 'around', ev: page([8, 9, 10, 11, 12], { has_more: true, has_newer: true }), focus });
    const v = s.views.c!;
    expect(v.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12, 101]);
    expect(shownMessages(v).map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(v.focus).toEqual(focus);
    expect(v.hasMore && v.hasNewer && v.windowEnd === 12).toBe(true);
    s = reduce(s, { type: 'history', kind: 'newer', ev: page([13, 14], { has_newer: true }) });
    expect(shownMessages(s.views.c!).map((m) => m.seq)).toEqual([8, 9, 10, 11, 12, 13, 14]);
    s = reduce(s, { type: 'history', kind: 'newer', ev: page([15, 100], { has_newer: false }) });
    expect(shownMessages(s.views.c!).map((m) => m.seq)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 100, 101]);
    expect(s.views.c!.hasNewer).toBe(false);
  });
  it('lets the highlight go when another chat opens', () => {
    let s = reduce(initialState(), { type: 'open_chat', chatId: 'c' });
    s = reduce(s, { type: 'history', kind: 'around', ev: page([1, 2], {}), focus: { messageId: '1', terms: ['m1'] } });
    s = reduce(s, { type: 'open_chat', chatId: 'd' });
    expect(s.views.c!.focus).toBeNull();
  });
});
