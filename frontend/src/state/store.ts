// The stream state of the UI: chats, transcripts, running turns, reasoning,
// seq bookkeeping, pending sends and connection status.
//
// Pure: `reduce(state, action)` returns a new state and never mutates its
// input. No React, no I/O, no clocks — time comes in on the actions.

import {
  CHAT_EVENTS,
  DEFAULT_LIMITS,
  type Chat,
  type EventOf,
  type Limits,
  type Message,
  type ModelInfo,
  type OutgoingMedia,
  type Preset,
  type PullInfo,
  type SearchHit,
  type ServerEvent,
  type Settings,
} from '../protocol';
import type { Reason } from '../reasons';
import type { Reach } from '../net/reach';
import { followPath } from './branches';
import { isTemporaryId } from './temporary';
import { type Agent, type AgentEvent, reduceAgents } from './agents';
import { type ToolEvent, type ToolSettings, type ToolView, foldToolEvent, initialToolSettings, mergeTools } from './tools';

// ---------------------------------------------------------------- types

/**
 * A transcript entry as the UI sees it: a wire message plus live-stream
 * bookkeeping. The UI builds an answer from its deltas before the server's
 * row exists, so what only that row has (end_seq, media, created_at) may be
 * missing; ids are strings, as a streaming answer may only have its turn's.
 */
export interface ViewMessage extends Omit<Message, 'id' | 'end_seq' | 'media' | 'created_at'> {
  id: string;
  end_seq?: number;
  media?: Message['media'];
  created_at?: string;
  /** The user message waits for the running turn to finish. */
  queued?: boolean;
  /** Client clock (ms) when this assistant message started reasoning; drives the live timer. */
  reasoningStartedAt?: number;
  /** Reasoning is over (reasoning_end seen, the answer started, or loaded from history). */
  reasoningDone?: boolean;
  latency_ms?: number;
  /** An answer's tool calls, live or from its page. */
  tools?: ToolView[];
}

export interface SendError {
  reason: Reason;
  detail?: string;
}

/** A message the user sent that the server has not acknowledged yet. */
export interface PendingMessage {
  reqId: string;
  content: string;
  media: OutgoingMedia[];
  queued: boolean;
  /** Connection generation it was sent on; a reconnect makes its fate unknown. */
  generation: number;
  error?: SendError;
}

export interface ChatView {
  id: string;
  /** Ordered by seq. */
  messages: ViewMessage[];
  /** Highest chat-event seq applied; the `since` of the next attach. */
  appliedSeq: number;
  /** The newest history page has been loaded. */
  loaded: boolean;
  /** Older history exists above the first message. */
  hasMore: boolean;
  loadingOlder: boolean;
  /**
   * Newer history exists below `windowEnd`: the view holds a page opened
   * around a search hit, not the newest one. Messages past windowEnd (live
   * ones) wait, unshown, until paging down closes the gap.
   */
  hasNewer: boolean;
  loadingNewer: boolean;
  /** Seq of the last message of the loaded window while hasNewer: where the next page down starts. */
  windowEnd: number;
  /** A message to bring into view with its matched words highlighted (a search hit). */
  focus: Focus | null;
  /** Changes when the view's window is replaced, so the list is laid out afresh. */
  epoch: number;
  /** Index of messages[0] in a virtual list that grows upward (react-virtuoso firstItemIndex). */
  firstItemIndex: number;
  attached: boolean;
  runningTurnId: string | null;
  /** A cancel was sent and the turn has not ended yet. */
  stopping: boolean;
  /** The chat was deleted (possibly in another window) while this view existed. */
  deleted: boolean;
  /** Its title when it was deleted, to say which chat is gone. */
  deletedTitle?: string;
  /** The server said idle while we still show a streaming message: reload the newest page. */
  needsReconcile: boolean;
  /** Seq of a branch_switched not yet followed by a reload of the path (0: none). */
  pathReload: number;
  pending: PendingMessage[];
}

export interface Focus {
  messageId: string;
  /** The words the search matched, as they are written in the message. */
  terms: string[];
}

export type ConnStatus = 'connecting' | 'open' | 'reconnecting' | 'no_token';

export interface ConnState {
  status: ConnStatus;
  /** Number of failed attempts in a row. */
  attempt: number;
  /** Client clock (ms) of the next retry while reconnecting. */
  retryAt: number | null;
  detail: string | null;
  /** Increases on every successful (re)connection. */
  generation: number;
  everConnected: boolean;
  /** Who answers at the server's address while the socket is down. */
  reach: Reach;
}

export interface ModelsState {
  status: 'unknown' | 'loading' | 'ok' | 'error';
  items: string[];
  /** What the server said about each model (size, family, context, capabilities…), by id. */
  info?: Record<string, ModelInfo>;
  provider?: string;
  url?: string;
  error?: SendError;
}

