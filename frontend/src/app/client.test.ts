import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../protocol';
import { HearthClient, type Scheduler } from './client';

function manualScheduler() {
  const frames: (() => void)[] = [];
  const sched: Scheduler = { frame: (cb) => void frames.push(cb), now: () => 0 };
  const runFrame = () => {
    const fs = frames.splice(0);
    for (const f of fs) f();
  };
  return { sched, frames, runFrame };
}

describe('HearthClient batching', () => {
  it('applies a burst of stream events in one update per animation frame', () => {
    const { sched, frames, runFrame } = manualScheduler();
    const client = new HearthClient(null, sched);
    let renders = 0;
    client.subscribe(() => void renders++);
    client.openChat('c');
    renders = 0;
    const feed = (ev: ServerEvent) => (client as unknown as { onEvent: (e: ServerEvent) => void }).onEvent(ev);
    feed({ event: 'turn_start', chat_id: 'c', seq: 1, turn_id: 'T' });
    for (let i = 0; i < 200; i++) feed({ event: 'delta', chat_id: 'c', seq: 2 + i, turn_id: 'T', text: 'x' });
    expect(renders).toBe(0);
    expect(frames).toHaveLength(1);
    runFrame();
    expect(renders).toBe(1);
    expect(client.getState().views.c!.messages[0]!.content).toBe('x'.repeat(200));
  });

  it('keeps order between queued stream events and a direct action', () => {
    const { sched } = manualScheduler();
    const client = new HearthClient(null, sched);
    client.openChat('c');
    const feed = (ev: ServerEvent) => (client as unknown as { onEvent: (e: ServerEvent) => void }).onEvent(ev);
    feed({ event: 'turn_start', chat_id: 'c', seq: 1, turn_id: 'T' });
    // A direct action (here: the user presses Stop) first applies what is queued.
    client.dispatch({ type: 'cancel_requested', chatId: 'c' });
    expect(client.getState().views.c!.stopping).toBe(true);
  });
});
