// Wire types of Hearth protocol v1 (docs/protocol.md). Types only, no logic.
//
// The shapes, names and reasons are generated from the Go definitions into
// protocol.gen.ts (`make generate`); this file only says what Go's types leave
// open: which fields each event carries (Go has one Event struct for all of
// them), and which strings are closed sets (a message's role and status).

import type * as wire from './protocol.gen';
import type { CommandName, EventName, ServerReason } from './protocol.gen';

export type { CommandName, EventName, Limits, Media, SearchHit, ServerReason, SnippetPart, ToolHints, ToolImage, Usage } from './protocol.gen';
export { COMMAND_NAMES, DEFAULT_LIMITS, EVENT_NAMES, PROTOCOL_VERSION, SERVER_REASONS } from './protocol.gen';

export type TurnStatus = 'done' | 'cancelled' | 'error' | 'interrupted';
export type MessageStatus = 'done' | 'streaming' | TurnStatus;

/** A chat; tools_off is absent from a server older than tool calls. */
export interface Chat extends Omit<wire.Chat, 'tools_off'> {
  tools_off?: string[] | null;
}

/** How a tool call ended (tool_result's status). */
export type ToolStatus = 'ok' | 'error' | 'denied' | 'timeout' | 'cancelled';
export type ApprovalDecision = 'once' | 'chat' | 'always' | 'deny';
/** Why a call ran without asking. */
export type AllowedBy = 'auto_approve' | 'always' | 'chat';

/** One tool call of an answer as a history page carries it (its events folded). */
export interface ToolCall extends Omit<wire.ToolCall, 'status' | 'allowed_by' | 'approval'> {
  allowed_by?: AllowedBy;
  approval?: Approval;
  status?: ToolStatus;
}
export interface Approval extends Omit<wire.Approval, 'decision'> {
  decision?: ApprovalDecision;
}
/** One MCP server of the config file, with its state and (when ready) its tools. */
export interface McpServer extends Omit<wire.MCPServer, 'state'> {
  state: 'starting' | 'ready' | 'failed' | 'disabled';
}
export type McpTool = wire.MCPTool;

/** An "always" grant: a tool allowed in every chat. */
export interface ToolGrant {
  server: string;
  tool: string;
  created_at: string;
}

export interface Message extends Omit<wire.Message, 'role' | 'status' | 'parent_id' | 'siblings' | 'tools'> {
  role: 'user' | 'assistant';
  /** An answer's tool calls, in call order. */
  tools?: ToolCall[];
  status: MessageStatus;
  /** null for a chat's first message; absent from a server older than chat trees. */
  parent_id?: number | null;
  siblings?: Siblings;
}

/** protocol.Preset: a named system prompt, model and parameters (Go sends it as an event's items, which the generator leaves untyped). */
export interface Preset {
  name: string;
  system: string;
  model: string;
  params: wire.Params;
}

/** Where a message stands among those with the same parent; ids of them all, in order (an older server leaves them out). */
export type Siblings = Omit<wire.Siblings, 'ids'> & { ids?: number[] | null };

export type ModelInfo = wire.Model;
export type PullInfo = wire.Pull;

// ---- server → client ----

type WireEvent = wire.Event;
/** Fields an event always carries: its Go constructor sets them. */
type Has<K extends keyof WireEvent> = { [P in K]-?: NonNullable<WireEvent[P]> };
/** Fields it may leave out (omitempty); the UI copes without them. */
type May<K extends keyof WireEvent> = { [P in K]?: WireEvent[P] };
/**
 * One event: its name, the fields the UI relies on and those it may do
 * without, all picked from the generated Event, so a field Go renames or
 * drops fails to compile here.
 */
type Ev<N extends EventName, Req extends keyof WireEvent = never, Opt extends keyof WireEvent = never> = {
  event: N;
  req_id?: string;
} & Has<Req> &
  May<Opt>;
/** A chat event: per chat, with a seq. */
type ChatEv<N extends EventName, Req extends keyof WireEvent = never, Opt extends keyof WireEvent = never> = Ev<
  N,
  'chat_id' | 'seq' | Req,
  Opt
>;