/** A model download as every window sees it; `end` is set once it has ended. */
export interface PullView extends PullInfo {
  end?: 'done' | 'error' | 'cancelled';
  error?: string;
}

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  /** Stays until the user dismisses it; other notices leave by themselves. */
  critical?: boolean;
}

export interface State {
  conn: ConnState;
  chats: Record<string, Chat>;
  chatsLoaded: boolean;
  /** The list is paged: chats older than the last one loaded exist; chatsNext is list_chats' `before` for them. */
  chatsMore: boolean;
  chatsNext: string | null;
  chatsLoadingMore: boolean;
  /** The model picked for a new chat that is still a draft (activeChatId null, nothing stored); null: the default. */
  draftModel: string | null;
  views: Record<string, ChatView>;
  activeChatId: string | null;
  models: ModelsState;
  settings: Settings | null;
  /** The server's attachment limits, from `ready`; its defaults until then. */
  limits: Limits;
  search: { query: string; hits: SearchHit[] | null };
  /** Chats the user deleted that are still undoable (hidden, not yet sent). */
  pendingDeletes: Record<string, true>;
  notices: Notice[];
  nextNoticeId: number;
  /** Model downloads, running and ended (until dismissed), by pull_id. */
  pulls: Record<string, PullView>;
  /** The saved presets, as the server last sent them; null until it has. */
  presets: Preset[] | null;
  /** The preset chosen for the draft (new_chat's preset); null: none. */
  draftPreset: string | null;
  /** The draft becomes a temporary chat (new_chat {temporary}); opening a chat ends the choice. */
  draftTemporary: boolean;
  /** This connection's client_id (from ready): approval_resolved's `by` is "you" when it matches. */
  clientId: string | null;
  /** The MCP servers and the "always" tool grants, as the server last sent them. */
  tools: ToolSettings;
  /** The agents the server knows, with their state; null until it has said. */
  agents: Agent[] | null;
  /** The agent the draft will be bound to (new_chat {agent}); null: the built-in model. */
  draftAgent: string | null;
}

/** around: the page around a search hit; newer: the next page down; latest: back to the newest page. */
export type HistoryKind = 'initial' | 'older' | 'reconcile' | 'around' | 'newer' | 'latest';

export type Action =
  | { type: 'server'; ev: ServerEvent; now: number }
  | { type: 'history'; kind: HistoryKind; ev: EventOf<'history'>; focus?: Focus }
  | { type: 'focus'; chatId: string; focus: Focus }
  | { type: 'newer_requested'; chatId: string }
  | { type: 'history_failed'; chatId: string; kind: HistoryKind }
  | { type: 'conn'; status: ConnStatus; attempt?: number; retryAt?: number | null; detail?: string | null; reach?: Reach }
  | { type: 'open_chat'; chatId: string | null }
  | { type: 'older_requested'; chatId: string }
  | { type: 'send'; chatId: string; reqId: string; content: string; media: OutgoingMedia[]; queued: boolean }
  | { type: 'send_failed'; chatId: string; reqId: string; error: SendError }
  | { type: 'dismiss_pending'; chatId: string; reqId: string }
  | { type: 'cancel_requested'; chatId: string }
  | { type: 'cancel_failed'; chatId: string }
  | { type: 'chats_more_requested' }
  | { type: 'chats_more'; ev: EventOf<'chats'> }
  | { type: 'chats_more_failed' }
  | { type: 'draft_model'; model: string | null }
  | { type: 'draft_preset'; name: string | null }
  | { type: 'draft_temporary'; temporary: boolean }
  | { type: 'models_loading' }
  | { type: 'models_loaded'; items: string[]; info?: ModelInfo[]; provider?: string; url?: string }
  | { type: 'pull_dismiss'; pullId: string }
  | { type: 'models_failed'; error: SendError; provider?: string; url?: string }
  | { type: 'settings'; settings: Settings }
  | { type: 'search'; query: string; hits: SearchHit[] | null }
  | { type: 'delete_requested'; chatId: string }
  | { type: 'delete_undone'; chatId: string }
  | { type: 'delete_committed'; chatId: string }
  | { type: 'notice'; kind: Notice['kind']; text: string; critical?: boolean }
  | { type: 'notice_dismiss'; id: number }
  | { type: 'tool_settings'; patch: Partial<ToolSettings> }
  | { type: 'draft_agent'; agent: string | null };

/** Large base so that pages prepended above can take lower indices. */
export const FIRST_INDEX = 1_000_000_000;

