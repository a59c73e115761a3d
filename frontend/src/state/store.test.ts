import { describe, expect, it } from 'vitest';
import type { Chat, Message, ServerEvent } from '../protocol';
import {
  type Action,
  type State,
  FIRST_INDEX,
  initialState,
  reduce,
  reduceAll,
  sortedChats,
} from './store';

const C = 'chat-1';

/**
 * Message ids are numbers on the wire and strings in the view (String(id)).
 * These tests name messages 'm1', 'A'… so a reader can follow them; such a
 * name takes the same String() path, wireId only tells the type checker so.
 */
const wireId = (name: string) => name as unknown as number;

/** A message as the server sends it: the fields a test does not care about filled in. */
function wireMsg(m: Omit<Message, 'end_seq' | 'media' | 'created_at'> & Partial<Message>): Message {
  return { end_seq: m.seq, media: [], created_at: '2025-01-01T00:00:00.000Z', ...m };
}

function chat(id: string, updated: string, extra: Partial<Chat> = {}): Chat {
  return {
    id,
    title: `Chat ${id}`,
    model: '',
    system: '',
    pinned: false,
    archived: false,
    params: {},
    created_at: updated,
    updated_at: updated,
    last_seq: 0,
    message_count: 0,
    running: false,
    ...extra,
  };
}

function userMsg(seq: number, content: string, turnId = `t${seq}`): Message {
  return wireMsg({ id: wireId(`m${seq}`), chat_id: C, seq, turn_id: turnId, role: 'user', content, status: 'done' });
}

function srv(ev: ServerEvent, now = 0): Action {
  return { type: 'server', ev, now };
}

/** A state with chat C open, its (empty) history loaded and attached. */
function opened(lastSeq = 0, items: Message[] = []): State {
  let s = reduce(initialState(), { type: 'conn', status: 'open' });
  s = reduce(s, srv({ event: 'chats', items: [chat(C, '2025-01-01T00:00:00.000Z')] }));
  s = reduce(s, { type: 'open_chat', chatId: C });
  s = reduce(s, {
    type: 'history',
    kind: 'initial',
    ev: { event: 'history', chat_id: C, items, has_more: false, last_seq: lastSeq },
  });
  return reduce(s, srv({ event: 'attached', chat_id: C, last_seq: lastSeq, status: 'idle' }));
}

const view = (s: State) => s.views[C]!;
const last = (s: State) => view(s).messages[view(s).messages.length - 1]!;

/** The events of one whole turn: user message, reasoning, answer, end. */
function turn(first: number, turnId: string, prompt: string, reasoning: string[], answer: string[]): ServerEvent[] {
  let seq = first;
  const evs: ServerEvent[] = [
    { event: 'user_message', chat_id: C, seq: seq++, message: userMsg(first, prompt, turnId) },
    { event: 'turn_start', chat_id: C, seq: seq++, turn_id: turnId, model: 'm', message_id: wireId(`a-${turnId}`) },
  ];
  for (const r of reasoning) evs.push({ event: 'reasoning_delta', chat_id: C, seq: seq++, turn_id: turnId, text: r });
  if (reasoning.length) {
    evs.push({ event: 'reasoning_end', chat_id: C, seq: seq++, turn_id: turnId, duration_ms: 1200, text: reasoning.join('') });
  }
  for (const a of answer) evs.push({ event: 'delta', chat_id: C, seq: seq++, turn_id: turnId, text: a });
  evs.push({ event: 'stream_end', chat_id: C, seq: seq++, turn_id: turnId, text: answer.join('') });
  evs.push({ event: 'turn_end', chat_id: C, seq: seq++, turn_id: turnId, status: 'done', latency_ms: 2000 });
  return evs;
}