export type ServerEvent =
  | Ev<'ready', 'client_id' | 'protocol', 'chat_id' | 'server' | 'limits'>
  | (Ev<'attached', 'chat_id' | 'last_seq', 'turn_id'> & { status: 'idle' | 'running'; chat?: Chat })
  | Ev<'detached', 'chat_id'>
  // In a replay a user message names no turn: the answer follows it.
  | (ChatEv<'user_message', never, 'turn_id' | 'queued'> & { message: Message })
  | (ChatEv<'message_accepted', 'turn_id', 'queued'> & { message?: Message })
  // The reply to cancel: the turn was told to stop; its turn_end follows.
  | Ev<'cancel_accepted', 'chat_id', 'turn_id'>
  | (ChatEv<'turn_start', 'turn_id', 'model' | 'message_id' | 'parent_id'> & { siblings?: Siblings })
  // The chat's active path now ends at leaf_id: reload it.
  | ChatEv<'branch_switched', 'leaf_id'>
  // The reply to regenerate and continue: the turn that writes the new answer.
  | Ev<'turn_accepted', 'chat_id' | 'turn_id', 'queued'>
  | (Ev<'presets'> & { items: Preset[] })
  | ChatEv<'reasoning_delta', 'turn_id' | 'text'>
  | ChatEv<'reasoning_end', 'turn_id', 'duration_ms' | 'text'>
  | ChatEv<'delta', 'turn_id' | 'text'>
  | ChatEv<'stream_end', 'turn_id', 'text'>
  | (ChatEv<'turn_end', 'turn_id', 'latency_ms' | 'usage' | 'error'> & { status: TurnStatus })
  // Tool calls of a running (or replayed) answer; offset places the call in the answer's text.
  | (ChatEv<'tool_call', 'turn_id' | 'call_id' | 'server' | 'name' | 'offset', 'arguments'> & { allowed_by?: AllowedBy })
  | ChatEv<'approval_request', 'turn_id' | 'call_id' | 'server' | 'name' | 'hints' | 'expires_at', 'arguments'>
  | (ChatEv<'approval_resolved', 'turn_id' | 'call_id' | 'by'> & { decision: ApprovalDecision })
  | (ChatEv<'tool_result', 'turn_id' | 'call_id', 'content' | 'images' | 'duration_ms'> & { status: ToolStatus })
  // The reply to approve: the decision was taken (approval_resolved tells every client of the chat).
  | (Ev<'approve_accepted', 'chat_id' | 'call_id'> & { decision: ApprovalDecision })
  // Answers list_tool_grants and revoke_tool_grant; broadcast when the grants change.
  | (Ev<'tool_grants'> & { items: ToolGrant[] })
  // Agents (docs/agents.md): the list, and who comes and goes.
  | (Ev<'agents'> & { items: wire.Agent[] })
  | Ev<'agent_online', 'name'>
  | Ev<'agent_offline', 'name'>
  // Sent to agents only; a browser never receives them.
  | Ev<'agent_registered', 'name'>
  | Ev<'turn_request', 'chat_id' | 'turn_id', 'messages' | 'system' | 'model'>
  | Ev<'turn_cancel', 'chat_id' | 'turn_id'>
  | Ev<'frame_accepted', 'turn_id'>
  // Answers list_mcp_servers; broadcast when a server's state or tools, or the config file, change.
  | (Ev<'mcp_servers', never, 'config_path' | 'error'> & { items: McpServer[] })
  | (Ev<'chats', never, 'has_more' | 'next_before'> & { items: Chat[] })
  | (Ev<'history', 'chat_id' | 'has_more' | 'last_seq', 'has_newer'> & { items: Message[] })
  | (Ev<'chat_created', never, 'chat_id'> & { chat: Chat })
  | (Ev<'chat_updated', never, 'chat_id'> & { chat: Chat })
  | Ev<'chat_deleted', 'chat_id'>
  | (Ev<'models', never, 'provider' | 'url'> & { items: ModelInfo[] })
  // Broadcast when the model server goes away, comes back or changes its models.
  | (Ev<'provider_status', never, 'provider' | 'provider_url' | 'detail'> & {
      state: 'ok' | 'unreachable' | 'error';
      reason?: ServerReason;
      items?: ModelInfo[];
    })
  // Model downloads, broadcast to every connection; pull_progress with a
  // req_id answers pull_model, pull_done with one answers cancel_pull.
  | Ev<'pull_progress', 'pull_id' | 'name' | 'status' | 'completed' | 'total', 'bytes_per_sec'>
  | (Ev<'pull_done', 'pull_id' | 'name', 'completed' | 'total' | 'error'> & { status: 'done' | 'error' | 'cancelled' })
  | (Ev<'pulls'> & { items: PullInfo[] })
  | Ev<'settings', 'has_api_key', 'provider' | 'provider_url' | 'model' | 'overridden' | 'config_file'>
  | (Ev<'search_results', 'query'> & { items: wire.SearchHit[] })
  // A page left open across an upgrade may meet a reason newer than itself;
  // reasonText says those from their name.
  | (Ev<'error', never, 'detail' | 'chat_id'> & { reason: ServerReason })
  | Ev<'pong'>;

export type EventOf<E extends EventName> = Extract<ServerEvent, { event: E }>;