export function initialState(): State {
  return {
    conn: {
      status: 'connecting',
      attempt: 0,
      retryAt: null,
      detail: null,
      generation: 0,
      everConnected: false,
      reach: 'unknown',
    },
    chats: {},
    chatsLoaded: false,
    chatsMore: false,
    chatsNext: null,
    chatsLoadingMore: false,
    draftModel: null,
    views: {},
    activeChatId: null,
    models: { status: 'unknown', items: [] },
    settings: null,
    limits: DEFAULT_LIMITS,
    search: { query: '', hits: null },
    pendingDeletes: {},
    notices: [],
    nextNoticeId: 1,
    pulls: {},
    presets: null,
    draftPreset: null,
    draftTemporary: false,
    clientId: null,
    tools: initialToolSettings(),
    agents: null,
    draftAgent: null,
  };
}

export function emptyView(id: string): ChatView {
  return {
    id,
    messages: [],
    appliedSeq: 0,
    loaded: false,
    hasMore: false,
    loadingOlder: false,
    hasNewer: false,
    loadingNewer: false,
    windowEnd: 0,
    focus: null,
    epoch: 0,
    firstItemIndex: FIRST_INDEX,
    attached: false,
    runningTurnId: null,
    stopping: false,
    deleted: false,
    needsReconcile: false,
    pathReload: 0,
    pending: [],
  };
}

// ---------------------------------------------------------------- reducer

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'server':
      return onServer(state, action.ev, action.now);
    case 'history':
      return action.kind === 'around' || action.kind === 'newer' || action.kind === 'latest'
        ? onWindow(state, action.kind, action.ev, action.focus)
        : onHistory(state, action.kind, action.ev);
    case 'history_failed':
      return updateView(state, action.chatId, (v) => ({ ...v, loadingOlder: false, loadingNewer: false }));
    case 'focus':
      return updateView(state, action.chatId, (v) => ({ ...v, focus: action.focus, epoch: v.epoch + 1 }));
    case 'newer_requested':
      return updateView(state, action.chatId, (v) => ({ ...v, loadingNewer: true }));
    case 'conn':
      return onConn(state, action);
    case 'open_chat': {
      if (action.chatId === null) return { ...state, activeChatId: null };
      let views = state.views[action.chatId]
        ? state.views
        : { ...state.views, [action.chatId]: emptyView(action.chatId) };
      // A search hit is brought into view once: leaving its chat lets it go.
      const prev = state.activeChatId && state.activeChatId !== action.chatId ? views[state.activeChatId] : undefined;
      if (prev?.focus) views = { ...views, [prev.id]: { ...prev, focus: null } };
      return { ...state, activeChatId: action.chatId, views, draftTemporary: false };
    }
    case 'older_requested':
      return updateView(state, action.chatId, (v) => ({ ...v, loadingOlder: true }));
    case 'send':
      return updateView(
        state,
        action.chatId,
        (v) => ({
          ...v,
          pending: [
            ...v.pending,
            {
              reqId: action.reqId,
              content: action.content,
              media: action.media,
              queued: action.queued,
              generation: state.conn.generation,
            },
          ],
        }),
        true,
      );
    case 'send_failed':
      return updateView(state, action.chatId, (v) => ({
        ...v,
        pending: v.pending.map((p) => (p.reqId === action.reqId ? { ...p, error: action.error } : p)),
      }));
    case 'dismiss_pending':
      return updateView(state, action.chatId, (v) => ({
        ...v,
        pending: v.pending.filter((p) => p.reqId !== action.reqId),
      }));
    case 'cancel_requested':
      return updateView(state, action.chatId, (v) => (v.runningTurnId ? { ...v, stopping: true } : v));
    case 'cancel_failed':
      return updateView(state, action.chatId, (v) => ({ ...v, stopping: false }));
    case 'chats_more_requested':
      return { ...state, chatsLoadingMore: true };
    case 'chats_more_failed':
      return { ...state, chatsLoadingMore: false };
    case 'chats_more': {
      // Merged, not replaced: chats created or updated meanwhile came as broadcasts.
      const chats = { ...state.chats };
      for (const c of action.ev.items ?? []) if (!chats[c.id]) chats[c.id] = c;
      return { ...state, chats, ...pageState(action.ev) };
    }
    case 'draft_model':
      return { ...state, draftModel: action.model };
    case 'draft_preset':
      return { ...state, draftPreset: action.name };
    case 'draft_temporary':
      return { ...state, draftTemporary: action.temporary };
    case 'models_loading':
      return { ...state, models: { ...state.models, status: 'loading' } };
    case 'models_loaded':
      return {
        ...state,
        models: {
          status: 'ok',
          items: action.items,
          info: action.info ? Object.fromEntries(action.info.map((m) => [m.id, m])) : state.models.info,
          provider: action.provider,
          url: action.url,
        },
      };
    case 'pull_dismiss': {
      const { [action.pullId]: _gone, ...pulls } = state.pulls;
      return { ...state, pulls };
    }
    case 'models_failed':
      return {
        ...state,
        models: {
          ...state.models,
          status: 'error',
          items: [],
          error: action.error,
          provider: action.provider ?? state.models.provider,
          url: action.url ?? state.models.url,
        },
      };
    case 'settings':
      return { ...state, settings: action.settings };
    case 'search':
      return { ...state, search: { query: action.query, hits: action.hits } };
    case 'delete_requested': {
      const pendingDeletes = { ...state.pendingDeletes, [action.chatId]: true as const };
      let activeChatId = state.activeChatId;
      if (activeChatId === action.chatId) {
        const next = sortedChats({ ...state, pendingDeletes })[0];
        activeChatId = next ? next.id : null;
      }
      const views = activeChatId && !state.views[activeChatId]
        ? { ...state.views, [activeChatId]: emptyView(activeChatId) }
        : state.views;
      return { ...state, pendingDeletes, activeChatId, views };
    }
    case 'delete_undone':
    case 'delete_committed': {
      const { [action.chatId]: _gone, ...pendingDeletes } = state.pendingDeletes;
      return { ...state, pendingDeletes };
    }
    case 'notice':
      return {
        ...state,
        notices: [...state.notices.slice(-4), { id: state.nextNoticeId, kind: action.kind, text: action.text, critical: action.critical }],
        nextNoticeId: state.nextNoticeId + 1,
      };
    case 'notice_dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'tool_settings':
      return { ...state, tools: { ...state.tools, ...action.patch } };
    case 'draft_agent':
      return { ...state, draftAgent: action.agent };
  }
}

