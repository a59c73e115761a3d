import { describe, expect, it } from 'vitest';
import type { Chat, Message, ServerEvent } from '../protocol';
import { type Action, type State, initialState, reduce, reduceAll } from './store';
import { foldToolEvent, hintWords, prettyArguments, resolutionWords, splitAnswer, timeLeft, toggleToolsOff, toolPhase, type ToolView } from './tools';

const C = 'chat-1';
const T = 'T1';
const EXPIRES = '2026-01-01T00:10:00Z';

function chat(): Chat {
  return {
    id: C,
    title: 'c',
    model: '',
    system: '',
    pinned: false,
    archived: false,
    params: {},
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    last_seq: 0,
    message_count: 0,
    running: false,
    tools_off: [],
  };
}

const srv = (ev: ServerEvent, now = 0): Action => ({ type: 'server', ev, now });

function opened(items: Message[] = [], lastSeq = 0): State {
  let s = reduce(initialState(), { type: 'conn', status: 'open' });
  s = reduce(s, srv({ event: 'ready', client_id: 'me', protocol: 1 }));
  s = reduce(s, srv({ event: 'chats', items: [chat()] }));
  s = reduce(s, { type: 'open_chat', chatId: C });
  s = reduce(s, { type: 'history', kind: 'initial', ev: { event: 'history', chat_id: C, items, has_more: false, last_seq: lastSeq } });
  return reduce(s, srv({ event: 'attached', chat_id: C, last_seq: lastSeq, status: 'idle' }));
}

const answer = (s: State) => s.views[C]!.messages.find((m) => m.role === 'assistant')!;

// Events of one turn, numbered from seq 1.
const start = (seq = 1): ServerEvent => ({ event: 'turn_start', chat_id: C, seq, turn_id: T, model: 'm', message_id: 42 });
const delta = (seq: number, text: string): ServerEvent => ({ event: 'delta', chat_id: C, seq, turn_id: T, text });
const call = (seq: number, id: string, offset: number, extra: Partial<Extract<ServerEvent, { event: 'tool_call' }>> = {}): ServerEvent => ({
  event: 'tool_call',
  chat_id: C,
  seq,
  turn_id: T,
  call_id: id,
  server: 'files',
  name: 'read_file',
  arguments: { path: `/tmp/${id}` },
  offset,
  ...extra,
});
const ask = (seq: number, id: string, hints = { read_only: true, destructive: false }): ServerEvent => ({
  event: 'approval_request',
  chat_id: C,
  seq,
  turn_id: T,
  call_id: id,
  server: 'files',
  name: 'read_file',
  arguments: { path: `/tmp/${id}` },
  hints,
  expires_at: EXPIRES,
});
const resolved = (seq: number, id: string, decision: 'once' | 'chat' | 'always' | 'deny', by: string): ServerEvent => ({
  event: 'approval_resolved',
  chat_id: C,
  seq,
  turn_id: T,
  call_id: id,
  decision,
  by,
});
const result = (seq: number, id: string, status: 'ok' | 'error' | 'denied' | 'timeout' | 'cancelled', content = 'out', duration_ms = 12): ServerEvent => ({
  event: 'tool_result',
  chat_id: C,
  seq,
  turn_id: T,
  call_id: id,
  status,
  content,
  duration_ms,
});
const end = (seq: number, status: 'done' | 'cancelled' | 'interrupted' = 'done'): ServerEvent => ({ event: 'turn_end', chat_id: C, seq, turn_id: T, status });

