// Wire types of Hearth protocol v1 (docs/protocol.md). Types only, no logic.

export type TurnStatus = 'done' | 'cancelled' | 'error' | 'interrupted';
export type MessageStatus = 'done' | 'streaming' | TurnStatus;

export interface Chat {
  id: string;
  title: string;
  model: string;
  system: string;
  pinned: boolean;
  created_at: string;
  updated_at: string;
  last_seq: number;
  message_count: number;
  running: boolean;
}

export interface Media {
  id: string;
  mime: string;
  size: number;
  name: string;
  url: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Message {
  /** The server may send numbers; the UI keeps ids as strings. */
  id: string | number;
  chat_id: string;
  seq: number;
  end_seq?: number;
  turn_id?: string;
  role: 'user' | 'assistant';
  content: string;
  reasoning?: string;
  reasoning_ms?: number;
  model?: string;
  status?: MessageStatus;
  error?: string;
  usage?: Usage | null;
  media?: Media[] | null;
  created_at?: string;
}

export interface ModelInfo {
  id: string;
}

export interface Settings {
  provider: string;
  provider_url: string;
  model: string;
  has_api_key: boolean;
  overridden?: string[] | null;
  config_file?: string;
}

export interface SearchHit {
  chat_id: string;
  chat_title: string;
  message_id: string | number;
  seq: number;
  role: string;
  snippet: string;
}

// ---- server → client ----

interface Base {
  req_id?: string;
}

export interface ChatEventBase extends Base {
  chat_id: string;
  seq: number;
}

export type ServerEvent =
  | (Base & { event: 'ready'; client_id: string; chat_id?: string; protocol: number })
  | (Base & {
      event: 'attached';
      chat_id: string;
      last_seq: number;
      status: 'idle' | 'running';
      turn_id?: string;
      chat?: Chat;
    })
  | (Base & { event: 'detached'; chat_id: string })
  | (ChatEventBase & { event: 'user_message'; message: Message; queued?: boolean })
  | (ChatEventBase & {
      event: 'message_accepted';
      turn_id: string;
      message?: Message;
      queued?: boolean;
    })
  | (ChatEventBase & { event: 'turn_start'; turn_id: string; model?: string; message_id?: string | number })
  | (ChatEventBase & { event: 'reasoning_delta'; turn_id: string; text: string })
  | (ChatEventBase & { event: 'reasoning_end'; turn_id: string; duration_ms?: number; text?: string })
  | (ChatEventBase & { event: 'delta'; turn_id: string; text: string })
  | (ChatEventBase & { event: 'stream_end'; turn_id: string; text?: string })
  | (ChatEventBase & {
      event: 'turn_end';
      turn_id: string;
      status: TurnStatus;
      latency_ms?: number;
      usage?: Usage | null;
      error?: string;
    })
  | (Base & { event: 'chats'; items: Chat[] | null; has_more?: boolean; next_before?: string })
  | (Base & {
      event: 'history';
      chat_id: string;
      items: Message[] | null;
      has_more: boolean;
      last_seq: number;
    })
  | (Base & { event: 'chat_created'; chat: Chat })
  | (Base & { event: 'chat_updated'; chat: Chat })
  | (Base & { event: 'chat_deleted'; chat_id: string })
  | (Base & { event: 'models'; items: ModelInfo[] | null; provider?: string; url?: string })
  | (Base & ({ event: 'settings' } & Settings))
  | (Base & { event: 'search_results'; query: string; items: SearchHit[] | null })
  | (Base & { event: 'error'; reason: string; detail?: string; chat_id?: string })
  | (Base & { event: 'pong' });

export type EventName = ServerEvent['event'];
export type EventOf<E extends EventName> = Extract<ServerEvent, { event: E }>;

// ---- client → server ----

export type MediaRef = { id: string } | { data_url: string; name: string };

/** An attachment ready to send: uploaded (id), or inline as a data URL when no upload was possible. */
export type OutgoingMedia = Media & { data_url?: string };

export type ClientFrame =
  | { type: 'new_chat'; title?: string; model?: string; system?: string }
  | { type: 'attach'; chat_id: string; since?: number }
  | { type: 'detach'; chat_id: string }
  | {
      type: 'message';
      chat_id: string;
      content: string;
      media?: MediaRef[];
      model?: string;
      reasoning_effort?: string;
      queue?: boolean;
    }
  | { type: 'cancel'; chat_id: string; turn_id?: string }
  | { type: 'list_chats'; limit?: number; before?: string }
  | { type: 'history'; chat_id: string; before_seq?: number; limit?: number }
  | { type: 'rename_chat'; chat_id: string; title: string }
  | {
      type: 'update_chat';
      chat_id: string;
      title?: string;
      model?: string;
      system?: string;
      pinned?: boolean;
    }
  | { type: 'delete_chat'; chat_id: string }
  | { type: 'list_models' }
  | { type: 'get_settings' }
  | {
      type: 'set_settings';
      provider?: string;
      provider_url?: string;
      model?: string;
      api_key?: string;
    }
  | { type: 'search'; query: string; limit?: number }
  | { type: 'ping' };

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
]);
