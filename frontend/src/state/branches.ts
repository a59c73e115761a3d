// A chat is a tree of messages and a window shows one path through it. These
// pure rules keep what a window shows on the path the server follows when
// live events say the path changed (an edit, a regenerate, a continue — here
// or in another window), and say which versions a message can switch to.

import type { Siblings } from '../protocol';
import type { ChatView, ViewMessage } from './store';

/** What of a view the path rule reads and rewrites. */
export type PathView = Pick<ChatView, 'messages' | 'hasMore' | 'hasNewer' | 'windowEnd' | 'epoch'>;

/**
 * The view once a message whose parent is parentId joins the path (a user
 * message that is not queued, or the answer a turn_start opens). When the
 * parent is not the last message shown, the path forked there: everything
 * shown after the parent goes (queued questions stay: they wait outside the
 * tree). A null parent makes the message a new first one: everything goes.
 * A parent older than the loaded window: everything goes, and the loader of
 * older history fetches the path upward from the new message.
 *
 * selfId is the joining message's own id: already shown (an event seen
 * twice), it stays, as do its children (a turn_start that overtook its
 * question). Returns v itself when nothing changes.
 */
export function followPath<V extends PathView>(v: V, parentId: number | null | undefined, selfId: string): V {
  // A server without chat trees names no parent: nothing to follow.
  if (parentId === undefined) return v;
  const parent = parentId === null ? null : String(parentId);
  const stays = (m: ViewMessage) => Boolean(m.queued) || m.id === selfId || (m.parent_id != null && String(m.parent_id) === selfId);
  const onPath = v.messages.filter((m) => !stays(m));
  if (onPath.length === 0) return v;
  if (parent !== null && onPath[onPath.length - 1]!.id === parent) return v;

  let at = -1;
  if (parent !== null) {
    at = v.messages.findIndex((m) => m.id === parent);
    // A parent newer than anything shown was not received yet (an
    // acknowledgement still on its way): nothing is known to have forked.
    if (at < 0 && Number(parentId) > maxId(v.messages)) return v;
  }
  const messages = v.messages.filter((m, i) => i <= at || stays(m));
  if (messages.length === v.messages.length) return v;
  // Nothing past the parent remains, so a window that stopped short of the
  // newest page now ends where the new path goes on.
  const out: V = { ...v, messages, hasNewer: false, windowEnd: 0 };
  if (parent === null) {
    out.hasMore = false;
  } else if (at < 0) {
    out.hasMore = true;
    out.epoch = v.epoch + 1;
  }
  return out;
}

function maxId(msgs: readonly ViewMessage[]): number {
  let max = 0;
  for (const m of msgs) {
    const n = Number(m.id);
    if (Number.isFinite(n) && n > max) max = n;
  }
  return max;
}

/**
 * The sibling a version switcher moves to (dir -1: previous, +1: next), or
 * null at either end or when the server did not list the siblings' ids.
 */
export function siblingTarget(s: Siblings | undefined, dir: -1 | 1): number | null {
  if (!s || s.count < 2 || !s.ids) return null;
  const id = s.ids[s.index + dir];
  return id === undefined ? null : id;
}

/** The message's id in the store, or null while only its turn is known (a stream not yet named). */
export function storedId(m: Pick<ViewMessage, 'id'>): number | null {
  const n = Number(m.id);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** An answer that ended short of done: it offers Try again and, with text kept, Continue. */
export function endedShort(m: Pick<ViewMessage, 'role' | 'status'>): boolean {
  return m.role === 'assistant' && (m.status === 'error' || m.status === 'cancelled' || m.status === 'interrupted');
}

/** Continue goes on from the kept text, so there must be some. */
export function canContinue(m: Pick<ViewMessage, 'role' | 'status' | 'content'>): boolean {
  return endedShort(m) && m.content.trim().length > 0;
}
