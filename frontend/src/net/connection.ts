// The WebSocket to the Hearth server: reconnects with backoff, matches
// replies to requests by req_id, and keeps the link alive with pings.
// It knows nothing of chats; the controller decides what to do on (re)open.

import type { ClientFrame, ServerEvent } from '../protocol';
import type { Reason } from '../reasons';
import { backoffDelay } from './backoff';
import type { Reach } from './reach';

export type LinkStatus = 'connecting' | 'open' | 'reconnecting';

export interface LinkState {
  status: LinkStatus;
  attempt: number;
  retryAt: number | null;
  detail: string | null;
  /** What answers at the server's address while the socket is down (see reach.ts). */
  reach: Reach;
}

export class ProtocolError extends Error {
  constructor(
    readonly reason: Reason,
    readonly detail: string,
  ) {
    super(detail || reason);
    this.name = 'ProtocolError';
  }
}

interface Waiter {
  resolve: (ev: ServerEvent) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ConnectionOptions {
  url: () => string;
  onEvent: (ev: ServerEvent) => void;
  onState: (s: LinkState) => void;
  /** Called once the socket is open, after every (re)connect. */
  onOpen: () => void;
  WebSocketImpl?: typeof WebSocket;
  random?: () => number;
  requestTimeoutMs?: number;
  pingEveryMs?: number;
  /** Close and reconnect when nothing arrived for this long. */
  silenceMs?: number;
  /**
   * Asks who answers at the server's address, after each failed attempt, so
   * the banner can say whether Hearth is stopped, moved or refusing the token.
   */
  probe?: () => Promise<Reach>;
}

export class Connection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private stopped = false;
  private seq = 0;
  private reach: Reach = 'unknown';
  private probeSeq = 0;
  private retryAt: number | null = null;
  private detail: string | null = null;
  private readonly waiters = new Map<string, Waiter>();
  private readonly prefix = Math.random().toString(36).slice(2, 8);

  constructor(private readonly opts: ConnectionOptions) {}

  get isOpen(): boolean {
    return this.ws?.readyState === 1;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.ws?.close(1000, 'bye');
    this.ws = null;
    this.failWaiters('closed');
  }

  /** Skip the remaining backoff wait. */
  retryNow(): void {
    if (this.stopped || this.isOpen || this.ws) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  nextReqId(): string {
    this.seq += 1;
    return `${this.prefix}-${this.seq}`;
  }

  /** Fire and forget. Returns false when the socket is not open. */
  send(frame: ClientFrame & { req_id?: string }): boolean {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Send a frame and resolve with the first server frame that echoes its
   * req_id; an `error` frame rejects with a ProtocolError.
   */
  request<E extends ServerEvent = ServerEvent>(frame: ClientFrame, reqId = this.nextReqId()): Promise<E> {
    return new Promise<E>((resolve, reject) => {
      if (!this.send({ ...frame, req_id: reqId })) {
        reject(new ProtocolError('offline', 'Not connected to the Hearth server.'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(reqId);
        reject(new ProtocolError('timeout', 'The server did not answer in time.'));
      }, this.opts.requestTimeoutMs ?? 30_000);
      this.waiters.set(reqId, { resolve: resolve as (ev: ServerEvent) => void, reject, timer });
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    this.emit(this.attempt === 0 ? 'connecting' : 'reconnecting', null);
    let ws: WebSocket;
    try {
      ws = new Impl(this.opts.url());
    } catch (e) {
      this.scheduleRetry(String(e));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.probeSeq += 1; // a probe still under way speaks of the old socket
      this.reach = 'alive';
      this.lastFrameAt = Date.now();
      this.startPings();
      this.emit('open', null);
      this.opts.onOpen();
    };
    ws.onmessage = (m: MessageEvent) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      let ev: ServerEvent;
      try {
        ev = JSON.parse(String(m.data)) as ServerEvent;
      } catch {
        return;
      }
      if (!ev || typeof ev !== 'object' || typeof ev.event !== 'string') return;
      this.settle(ev);
      this.opts.onEvent(ev);
    };
    ws.onclose = (c: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      this.failWaiters('The connection closed before the server answered.');
      const why = c.code === 1000 || c.code === 1005 ? null : c.reason || `closed (code ${c.code})`;
      this.scheduleRetry(why);
    };
    ws.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  private settle(ev: ServerEvent): void {
    const id = ev.req_id;
    if (!id) return;
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    clearTimeout(w.timer);
    if (ev.event === 'error') w.reject(new ProtocolError(ev.reason, ev.detail ?? ''));
    else w.resolve(ev);
  }

  private scheduleRetry(detail: string | null): void {
    if (this.stopped) return;
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.opts.random);
    this.retryAt = Date.now() + delay;
    this.detail = detail;
    this.opts.onState({ status: 'reconnecting', attempt: this.attempt, retryAt: this.retryAt, detail, reach: this.reach });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryAt = null;
      this.connect();
    }, delay);
    this.runProbe();
  }

  private runProbe(): void {
    const probe = this.opts.probe;
    if (!probe) return;
    const seq = ++this.probeSeq;
    probe().then(
      (reach) => {
        if (seq !== this.probeSeq || this.stopped || this.isOpen) return;
        if (reach === 'unknown' && this.reach !== 'unknown') return; // keep the last clear answer
        this.reach = reach;
        this.opts.onState({ status: 'reconnecting', attempt: this.attempt, retryAt: this.retryAt, detail: this.detail, reach });
      },
      () => {},
    );
  }

  private startPings(): void {
    const every = this.opts.pingEveryMs ?? 15_000;
    const silence = this.opts.silenceMs ?? 40_000;
    this.pingTimer = setInterval(() => {
      if (!this.ws) return;
      if (Date.now() - this.lastFrameAt > silence) {
        // A half-open socket: the server is gone but no close arrived.
        const ws = this.ws;
        this.ws = null;
        ws.close();
        this.clearTimers();
        this.failWaiters('The server stopped answering.');
        this.scheduleRetry('The server stopped answering.');
        return;
      }
      this.send({ type: 'ping' });
    }, every);
  }

  private emit(status: LinkStatus, detail: string | null): void {
    this.opts.onState({ status, attempt: this.attempt, retryAt: null, detail, reach: this.reach });
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private failWaiters(detail: string): void {
    for (const [id, w] of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new ProtocolError('disconnected', detail));
      this.waiters.delete(id);
    }
  }
}
