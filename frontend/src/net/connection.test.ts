import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '../protocol';
import { Connection, type LinkState, ProtocolError } from './connection';

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
});
