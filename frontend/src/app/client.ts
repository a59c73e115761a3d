// The controller: owns the store and the connection, turns user intents into
// frames and server frames into store actions. Stream events are applied in
// batches at most once per animation frame.

import type { ApprovalDecision, Chat, ClientFrame, EventOf, OutgoingMedia, SearchHit, ServerEvent } from '../protocol';
import { matchedTerms } from './search';
import { Connection, ProtocolError } from '../net/connection';
import { type Endpoint, wsUrlWithToken } from '../net/endpoint';
import { probeServer } from '../net/reach';
import { reasonText } from '../reasons';
import { pickModel } from '../state/provider';
import {
  type Action,
  type Focus,
  type HistoryKind,
  type SendError,
  type State,
  followedChats,
  initialState,
  reduce,
  shownMessages,
} from '../state/store';
import { chatToOpenFirst } from '../state/temporary';
import type { Preset } from '../protocol';
import type { Params } from '../protocol.gen';

export const PAGE_SIZE = 60;
/** Chats per page of the sidebar's list. */
export const CHAT_PAGE = 100;
const UNDO_MS = 6000;

type Listener = () => void;

export interface Scheduler {
  frame: (cb: () => void) => void;
  now: () => number;
}

const browserScheduler: Scheduler = {
  frame: (cb) => {
    // rAF does not run in hidden tabs; a timer makes sure the queue drains anyway.
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      cb();
    };
    requestAnimationFrame(run);
    setTimeout(run, 250);
  },
  now: () => Date.now(),
};

export class HearthClient {
  private state: State = initialState();
  private readonly listeners = new Set<Listener>();
  private queue: Action[] = [];
  private frameScheduled = false;
  private conn: Connection | null = null;
  private readonly attaching = new Set<string>();
  private readonly loading = new Set<string>();
  private readonly deleteTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private searchSeq = 0;

  constructor(
    readonly endpoint: Endpoint | null,
    private readonly sched: Scheduler = browserScheduler,
  ) {
    if (!endpoint) this.state = reduce(this.state, { type: 'conn', status: 'no_token' });
  }

  // ------------------------------------------------------------ store

  getState = (): State => this.state;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Apply an action now (after any queued stream events, to keep order). */
  dispatch(action: Action): void {
    this.queue.push(action);
    this.flush();
  }