export function reduceAll(state: State, actions: readonly Action[]): State {
  let s = state;
  for (const a of actions) s = reduce(s, a);
  return s;
}

// ---------------------------------------------------------------- connection

function onConn(state: State, a: Extract<Action, { type: 'conn' }>): State {
  const conn = { ...state.conn, status: a.status, detail: a.detail ?? null };
  if (a.attempt !== undefined) conn.attempt = a.attempt;
  conn.retryAt = a.retryAt ?? null;
  if (a.reach) conn.reach = a.reach;
  if (a.status === 'open') {
    conn.attempt = 0;
    conn.generation = state.conn.generation + 1;
    conn.everConnected = true;
  }
  let views = state.views;
  if (a.status !== 'open' && state.conn.status === 'open') {
    // The server forgets our subscriptions with the socket.
    views = mapValues(views, (v) => (v.attached ? { ...v, attached: false } : v));
  }
  return { ...state, conn, views };
}

// ---------------------------------------------------------------- server events

function onServer(state: State, ev: ServerEvent, now: number): State {
  if (CHAT_EVENTS.has(ev.event)) return onChatEvent(state, ev as ChatEvent, now);
  switch (ev.event) {
    case 'ready':
      return { ...state, clientId: ev.client_id, limits: ev.limits ?? state.limits };
    case 'attached':
      return onAttached(state, ev);
    case 'detached':
      return updateView(state, ev.chat_id, (v) => ({ ...v, attached: false }));
    case 'chats': {
      const chats: Record<string, Chat> = {};
      for (const c of ev.items ?? []) chats[c.id] = c;
      // The first page replaces the list; the open chat stays even when it is older than that page.
      const open = state.activeChatId ? state.chats[state.activeChatId] : undefined;
      if (open && !chats[open.id]) chats[open.id] = open;
      return { ...state, chats, chatsLoaded: true, ...pageState(ev) };
    }
    case 'chat_created':
    case 'chat_updated':
      return upsertChat(state, ev.chat);
    case 'chat_deleted': {
      const { [ev.chat_id]: _gone, ...chats } = state.chats;
      const { [ev.chat_id]: _pd, ...pendingDeletes } = state.pendingDeletes;
      const s = { ...state, chats, pendingDeletes };
      const title = state.chats[ev.chat_id]?.title;
      const gone = updateView(s, ev.chat_id, (v) => ({
        ...v,
        deleted: true,
        deletedTitle: title ?? v.deletedTitle,
        attached: false,
        runningTurnId: null,
        stopping: false,
      }));
      // A temporary chat ending while open (deleted elsewhere, or Hearth
      // restarted) is what it was made for, not an error: a new chat instead.
      if (state.activeChatId === ev.chat_id && isTemporaryId(ev.chat_id)) {
        return reduce({ ...gone, activeChatId: null }, { type: 'notice', kind: 'info', text: 'The temporary chat ended; nothing of it was kept.' });
      }
      return gone;
    }
    case 'provider_status':
      // The server found its model server gone, back, or offering other
      // models: the same as a model list a client asked for.
      return ev.state === 'ok'
        ? reduce(state, {
            type: 'models_loaded',
            items: (ev.items ?? []).map((m) => m.id),
            info: ev.items,
            provider: ev.provider,
            url: ev.provider_url,
          })
        : reduce(state, {
            type: 'models_failed',
            error: { reason: ev.reason ?? 'provider_error', detail: ev.detail },
            provider: ev.provider,
            url: ev.provider_url,
          });
    case 'pull_progress': {
      // A download of the same model that ended earlier gives way to this one.
      const pulls = Object.fromEntries(Object.entries(state.pulls).filter(([id, p]) => id === ev.pull_id || p.name !== ev.name));
      const prev = pulls[ev.pull_id];
      if (prev?.end) return state; // a late progress after its end
      pulls[ev.pull_id] = {
        pull_id: ev.pull_id,
        name: ev.name,
        status: ev.status,
        completed: ev.completed,
        total: ev.total,
        bytes_per_sec: ev.bytes_per_sec ?? 0,
      };
      return { ...state, pulls };
    }
    case 'pull_done': {
      const prev = state.pulls[ev.pull_id];
      const p: PullView = {
        pull_id: ev.pull_id,
        name: ev.name,
        status: prev?.status ?? '',
        completed: ev.completed ?? prev?.completed ?? 0,
        total: ev.total ?? prev?.total ?? 0,
        bytes_per_sec: 0,
        end: ev.status,
        error: ev.error,
      };
      return { ...state, pulls: { ...state.pulls, [ev.pull_id]: p } };
    }
    case 'presets':
      return { ...state, presets: ev.items ?? [] };
    case 'agents':
    case 'agent_online':
    case 'agent_offline':
      return { ...state, agents: reduceAgents(state.agents, ev as AgentEvent) };
    case 'pulls': {
      // After a reconnect: what runs now; ended ones stay until dismissed.
      const pulls: Record<string, PullView> = {};
      for (const [id, p] of Object.entries(state.pulls)) if (p.end) pulls[id] = p;
      for (const p of ev.items ?? []) pulls[p.pull_id] = { ...p };
      return { ...state, pulls };
    }
    default:
      return state;
  }
}

