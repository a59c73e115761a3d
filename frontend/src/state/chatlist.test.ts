import { describe, expect, it } from 'vitest';
import type { Chat, EventOf } from '../protocol';
import { type State, initialState, reduce, reduceAll, sortedChats } from './store';

function chat(id: string, updated: string): Chat {
  return {
    id,
    title: `Chat ${id}`,
    model: '',
    system: '',
    pinned: false,
    archived: false,
    params: {},
    created_at: updated,
    updated_at: updated,
    last_seq: 0,
    message_count: 0,
    running: false,
  };
}

const page = (items: Chat[], next?: string): EventOf<'chats'> => ({
  event: 'chats',
  items,
  has_more: Boolean(next),
  ...(next ? { next_before: next } : {}),
});

const ids = (s: State) => sortedChats(s).map((c) => c.id);

describe('the paged chat list', () => {
  it('appends older pages and knows when the list is complete', () => {
    let s = reduce(initialState(), { type: 'server', ev: page([chat('c', '2025-01-03'), chat('b', '2025-01-02')], 'cur-b'), now: 0 });
    expect(s.chatsLoaded).toBe(true);
    expect(s.chatsMore).toBe(true);
    expect(s.chatsNext).toBe('cur-b');
    s = reduceAll(s, [{ type: 'chats_more_requested' }]);
    expect(s.chatsLoadingMore).toBe(true);
    s = reduce(s, { type: 'chats_more', ev: page([chat('a', '2025-01-01')]) });
    expect(ids(s)).toEqual(['c', 'b', 'a']);
    expect(s.chatsMore).toBe(false);
    expect(s.chatsNext).toBeNull();
    expect(s.chatsLoadingMore).toBe(false);
  });

  it('keeps what broadcasts brought meanwhile, newer than the page', () => {
    let s = reduce(initialState(), { type: 'server', ev: page([chat('b', '2025-01-02')], 'cur-b'), now: 0 });
    const renamed = { ...chat('b', '2025-01-05'), title: 'renamed' };
    s = reduce(s, { type: 'server', ev: { event: 'chat_updated', chat_id: 'b', chat: renamed }, now: 0 });
    // The page was read before the rename: its older copy must not win.
    s = reduce(s, { type: 'chats_more', ev: page([chat('b', '2025-01-02'), chat('a', '2025-01-01')]) });
    expect(s.chats.b?.title).toBe('renamed');
    expect(ids(s)).toEqual(['b', 'a']);
  });

  it('a refresh replaces the list but keeps the open chat, older than its page', () => {
    let s = reduce(initialState(), { type: 'server', ev: page([chat('b', '2025-01-02')], 'cur-b'), now: 0 });
    s = reduce(s, { type: 'chats_more', ev: page([chat('a', '2025-01-01')]) });
    s = reduce(s, { type: 'open_chat', chatId: 'a' });
    s = reduce(s, { type: 'server', ev: page([chat('c', '2025-01-03')], 'cur-c'), now: 0 });
    expect(ids(s)).toEqual(['c', 'a']);
    expect(s.chatsMore).toBe(true);
    expect(s.chatsNext).toBe('cur-c');
  });

  it('a failed page can be asked for again', () => {
    let s = reduce(initialState(), { type: 'server', ev: page([chat('b', '2025-01-02')], 'cur-b'), now: 0 });
    s = reduceAll(s, [{ type: 'chats_more_requested' }, { type: 'chats_more_failed' }]);
    expect(s.chatsLoadingMore).toBe(false);
    expect(s.chatsMore).toBe(true);
  });
});

describe('the draft of a new chat', () => {
  it('has its own model until it is stored', () => {
    let s = reduce(initialState(), { type: 'open_chat', chatId: null });
    s = reduce(s, { type: 'draft_model', model: 'llmtest-r1' });
    expect(s.draftModel).toBe('llmtest-r1');
    expect(s.activeChatId).toBeNull();
    expect(Object.keys(s.chats)).toEqual([]);
  });
});
