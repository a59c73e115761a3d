import { describe, expect, it } from 'vitest';
import { canContinue, endedShort, followPath, siblingTarget, storedId, type PathView } from './branches';
import type { ViewMessage } from './store';

const m = (id: number | string, parent: number | null, extra: Partial<ViewMessage> = {}): ViewMessage => ({
  id: String(id),
  chat_id: 'c',
  seq: typeof id === 'number' ? id : 999,
  role: typeof id === 'number' && id % 2 === 0 ? 'assistant' : 'user',
  content: `m${id}`,
  status: 'done',
  parent_id: parent,
  ...extra,
});

/** Questions 1, 3, 5 and answers 2, 4, 6: one path. */
const chain = (): ViewMessage[] => [m(1, null), m(2, 1), m(3, 2), m(4, 3), m(5, 4), m(6, 5)];

const view = (messages: ViewMessage[], extra: Partial<PathView> = {}): PathView => ({
  messages,
  hasMore: false,
  hasNewer: false,
  windowEnd: 0,
  epoch: 0,
  ...extra,
});

const ids = (v: PathView) => v.messages.map((x) => x.id);

describe('followPath', () => {
  it('leaves the view alone when the new message follows the last one shown', () => {
    const v = view(chain());
    expect(followPath(v, 6, '7')).toBe(v);
  });

  it('drops what follows the parent when the path forks in the middle (an edit)', () => {
    // Question 3 edited: the new question 7 has 3's parent, answer 2.
    const v = followPath(view(chain()), 2, '7');
    expect(ids(v)).toEqual(['1', '2']);
  });

  it('drops the old answer when a new answer opens beside it (regenerate, continue)', () => {
    const v = followPath(view(chain()), 5, '8');
    expect(ids(v)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('drops everything when the first message is edited', () => {
    const v = followPath(view(chain(), { hasMore: true }), null, '9');
    expect(ids(v)).toEqual([]);
    expect(v.hasMore).toBe(false);
  });

  it('keeps queued questions and the message itself', () => {
    const queued = m('q', null, { queued: true, seq: 50 });
    const self = m(8, 5);
    const v = followPath(view([...chain(), self, queued]), 5, '8');
    expect(ids(v)).toEqual(['1', '2', '3', '4', '5', '8', 'q']);
  });

  it('keeps an answer that overtook its question', () => {
    // Question 9 (an edit of 5, parent 4) arrives after its answer 10.
    const v = followPath(view([...chain(), m(10, 9)]), 4, '9');
    expect(ids(v)).toEqual(['1', '2', '3', '4', '10']);
  });

  it('is no fork when the parent is a queued question whose turn opens', () => {
    const q = m(11, null, { queued: true, seq: 60 });
    const v = view([...chain(), q]);
    expect(followPath(v, 11, '12')).toBe(v);
  });

  it('drops everything and pages upward when the parent is older than the window', () => {
    const v = followPath(view([m(21, 20), m(22, 21), m(23, 22)], { epoch: 3 }), 12, '30');
    expect(ids(v)).toEqual([]);
    expect(v.hasMore).toBe(true);
    expect(v.epoch).toBe(4);
  });

  it('waits for a parent newer than everything shown (its acknowledgement is on the way)', () => {
    const v = view(chain());
    expect(followPath(v, 40, '41')).toBe(v);
  });

  it('closes a window that stopped short of the newest page', () => {
    const v = followPath(view(chain(), { hasNewer: true, windowEnd: 6 }), 2, '7');
    expect(v.hasNewer).toBe(false);
    expect(v.windowEnd).toBe(0);
  });

  it('ignores a server without trees (no parent named) and an empty view', () => {
    const v = view(chain());
    expect(followPath(v, undefined, '7')).toBe(v);
    const e = view([]);
    expect(followPath(e, 3, '7')).toBe(e);
  });
});

describe('siblingTarget', () => {
  const s = { index: 1, count: 3, ids: [10, 20, 30] };
  it('moves one version back or forward', () => {
    expect(siblingTarget(s, -1)).toBe(10);
    expect(siblingTarget(s, 1)).toBe(30);
  });
  it('stops at the ends', () => {
    expect(siblingTarget({ ...s, index: 0 }, -1)).toBeNull();
    expect(siblingTarget({ ...s, index: 2 }, 1)).toBeNull();
  });
  it('cannot switch without the ids or with one version', () => {
    expect(siblingTarget({ index: 1, count: 3 }, 1)).toBeNull();
    expect(siblingTarget({ index: 0, count: 1, ids: [10] }, 1)).toBeNull();
    expect(siblingTarget(undefined, 1)).toBeNull();
  });
});

describe('answers that ended short', () => {
  it('offer Try again when failed, stopped or interrupted, and Continue only with text kept', () => {
    for (const status of ['error', 'cancelled', 'interrupted'] as const) {
      expect(endedShort(m(2, 1, { status }))).toBe(true);
      expect(canContinue(m(2, 1, { status }))).toBe(true);
      expect(canContinue(m(2, 1, { status, content: ' ' }))).toBe(false);
    }
    expect(endedShort(m(2, 1))).toBe(false);
    expect(endedShort(m(2, 1, { status: 'streaming' }))).toBe(false);
    expect(endedShort(m(1, null, { status: 'error' }))).toBe(false);
  });
  it('know a stored id from a stream only its turn names', () => {
    expect(storedId(m(12, 1))).toBe(12);
    expect(storedId({ id: 'turn:abc' })).toBeNull();
  });
});