  /** Queue a stream action; applied on the next animation frame. */
  private enqueue(action: Action): void {
    this.queue.push(action);
    if (this.frameScheduled) return;
    this.frameScheduled = true;
    this.sched.frame(() => {
      this.frameScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    const prev = this.state;
    let s = prev;
    for (const a of q) s = reduce(s, a);
    if (s === prev) return;
    this.state = s;
    for (const l of this.listeners) l();
    this.afterChange(s);
  }

  private afterChange(s: State): void {
    for (const v of Object.values(s.views)) {
      if (v.needsReconcile && !this.loading.has(`r:${v.id}`)) void this.loadHistory(v.id, 'reconcile');
      if (v.pathReload && !v.deleted && !this.loading.has(`p:${v.id}`)) void this.reloadPath(v.id);
    }
  }

  // ------------------------------------------------------------ connection

  start(): void {
    if (!this.endpoint || this.conn) return;
    const ep = this.endpoint;
    this.conn = new Connection({
      url: () => wsUrlWithToken(ep),
      onEvent: (ev) => this.onEvent(ev),
      onState: (ls) =>
        this.dispatch({ type: 'conn', status: ls.status, attempt: ls.attempt, retryAt: ls.retryAt, detail: ls.detail, reach: ls.reach }),
      onOpen: () => void this.resume(),
      // The desktop window's server lives and dies with the window itself.
      probe: ep.desktop ? undefined : () => probeServer(ep.http, ep.token),
    });
    this.conn.start();
    window.addEventListener('pagehide', this.flushDeletes);
  }

  stop(): void {
    this.conn?.stop();
    this.conn = null;
    window.removeEventListener('pagehide', this.flushDeletes);
  }

  retryNow(): void {
    this.conn?.retryNow();
  }

  private onEvent(ev: ServerEvent): void {
    switch (ev.event) {
      case 'history':
      case 'pong':
      case 'models':
      case 'settings':
      case 'search_results':
      case 'chats':
      case 'cancel_accepted':
      case 'pulls':
      case 'approve_accepted':
        return; // replies, handled where they were requested
      case 'pull_done':
        // A model that just arrived belongs in every window's picker.
        if (ev.status === 'done') void this.refreshModels();
        this.enqueue({ type: 'server', ev, now: this.sched.now() });
        return;
      case 'tool_grants':
        this.dispatch({ type: 'tool_settings', patch: { grants: ev.items ?? [] } });
        return;
      case 'mcp_servers':
        this.dispatch({ type: 'tool_settings', patch: { servers: { config_path: ev.config_path ?? '', error: ev.error, items: ev.items ?? [] } } });
        return;
      case 'agent_online':
        // Its description comes with the list.
        if (!this.state.agents?.some((a) => a.name === ev.name)) void this.refreshAgents();
        this.enqueue({ type: 'server', ev, now: this.sched.now() });
        return;
      case 'error':
        if (!ev.req_id) this.dispatch({ type: 'notice', kind: 'error', text: reasonText(ev.reason, ev.detail), critical: true });
        return;
      default:
        this.enqueue({ type: 'server', ev, now: this.sched.now() });
    }
  }

  /** After every (re)connect: chats, models, then every followed chat from where it stopped. */
  private async resume(): Promise<void> {
    this.attaching.clear();
    void this.refreshChats();
    void this.refreshModels();
    void this.loadSettings();
    void this.refreshPulls();
    void this.refreshPresets();
    void this.refreshTools();
    void this.refreshAgents();
    const s = this.state;
    const ids = new Set(followedChats(s).map((v) => v.id));
    if (s.activeChatId) ids.add(s.activeChatId);
    await Promise.all([...ids].map((id) => this.ensureFollowing(id)));
  }

  private request<E extends ServerEvent>(frame: ClientFrame, reqId?: string): Promise<E> {
    if (!this.conn) return Promise.reject(new ProtocolError('offline', 'Not connected to the Hearth server.'));
    return this.conn.request<E>(frame, reqId);
  }

  /** critical: the failure leaves the window wrong (a chat missing or unloaded), so its notice stays until dismissed. */
  private report(e: unknown, what: string, critical = false): void {
    if (e instanceof ProtocolError) {
      if (e.reason === 'disconnected' || e.reason === 'offline') return; // the banner says it
      this.dispatch({ type: 'notice', kind: 'error', text: `${what}: ${reasonText(e.reason, e.detail)}`, critical });
    } else {
      this.dispatch({ type: 'notice', kind: 'error', text: `${what}: ${String(e)}`, critical });
    }
  }

  // ------------------------------------------------------------ chats

  /**
   * The newest page of the list, as long as what was loaded before (a
   * reconnect keeps what the user scrolled to, up to the server's 500).
   */
  async refreshChats(): Promise<void> {
    const firstLoad = !this.state.chatsLoaded;
    const limit = Math.min(500, Math.max(CHAT_PAGE, Object.keys(this.state.chats).length));
    try {
      const ev = await this.request<EventOf<'chats'>>({ type: 'list_chats', limit });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      // Only on the first load: later, no chat open may be a draft the user is writing.
      if (firstLoad && !this.state.activeChatId) {
        // Open the newest chat on first load.
        const first = chatToOpenFirst(Object.values(this.state.chats));
        if (first) this.openChat(first.id);
      }
    } catch (e) {
      this.report(e, 'Could not list chats', true);
    }
  }

  /** The next page of the chat list, older than what is loaded; the sidebar asks as it scrolls to the end. */
  async loadMoreChats(): Promise<void> {
    const s = this.state;
    if (!s.chatsMore || !s.chatsNext || s.chatsLoadingMore || !this.conn?.isOpen) return;
    this.dispatch({ type: 'chats_more_requested' });
    try {
      const ev = await this.request<EventOf<'chats'>>({ type: 'list_chats', limit: CHAT_PAGE, before: s.chatsNext });
      this.dispatch({ type: 'chats_more', ev });
    } catch (e) {
      this.dispatch({ type: 'chats_more_failed' });
      this.report(e, 'Could not list more chats');
    }
  }

  openChat(id: string | null): void {
    this.dispatch({ type: 'open_chat', chatId: id });
    if (id) void this.ensureFollowing(id);
  }

  /** Load the newest page if needed, then attach from the highest applied seq. */
  private async ensureFollowing(id: string): Promise<void> {
    if (!this.conn?.isOpen) return;
    const v = this.state.views[id];
    if (!v || v.deleted) return;
    if (!v.loaded) {
      const ok = await this.loadHistory(id, 'initial');
      if (!ok) return;
    }
    const v2 = this.state.views[id];
    if (!v2 || v2.attached || v2.deleted || this.attaching.has(id)) return;
    this.attaching.add(id);
    try {
      await this.request({ type: 'attach', chat_id: id, since: v2.appliedSeq });
    } catch (e) {
      if (e instanceof ProtocolError && e.reason === 'not_found') {
        this.dispatch({ type: 'server', ev: { event: 'chat_deleted', chat_id: id }, now: this.sched.now() });
      } else {
        this.report(e, 'Could not open the chat', true);
      }
    } finally {
      this.attaching.delete(id);
    }
  }

  private async loadHistory(id: string, kind: HistoryKind): Promise<boolean> {
    const key = `${kind[0]}:${id}`;
    if (this.loading.has(key)) return false;
    this.loading.add(key);
    try {
      const frame: ClientFrame = { type: 'history', chat_id: id, limit: PAGE_SIZE };
      if (kind === 'older') {
        const first = this.state.views[id]?.messages[0];
        if (first) frame.before_seq = first.seq;
      }
      const ev = await this.request<EventOf<'history'>>(frame);
      this.dispatch({ type: 'history', kind, ev });
      return true;
    } catch (e) {
      this.dispatch({ type: 'history_failed', chatId: id, kind });
      if (e instanceof ProtocolError && e.reason === 'not_found') {
        this.dispatch({ type: 'server', ev: { event: 'chat_deleted', chat_id: id }, now: this.sched.now() });
      } else {
        this.report(e, 'Could not load the chat', true);
      }
      return false;
    } finally {
      this.loading.delete(key);
    }
  }

  loadOlder(id: string): void {
    const v = this.state.views[id];
    if (!v || !v.hasMore || v.loadingOlder || !this.conn?.isOpen) return;
    this.dispatch({ type: 'older_requested', chatId: id });
    void this.loadHistory(id, 'older');
  }

  /**
   * Opens a search hit's chat at the hit: the page around it (unless the view
   * holds the message already), brought into view with the matched words
   * highlighted; then follows the chat live as openChat does.
   */
  async openHit(hit: SearchHit): Promise<void> {
    const id = hit.chat_id;
    const focus = { messageId: String(hit.message_id), terms: matchedTerms(hit) };
    this.dispatch({ type: 'open_chat', chatId: id });
    // A hit on another version: that version becomes the chat's path first
    // (in every window, as any switch), then the page around it opens.
    if (hit.on_path === false && (await this.switchBranch(id, hit.message_id)) !== null) return;
    const v = this.state.views[id];
    if (v?.loaded && shownMessages(v).some((m) => m.id === focus.messageId)) {
      this.dispatch({ type: 'focus', chatId: id, focus });
    } else if (!(await this.loadWindow(id, 'around', { around_seq: hit.seq }, focus))) {
      return;
    }
    await this.ensureFollowing(id);
  }

  /** The next page below a window opened around a search hit. */
  loadNewer(id: string): void {
    const v = this.state.views[id];
    if (!v || !v.hasNewer || v.loadingNewer || !this.conn?.isOpen) return;
    this.dispatch({ type: 'newer_requested', chatId: id });
    void this.loadWindow(id, 'newer', { after_seq: v.windowEnd });
  }

  /** Leaves a window for the newest page (Jump to latest, or sending from a window). */
  loadLatest(id: string): void {
    const v = this.state.views[id];
    if (!v?.hasNewer) return;
    void this.loadWindow(id, 'latest', {});
  }

  private async loadWindow(
    id: string,
    kind: 'around' | 'newer' | 'latest',
    at: { around_seq?: number; after_seq?: number },
    focus?: Focus,
  ): Promise<boolean> {
    try {
      const ev = await this.request<EventOf<'history'>>({ type: 'history', chat_id: id, limit: PAGE_SIZE, ...at });
      this.dispatch({ type: 'history', kind, ev, focus });
      return true;
    } catch (e) {
      this.dispatch({ type: 'history_failed', chatId: id, kind });
      if (e instanceof ProtocolError && e.reason === 'not_found') {
        this.dispatch({ type: 'server', ev: { event: 'chat_deleted', chat_id: id }, now: this.sched.now() });
      } else {
        this.report(e, 'Could not load the chat');
      }
      return false;
    }
  }

  /**
   * New chat opens a draft: an empty chat that exists only in this window
   * until its first message (sendToDraft) stores it, so New chat clicked
   * and left behind stores nothing.
   */
  newChat(): void {
    this.dispatch({ type: 'open_chat', chatId: null });
    this.dispatch({ type: 'draft_temporary', temporary: false });
  }

  /** A draft that becomes a temporary chat: kept in the server's memory only, gone when no window follows it. */
  newTemporaryChat(): void {
    this.dispatch({ type: 'open_chat', chatId: null });
    this.dispatch({ type: 'draft_temporary', temporary: true });
  }

  /** Turns the open draft into a temporary one, or back. */
  setDraftTemporary(temporary: boolean): void {
    this.dispatch({ type: 'draft_temporary', temporary });
  }

  /** The model the draft will be created with. */
  setDraftModel(model: string): void {
    this.dispatch({ type: 'draft_model', model });
  }

  /**
   * The draft's first message: new_chat (with the draft's model), then the
   * message, as `hearth chat --new` does. A second send while the chat is
   * being created joins it, queued behind the first.
   */
  async sendToDraft(content: string, media: OutgoingMedia[]): Promise<void> {
    const joining = this.creating !== null;
    const id = await this.createChat();
    if (id) await this.send(id, content, media, joining);
  }

  private creating: Promise<string | null> | null = null;

  /** Stores the draft as a chat and opens it; concurrent calls share one new_chat. */
  createChat(): Promise<string | null> {
    this.creating ??= this.storeDraft().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  private async storeDraft(): Promise<string | null> {
    // The model picked for the draft; else the default, unless the server
    // does not offer it (a first run's "llama3.2"): then what the picker
    // shows instead.
    const { settings, models, draftModel, draftPreset, draftTemporary, draftAgent } = this.state;
    const def = settings?.model ?? '';
    const model = draftModel || pickModel(def, models.status === 'ok' ? models.items : [], def, true) || undefined;
    try {
      const ev = await this.request<EventOf<'attached'>>({
        type: 'new_chat',
        ...(model ? { model } : {}),
        ...(draftPreset ? { preset: draftPreset } : {}),
        ...(draftTemporary ? { temporary: true } : {}),
        ...(draftAgent ? { agent: draftAgent } : {}),
      });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      this.dispatch({ type: 'open_chat', chatId: ev.chat_id });
      this.dispatch({ type: 'draft_model', model: null });
      this.dispatch({ type: 'draft_preset', name: null });
      this.dispatch({ type: 'draft_agent', agent: null });
      return ev.chat_id;
    } catch (e) {
      this.report(e, 'Could not create a chat', true);
      return null;
    }
  }

  async rename(id: string, title: string): Promise<void> {
    try {
      await this.request({ type: 'rename_chat', chat_id: id, title });
    } catch (e) {
      this.report(e, 'Could not rename the chat');
    }
  }

  /** Pinned chats stay at the top of the list. */
  async setPinned(id: string, pinned: boolean): Promise<void> {
    try {
      await this.request({ type: 'update_chat', chat_id: id, pinned });
    } catch (e) {
      this.report(e, pinned ? 'Could not pin the chat' : 'Could not unpin the chat');
    }
  }

  /** An archived chat leaves the list for the Archived view; it is kept whole and can be restored. */
  async setArchived(id: string, archived: boolean): Promise<void> {
    try {
      await this.request({ type: 'update_chat', chat_id: id, archived });
    } catch (e) {
      this.report(e, archived ? 'Could not archive the chat' : 'Could not restore the chat');
    }
  }

  /** The archived chats (list_chats {archived}), all pages of them up to the server's 500 a page. */
  async listArchived(): Promise<Chat[] | null> {
    const out: Chat[] = [];
    let before: string | undefined;
    try {
      for (let i = 0; i < 20; i++) {
        const ev = await this.request<EventOf<'chats'>>({ type: 'list_chats', archived: true, limit: 500, ...(before ? { before } : {}) });
        out.push(...(ev.items ?? []));
        if (!ev.has_more || !ev.next_before) break;
        before = ev.next_before;
      }
      return out;
    } catch (e) {
      this.report(e, 'Could not list the archived chats');
      return null;
    }
  }

  async setModel(id: string, model: string): Promise<void> {
    try {
      await this.request({ type: 'update_chat', chat_id: id, model });
    } catch (e) {
      this.report(e, 'Could not change the model');
    }
  }

  /** Hide now, delete for real after the undo window. */
  deleteChat(id: string): void {
    this.dispatch({ type: 'delete_requested', chatId: id });
    const next = this.state.activeChatId;
    if (next) void this.ensureFollowing(next);
    this.deleteTimers.set(
      id,
      setTimeout(() => void this.commitDelete(id), UNDO_MS),
    );
  }

  undoDelete(id: string): void {
    const t = this.deleteTimers.get(id);
    if (t) clearTimeout(t);
    this.deleteTimers.delete(id);
    this.dispatch({ type: 'delete_undone', chatId: id });
  }

  private async commitDelete(id: string): Promise<void> {
    this.deleteTimers.delete(id);
    try {
      await this.request({ type: 'delete_chat', chat_id: id });
      this.dispatch({ type: 'delete_committed', chatId: id });
    } catch (e) {
      this.dispatch({ type: 'delete_undone', chatId: id });
      this.report(e, 'Could not delete the chat', true);
    }
  }

  private flushDeletes = (): void => {
    for (const [id, t] of this.deleteTimers) {
      clearTimeout(t);
      this.conn?.send({ type: 'delete_chat', chat_id: id });
    }
    this.deleteTimers.clear();
  };

  // ------------------------------------------------------------ turns

  async send(chatId: string, content: string, media: OutgoingMedia[], queue: boolean): Promise<void> {
    if (!this.conn) return;
    const reqId = this.conn.nextReqId();
    this.dispatch({ type: 'send', chatId, reqId, content, media, queued: queue });
    const model = this.state.chats[chatId]?.model || undefined;
    const frame: ClientFrame = {
      type: 'message',
      chat_id: chatId,
      content,
      ...(media.length
        ? { media: media.map((m) => (m.data_url ? { data_url: m.data_url, name: m.name } : { id: m.id })) }
        : {}),
      ...(model ? { model } : {}),
      ...(queue ? { queue: true } : {}),
    };
    try {
      await this.request(frame, reqId);
    } catch (e) {
      const err: SendError = e instanceof ProtocolError ? { reason: e.reason, detail: e.detail } : { reason: 'error', detail: String(e) };
      this.dispatch({ type: 'send_failed', chatId, reqId, error: err });
    }
  }

  dismissPending(chatId: string, reqId: string): void {
    this.dispatch({ type: 'dismiss_pending', chatId, reqId });
  }

  async cancel(chatId: string): Promise<void> {
    const v = this.state.views[chatId];
    if (!v?.runningTurnId) return;
    this.dispatch({ type: 'cancel_requested', chatId });
    try {
      // cancel_accepted: the turn was told to stop; its turn_end (status
      // cancelled) ends the stopping state, whichever of the two comes first.
      await this.request<EventOf<'cancel_accepted'>>({ type: 'cancel', chat_id: chatId, turn_id: v.runningTurnId });
    } catch (e) {
      this.dispatch({ type: 'cancel_failed', chatId });
      if (!(e instanceof ProtocolError && e.reason === 'not_running')) this.report(e, 'Could not stop the reply');
    }
  }

  // ------------------------------------------------------------ branches

  /** The version a switch asked for, brought into view when the path reloads in this window. */
  private readonly switchFocus = new Map<string, string>();

  /**
   * The chat's active path changed (branch_switched, here or elsewhere):
   * the newest page of the new path replaces what the view shows. Asked
   * again while an older answer than the latest switch comes back.
   */
  private async reloadPath(id: string): Promise<void> {
    const key = `p:${id}`;
    if (this.loading.has(key)) return;
    this.loading.add(key);
    const want = this.switchFocus.get(id);
    this.switchFocus.delete(id);
    try {
      await this.loadWindow(id, 'latest', {}, want ? { messageId: want, terms: [] } : undefined);
    } finally {
      this.loading.delete(key);
    }
    const v = this.state.views[id];
    if (v?.pathReload && !v.deleted && this.conn?.isOpen) void this.reloadPath(id);
  }

  /**
   * Runs a branch command; the events that follow (message_accepted,
   * turn_start, branch_switched) change the view. Returns an error
   * sentence, or null when the server took it.
   */
  private async branchCommand(frame: ClientFrame, what: string, toast: boolean): Promise<string | null> {
    try {
      await this.request(frame);
      return null;
    } catch (e) {
      if (toast) this.report(e, what);
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  /** A new version of a question (beside it, same parent), answered at once. */
  editMessage(chatId: string, messageId: number, content: string, media: OutgoingMedia[]): Promise<string | null> {
    const model = this.state.chats[chatId]?.model || undefined;
    return this.branchCommand(
      {
        type: 'edit_message',
        chat_id: chatId,
        message_id: messageId,
        content,
        ...(media.length ? { media: media.map((m) => (m.data_url ? { data_url: m.data_url, name: m.name } : { id: m.id })) } : {}),
        ...(model ? { model } : {}),
      },
      'Could not edit the message',
      false,
    );
  }

  /** A new answer beside messageId (absent: the last answer), with another model when given. */
  regenerate(chatId: string, messageId: number | null, model?: string): Promise<string | null> {
    return this.branchCommand(
      { type: 'regenerate', chat_id: chatId, ...(messageId ? { message_id: messageId } : {}), ...(model ? { model } : {}) },
      'Could not regenerate the answer',
      true,
    );
  }

  /** The model goes on from the kept text of an answer that ended short; a server that cannot says why. */
  continueAnswer(chatId: string, messageId: number): Promise<string | null> {
    return this.branchCommand({ type: 'continue', chat_id: chatId, message_id: messageId }, 'Could not continue the answer', true);
  }

  /** Makes the path through messageId the chat's active one, in every window. */
  async switchBranch(chatId: string, messageId: number): Promise<string | null> {
    this.switchFocus.set(chatId, String(messageId));
    const err = await this.branchCommand({ type: 'switch_branch', chat_id: chatId, message_id: messageId }, 'Could not switch versions', true);
    if (err) this.switchFocus.delete(chatId);
    return err;
  }

  /** A new chat holding the path up to messageId, opened here. */
  async forkChat(chatId: string, messageId: number): Promise<string | null> {
    try {
      const ev = await this.request<EventOf<'chat_created'>>({ type: 'fork_chat', chat_id: chatId, message_id: messageId });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      const id = ev.chat?.id ?? ev.chat_id;
      if (id) this.openChat(id);
      return id ?? null;
    } catch (e) {
      this.report(e, 'Could not fork the chat');
      return null;
    }
  }

  // ------------------------------------------------------------ models, settings, search

  async refreshModels(): Promise<void> {
    this.dispatch({ type: 'models_loading' });
    try {
      const ev = await this.request<EventOf<'models'>>({ type: 'list_models' });
      this.dispatch({
        type: 'models_loaded',
        items: (ev.items ?? []).map((m) => m.id),
        info: ev.items ?? [],
        provider: ev.provider,
        url: ev.url,
      });
    } catch (e) {
      const err: SendError = e instanceof ProtocolError ? { reason: e.reason, detail: e.detail } : { reason: 'error', detail: String(e) };
      this.dispatch({ type: 'models_failed', error: err });
    }
  }

  /** The downloads running on the server (after a (re)connect, they may have moved on). */
  async refreshPulls(): Promise<void> {
    try {
      const ev = await this.request<EventOf<'pulls'>>({ type: 'list_pulls' });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
    } catch {
      // An older server without downloads: nothing to show.
    }
  }

  /** Starts (or joins) a download; returns an error sentence, or null when it started. */
  async pullModel(name: string): Promise<string | null> {
    try {
      const ev = await this.request<EventOf<'pull_progress'>>({ type: 'pull_model', name });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  async cancelPull(pullId: string): Promise<void> {
    try {
      const ev = await this.request<EventOf<'pull_done'>>({ type: 'cancel_pull', pull_id: pullId });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
    } catch (e) {
      // It ended meanwhile: its pull_done says how.
      if (!(e instanceof ProtocolError && e.reason === 'not_found')) this.report(e, 'Could not cancel the download');
    }
  }

  dismissPull(pullId: string): void {
    this.dispatch({ type: 'pull_dismiss', pullId });
  }

  async loadSettings(): Promise<void> {
    try {
      const ev = await this.request<EventOf<'settings'>>({ type: 'get_settings' });
      const { event: _e, req_id: _r, ...settings } = ev;
      this.dispatch({ type: 'settings', settings });
    } catch (e) {
      this.report(e, 'Could not read the settings');
    }
  }

  /** Returns an error sentence, or null when saved. */
  async saveSettings(patch: { provider?: string; provider_url?: string; model?: string; api_key?: string }): Promise<string | null> {
    try {
      const ev = await this.request<EventOf<'settings'>>({ type: 'set_settings', ...patch });
      const { event: _e, req_id: _r, ...settings } = ev;
      this.dispatch({ type: 'settings', settings });
      void this.refreshModels();
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  async search(query: string): Promise<void> {
    const q = query.trim();
    const mine = ++this.searchSeq;
    if (q.length < 2) {
      this.dispatch({ type: 'search', query: q, hits: null });
      return;
    }
    try {
      const ev = await this.request<EventOf<'search_results'>>({ type: 'search', query: q, limit: 30 });
      if (mine === this.searchSeq) this.dispatch({ type: 'search', query: q, hits: ev.items ?? [] });
    } catch {
      if (mine === this.searchSeq) this.dispatch({ type: 'search', query: q, hits: null });
    }
  }

  notify(kind: 'info' | 'error', text: string, critical = false): void {
    this.dispatch({ type: 'notice', kind, text, critical });
  }

  dismissNotice(id: number): void {
    this.dispatch({ type: 'notice_dismiss', id });
  }

  // ------------------------------------------------------------ presets and chat settings

  /** The saved presets; the reply lands in the store as every presets event does. */
  async refreshPresets(): Promise<void> {
    try {
      await this.request({ type: 'list_presets' });
    } catch {
      // An older server without presets: the panel offers none.
    }
  }

  /** Creates or replaces a preset; returns an error sentence, or null when saved. */
  async savePreset(p: Preset): Promise<string | null> {
    try {
      await this.request({ type: 'save_preset', name: p.name, system: p.system, model: p.model, params: p.params });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  async deletePreset(name: string): Promise<string | null> {
    try {
      await this.request({ type: 'delete_preset', name });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  /**
   * One update of a chat's settings: params replace the chat's ({} resets
   * them to the defaults); a preset copies its system prompt, model and
   * params into the chat, under what the same patch sets itself.
   */
  async updateChatSettings(id: string, patch: { system?: string; model?: string; params?: Params; preset?: string }): Promise<string | null> {
    try {
      const ev = await this.request<EventOf<'chat_updated'>>({ type: 'update_chat', chat_id: id, ...patch });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  // ------------------------------------------------------------ agents

  /** The agents with their state; the reply lands in the store (an older server knows no agents: the list stays unknown). */
  async refreshAgents(): Promise<void> {
    await this.request({ type: 'list_agents' }).catch(() => undefined);
  }

  /** The agent the draft will be bound to; null: the built-in model. */
  setDraftAgent(agent: string | null): void {
    this.dispatch({ type: 'draft_agent', agent: agent || null });
  }

  /** Binds a chat to an agent, or back to the built-in model (''); returns an error sentence, or null. */
  async setChatAgent(id: string, agent: string): Promise<string | null> {
    try {
      const ev = await this.request<EventOf<'chat_updated'>>({ type: 'update_chat', chat_id: id, agent });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  // ------------------------------------------------------------ tools

  /** The MCP servers and the "always" grants; both replies land in the store, as their broadcasts do. */
  async refreshTools(): Promise<void> {
    // An older server knows neither command: the settings then show no servers.
    await Promise.all([this.request({ type: 'list_mcp_servers' }).catch(() => undefined), this.request({ type: 'list_tool_grants' }).catch(() => undefined)]);
  }

  /**
   * Answers a call's approval request. The card changes on approval_resolved,
   * which every window gets; returns an error sentence (another window
   * answered first, the call is gone), or null.
   */
  async approve(chatId: string, callId: string, decision: ApprovalDecision): Promise<string | null> {
    try {
      await this.request({ type: 'approve', chat_id: chatId, call_id: callId, decision });
      return null;
    } catch (e) {
      if (e instanceof ProtocolError && e.reason === 'already_resolved') return 'Already answered.';
      if (e instanceof ProtocolError && e.reason === 'not_found') return 'This call no longer waits for an answer.';
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  async revokeToolGrant(server: string, tool: string): Promise<string | null> {
    try {
      await this.request({ type: 'revoke_tool_grant', server, tool });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  /** The MCP servers switched off for a chat (replaces the list); the next turn offers the others' tools. */
  async setToolsOff(id: string, toolsOff: string[]): Promise<string | null> {
    try {
      const ev = await this.request<EventOf<'chat_updated'>>({ type: 'update_chat', chat_id: id, tools_off: toolsOff });
      this.dispatch({ type: 'server', ev, now: this.sched.now() });
      return null;
    } catch (e) {
      return e instanceof ProtocolError ? reasonText(e.reason, e.detail) : String(e);
    }
  }

  /** The preset the draft will be created with; its model shows in the draft's picker. */
  setDraftPreset(name: string | null): void {
    this.dispatch({ type: 'draft_preset', name });
    const p = name ? this.state.presets?.find((x) => x.name === name) : undefined;
    if (p?.model) this.dispatch({ type: 'draft_model', model: p.model });
  }
}
