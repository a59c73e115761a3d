// Tool calls of an answer: the tool events folded into the answer's list of
// calls, where each call stands in the answer's text, and what a call's
// state is in words. Pure: time comes in as an argument.

import type { AllowedBy, ApprovalDecision, EventOf, McpServer, ToolCall, ToolGrant, ToolStatus } from '../protocol';

export type ToolEvent = EventOf<'tool_call' | 'approval_request' | 'approval_resolved' | 'tool_result'>;

/** A call as the UI holds it: the wire record plus when it began running here. */
export interface ToolView extends ToolCall {
  /** Client clock (ms) when this window saw the call start running; drives its live timer. */
  startedAt?: number;
}

/**
 * Applies one tool event to an answer's calls. Idempotent per event (a
 * replayed event, or one a history page already folded in, changes
 * nothing that matters), and kept in call (seq) order.
 */
export function foldToolEvent(tools: readonly ToolView[] | undefined, ev: ToolEvent, now: number): ToolView[] {
  const list = tools ?? [];
  const i = list.findIndex((c) => c.call_id === ev.call_id);
  const old: ToolView | undefined = i >= 0 ? list[i] : undefined;
  let next: ToolView;
  switch (ev.event) {
    case 'tool_call':
      next = {
        ...old,
        call_id: ev.call_id,
        seq: old?.seq ?? ev.seq,
        server: ev.server,
        name: ev.name,
        arguments: ev.arguments ?? old?.arguments ?? null,
        offset: ev.offset,
        ...(ev.allowed_by ? { allowed_by: ev.allowed_by } : {}),
      };
      // A trusted call runs at once.
      if (ev.allowed_by && !old?.status && next.startedAt === undefined) next.startedAt = now;
      break;
    case 'approval_request':
      next = {
        ...(old ?? orphan(ev)),
        approval: { ...old?.approval, hints: ev.hints, expires_at: ev.expires_at },
      };
      break;
    case 'approval_resolved': {
      const base = old ?? orphan(ev);
      next = {
        ...base,
        approval: { hints: { read_only: false, destructive: false }, expires_at: '', ...base.approval, decision: ev.decision, by: ev.by },
      };
      if (ev.decision !== 'deny' && !base.status && base.startedAt === undefined) next.startedAt = now;
      break;
    }
    case 'tool_result':
      next = {
        ...(old ?? orphan(ev)),
        status: ev.status,
        content: ev.content ?? '',
        ...(ev.images?.length ? { images: ev.images } : {}),
        ...(ev.duration_ms !== undefined ? { duration_ms: ev.duration_ms } : {}),
      };
      break;
  }
  if (old) {
    const out = list.slice();
    out[i] = next;
    return out;
  }
  const out = [...list, next];
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * A call known only from a later event (its tool_call was not seen): it
 * stands at the end of the text until a page brings the whole record.
 */
function orphan(ev: ToolEvent): ToolView {
  return {
    call_id: ev.call_id,
    seq: ev.seq,
    server: 'server' in ev ? ev.server : '',
    name: 'name' in ev ? ev.name : '',
    arguments: 'arguments' in ev ? (ev.arguments ?? null) : null,
    offset: Number.MAX_SAFE_INTEGER,
  };
}

/**
 * Merges the calls a history page carries with those held live: the page's
 * record wins for what it has, a live start time is kept.
 */
export function mergeTools(live: readonly ToolView[] | undefined, page: readonly ToolView[] | undefined): ToolView[] | undefined {
  if (!page) return live ? live.slice() : undefined;
  if (!live?.length) return page.slice();
  const byId = new Map(live.map((c) => [c.call_id, c]));
  const out = page.map((c) => {
    const l = byId.get(c.call_id);
    byId.delete(c.call_id);
    return l ? { ...l, ...c, status: c.status ?? l.status, approval: c.approval ?? l.approval } : c;
  });
  // Calls the page has not seen yet (it was read before them).
  out.push(...byId.values());
  return out.sort((a, b) => a.seq - b.seq);
}

// ---------------------------------------------------------------- the answer's text around its calls

export type Segment = { kind: 'text'; key: string; text: string } | { kind: 'tool'; key: string; call: ToolView };

/**
 * Splits an answer's text at its calls' offsets (UTF-16 code units, i.e.
 * JavaScript string indices): the text before a call above its card, the
 * text after it below; calls at one offset in call order. An offset past
 * the text so far (a replay sends the calls before the whole text) puts the
 * card at the end until the text arrives.
 */
export function splitAnswer(text: string, tools: readonly ToolView[] | undefined): Segment[] {
  if (!tools?.length) return text ? [{ kind: 'text', key: 't0', text }] : [];
  const at = (c: ToolView) => Math.min(Math.max(0, c.offset), text.length);
  const calls = tools.slice().sort((a, b) => at(a) - at(b) || a.seq - b.seq);
  const out: Segment[] = [];
  let pos = 0;
  for (const c of calls) {
    const o = at(c);
    if (o > pos) out.push({ kind: 'text', key: `t${pos}`, text: text.slice(pos, o) });
    pos = Math.max(pos, o);
    out.push({ kind: 'tool', key: `c:${c.call_id}`, call: c });
  }
  if (pos < text.length) out.push({ kind: 'text', key: `t${pos}`, text: text.slice(pos) });
  return out;
}

// ---------------------------------------------------------------- a call's state in words

/** pending: waits for the user; not_run: the turn ended while it waited; interrupted: it ended while the call ran. */
export type ToolPhase = 'pending' | 'running' | ToolStatus | 'interrupted' | 'not_run';

/** turnOver: the answer's turn has ended (turn_end came, or the page says so). */
export function toolPhase(c: ToolView, turnOver: boolean): ToolPhase {
  if (c.status) return c.status;
  if (c.approval && !c.approval.decision) return turnOver ? 'not_run' : 'pending';
  if (c.approval?.decision === 'deny') return 'denied';
  return turnOver ? 'interrupted' : 'running';
}

export const PHASE_WORDS: Record<ToolPhase, string> = {
  pending: 'Waiting for your approval',
  running: 'Running',
  ok: 'Done',
  error: 'Failed',
  denied: 'Denied',
  timeout: 'Timed out',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
  not_run: 'Not run',
};

export const ALLOWED_BY_WORDS: Record<AllowedBy, string> = {
  auto_approve: 'allowed by autoApprove in mcp.json',
  always: 'always allowed',
  chat: 'allowed for this chat',
};

export function allowedByWords(a: string | undefined): string | null {
  return a && a in ALLOWED_BY_WORDS ? ALLOWED_BY_WORDS[a as AllowedBy] : null;
}

const DECISION_WORDS: Record<ApprovalDecision, string> = {
  once: 'Allowed once',
  chat: 'Allowed for this chat',
  always: 'Always allowed',
  deny: 'Denied',
};

/** How the user's part of a call ended, e.g. "Allowed once by you", "Denied: no answer in time". */
export function resolutionWords(decision: string | undefined, by: string | undefined, myClientId: string | null): string | null {
  if (!decision) return null;
  switch (by) {
    case 'timeout':
      return 'Denied: no answer in time';
    case 'cancel':
      return 'Not run: the reply was stopped';
    case 'shutdown':
      return 'Not run: Hearth stopped';
  }
  const what = DECISION_WORDS[decision as ApprovalDecision] ?? decision;
  if (!by) return what;
  return `${what} ${by === myClientId ? 'by you' : 'in another window'}`;
}

/**
 * What the server says a tool does, for the approval prompt. An agent's
 * calls carry no hints (the agent protocol has none): it is said so.
 */
export function hintWords(h: { read_only: boolean; destructive: boolean } | undefined, fromAgent = false): string {
  if (fromAgent) return 'The agent does not say what this tool changes.';
  if (!h) return 'The server does not say what this tool changes.';
  if (h.read_only) return 'The server says this tool only reads.';
  if (h.destructive) return 'The server says this tool can change or delete things.';
  return 'The server says this tool can change things, but not delete them.';
}

/** The status line of an ended call beyond its phase: why it failed, how long it ran. */
export function phaseDetail(c: ToolView, phase: ToolPhase): string | null {
  switch (phase) {
    case 'timeout':
      return c.approval?.by === 'timeout' ? 'no answer to the approval in time' : 'the server did not answer in time';
    case 'cancelled':
      return c.approval?.by === 'cancel' || !c.duration_ms ? 'the reply was stopped' : null;
    case 'not_run':
      return 'the reply ended before it was answered';
    case 'interrupted':
      return 'the reply ended while it ran';
    default:
      return null;
  }
}

/** Arguments as pretty JSON: a string that holds JSON is shown as that JSON (a model may send its arguments either way). */
export function prettyArguments(args: unknown): string {
  if (args === undefined || args === null) return '{}';
  if (typeof args === 'string') {
    try {
      return JSON.stringify(JSON.parse(args), null, 2);
    } catch {
      return args;
    }
  }
  return JSON.stringify(args, null, 2) ?? String(args);
}

/** Long arguments start collapsed: more than this many lines or characters. */
export function argumentsAreLong(pretty: string): boolean {
  return pretty.length > 400 || pretty.split('\n').length > 8;
}

/** "m:ss" until expiry; null once it has passed. */
export function timeLeft(expiresAt: string, now: number): string | null {
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t)) return null;
  const s = Math.ceil((t - now) / 1000);
  if (s <= 0) return null;
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- settings: MCP servers and grants

/** What mcp_servers says: the config file, its problems, its servers. */
export interface McpServers {
  config_path: string;
  /** What is wrong with the config file itself. */
  error?: string;
  items: McpServer[];
}

export interface ToolSettings {
  /** null until the server has said (an older server never does). */
  servers: McpServers | null;
  grants: ToolGrant[] | null;
}

export function initialToolSettings(): ToolSettings {
  return { servers: null, grants: null };
}

/** A chat's switched-off servers after turning `server` on or off; names no longer configured are kept. */
export function toggleToolsOff(off: readonly string[] | null | undefined, server: string, on: boolean): string[] {
  const rest = (off ?? []).filter((s) => s !== server);
  return on ? rest : [...rest, server];
}