/** What the settings form shows: the settings event without its envelope. */
export type Settings = Omit<EventOf<'settings'>, 'event' | 'req_id'>;

type Assert<T extends true> = T;
/** Every event the server sends has its shape above (fails to compile otherwise). */
export type EveryEventHasAShape = Assert<[Exclude<EventName, ServerEvent['event']>] extends [never] ? true : false>;

// ---- client → server ----

export type MediaRef = { id: string } | { data_url: string; name: string };

/** An attachment ready to send: uploaded (id), or inline as a data URL when no upload was possible. */
export type OutgoingMedia = wire.Media & { data_url?: string };

type WireFrame = Omit<wire.Frame, 'type' | 'req_id' | 'media'>;
/**
 * One frame type: its name, the fields the router requires and those it
 * accepts, picked from the generated Frame.
 */
type Cmd<N extends CommandName, Req extends keyof WireFrame = never, Opt extends keyof WireFrame = never> = {
  type: N;
} & { [P in Req]-?: NonNullable<WireFrame[P]> } & { [P in Opt]?: WireFrame[P] };

export type ClientFrame =
  | Cmd<'new_chat', never, 'title' | 'model' | 'system' | 'preset' | 'params' | 'temporary' | 'tools_off' | 'agent'>
  | Cmd<'attach', 'chat_id', 'since'>
  | Cmd<'detach', 'chat_id'>
  | (Cmd<'message', 'chat_id' | 'content', 'model' | 'reasoning_effort' | 'queue'> & { media?: MediaRef[] })
  | Cmd<'cancel', 'chat_id', 'turn_id'>
  | Cmd<'list_chats', never, 'limit' | 'before' | 'archived'>
  | Cmd<'history', 'chat_id', 'before_seq' | 'after_seq' | 'around_seq' | 'limit' | 'leaf_id'>
  | Cmd<'rename_chat', 'chat_id' | 'title'>
  | Cmd<'update_chat', 'chat_id', 'title' | 'model' | 'system' | 'pinned' | 'archived' | 'params' | 'preset' | 'tools_off' | 'agent'>
  | Cmd<'delete_chat', 'chat_id'>
  | Cmd<'list_models'>
  | Cmd<'pull_model', 'name'>
  | Cmd<'cancel_pull', never, 'pull_id' | 'name'>
  | Cmd<'list_pulls'>
  | Cmd<'get_settings'>
  | Cmd<'set_settings', never, 'provider' | 'provider_url' | 'model' | 'api_key'>
  | Cmd<'search', 'query', 'limit'>
  | Cmd<'ping'>
  | (Cmd<'edit_message', 'chat_id' | 'message_id' | 'content', 'model' | 'reasoning_effort'> & { media?: MediaRef[] })
  | Cmd<'regenerate', 'chat_id', 'message_id' | 'model' | 'reasoning_effort'>
  | Cmd<'continue', 'chat_id' | 'message_id'>
  | Cmd<'switch_branch', 'chat_id' | 'message_id'>
  | Cmd<'fork_chat', 'chat_id' | 'message_id'>
  | Cmd<'list_presets'>
  | Cmd<'save_preset', 'name', 'system' | 'model' | 'params'>
  | Cmd<'delete_preset', 'name'>
  | (Cmd<'approve', 'chat_id' | 'call_id'> & { decision: ApprovalDecision })
  | Cmd<'list_tool_grants'>
  | Cmd<'revoke_tool_grant', 'server' | 'tool'>
  | Cmd<'list_mcp_servers'>
  | Cmd<'list_agents'>
  // What an agent sends; the UI never does.
  | Cmd<'register_agent', 'name', 'description'>
  | Cmd<'reasoning_delta' | 'delta', 'turn_id' | 'text'>
  | Cmd<'reasoning_end', 'turn_id'>
  | Cmd<'tool_call' | 'approval_request', 'turn_id' | 'call_id' | 'name', 'arguments'>
  | Cmd<'tool_result', 'turn_id' | 'call_id', 'status' | 'content'>
  | Cmd<'turn_end', 'turn_id', 'status' | 'error' | 'usage'>;

/** Every frame type the server accepts can be sent (fails to compile otherwise). */
export type EveryCommandHasAShape = Assert<[Exclude<CommandName, ClientFrame['type']>] extends [never] ? true : false>;

/** Chat events carry a per-chat seq and are deduplicated on it. */
export const CHAT_EVENTS = new Set<EventName>([
  'user_message',
  'message_accepted',
  'turn_start',
  'reasoning_delta',
  'reasoning_end',
  'delta',
  'stream_end',
  'turn_end',
  'branch_switched',
  'tool_call',
  'approval_request',
  'approval_resolved',
  'tool_result',
]);
