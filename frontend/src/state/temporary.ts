// Temporary chats (new_chat {temporary}): kept in the server's memory only,
// gone for everyone when the last window following them closes or Hearth
// stops. Pure helpers for the sidebar, the chat view and the client.
import type { Chat } from '../protocol';

/** The server gives temporary chats ids of their own; a chat already gone from the list is still known by its id. */
export const TEMPORARY_ID_PREFIX = 'tmp:';

export function isTemporaryId(id: string | null | undefined): boolean {
  return Boolean(id?.startsWith(TEMPORARY_ID_PREFIX));
}

export function isTemporaryChat(chat: Pick<Chat, 'id' | 'temporary'> | undefined): boolean {
  return Boolean(chat && (chat.temporary || isTemporaryId(chat.id)));
}

/** The words every marker uses, so the sidebar, header and composer say the same. */
export const TEMPORARY_LABEL = 'Temporary';
export const TEMPORARY_NOTE = 'Temporary chat — not saved; it disappears when you close it.';
export const TEMPORARY_DETAIL =
  'Nothing of it is written to disk. It is gone for good once no window has it open (closing this window ends it), or when Hearth stops.';
export const TEMPORARY_NO_ATTACHMENTS = 'A temporary chat takes no attachments: their files would be written to disk';
export const TEMPORARY_NOT_ORGANISED = 'A temporary chat is not kept, so it cannot be pinned or archived';

/**
 * The list with temporary chats first (the server lists them first too),
 * each part keeping its order: the sidebar shows them as a group of their
 * own at the top, and the keyboard walks the rows in the order shown.
 */
export function temporaryFirst(chats: Chat[]): Chat[] {
  const temp = chats.filter(isTemporaryChat);
  return temp.length === 0 ? chats : [...temp, ...chats.filter((c) => !isTemporaryChat(c))];
}

export interface SidebarGroup {
  key: string;
  label: string;
  chats: Chat[];
}

/** A Temporary group ahead of the others (which `groupRest` makes of the kept chats); left out when empty. */
export function withTemporaryGroup(chats: Chat[], groupRest: (kept: Chat[]) => SidebarGroup[]): SidebarGroup[] {
  const temp = chats.filter(isTemporaryChat);
  const rest = groupRest(temp.length ? chats.filter((c) => !isTemporaryChat(c)) : chats);
  return temp.length ? [{ key: 'temporary', label: TEMPORARY_LABEL, chats: temp }, ...rest] : rest;
}

/**
 * The chat a window opens by itself on its first load: the most recently
 * active kept chat. Not a temporary one: opening it would follow it, and so
 * keep it alive after the window that made it is closed.
 */
export function chatToOpenFirst(chats: Chat[]): Chat | undefined {
  let best: Chat | undefined;
  for (const c of chats) {
    if (isTemporaryChat(c)) continue;
    if (!best || c.updated_at > best.updated_at) best = c;
  }
  return best;
}