describe('tool events folded into the answer', () => {
  it('follows a call live: asked, allowed here, run, with text before and after', () => {
    let s = opened();
    s = reduceAll(s, [srv(start()), srv(delta(2, 'Let me look.')), srv(call(3, 'c1', 12), 1000), srv(ask(4, 'c1'), 1000)]);
    let c = answer(s).tools![0]!;
    expect(c).toMatchObject({ call_id: 'c1', server: 'files', name: 'read_file', offset: 12, approval: { hints: { read_only: true }, expires_at: EXPIRES } });
    expect(toolPhase(c, false)).toBe('pending');
    expect(c.startedAt).toBeUndefined();

    s = reduce(s, srv(resolved(5, 'c1', 'once', 'me'), 3000));
    c = answer(s).tools![0]!;
    expect(toolPhase(c, false)).toBe('running');
    expect(c.startedAt).toBe(3000);
    expect(resolutionWords(c.approval?.decision, c.approval?.by, s.clientId)).toBe('Allowed once by you');

    s = reduceAll(s, [srv(result(6, 'c1', 'ok', 'file body', 40)), srv(delta(7, ' Found it.')), srv(end(8))]);
    const m = answer(s);
    c = m.tools![0]!;
    expect(c).toMatchObject({ status: 'ok', content: 'file body', duration_ms: 40 });
    expect(toolPhase(c, true)).toBe('ok');
    expect(splitAnswer(m.content, m.tools).map((g) => (g.kind === 'text' ? g.text : `[${g.call.call_id}]`))).toEqual([
      'Let me look.',
      '[c1]',
      ' Found it.',
    ]);
  });

  it('shows an approval answered in another window, and says so', () => {
    let s = opened();
    s = reduceAll(s, [srv(start()), srv(call(2, 'c1', 0)), srv(ask(3, 'c1')), srv(resolved(4, 'c1', 'chat', 'other-window'))]);
    const c = answer(s).tools![0]!;
    expect(c.approval).toMatchObject({ decision: 'chat', by: 'other-window' });
    expect(toolPhase(c, false)).toBe('running');
    expect(resolutionWords(c.approval?.decision, c.approval?.by, s.clientId)).toBe('Allowed for this chat in another window');
  });

  it('starts a trusted call at once and names why it ran unasked', () => {
    let s = opened();
    s = reduceAll(s, [srv(start()), srv(call(2, 'c1', 0, { allowed_by: 'auto_approve' }), 500)]);
    const c = answer(s).tools![0]!;
    expect(c).toMatchObject({ allowed_by: 'auto_approve', startedAt: 500 });
    expect(c.approval).toBeUndefined();
    expect(toolPhase(c, false)).toBe('running');
  });

  it('takes a result that comes after a cancel, and marks calls left without one', () => {
    let s = opened();
    s = reduceAll(s, [
      srv(start()),
      srv(call(2, 'run', 0, { allowed_by: 'always' })),
      srv(call(3, 'wait', 0)),
      srv(ask(4, 'wait')),
      srv(resolved(5, 'wait', 'deny', 'cancel')),
      srv(end(6, 'cancelled')),
    ]);
    let [run, wait] = answer(s).tools!;
    expect(toolPhase(run!, true)).toBe('interrupted');
    expect(toolPhase(wait!, true)).toBe('denied');
    expect(resolutionWords(wait!.approval?.decision, wait!.approval?.by, 'me')).toBe('Not run: the reply was stopped');
    // The running call's own end arrives after the turn's.
    s = reduceAll(s, [srv(result(7, 'run', 'cancelled', '', 300)), srv(result(8, 'wait', 'cancelled', ''))]);
    [run, wait] = answer(s).tools!;
    expect(toolPhase(run!, true)).toBe('cancelled');
    expect(run!.duration_ms).toBe(300);
    expect(toolPhase(wait!, true)).toBe('cancelled');
  });

  it('a call asked about when the turn ended unanswered was not run', () => {
    let s = opened();
    s = reduceAll(s, [srv(start()), srv(call(2, 'c1', 0)), srv(ask(3, 'c1')), srv(end(4, 'interrupted'))]);
    expect(toolPhase(answer(s).tools![0]!, true)).toBe('not_run');
  });

  it('places a replayed turn by its offsets: the calls come before the whole text', () => {
    let s = opened();
    s = reduceAll(s, [
      srv(start()),
      srv(call(2, 'a', 5, { allowed_by: 'chat' })),
      srv(result(3, 'a', 'ok')),
      srv(call(4, 'b', 11, { allowed_by: 'chat' })),
      srv(call(5, 'c', 11, { allowed_by: 'chat' })),
      srv(result(6, 'c', 'error', 'no such file')),
      srv(result(7, 'b', 'ok')),
    ]);
    // Before stream_end the text is empty: the cards wait at its end, in call order.
    let m = answer(s);
    expect(splitAnswer(m.content, m.tools).map((g) => g.key)).toEqual(['c:a', 'c:b', 'c:c']);
    s = reduceAll(s, [srv({ event: 'stream_end', chat_id: C, seq: 8, turn_id: T, text: 'Hello world, done' }), srv(end(9))]);
    m = answer(s);
    expect(m.tools!.map((c) => c.status)).toEqual(['ok', 'ok', 'error']);
    expect(splitAnswer(m.content, m.tools).map((g) => (g.kind === 'text' ? g.text : g.call.call_id))).toEqual([
      'Hello',
      'a',
      ' world',
      'b',
      'c',
      ', done',
    ]);
  });

  it('renders calls a history page carries, and applies later live events to them', () => {
    const page: Message = {
      id: 42,
      chat_id: C,
      seq: 2,
      end_seq: 0,
      turn_id: T,
      role: 'assistant',
      content: 'Checking.',
      status: 'streaming',
      media: [],
      created_at: '2026-01-01T00:00:00Z',
      parent_id: 1,
      siblings: { index: 0, count: 1 },
      tools: [
        {
          call_id: 'h1',
          seq: 3,
          server: 'files',
          name: 'write_file',
          arguments: { path: '/x' },
          offset: 9,
          approval: { hints: { read_only: false, destructive: true }, expires_at: EXPIRES },
        },
      ],
    };
    let s = opened([page], 4);
    let c = answer(s).tools![0]!;
    expect(toolPhase(c, false)).toBe('pending');
    expect(hintWords(c.approval?.hints)).toBe('The server says this tool can change or delete things.');
    // Events at or below the page's last seq are not applied twice; later ones are.
    s = reduceAll(s, [srv(ask(4, 'h1')), srv(resolved(5, 'h1', 'deny', 'me')), srv(result(6, 'h1', 'denied', 'the user declined')), srv(end(7))]);
    c = answer(s).tools![0]!;
    expect(c).toMatchObject({ status: 'denied', content: 'the user declined', approval: { decision: 'deny', by: 'me', expires_at: EXPIRES } });
    expect(answer(s).tools).toHaveLength(1);
  });

  it('keeps a call whose tool_call it never saw, and fills it in from a page', () => {
    let tools: ToolView[] = foldToolEvent(undefined, ask(3, 'x') as never, 0);
    expect(tools[0]!.offset).toBe(Number.MAX_SAFE_INTEGER);
    tools = foldToolEvent(tools, call(2, 'x', 4) as never, 0);
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({ offset: 4, approval: { expires_at: EXPIRES } });
    // The same event again changes nothing.
    expect(foldToolEvent(tools, call(2, 'x', 4) as never, 0)).toEqual(tools);
  });
});

