import { describe, expect, it } from 'vitest';
import type { Chat } from '../protocol';
import { initialState, reduce, type Action } from './store';
import { chatToOpenFirst, isTemporaryChat, temporaryFirst, withTemporaryGroup } from './temporary';
import { isTemporaryShortcut } from '../components/Temporary';

function chat(id: string, updated: string, extra: Partial<Chat> = {}): Chat {
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
    ...extra,
  };
}

const kept1 = chat('c1', '2025-01-03T00:00:00.000Z', { pinned: true });
const kept2 = chat('c2', '2025-01-02T00:00:00.000Z');
const temp1 = chat('tmp:a', '2025-01-01T00:00:00.000Z', { temporary: true });
const temp2 = chat('tmp:b', '2025-01-04T00:00:00.000Z', { temporary: true });

describe('temporary chats in the list', () => {
  it('knows a temporary chat by its flag or, once gone from the list, by its id', () => {
    expect(isTemporaryChat(temp1)).toBe(true);
    expect(isTemporaryChat({ id: 'tmp:x' })).toBe(true);
    expect(isTemporaryChat(kept1)).toBe(false);
    expect(isTemporaryChat(undefined)).toBe(false);
  });

  it('puts them first, each part in its own order', () => {
    expect(temporaryFirst([kept1, temp1, kept2, temp2]).map((c) => c.id)).toEqual(['tmp:a', 'tmp:b', 'c1', 'c2']);
    const none = [kept1, kept2];
    expect(temporaryFirst(none)).toBe(none);
  });

  it('gives them a group of their own ahead of the others, which group only the kept chats', () => {
    const seen: string[][] = [];
    const groups = withTemporaryGroup([temp1, kept1, kept2], (kept) => {
      seen.push(kept.map((c) => c.id));
      return [{ key: 'today', label: 'Today', chats: kept }];
    });
    expect(seen).toEqual([['c1', 'c2']]);
    expect(groups.map((g) => [g.key, g.label, g.chats.map((c) => c.id)])).toEqual([
      ['temporary', 'Temporary', ['tmp:a']],
      ['today', 'Today', ['c1', 'c2']],
    ]);
    expect(withTemporaryGroup([kept2], (kept) => [{ key: 'older', label: 'Older', chats: kept }]).map((g) => g.key)).toEqual(['older']);
  });

  it('opens the newest kept chat on a first load, never a temporary one (that would keep it alive)', () => {
    expect(chatToOpenFirst([temp2, kept2, kept1, temp1])?.id).toBe('c1');
    expect(chatToOpenFirst([temp1, temp2])).toBeUndefined();
  });

  it('starts one with Ctrl/Cmd+Shift+X only', () => {
    const k = (key: string, m: Partial<KeyboardEvent> = {}) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...m });
    expect(isTemporaryShortcut(k('X', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(isTemporaryShortcut(k('x', { metaKey: true, shiftKey: true }))).toBe(true);
    expect(isTemporaryShortcut(k('x', { ctrlKey: true }))).toBe(false);
    expect(isTemporaryShortcut(k('x', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(false);
  });
});

describe('the temporary draft and the end of a temporary chat', () => {
  const srv = (ev: Extract<Action, { type: 'server' }>['ev']): Action => ({ type: 'server', ev, now: 0 });

  it('keeps the draft temporary until a chat is opened', () => {
    let s = reduce(initialState(), { type: 'draft_temporary', temporary: true });
    s = reduce(s, { type: 'open_chat', chatId: null });
    expect(s.draftTemporary).toBe(true);
    s = reduce(s, { type: 'open_chat', chatId: 'c1' });
    expect(s.draftTemporary).toBe(false);
  });

  it('leaves an open temporary chat that ended for a new chat, with a calm word and no error', () => {
    let s = reduce(initialState(), srv({ event: 'chats', items: [kept1, temp1] }));
    s = reduce(s, { type: 'open_chat', chatId: temp1.id });
    s = reduce(s, srv({ event: 'chat_deleted', chat_id: temp1.id }));
    expect(s.activeChatId).toBeNull();
    expect(s.chats[temp1.id]).toBeUndefined();
    expect(s.notices.map((n) => [n.kind, n.text])).toEqual([['info', 'The temporary chat ended; nothing of it was kept.']]);
  });

  it('says nothing when a temporary chat that is not open ends, and keeps a kept chat deleted while open as before', () => {
    let s = reduce(initialState(), srv({ event: 'chats', items: [kept1, kept2, temp1] }));
    s = reduce(s, { type: 'open_chat', chatId: kept2.id });
    s = reduce(s, srv({ event: 'chat_deleted', chat_id: temp1.id }));
    expect(s.activeChatId).toBe(kept2.id);
    expect(s.notices).toEqual([]);
    s = reduce(s, srv({ event: 'chat_deleted', chat_id: kept2.id }));
    expect(s.activeChatId).toBe(kept2.id);
    expect(s.views[kept2.id]!.deleted).toBe(true);
  });
});