describe('stream state: deltas and reasoning', () => {
  it('builds an assistant message from reasoning and answer deltas', () => {
    let s = opened();
    const evs = turn(1, 'T', 'hi', ['Let me ', 'think.'], ['Hello', ', world']);
    // Stop right after the second reasoning delta: the reasoning is live.
    s = reduceAll(s, evs.slice(0, 4).map((e, i) => srv(e, 1000 + i * 100)));
    expect(view(s).runningTurnId).toBe('T');
    expect(last(s)).toMatchObject({
      id: 'a-T',
      role: 'assistant',
      status: 'streaming',
      reasoning: 'Let me think.',
      content: '',
      reasoningStartedAt: 1200,
    });
    expect(last(s).reasoningDone).toBeFalsy();
    expect(s.chats[C]!.running).toBe(true);

    s = reduceAll(s, evs.slice(4).map((e) => srv(e, 3000)));
    const m = last(s);
    expect(m).toMatchObject({
      content: 'Hello, world',
      reasoning: 'Let me think.',
      reasoning_ms: 1200,
      reasoningDone: true,
      status: 'done',
      latency_ms: 2000,
    });
    expect(view(s).messages.map((x) => x.role)).toEqual(['user', 'assistant']);
    expect(view(s).runningTurnId).toBeNull();
    expect(view(s).appliedSeq).toBe((evs[evs.length - 1] as { seq: number }).seq);
    expect(s.chats[C]!.running).toBe(false);
  });

  it('ends reasoning when the answer starts even without reasoning_end, timing it on the client clock', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T' }, 0),
      srv({ event: 'reasoning_delta', chat_id: C, seq: 2, turn_id: 'T', text: 'hmm' }, 500),
      srv({ event: 'delta', chat_id: C, seq: 3, turn_id: 'T', text: 'A' }, 2500),
    ]);
    expect(last(s)).toMatchObject({ reasoning: 'hmm', reasoningDone: true, reasoning_ms: 2000, content: 'A' });
  });

  it('does not invent reasoning for answers without any', () => {
    let s = opened();
    s = reduceAll(s, turn(1, 'T', 'q', [], ['x']).map((e) => srv(e)));
    expect(last(s).reasoning).toBe('');
    expect(last(s).reasoning_ms).toBeUndefined();
  });

  it('shows a provider error on the turn', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'user_message', chat_id: C, seq: 1, message: userMsg(1, 'fail', 'T') }),
      srv({ event: 'turn_start', chat_id: C, seq: 2, turn_id: 'T' }),
      srv({
        event: 'turn_end',
        chat_id: C,
        seq: 3,
        turn_id: 'T',
        status: 'error',
        error: 'The model server answered 500 Internal Server Error.',
      }),
    ]);
    expect(last(s)).toMatchObject({ status: 'error', error: 'The model server answered 500 Internal Server Error.' });
    expect(view(s).runningTurnId).toBeNull();
  });
});

describe('stream state: dedup by seq', () => {
  it('ignores every event whose seq is not above the applied seq', () => {
    let s = opened();
    const evs = turn(1, 'T', 'hi', ['a', 'b'], ['x', 'y']);
    s = reduceAll(s, evs.slice(0, 6).map((e) => srv(e)));
    const before = last(s);
    // The same deltas again (e.g. a replay overlapping what we hold).
    s = reduceAll(s, evs.slice(2, 6).map((e) => srv(e)));
    expect(last(s).reasoning).toBe(before.reasoning);
    expect(last(s).content).toBe('x');
    expect(view(s).messages).toHaveLength(2);
    s = reduceAll(s, evs.slice(6).map((e) => srv(e)));
    expect(last(s).content).toBe('xy');
  });

  it('returns the very same state object for a duplicate', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T' }));
    s = reduce(s, srv({ event: 'delta', chat_id: C, seq: 2, turn_id: 'T', text: 'x' }));
    const s2 = reduce(s, srv({ event: 'delta', chat_id: C, seq: 2, turn_id: 'T', text: 'x' }));
    expect(s2).toBe(s);
  });

  it('starts from the history page last_seq, so an overlapping replay is not applied twice', () => {
    const items = [userMsg(1, 'q', 'T'), { ...userMsg(2, 'answer'), role: 'assistant' as const, turn_id: 'T', end_seq: 5 }];
    let s = opened(5, items);
    s = reduce(s, srv({ event: 'stream_end', chat_id: C, seq: 4, turn_id: 'T', text: 'answer' }));
    s = reduce(s, srv({ event: 'turn_end', chat_id: C, seq: 5, turn_id: 'T', status: 'done' }));
    expect(view(s).messages).toHaveLength(2);
    expect(view(s).appliedSeq).toBe(5);
  });
});