type ChatEvent = Extract<ServerEvent, { chat_id: string; seq: number }>;

function onChatEvent(state: State, ev: ChatEvent, now: number): State {
  const view = state.views[ev.chat_id] ?? emptyView(ev.chat_id);
  // A message_accepted is the reply to our own send; applying it twice is
  // harmless (upsert by id), and it may race a turn_start of a higher seq.
  if (ev.seq <= view.appliedSeq && ev.event !== 'message_accepted') return state;

  let v: ChatView = { ...view, appliedSeq: Math.max(view.appliedSeq, ev.seq) };
  let state2 = state;

  switch (ev.event) {
    case 'user_message':
    case 'message_accepted': {
      if (ev.event === 'message_accepted' && ev.req_id) {
        v.pending = v.pending.filter((p) => p.reqId !== ev.req_id);
      }
      const msg = ev.message;
      if (msg) {
        // The server's user messages may not carry their turn; the acceptance does.
        const turnId = msg.turn_id ?? (ev.event === 'message_accepted' ? ev.turn_id : undefined);
        const queued = Boolean(ev.queued) && !turnStarted(v, turnId);
        if (!queued) v = followPath(v, msg.parent_id, String(msg.id));
        v.messages = upsertMessage(v.messages, { ...msg, id: String(msg.id), turn_id: turnId, queued, reasoningDone: true });
        if (ev.event === 'user_message') v.pending = dropEchoedPending(v.pending, msg);
      }
      break;
    }
    case 'turn_start': {
      v.runningTurnId = ev.turn_id;
      v.stopping = false;
      const selfId = ev.message_id != null ? String(ev.message_id) : `turn:${ev.turn_id}`;
      v = followPath(v, ev.parent_id ?? (ev.siblings ? null : undefined), selfId);
      const existing = findAssistant(v.messages, ev.turn_id);
      const msg: ViewMessage = existing ?? {
        id: ev.message_id != null ? String(ev.message_id) : `turn:${ev.turn_id}`,
        chat_id: ev.chat_id,
        seq: ev.seq,
        turn_id: ev.turn_id,
        role: 'assistant',
        content: '',
        reasoning: '',
        status: 'streaming',
      };
      const tree = ev.siblings ? { parent_id: ev.parent_id ?? null, siblings: ev.siblings } : {};
      v.messages = upsertMessage(unqueue(v.messages, ev.turn_id, ev.seq), { ...msg, ...tree, model: ev.model ?? msg.model });
      state2 = patchChat(state2, ev.chat_id, { running: true });
      break;
    }
    case 'reasoning_delta':
      v = patchAssistant(v, ev, (m) => ({
        ...m,
        reasoning: (m.reasoning ?? '') + ev.text,
        reasoningStartedAt: m.reasoningStartedAt ?? now,
      }));
      break;
    case 'reasoning_end':
      v = patchAssistant(v, ev, (m) => ({
        ...m,
        reasoning: ev.text ?? m.reasoning ?? '',
        reasoning_ms: ev.duration_ms ?? m.reasoning_ms ?? elapsed(m, now),
        reasoningDone: true,
      }));
      break;
    case 'delta':
      v = patchAssistant(v, ev, (m) => ({
        ...m,
        content: m.content + ev.text,
        ...endReasoning(m, now),
      }));
      break;
    case 'stream_end':
      v = patchAssistant(v, ev, (m) => ({
        ...m,
        content: ev.text ?? m.content,
        ...endReasoning(m, now),
      }));
      break;
    case 'branch_switched':
      v.pathReload = ev.seq;
      break;
    case 'tool_call':
    case 'approval_request':
    case 'approval_resolved':
    case 'tool_result':
      v = patchAssistant(v, ev, (m) => ({ ...m, tools: foldToolEvent(m.tools, ev as ToolEvent, now) }));
      break;
    case 'turn_end': {
      v = patchAssistant(v, ev, (m) => ({
        ...m,
        status: ev.status,
        error: ev.error ?? m.error,
        usage: ev.usage ?? m.usage,
        latency_ms: ev.latency_ms ?? m.latency_ms,
        end_seq: ev.seq,
        ...endReasoning(m, now),
      }));
      if (v.runningTurnId === ev.turn_id || v.runningTurnId === null) {
        v.runningTurnId = null;
        v.stopping = false;
        const queuedLeft = v.messages.some((m) => m.queued);
        if (!queuedLeft) state2 = patchChat(state2, ev.chat_id, { running: false });
      }
      break;
    }
  }
  return { ...state2, views: { ...state2.views, [ev.chat_id]: v } };
}

