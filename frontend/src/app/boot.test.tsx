import { act } from 'react';
import type { Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONNECTING_GRACE_MS } from '../components/StatusBar';
import type { ServerEvent } from '../protocol';
import { mountApp } from './boot';
import { HearthClient, type Scheduler } from './client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** A WebSocket the test drives; it notes what the page showed when it was made. */
class FakeWS {
  static all: FakeWS[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  /** Was the app already in the document when the socket was created? */
  readonly pageRendered = document.querySelector('.app') !== null;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((c: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWS.all.push(this);
  }
  send(s: string) {
    this.sent.push(JSON.parse(s) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  recv(ev: ServerEvent) {
    this.onmessage?.({ data: JSON.stringify(ev) });
  }
}

/** Animation frames that run only when the test says so. */
const noFrames: Scheduler = { frame: () => {}, now: () => 0 };

const endpoint = { http: 'http://127.0.0.1:9/', ws: 'ws://127.0.0.1:9/ws', token: 't', desktop: false };

const banner = () => document.querySelector('.banner')?.textContent ?? null;

describe('mounting the page', () => {
  let container: HTMLElement;
  let root: Root | null = null;
  let client: HearthClient | null = null;

  beforeEach(() => {
    FakeWS.all = [];
    vi.stubGlobal('WebSocket', FakeWS);
    container = document.createElement('div');
    document.body.appendChild(container);
  });

  afterEach(() => {
    act(() => root?.unmount());
    client?.stop();
    root = null;
    client = null;
    container.remove();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('opens the socket only once the first render is on screen, so its open is not stuck behind that render', () => {
    client = new HearthClient(endpoint, noFrames);
    let painted: (() => void) | null = null;
    act(() => {
      root = mountApp(container, client!, (cb) => {
        painted = cb;
      });
    });
    // Rendered synchronously, and no socket yet: the server cannot hold a
    // connection the page has not even drawn.
    expect(container.querySelector('.app')).not.toBeNull();
    expect(FakeWS.all).toHaveLength(0);
    act(() => painted!());
    expect(FakeWS.all).toHaveLength(1);
    expect(FakeWS.all[0]!.pageRendered).toBe(true);
  });

  it('opens exactly one socket under StrictMode', () => {
    client = new HearthClient(endpoint, noFrames);
    act(() => {
      root = mountApp(container, client!, (cb) => cb());
    });
    expect(FakeWS.all).toHaveLength(1);
  });

  it('drops "Connecting…" the moment the socket opens: no reply, timer or animation frame needed', () => {
    vi.useFakeTimers();
    client = new HearthClient(endpoint, noFrames);
    act(() => {
      root = mountApp(container, client!, (cb) => cb());
    });
    // The server is slow to accept: after the grace the banner says so.
    act(() => void vi.advanceTimersByTime(CONNECTING_GRACE_MS + 10));
    expect(banner()).toContain('Connecting to Hearth');
    // Accepted. The `ready` that follows goes through the (never run) frame
    // queue; the banner must not wait for it, nor for list_chats.
    act(() => FakeWS.all[0]!.open());
    expect(client.getState().conn.status).toBe('open');
    expect(banner()).toBeNull();
    act(() => FakeWS.all[0]!.recv({ event: 'ready', client_id: 'k', chat_id: 'c', protocol: 1 }));
    act(() => void vi.advanceTimersByTime(5000));
    expect(banner()).toBeNull();
  });

  it('says "Connecting…" only when the first connection takes longer than the grace period', () => {
    vi.useFakeTimers();
    client = new HearthClient(endpoint, noFrames);
    act(() => {
      root = mountApp(container, client!, (cb) => cb());
    });
    expect(container.querySelector('.app')).not.toBeNull();
    expect(banner()).toBeNull();
    act(() => void vi.advanceTimersByTime(CONNECTING_GRACE_MS - 100));
    expect(banner()).toBeNull();
    act(() => void vi.advanceTimersByTime(200));
    expect(banner()).toContain('Connecting to Hearth');
  });
});
