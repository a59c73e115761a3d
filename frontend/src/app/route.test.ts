import { describe, expect, it } from 'vitest';
import { chatFromHash, hashWithChat, routeByHash, type RouteEnv } from './route';

function fakeEnv(hash: string) {
  const entries = [hash];
  let at = 0;
  const listeners: Array<() => void> = [];
  const env: RouteEnv = {
    location: {
      get hash() {
        return entries[at]!;
      },
      pathname: '/',
      search: '',
    },
    history: {
      state: null,
      pushState: (_s, _t, u) => {
        entries.splice(at + 1, entries.length, String(u).replace(/^\//, ''));
        at++;
      },
      replaceState: (_s, _t, u) => {
        entries[at] = String(u).replace(/^\//, '');
      },
    },
    addEventListener: (_t, l) => void listeners.push(l),
    removeEventListener: () => {},
  };
  const go = (d: number) => {
    at += d;
    for (const l of listeners) l();
  };
  return { env, entries, go, at: () => at };
}

function fakeClient(active: string | null = null) {
  let state = { activeChatId: active };
  const ls = new Set<() => void>();
  const opened: Array<string | null> = [];
  return {
    opened,
    getState: () => state,
    subscribe: (l: () => void) => {
      ls.add(l);
      return () => ls.delete(l);
    },
    openChat(id: string | null) {
      opened.push(id);
      state = { activeChatId: id };
      for (const l of ls) l();
    },
  };
}

describe('chat in the address', () => {
  it('reads and writes #chat= beside other parameters', () => {
    expect(chatFromHash('#chat=c1')).toBe('c1');
    expect(chatFromHash('#x=1&chat=c2')).toBe('c2');
    expect(chatFromHash('')).toBeNull();
    expect(chatFromHash('#chat=')).toBeNull();
    expect(hashWithChat('', 'c1')).toBe('#chat=c1');
    expect(hashWithChat('#x=1&chat=c1', 'c2')).toBe('#x=1&chat=c2');
    expect(hashWithChat('#chat=c1', null)).toBe('');
  });

  it('opens the chat the address names, then records each chat opened', () => {
    const f = fakeEnv('#chat=a');
    const c = fakeClient();
    routeByHash(c, f.env);
    expect(c.opened).toEqual(['a']);
    expect(f.entries).toEqual(['#chat=a']);
    c.openChat('b');
    expect(f.entries).toEqual(['#chat=a', '#chat=b']);
    // Back: the address names a again, and a opens.
    f.go(-1);
    expect(c.getState().activeChatId).toBe('a');
    // Forward: b again, with no new entry.
    f.go(1);
    expect(c.getState().activeChatId).toBe('b');
    expect(f.entries).toEqual(['#chat=a', '#chat=b']);
  });

  it('replaces the entry for the chat opened at start without a link', () => {
    const f = fakeEnv('');
    const c = fakeClient();
    routeByHash(c, f.env);
    expect(c.opened).toEqual([]);
    c.openChat('newest');
    expect(f.entries).toEqual(['#chat=newest']);
    c.openChat('other');
    expect(f.entries).toEqual(['#chat=newest', '#chat=other']);
  });
});