function onAttached(state: State, ev: EventOf<'attached'>): State {
  let s = ev.chat ? upsertChat(state, ev.chat) : state;
  const view = s.views[ev.chat_id] ?? emptyView(ev.chat_id);
  const running = ev.status === 'running';
  const staleStreaming = !running && view.messages.some((m) => m.status === 'streaming');
  const v: ChatView = {
    ...view,
    attached: true,
    appliedSeq: Math.max(view.appliedSeq, ev.last_seq),
    runningTurnId: running ? (ev.turn_id ?? view.runningTurnId) : null,
    stopping: running ? view.stopping : false,
    needsReconcile: view.needsReconcile || staleStreaming,
    // Sends from an earlier connection that were never acknowledged and not
    // replayed as user messages did not reach the store.
    pending: view.pending.map((p) =>
      p.generation < s.conn.generation && !p.error
        ? { ...p, error: { reason: 'connection_lost', detail: 'The connection dropped before the server confirmed this message.' } }
        : p,
    ),
  };
  // A brand-new chat with nothing to load.
  if (ev.last_seq === 0 && !view.loaded) {
    v.loaded = true;
    v.hasMore = false;
  }
  return { ...s, views: { ...s.views, [ev.chat_id]: v } };
}

/**
 * A page that replaces the window (around a search hit, or back to the
 * newest) or extends it downward. What the view holds past the page's
 * last_seq (a running turn, queued questions) is live and stays.
 */
function onWindow(state: State, kind: 'around' | 'newer' | 'latest', ev: EventOf<'history'>, focus?: Focus): State {
  return updateView(
    state,
    ev.chat_id,
    (view) => {
      const items: ViewMessage[] = (ev.items ?? []).map((m) => ({ ...m, id: String(m.id), reasoningDone: true }));
      const hasNewer = Boolean(ev.has_newer);
      const end = items.length ? items[items.length - 1]!.seq : view.windowEnd;
      if (kind === 'newer') {
        return { ...view, messages: mergeMessages(view.messages, items), loadingNewer: false, hasNewer, windowEnd: hasNewer ? end : 0 };
      }
      const live = view.messages.filter((m) => m.seq > ev.last_seq);
      return {
        ...view,
        messages: mergeMessages(live, items),
        loaded: true,
        hasMore: ev.has_more,
        loadingOlder: false,
        hasNewer,
        loadingNewer: false,
        windowEnd: hasNewer ? end : 0,
        appliedSeq: Math.max(view.appliedSeq, ev.last_seq),
        pathReload: view.pathReload > ev.last_seq ? view.pathReload : 0,
        firstItemIndex: FIRST_INDEX,
        focus: focus ?? null,
        epoch: view.epoch + 1,
      };
    },
    true,
  );
}

