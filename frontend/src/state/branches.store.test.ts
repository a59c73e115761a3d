// The store following a chat's path through live events: edits, regenerates
// and switches made in this window or another one.

import { describe, expect, it } from 'vitest';
import type { Message, ServerEvent, Siblings } from '../protocol';
import { type Action, type State, initialState, reduce, reduceAll } from './store';

const C = 'chat-b';

function msg(id: number, seq: number, role: 'user' | 'assistant', parent: number | null, siblings: Siblings = { index: 0, count: 1, ids: [id] }): Message {
  return {
    id,
    chat_id: C,
    seq,
    end_seq: seq,
    turn_id: `t${role === 'user' ? id : parent}`,
    role,
    content: `${role} ${id}`,
    status: 'done',
    media: [],
    created_at: '2026-01-01T00:00:00Z',
    parent_id: parent,
    siblings,
  };
}

/** Three exchanges: questions 1, 3, 5 and answers 2, 4, 6 at seqs 1…6. */
const chain = (): Message[] => [
  msg(1, 1, 'user', null),
  msg(2, 2, 'assistant', 1),
  msg(3, 3, 'user', 2),
  msg(4, 4, 'assistant', 3),
  msg(5, 5, 'user', 4),
  msg(6, 6, 'assistant', 5),
];

const srv = (ev: ServerEvent): Action => ({ type: 'server', ev, now: 0 });

function opened(items: Message[] = chain(), lastSeq = 6): State {
  let s = reduce(initialState(), { type: 'conn', status: 'open' });
  s = reduce(s, { type: 'open_chat', chatId: C });
  s = reduce(s, { type: 'history', kind: 'initial', ev: { event: 'history', chat_id: C, items, has_more: false, last_seq: lastSeq } });
  return reduce(s, srv({ event: 'attached', chat_id: C, last_seq: lastSeq, status: 'idle' }));
}

const ids = (s: State) => s.views[C]!.messages.map((m) => m.id);
const byId = (s: State, id: number) => s.views[C]!.messages.find((m) => m.id === String(id))!;

