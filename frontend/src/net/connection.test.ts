import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '../protocol';
import { Connection, type LinkState, ProtocolError } from './connection';
import type { Reach } from './reach';

class FakeWS {
  static all: FakeWS[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((c: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWS.all.push(this);
  }
  send(s: string) {
    this.sent.push(JSON.parse(s));
  }
  close() {
    this.readyState = 3;
  }
  // test helpers
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  recv(ev: ServerEvent) {
    this.onmessage?.({ data: JSON.stringify(ev) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function make() {
  const events: ServerEvent[] = [];
  const states: LinkState[] = [];
  let opens = 0;
  const c = new Connection({
    url: () => 'ws://x/ws?token=t',
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onOpen: () => void opens++,
    WebSocketImpl: FakeWS as unknown as typeof WebSocket,
    random: () => 1,
  });
  return { c, events, states, opens: () => opens };
}

describe('Connection', () => {
  beforeEach(() => {
    FakeWS.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('resolves a request with the reply that echoes its req_id and passes every frame on', async () => {
    const { c, events } = make();
    c.start();
    FakeWS.all[0]!.open();
    const p = c.request({ type: 'list_models' });
    const sent = FakeWS.all[0]!.sent[0]!;
    expect(sent.type).toBe('list_models');
    FakeWS.all[0]!.recv({ event: 'pong' });
    FakeWS.all[0]!.recv({ event: 'models', req_id: sent.req_id as string, items: [{ id: 'm' }] });
    await expect(p).resolves.toMatchObject({ event: 'models' });
    expect(events.map((e) => e.event)).toEqual(['pong', 'models']);
  });

  it('rejects with the server reason on an error reply', async () => {
    const { c } = make();
    c.start();
    FakeWS.all[0]!.open();
    const p = c.request({ type: 'cancel', chat_id: 'c' });
    const id = FakeWS.all[0]!.sent[0]!.req_id as string;
    FakeWS.all[0]!.recv({ event: 'error', req_id: id, reason: 'not_running', detail: 'nothing runs' });
    await expect(p).rejects.toEqual(new ProtocolError('not_running', 'nothing runs'));
  });

  it('fails pending requests when the socket drops, then reconnects with growing, capped delays', async () => {
    const { c, states, opens } = make();
    c.start();
    FakeWS.all[0]!.open();
    expect(opens()).toBe(1);
    const p = c.request({ type: 'list_chats' });
    FakeWS.all[0]!.drop();
    await expect(p).rejects.toMatchObject({ reason: 'disconnected' });

    const delays: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const s = states[states.length - 1]!;
      expect(s.status).toBe('reconnecting');
      delays.push(s.retryAt! - Date.now());
      vi.advanceTimersByTime(s.retryAt! - Date.now());
      expect(FakeWS.all).toHaveLength(i + 1);
      FakeWS.all[i]!.drop();
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    const s = states[states.length - 1]!;
    vi.advanceTimersByTime(s.retryAt! - Date.now());
    FakeWS.all[FakeWS.all.length - 1]!.open();
    expect(opens()).toBe(2);
    expect(states[states.length - 1]!.status).toBe('open');
  });

  it('treats a silent socket as dead', () => {
    const { c, states } = make();
    c.start();
    FakeWS.all[0]!.open();
    vi.advanceTimersByTime(60_000);
    expect(states.some((s) => s.status === 'reconnecting' && s.detail === 'The server stopped answering.')).toBe(true);
  });

  it('refuses to send while offline', async () => {
    const { c } = make();
    c.start();
    await expect(c.request({ type: 'ping' })).rejects.toMatchObject({ reason: 'offline' });
  });

  it('asks who answers at the address after a drop, and tells the state', async () => {
    const answers: Array<(r: Reach) => void> = [];
    const states: LinkState[] = [];
    const c = new Connection({
      url: () => 'ws://x/ws?token=t',
      onEvent: () => {},
      onState: (s) => states.push(s),
      onOpen: () => {},
      WebSocketImpl: FakeWS as unknown as typeof WebSocket,
      random: () => 1,
      probe: () => new Promise<Reach>((res) => answers.push(res)),
    });
    c.start();
    FakeWS.all[0]!.open();
    expect(answers).toHaveLength(0);
    FakeWS.all[0]!.drop();
    expect(answers).toHaveLength(1);
    expect(states[states.length - 1]).toMatchObject({ status: 'reconnecting', reach: 'alive' });
    answers[0]!('elsewhere');
    await Promise.resolve();
    expect(states[states.length - 1]).toMatchObject({ status: 'reconnecting', attempt: 1, reach: 'elsewhere' });
    expect(states[states.length - 1]!.retryAt).not.toBeNull();

    // The next attempt fails too; an unclear answer keeps the last clear one.
    vi.advanceTimersByTime(500);
    FakeWS.all[1]!.drop();
    answers[1]!('unknown');
    await Promise.resolve();
    expect(states[states.length - 1]!.reach).toBe('elsewhere');

    // An answer that arrives after the socket opened speaks of the past.
    vi.advanceTimersByTime(1000);
    FakeWS.all[2]!.drop();
    vi.advanceTimersByTime(2000);
    FakeWS.all[3]!.open();
    const n = states.length;
    answers[2]!('down');
    await Promise.resolve();
    expect(states).toHaveLength(n);
    expect(states[n - 1]).toMatchObject({ status: 'open', reach: 'alive' });
    c.stop();
  });
});