describe('stream state: resume after a reconnect', () => {
  it('replaces partial text with the snapshot of a turn that finished while we were away', () => {
    let s = opened();
    const evs = turn(1, 'T', 'hi', ['thinking ', 'hard'], ['Hel', 'lo ', 'there']);
    // Received up to the first answer delta, then the socket died.
    const cut = evs.findIndex((e) => e.event === 'delta') + 1;
    s = reduceAll(s, evs.slice(0, cut).map((e) => srv(e)));
    expect(last(s).content).toBe('Hel');
    const since = view(s).appliedSeq;

    s = reduce(s, { type: 'conn', status: 'reconnecting', attempt: 1, retryAt: 5 });
    expect(view(s).attached).toBe(false);
    s = reduce(s, { type: 'conn', status: 'open' });

    // The server replays the finished turn as its final snapshot: only events above `since`.
    const snapshot: ServerEvent[] = [
      { event: 'reasoning_end', chat_id: C, seq: 5, turn_id: 'T', duration_ms: 1500, text: 'thinking hard' },
      { event: 'stream_end', chat_id: C, seq: 9, turn_id: 'T', text: 'Hello there' },
      { event: 'turn_end', chat_id: C, seq: 10, turn_id: 'T', status: 'done' },
    ].filter((e) => (e as { seq: number }).seq > since) as ServerEvent[];
    s = reduceAll(s, snapshot.map((e) => srv(e)));
    s = reduce(s, srv({ event: 'attached', chat_id: C, last_seq: 10, status: 'idle' }));

    expect(last(s)).toMatchObject({ content: 'Hello there', reasoning: 'thinking hard', status: 'done' });
    expect(view(s).messages).toHaveLength(2);
    expect(view(s).attached).toBe(true);
    expect(view(s).appliedSeq).toBe(10);
  });

  it('continues a still-running turn from exact deltas, with no gap and no duplicate', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T' }),
      srv({ event: 'delta', chat_id: C, seq: 2, turn_id: 'T', text: 'one ' }),
      srv({ event: 'delta', chat_id: C, seq: 3, turn_id: 'T', text: 'two ' }),
    ]);
    s = reduce(s, { type: 'conn', status: 'reconnecting', attempt: 1 });
    s = reduce(s, { type: 'conn', status: 'open' });
    // A careless server replays from a lower seq: the overlap must not double.
    s = reduceAll(s, [
      srv({ event: 'delta', chat_id: C, seq: 3, turn_id: 'T', text: 'two ' }),
      srv({ event: 'delta', chat_id: C, seq: 4, turn_id: 'T', text: 'three ' }),
      srv({ event: 'attached', chat_id: C, last_seq: 4, status: 'running', turn_id: 'T' }),
      srv({ event: 'delta', chat_id: C, seq: 5, turn_id: 'T', text: 'four' }),
    ]);
    expect(last(s).content).toBe('one two three four');
    expect(view(s).runningTurnId).toBe('T');
  });

  it('marks a turn interrupted by a server restart', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T' }),
      srv({ event: 'delta', chat_id: C, seq: 2, turn_id: 'T', text: 'partial answ' }),
    ]);
    s = reduce(s, { type: 'conn', status: 'reconnecting', attempt: 1 });
    s = reduce(s, { type: 'conn', status: 'open' });
    s = reduceAll(s, [
      srv({ event: 'stream_end', chat_id: C, seq: 3, turn_id: 'T', text: 'partial' }),
      srv({ event: 'turn_end', chat_id: C, seq: 4, turn_id: 'T', status: 'interrupted' }),
      srv({ event: 'attached', chat_id: C, last_seq: 4, status: 'idle' }),
    ]);
    // The stored text is the truth after a restart, even if shorter.
    expect(last(s)).toMatchObject({ content: 'partial', status: 'interrupted' });
    expect(view(s).needsReconcile).toBe(false);
  });

  it('asks for a reconcile when the server is idle but we still show a stream, and settles on the page', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T', message_id: wireId('A') }),
      srv({ event: 'delta', chat_id: C, seq: 2, turn_id: 'T', text: 'par' }),
    ]);
    s = reduce(s, { type: 'conn', status: 'reconnecting', attempt: 1 });
    s = reduce(s, { type: 'conn', status: 'open' });
    s = reduce(s, srv({ event: 'attached', chat_id: C, last_seq: 2, status: 'idle' }));
    expect(view(s).needsReconcile).toBe(true);
    expect(view(s).runningTurnId).toBeNull();
    s = reduce(s, {
      type: 'history',
      kind: 'reconcile',
      ev: {
        event: 'history',
        chat_id: C,
        has_more: false,
        last_seq: 2,
        items: [wireMsg({ id: wireId('A'), chat_id: C, seq: 1, turn_id: 'T', role: 'assistant', content: 'partial', status: 'interrupted' })],
      },
    });
    expect(view(s).needsReconcile).toBe(false);
    expect(view(s).messages).toHaveLength(1);
    expect(last(s)).toMatchObject({ content: 'partial', status: 'interrupted' });
  });

  it('lets a client that joined mid-turn build the message from the replayed deltas', () => {
    let s = reduce(initialState(), { type: 'conn', status: 'open' });
    s = reduce(s, { type: 'open_chat', chatId: C });
    // The history page leaves the running turn out; attach replays it.
    s = reduce(s, {
      type: 'history',
      kind: 'initial',
      ev: { event: 'history', chat_id: C, items: [userMsg(1, 'q', 'T')], has_more: false, last_seq: 1 },
    });
    s = reduceAll(s, [
      srv({ event: 'turn_start', chat_id: C, seq: 2, turn_id: 'T', message_id: wireId('A') }, 10),
      srv({ event: 'reasoning_delta', chat_id: C, seq: 3, turn_id: 'T', text: 'r1' }, 10),
      srv({ event: 'attached', chat_id: C, last_seq: 3, status: 'running', turn_id: 'T' }),
      srv({ event: 'reasoning_delta', chat_id: C, seq: 4, turn_id: 'T', text: 'r2' }, 20),
    ]);
    expect(view(s).messages.map((m) => m.id)).toEqual(['m1', 'A']);
    expect(last(s)).toMatchObject({ reasoning: 'r1r2', status: 'streaming' });
    expect(view(s).runningTurnId).toBe('T');
  });

  it('creates the message when it joined after turn_start (no turn_start seen at all)', () => {
    let s = opened(7);
    s = reduceAll(s, [
      srv({ event: 'delta', chat_id: C, seq: 8, turn_id: 'T', text: 'late ' }),
      srv({ event: 'delta', chat_id: C, seq: 9, turn_id: 'T', text: 'join' }),
      srv({ event: 'turn_end', chat_id: C, seq: 10, turn_id: 'T', status: 'done' }),
    ]);
    expect(last(s)).toMatchObject({ role: 'assistant', content: 'late join', status: 'done', seq: 8 });
    expect(view(s).runningTurnId).toBeNull();
  });
});