describe('splitAnswer', () => {
  const tc = (id: string, offset: number, seq: number): ToolView => ({ call_id: id, seq, server: 's', name: 'n', arguments: {}, offset });

  it('leaves an answer without calls whole', () => {
    expect(splitAnswer('abc', undefined)).toEqual([{ kind: 'text', key: 't0', text: 'abc' }]);
    expect(splitAnswer('', [])).toEqual([]);
  });

  it('puts a call at offset 0 above all the text, and at the end below it', () => {
    expect(splitAnswer('abc', [tc('x', 0, 1), tc('y', 3, 2)]).map((g) => g.key)).toEqual(['c:x', 't0', 'c:y']);
  });

  it('counts offsets in UTF-16 code units, as JavaScript strings do', () => {
    const text = 'a😀b'; // the emoji is two code units
    const parts = splitAnswer(text, [tc('x', 3, 1)]);
    expect(parts.map((g) => (g.kind === 'text' ? g.text : '|'))).toEqual(['a😀', '|', 'b']);
  });

  it('keeps calls at one offset in call order', () => {
    expect(splitAnswer('ab', [tc('z', 1, 9), tc('y', 1, 5)]).map((g) => g.key)).toEqual(['t0', 'c:y', 'c:z', 't1']);
  });
});

describe('words', () => {
  it('says the hints plainly', () => {
    expect(hintWords({ read_only: true, destructive: false })).toBe('The server says this tool only reads.');
    expect(hintWords({ read_only: false, destructive: false })).toBe('The server says this tool can change things, but not delete them.');
    expect(hintWords({ read_only: false, destructive: true })).toBe('The server says this tool can change or delete things.');
    expect(hintWords(undefined)).toBe('The server does not say what this tool changes.');
    expect(hintWords({ read_only: false, destructive: false }, true)).toBe('The agent does not say what this tool changes.');
  });

  it('says who decided when no one did', () => {
    expect(resolutionWords('deny', 'timeout', 'me')).toBe('Denied: no answer in time');
    expect(resolutionWords('always', 'me', 'me')).toBe('Always allowed by you');
    expect(resolutionWords(undefined, undefined, 'me')).toBeNull();
  });

  it('counts down to expiry', () => {
    const t = Date.parse(EXPIRES);
    expect(timeLeft(EXPIRES, t - 125_000)).toBe('2:05');
    expect(timeLeft(EXPIRES, t - 400)).toBe('0:01');
    expect(timeLeft(EXPIRES, t)).toBeNull();
  });

  it('pretty-prints arguments, also those sent as a JSON string', () => {
    expect(prettyArguments({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyArguments('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyArguments('not json')).toBe('not json');
  });

  it('switches a server off and on for a chat, keeping names it does not know', () => {
    expect(toggleToolsOff(null, 'files', false)).toEqual(['files']);
    expect(toggleToolsOff(['gone', 'files'], 'files', true)).toEqual(['gone']);
  });
});

describe('the chat list mark', () => {
  it('goes when a chat_updated leaves awaiting_approval out (false)', () => {
    let s = opened();
    s = reduce(s, srv({ event: 'chat_updated', chat: { ...chat(), awaiting_approval: true } }));
    expect(s.chats[C]!.awaiting_approval).toBe(true);
    const { awaiting_approval: _gone, ...without } = { ...chat(), awaiting_approval: true };
    s = reduce(s, srv({ event: 'chat_updated', chat: without }));
    expect(s.chats[C]!.awaiting_approval).toBe(false);
  });
});