/** The messages a view shows: while a window stops short of the newest, nothing past its end. */
export function shownMessages(v: Pick<ChatView, 'messages' | 'hasNewer' | 'windowEnd'>): ViewMessage[] {
  return v.hasNewer ? v.messages.filter((m) => m.seq <= v.windowEnd) : v.messages;
}

function onHistory(state: State, kind: HistoryKind, ev: EventOf<'history'>): State {
  return updateView(
    state,
    ev.chat_id,
    (view) => {
      const items: ViewMessage[] = (ev.items ?? []).map((m) => ({ ...m, id: String(m.id), reasoningDone: true }));
      const before = view.messages.length;
      const merged = mergeMessages(view.messages, items);
      const v: ChatView = { ...view, messages: merged };
      if (kind === 'initial') {
        v.loaded = true;
        v.hasMore = ev.has_more;
        v.appliedSeq = Math.max(view.appliedSeq, ev.last_seq);
      } else if (kind === 'older') {
        v.loadingOlder = false;
        v.hasMore = ev.has_more;
        // Everything added by an older page lands above: shift the index.
        v.firstItemIndex = view.firstItemIndex - (merged.length - before);
      } else {
        v.needsReconcile = false;
        if (!v.runningTurnId) {
          // Whatever the server did not report as streaming is final now.
          v.messages = v.messages.map((m) =>
            m.status === 'streaming' && !items.some((i) => i.id === m.id)
              ? { ...m, status: 'interrupted', reasoningDone: true }
              : m,
          );
        }
      }
      return v;
    },
    true,
  );
}

// ---------------------------------------------------------------- helpers

/**
 * The user message whose turn starts is no longer queued: the one with that
 * turn id, or else (a user_message from another window names no turn) the
 * oldest queued one, since queued turns run in order.
 */
function unqueue(msgs: ViewMessage[], turnId: string, seq: number): ViewMessage[] {
  let idx = msgs.findIndex((m) => m.role === 'user' && m.queued && m.turn_id === turnId);
  if (idx < 0) idx = msgs.findIndex((m) => m.role === 'user' && m.queued && !m.turn_id && m.seq < seq);
  if (idx < 0) return msgs;
  const out = msgs.slice();
  out[idx] = { ...out[idx]!, queued: false, turn_id: turnId };
  return out.sort(displayOrder);
}

function turnStarted(v: ChatView, turnId: string | undefined): boolean {
  return Boolean(turnId) && v.messages.some((m) => m.role === 'assistant' && m.turn_id === turnId);
}

function findAssistant(msgs: readonly ViewMessage[], turnId: string): ViewMessage | undefined {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i]!;
    if (m.role === 'assistant' && m.turn_id === turnId) return m;
  }
  return undefined;
}

/** Apply f to the assistant message of ev's turn, creating it if we joined after turn_start. */
function patchAssistant(
  v: ChatView,
  ev: { chat_id: string; seq: number; turn_id: string },
  f: (m: ViewMessage) => ViewMessage,
): ChatView {
  const idx = findIndexFromEnd(v.messages, (m) => m.role === 'assistant' && m.turn_id === ev.turn_id);
  if (idx < 0) {
    const fresh: ViewMessage = {
      id: `turn:${ev.turn_id}`,
      chat_id: ev.chat_id,
      seq: ev.seq,
      turn_id: ev.turn_id,
      role: 'assistant',
      content: '',
      reasoning: '',
      status: 'streaming',
    };
    return {
      ...v,
      runningTurnId: v.runningTurnId ?? ev.turn_id,
      messages: upsertMessage(v.messages, f(fresh)),
    };
  }
  const messages = v.messages.slice();
  messages[idx] = f(messages[idx]!);
  return { ...v, messages };
}

function endReasoning(m: ViewMessage, now: number): Partial<ViewMessage> {
  if (m.reasoningDone || !m.reasoning) return { reasoningDone: true };
  return { reasoningDone: true, reasoning_ms: m.reasoning_ms ?? elapsed(m, now) };
}

function elapsed(m: ViewMessage, now: number): number | undefined {
  return m.reasoningStartedAt !== undefined ? Math.max(0, now - m.reasoningStartedAt) : undefined;
}

function findIndexFromEnd<T>(arr: readonly T[], pred: (x: T) => boolean): number {
  for (let i = arr.length - 1; i >= 0; i--) if (pred(arr[i]!)) return i;
  return -1;
}

/**
 * Display order: the order the model sees the chat in. Seq order, except that
 * questions still waiting for their turn come last; the server moves each to
 * a new seq right before its answer when its turn opens.
 */
export function displayOrder(a: ViewMessage, b: ViewMessage): number {
  return Number(Boolean(a.queued)) - Number(Boolean(b.queued)) || a.seq - b.seq;
}