describe('stream state: sending, queue and cancel', () => {
  it('shows a pending send until the server commits it', () => {
    let s = opened();
    s = reduce(s, { type: 'send', chatId: C, reqId: 'r1', content: 'hello', media: [], queued: false });
    expect(view(s).pending).toHaveLength(1);
    s = reduce(
      s,
      srv({ event: 'message_accepted', req_id: 'r1', chat_id: C, seq: 1, turn_id: 'T', message: userMsg(1, 'hello', 'T') }),
    );
    expect(view(s).pending).toHaveLength(0);
    expect(view(s).messages).toHaveLength(1);
  });

  it('keeps the failure of a send visible with its reason', () => {
    let s = opened();
    s = reduce(s, { type: 'send', chatId: C, reqId: 'r1', content: 'x', media: [], queued: false });
    s = reduce(s, { type: 'send_failed', chatId: C, reqId: 'r1', error: { reason: 'busy', detail: 'a turn is running' } });
    expect(view(s).pending[0]!.error).toEqual({ reason: 'busy', detail: 'a turn is running' });
    s = reduce(s, { type: 'dismiss_pending', chatId: C, reqId: 'r1' });
    expect(view(s).pending).toHaveLength(0);
  });

  it('shows a queued message as queued until its own turn starts', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'user_message', chat_id: C, seq: 1, message: userMsg(1, 'first', 'T1') }),
      srv({ event: 'turn_start', chat_id: C, seq: 2, turn_id: 'T1', message_id: wireId('A1') }),
      srv({ event: 'delta', chat_id: C, seq: 3, turn_id: 'T1', text: 'working' }),
    ]);
    s = reduce(s, { type: 'send', chatId: C, reqId: 'r2', content: 'second', media: [], queued: true });
    s = reduce(
      s,
      srv({
        event: 'message_accepted',
        req_id: 'r2',
        chat_id: C,
        seq: 4,
        turn_id: 'T2',
        queued: true,
        message: userMsg(4, 'second', 'T2'),
      }),
    );
    expect(view(s).messages.find((m) => m.id === 'm4')!.queued).toBe(true);
    s = reduceAll(s, [
      srv({ event: 'delta', chat_id: C, seq: 5, turn_id: 'T1', text: ' done' }),
      srv({ event: 'turn_end', chat_id: C, seq: 6, turn_id: 'T1', status: 'done' }),
    ]);
    // The first turn's text stayed on the first answer, above the queued message.
    expect(view(s).messages.map((m) => m.id)).toEqual(['m1', 'A1', 'm4']);
    expect(view(s).messages[1]!.content).toBe('working done');
    expect(s.chats[C]!.running).toBe(true); // the queue keeps the chat busy
    s = reduce(s, srv({ event: 'turn_start', chat_id: C, seq: 7, turn_id: 'T2', message_id: wireId('A2') }));
    expect(view(s).messages.find((m) => m.id === 'm4')!.queued).toBe(false);
    expect(view(s).runningTurnId).toBe('T2');
    expect(view(s).messages.map((m) => m.id)).toEqual(['m1', 'A1', 'm4', 'A2']);
  });

  it('un-queues in order when user messages name no turn (as another window sees them)', () => {
    let s = opened();
    const noTurn = (seq: number, content: string): Message => wireMsg({ id: wireId(`m${seq}`), chat_id: C, seq, role: 'user', content, status: 'done' });
    s = reduceAll(s, [
      srv({ event: 'user_message', chat_id: C, seq: 1, message: noTurn(1, 'first') }),
      srv({ event: 'turn_start', chat_id: C, seq: 2, turn_id: 'T1' }),
      srv({ event: 'user_message', chat_id: C, seq: 3, queued: true, message: noTurn(3, 'second') }),
      srv({ event: 'user_message', chat_id: C, seq: 4, queued: true, message: noTurn(4, 'third') }),
      srv({ event: 'turn_end', chat_id: C, seq: 5, turn_id: 'T1', status: 'done' }),
      srv({ event: 'turn_start', chat_id: C, seq: 6, turn_id: 'T2' }),
    ]);
    const q = (id: string) => view(s).messages.find((m) => m.id === id)!.queued;
    expect([q('m3'), q('m4')]).toEqual([false, true]);
    s = reduceAll(s, [
      srv({ event: 'turn_end', chat_id: C, seq: 7, turn_id: 'T2', status: 'done' }),
      srv({ event: 'turn_start', chat_id: C, seq: 8, turn_id: 'T3' }),
    ]);
    expect(q('m4')).toBe(false);
  });

  it('takes the turn of an accepted message from the acceptance', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T1' }));
    s = reduce(s, srv({
      event: 'message_accepted', req_id: 'r', chat_id: C, seq: 2, turn_id: 'T2', queued: true,
      message: wireMsg({ id: 7, chat_id: C, seq: 2, role: 'user', content: 'later', status: 'done' }),
    }));
    expect(view(s).messages.find((m) => m.id === '7')).toMatchObject({ turn_id: 'T2', queued: true });
  });

  it('cancel keeps the partial answer and ends the turn', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'turn_start', chat_id: C, seq: 1, turn_id: 'T' }),
      srv({ event: 'delta', chat_id: C, seq: 2, turn_id: 'T', text: 'partial ' }),
    ]);
    s = reduce(s, { type: 'cancel_requested', chatId: C });
    expect(view(s).stopping).toBe(true);
    s = reduceAll(s, [
      srv({ event: 'stream_end', chat_id: C, seq: 3, turn_id: 'T', text: 'partial ' }),
      srv({ event: 'turn_end', chat_id: C, seq: 4, turn_id: 'T', status: 'cancelled' }),
    ]);
    expect(last(s)).toMatchObject({ content: 'partial ', status: 'cancelled' });
    expect(view(s).stopping).toBe(false);
    expect(view(s).runningTurnId).toBeNull();
  });

  it('cancel with nothing running changes nothing', () => {
    const s = opened();
    expect(reduce(s, { type: 'cancel_requested', chatId: C }).views[C]!.stopping).toBe(false);
  });

  it('drops a pending send that comes back as a replayed user message after a reconnect', () => {
    let s = opened();
    s = reduce(s, { type: 'send', chatId: C, reqId: 'r1', content: 'lost ack', media: [], queued: false });
    s = reduce(s, { type: 'conn', status: 'reconnecting', attempt: 1 });
    s = reduce(s, { type: 'conn', status: 'open' });
    s = reduce(s, srv({ event: 'user_message', chat_id: C, seq: 1, message: userMsg(1, 'lost ack', 'T') }));
    s = reduce(s, srv({ event: 'attached', chat_id: C, last_seq: 1, status: 'running', turn_id: 'T' }));
    expect(view(s).pending).toHaveLength(0);
    expect(view(s).messages).toHaveLength(1);
  });

  it('marks a pending send that never reached the server as not sent after a reconnect', () => {
    let s = opened();
    s = reduce(s, { type: 'send', chatId: C, reqId: 'r1', content: 'never arrived', media: [], queued: false });
    s = reduce(s, { type: 'conn', status: 'reconnecting', attempt: 1 });
    s = reduce(s, { type: 'conn', status: 'open' });
    s = reduce(s, srv({ event: 'attached', chat_id: C, last_seq: 0, status: 'idle' }));
    expect(view(s).pending[0]!.error?.reason).toBe('connection_lost');
  });
});

