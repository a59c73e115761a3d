import { describe, expect, it } from 'vitest';
import type { Chat } from '../protocol';
import { archivedChats, dayGroup, groupChats } from './chatGroups';

function chat(id: string, updated: Date, extra: Partial<Chat> = {}): Chat {
  return {
    id,
    title: `Chat ${id}`,
    model: '',
    system: '',
    pinned: false,
    archived: false,
    params: {},
    created_at: updated.toISOString(),
    updated_at: updated.toISOString(),
    last_seq: 0,
    message_count: 0,
    running: false,
    ...extra,
  };
}

// Local times: the groups follow the user's calendar, not UTC's.
const now = new Date(2026, 2, 10, 9, 30).getTime(); // 10 March, 09:30
const at = (day: number, h = 12, m = 0) => new Date(2026, 2, day, h, m);

describe('dayGroup', () => {
  it.each([
    [at(10, 0, 0), 'today'],
    [at(10, 9, 29), 'today'],
    [at(10, 23, 0), 'today'], // a clock ahead
    [at(9, 23, 59), 'yesterday'],
    [at(9, 0, 0), 'yesterday'],
    [at(8, 23, 59), 'week'],
    [at(3, 0, 0), 'week'],
    [at(2, 23, 59), 'older'],
    [new Date(2025, 0, 1), 'older'],
  ] as const)('%s is %s', (d, want) => {
    expect(dayGroup(d.toISOString(), now)).toBe(want);
  });
  it('reads a bad time as older', () => {
    expect(dayGroup('not a time', now)).toBe('older');
  });
});

describe('groupChats', () => {
  it('puts pinned chats first, then the days in order, keeping the list order and leaving empty groups out', () => {
    const chats = [
      chat('p2', at(10), { pinned: true }),
      chat('p1', at(1), { pinned: true }),
      chat('t1', at(10, 9)),
      chat('t2', at(10, 1)),
      chat('w1', at(5)),
      chat('o1', at(1)),
    ];
    const groups = groupChats(chats, now);
    expect(groups.map((g) => [g.label, g.chats.map((c) => c.id)])).toEqual([
      ['Pinned', ['p2', 'p1']],
      ['Today', ['t1', 't2']],
      ['Last 7 days', ['w1']],
      ['Older', ['o1']],
    ]);
    // Read top to bottom, the groups are the list itself.
    expect(groups.flatMap((g) => g.chats)).toEqual(chats);
  });
  it('has no groups for no chats', () => {
    expect(groupChats([], now)).toEqual([]);
  });
});

describe('archivedChats', () => {
  it('overlays what the window heard since the list came', () => {
    const listed = [chat('a', at(9), { archived: true }), chat('b', at(8), { archived: true })];
    const known: Record<string, Chat> = {
      b: chat('b', at(10), { archived: false }), // restored elsewhere
      c: chat('c', at(10, 8), { archived: true }), // archived here since
      d: chat('d', at(10, 9)), // an ordinary chat
    };
    expect(archivedChats(listed, known).map((c) => c.id)).toEqual(['c', 'a']);
  });
});
