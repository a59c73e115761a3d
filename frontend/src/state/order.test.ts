import { describe, expect, it } from 'vitest';
import { type ViewMessage, displayOrder, mergeMessages, upsertMessage } from './store';

const m = (id: string, seq: number, role: 'user' | 'assistant', queued = false): ViewMessage => ({
  id,
  chat_id: 'c',
  seq,
  role,
  content: id,
  status: 'done',
  queued,
});
const ids = (ms: readonly ViewMessage[]) => ms.map((x) => x.id).join(' ');

describe('the order the model sees', () => {
  // A slow question, two queued behind it: while the first answer runs the
  // queued ones are last; as each turn opens the server moves its question to
  // a seq right before the answer.
  it('moves a queued question to its answer when its turn opens', () => {
    let v: ViewMessage[] = [];
    v = upsertMessage(v, m('Q1', 1, 'user'));
    v = upsertMessage(v, m('A1', 2, 'assistant'));
    v = upsertMessage(v, m('Q2', 3, 'user', true));
    v = upsertMessage(v, m('Q3', 4, 'user', true));
    expect(ids(v)).toBe('Q1 A1 Q2 Q3');
    // Q2's turn opens: Q2 moves to seq 40, A2 starts at 41; Q3 still waits.
    v = upsertMessage(v, m('Q2', 40, 'user'));
    v = upsertMessage(v, m('A2', 41, 'assistant'));
    expect(ids(v)).toBe('Q1 A1 Q2 A2 Q3');
    v = upsertMessage(v, m('Q3', 80, 'user'));
    v = upsertMessage(v, m('A3', 81, 'assistant'));
    expect(ids(v)).toBe('Q1 A1 Q2 A2 Q3 A3');
  });

  it('keeps a page of history in that order, with the queued questions last', () => {
    const page = [m('Q1', 1, 'user'), m('A1', 2, 'assistant'), m('Q3', 4, 'user', true), m('Q2', 40, 'user'), m('A2', 41, 'assistant')];
    expect(ids(mergeMessages([], page))).toBe('Q1 A1 Q2 A2 Q3');
    // A later page says Q3 no longer waits and has moved.
    const later = [m('Q3', 80, 'user'), m('A3', 81, 'assistant')];
    expect(ids(mergeMessages(mergeMessages([], page), later))).toBe('Q1 A1 Q2 A2 Q3 A3');
  });

  it('orders by seq, queued last, stable among the queued', () => {
    const v = [m('b', 5, 'user', true), m('a', 9, 'assistant'), m('c', 6, 'user', true), m('d', 1, 'user')];
    expect(ids([...v].sort(displayOrder))).toBe('d a b c');
  });
});