describe('history paging', () => {
  it('prepends older pages and moves the first index up by the number added', () => {
    const newest = Array.from({ length: 3 }, (_, i) => userMsg(10 + i, `n${i}`));
    let s = reduce(initialState(), { type: 'open_chat', chatId: C });
    s = reduce(s, {
      type: 'history',
      kind: 'initial',
      ev: { event: 'history', chat_id: C, items: newest, has_more: true, last_seq: 12 },
    });
    expect(view(s)).toMatchObject({ loaded: true, hasMore: true, appliedSeq: 12, firstItemIndex: FIRST_INDEX });
    s = reduce(s, { type: 'older_requested', chatId: C });
    expect(view(s).loadingOlder).toBe(true);
    const older = Array.from({ length: 4 }, (_, i) => userMsg(2 + i, `o${i}`));
    s = reduce(s, {
      type: 'history',
      kind: 'older',
      ev: { event: 'history', chat_id: C, items: older, has_more: false, last_seq: 12 },
    });
    expect(view(s).messages.map((m) => m.seq)).toEqual([2, 3, 4, 5, 10, 11, 12]);
    expect(view(s).firstItemIndex).toBe(FIRST_INDEX - 4);
    expect(view(s).hasMore).toBe(false);
    expect(view(s).loadingOlder).toBe(false);
    expect(view(s).appliedSeq).toBe(12);
  });
});