describe('the path in the store', () => {
  it('an edit in the middle, sent from this window: later messages go, the new question and its answer follow', () => {
    let s = opened();
    s = reduce(s, { type: 'send', chatId: C, reqId: 'other', content: 'unrelated pending', media: [], queued: false });
    const edited = msg(7, 7, 'user', 2, { index: 1, count: 2, ids: [3, 7] });
    s = reduceAll(s, [
      srv({ event: 'message_accepted', req_id: 'r1', chat_id: C, seq: 7, turn_id: 't7', message: edited }),
      srv({ event: 'turn_start', chat_id: C, seq: 8, turn_id: 't7', model: 'm', message_id: 8, parent_id: 7, siblings: { index: 0, count: 1, ids: [8] } }),
    ]);
    expect(ids(s)).toEqual(['1', '2', '7', '8']);
    expect(byId(s, 7).siblings).toEqual({ index: 1, count: 2, ids: [3, 7] });
    expect(byId(s, 8)).toMatchObject({ parent_id: 7, status: 'streaming' });
    // A send of this window's that is still on its way stays.
    expect(s.views[C]!.pending.map((p) => p.reqId)).toEqual(['other']);
  });

  it('another window follows an edit from its user_message', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'user_message', chat_id: C, seq: 7, message: msg(7, 7, 'user', 2, { index: 1, count: 2, ids: [3, 7] }) }),
      srv({ event: 'turn_start', chat_id: C, seq: 8, turn_id: 't7', message_id: 8, parent_id: 7, siblings: { index: 0, count: 1 } }),
      srv({ event: 'delta', chat_id: C, seq: 9, turn_id: 't7', text: 'new answer' }),
      srv({ event: 'turn_end', chat_id: C, seq: 10, turn_id: 't7', status: 'done' }),
    ]);
    expect(ids(s)).toEqual(['1', '2', '7', '8']);
    expect(byId(s, 8).content).toBe('new answer');
  });

  it('a regenerate replaces the answer shown with its new version', () => {
    let s = opened();
    s = reduce(
      s,
      srv({ event: 'turn_start', chat_id: C, seq: 7, turn_id: 'r', message_id: 9, parent_id: 5, siblings: { index: 1, count: 2, ids: [6, 9] } }),
    );
    expect(ids(s)).toEqual(['1', '2', '3', '4', '5', '9']);
    expect(byId(s, 9).siblings).toMatchObject({ index: 1, count: 2 });
    expect(s.views[C]!.runningTurnId).toBe('r');
  });

  it('an edit of the first question leaves only the new one', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'user_message', chat_id: C, seq: 7, message: msg(7, 7, 'user', null, { index: 1, count: 2, ids: [1, 7] }) }));
    expect(ids(s)).toEqual(['7']);
    expect(s.views[C]!.hasMore).toBe(false);
  });

  it('a plain message and a queued one change nothing above them', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'user_message', chat_id: C, seq: 7, message: msg(7, 7, 'user', 6) }),
      srv({ event: 'turn_start', chat_id: C, seq: 8, turn_id: 't7', message_id: 8, parent_id: 7, siblings: { index: 0, count: 1 } }),
      // Queued while 8 runs: outside the tree (no parent yet).
      srv({ event: 'user_message', chat_id: C, seq: 9, queued: true, message: { ...msg(10, 9, 'user', null), queued: true } }),
      srv({ event: 'turn_end', chat_id: C, seq: 10, turn_id: 't7', status: 'done' }),
      // Its turn opens: the answer's parent is the queued question.
      srv({ event: 'turn_start', chat_id: C, seq: 11, turn_id: 't10', message_id: 11, parent_id: 10, siblings: { index: 0, count: 1 } }),
    ]);
    expect(ids(s)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '10', '11']);
  });

  it('branch_switched asks for the path again until a page as new as the switch replaces the view', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'branch_switched', req_id: 'r2', chat_id: C, seq: 9, leaf_id: 4 }));
    expect(s.views[C]!.pathReload).toBe(9);
    expect(s.views[C]!.appliedSeq).toBe(9);
    // A page from before the switch does not settle it.
    const old = { event: 'history' as const, chat_id: C, items: chain(), has_more: false, last_seq: 8 };
    s = reduce(s, { type: 'history', kind: 'latest', ev: old });
    expect(s.views[C]!.pathReload).toBe(9);
    const path = [msg(1, 1, 'user', null), msg(2, 2, 'assistant', 1), msg(3, 3, 'user', 2, { index: 0, count: 2, ids: [3, 7] }), msg(4, 4, 'assistant', 3)];
    const epoch = s.views[C]!.epoch;
    s = reduce(s, { type: 'history', kind: 'latest', ev: { event: 'history', chat_id: C, items: path, has_more: false, last_seq: 9 } });
    expect(s.views[C]!.pathReload).toBe(0);
    expect(ids(s)).toEqual(['1', '2', '3', '4']);
    expect(s.views[C]!.epoch).toBe(epoch + 1);
  });

  it('a branch_switched replayed after a reconnect is followed once', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'branch_switched', chat_id: C, seq: 7, leaf_id: 2 }));
    s = reduce(s, { type: 'history', kind: 'latest', ev: { event: 'history', chat_id: C, items: chain().slice(0, 2), has_more: false, last_seq: 7 } });
    expect(s.views[C]!.pathReload).toBe(0);
    // The replay repeats what was seen: nothing to reload.
    s = reduce(s, srv({ event: 'branch_switched', chat_id: C, seq: 7, leaf_id: 2 }));
    expect(s.views[C]!.pathReload).toBe(0);
    // One the window missed while away: reload.
    s = reduce(s, srv({ event: 'branch_switched', chat_id: C, seq: 8, leaf_id: 6 }));
    expect(s.views[C]!.pathReload).toBe(8);
  });
});
