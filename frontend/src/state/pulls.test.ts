import { describe, expect, it } from 'vitest';
import { initialState, reduce, type State } from './store';
import type { ServerEvent } from '../protocol';

const server = (s: State, ev: ServerEvent) => reduce(s, { type: 'server', ev, now: 0 });

describe('downloads in the store', () => {
  it('follows a download from progress to its end, and a new one of the same name replaces it', () => {
    let s = server(initialState(), { event: 'pull_progress', pull_id: 'p1', name: 'm', status: 'pulling ab', completed: 5, total: 10, bytes_per_sec: 2 });
    expect(s.pulls.p1).toMatchObject({ completed: 5, total: 10, bytes_per_sec: 2 });
    s = server(s, { event: 'pull_done', pull_id: 'p1', name: 'm', status: 'cancelled', completed: 6, total: 10 });
    expect(s.pulls.p1).toMatchObject({ end: 'cancelled', completed: 6, bytes_per_sec: 0 });
    // A progress that arrives after the end changes nothing.
    expect(server(s, { event: 'pull_progress', pull_id: 'p1', name: 'm', status: 'x', completed: 7, total: 10 })).toBe(s);
    s = server(s, { event: 'pull_progress', pull_id: 'p2', name: 'm', status: 'starting', completed: 0, total: 0 });
    expect(Object.keys(s.pulls)).toEqual(['p2']);
    s = reduce(s, { type: 'pull_dismiss', pullId: 'p2' });
    expect(s.pulls).toEqual({});
  });

  it('takes the running downloads from list_pulls and keeps ended ones', () => {
    let s = server(initialState(), { event: 'pull_done', pull_id: 'old', name: 'a', status: 'error', error: 'no' });
    s = server(s, { event: 'pulls', items: [{ pull_id: 'p9', name: 'b', status: 'pulling x', completed: 1, total: 2, bytes_per_sec: 0 }] });
    expect(Object.keys(s.pulls).sort()).toEqual(['old', 'p9']);
  });

  it('keeps what the server said about each model', () => {
    const s = reduce(initialState(), {
      type: 'models_loaded',
      items: ['a'],
      info: [{ id: 'a', family: 'llama', capabilities: ['vision'] }],
    });
    expect(s.models.info?.a?.family).toBe('llama');
  });
});