describe('chat list', () => {
  it('sorts newest first, applies broadcasts live, and says when an open chat is deleted elsewhere', () => {
    let s = reduce(initialState(), srv({ event: 'chats', items: [chat('a', '2025-01-01T00:00:00.000Z'), chat('b', '2025-01-02T00:00:00.000Z')] }));
    expect(sortedChats(s).map((c) => c.id)).toEqual(['b', 'a']);
    s = reduce(s, srv({ event: 'chat_created', chat: chat('c', '2025-01-03T00:00:00.000Z') }));
    s = reduce(s, srv({ event: 'chat_updated', chat: chat('a', '2025-01-04T00:00:00.000Z', { title: 'Renamed' }) }));
    expect(sortedChats(s).map((c) => c.id)).toEqual(['a', 'c', 'b']);
    expect(s.chats.a!.title).toBe('Renamed');
    s = reduce(s, { type: 'open_chat', chatId: 'b' });
    s = reduce(s, srv({ event: 'chat_deleted', chat_id: 'b' }));
    expect(sortedChats(s).map((c) => c.id)).toEqual(['a', 'c']);
    expect(s.views.b!.deleted).toBe(true);
  });

  it('hides a chat whose delete can still be undone, and brings it back on undo', () => {
    let s = reduce(initialState(), srv({ event: 'chats', items: [chat('a', '2025-01-01T00:00:00.000Z'), chat('b', '2025-01-02T00:00:00.000Z')] }));
    s = reduce(s, { type: 'open_chat', chatId: 'b' });
    s = reduce(s, { type: 'delete_requested', chatId: 'b' });
    expect(sortedChats(s).map((c) => c.id)).toEqual(['a']);
    expect(s.activeChatId).toBe('a');
    s = reduce(s, { type: 'delete_undone', chatId: 'b' });
    expect(sortedChats(s).map((c) => c.id)).toEqual(['b', 'a']);
  });
});