/** Insert or replace by id, keeping display order. Appends are O(1) amortised in the common case. */
export function upsertMessage(msgs: readonly ViewMessage[], msg: ViewMessage): ViewMessage[] {
  const idx = findIndexFromEnd(msgs, (m) => m.id === msg.id);
  let base: readonly ViewMessage[] = msgs;
  let merged = msg;
  if (idx >= 0) {
    const old = msgs[idx]!;
    merged = { ...old, ...msg };
    if (merged.seq === old.seq && Boolean(merged.queued) === Boolean(old.queued)) {
      const out = msgs.slice();
      out[idx] = merged;
      return out;
    }
    // Moved (a queued question whose turn opened): take it out, put it back in place.
    base = [...msgs.slice(0, idx), ...msgs.slice(idx + 1)];
  }
  let at = base.length;
  while (at > 0 && displayOrder(base[at - 1]!, merged) > 0) at--;
  const out = base.slice();
  out.splice(at, 0, merged);
  return out;
}

/** Merge a page of stored messages into what we hold; the page wins unless we hold a live stream of it. */
export function mergeMessages(have: readonly ViewMessage[], page: readonly ViewMessage[]): ViewMessage[] {
  if (page.length === 0) return have.slice();
  const byId = new Map<string, ViewMessage>();
  for (const m of have) byId.set(m.id, m);
  for (const m of page) {
    const old = byId.get(m.id);
    // Keep a message we are streaming live: it is ahead of the store.
    if (old && old.status === 'streaming' && m.status === 'streaming') continue;
    // The page says which questions still wait (absent when not).
    byId.set(m.id, old ? { ...old, ...m, queued: Boolean(m.queued), tools: mergeTools(old.tools, m.tools) } : m);
  }
  // A live stream we created before we knew the stored id ("turn:…") is replaced by the stored one.
  for (const m of page) {
    if (m.role !== 'assistant' || !m.turn_id) continue;
    const tmp = `turn:${m.turn_id}`;
    if (m.role !== 'assistant') continue;
    if (tmp !== m.id && byId.has(tmp)) byId.delete(tmp);
  }
  return [...byId.values()].sort(displayOrder);
}

function dropEchoedPending(pending: PendingMessage[], msg: Message): PendingMessage[] {
  // A send whose acknowledgement was lost with the connection comes back as a
  // replayed user_message: the pending copy must go, or it would show twice.
  const i = pending.findIndex((p) => !p.error && p.content === msg.content);
  if (i < 0) return pending;
  return [...pending.slice(0, i), ...pending.slice(i + 1)];
}

function pageState(ev: EventOf<'chats'>): Pick<State, 'chatsMore' | 'chatsNext' | 'chatsLoadingMore'> {
  const more = Boolean(ev.has_more && ev.next_before);
  return { chatsMore: more, chatsNext: more ? ev.next_before! : null, chatsLoadingMore: false };
}

function upsertChat(state: State, chat: Chat): State {
  // The server leaves awaiting_approval out when false: absent ends an earlier true.
  const next: Chat = { ...state.chats[chat.id], ...chat, awaiting_approval: Boolean(chat.awaiting_approval) };
  // Likewise agent: absent is the built-in model, ending an earlier agent.
  if (!chat.agent) delete next.agent;
  return { ...state, chats: { ...state.chats, [chat.id]: next } };
}

function patchChat(state: State, id: string, patch: Partial<Chat>): State {
  const c = state.chats[id];
  if (!c) return state;
  return { ...state, chats: { ...state.chats, [id]: { ...c, ...patch } } };
}

function updateView(state: State, id: string, f: (v: ChatView) => ChatView, create = false): State {
  const v = state.views[id];
  if (!v && !create) return state;
  return { ...state, views: { ...state.views, [id]: f(v ?? emptyView(id)) } };
}

function mapValues<T>(rec: Record<string, T>, f: (v: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = f(v);
  return out;
}

// ---------------------------------------------------------------- selectors

/** Chats for the sidebar: pinned first, then newest first; undoable deletes hidden. */
export function sortedChats(state: State): Chat[] {
  return Object.values(state.chats)
    .filter((c) => !state.pendingDeletes[c.id])
    .sort((a, b) => {
      if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
      if (a.updated_at !== b.updated_at) return a.updated_at < b.updated_at ? 1 : -1;
      return a.id < b.id ? 1 : -1;
    });
}

/** Chats whose events we follow; re-attached after a reconnect. */
export function followedChats(state: State): ChatView[] {
  return Object.values(state.views).filter((v) => !v.deleted && (v.loaded || v.attached));
}

export function isRunning(state: State, chatId: string | null): boolean {
  if (!chatId) return false;
  return Boolean(state.views[chatId]?.runningTurnId);
}