describe('wire details', () => {
  it('keeps numeric message ids from the server as strings and matches them across events and pages', () => {
    let s = opened();
    s = reduceAll(s, [
      srv({ event: 'user_message', chat_id: C, seq: 1, message: { ...userMsg(1, 'q', 'T'), id: 1 } }),
      srv({ event: 'turn_start', chat_id: C, seq: 2, turn_id: 'T', message_id: 2 }),
      srv({ event: 'delta', chat_id: C, seq: 3, turn_id: 'T', text: 'a' }),
      srv({ event: 'turn_end', chat_id: C, seq: 4, turn_id: 'T', status: 'done' }),
    ]);
    s = reduce(s, {
      type: 'history',
      kind: 'reconcile',
      ev: {
        event: 'history',
        chat_id: C,
        has_more: false,
        last_seq: 4,
        items: [
          { ...userMsg(1, 'q', 'T'), id: 1 },
          wireMsg({ id: 2, chat_id: C, seq: 2, end_seq: 4, turn_id: 'T', role: 'assistant', content: 'a', status: 'done' }),
        ],
      },
    });
    expect(view(s).messages.map((m) => m.id)).toEqual(['1', '2']);
  });

  it('remembers the title of a chat deleted while open', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'chat_deleted', chat_id: C }));
    expect(view(s)).toMatchObject({ deleted: true, deletedTitle: `Chat ${C}` });
  });
});
