import type { Chat } from '../protocol';

export type ChatGroupKey = 'pinned' | 'today' | 'yesterday' | 'week' | 'older';

export interface ChatGroup {
  key: ChatGroupKey;
  label: string;
  chats: Chat[];
}

const LABELS: Record<ChatGroupKey, string> = {
  pinned: 'Pinned',
  today: 'Today',
  yesterday: 'Yesterday',
  week: 'Last 7 days',
  older: 'Older',
};

/** Midnight (local time) of the day `t` falls in. */
function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Midnight `days` calendar days before the day of `t` (DST-safe: calendar arithmetic, not 24 h steps). */
function daysBefore(t: number, days: number): number {
  const d = new Date(startOfDay(t));
  d.setDate(d.getDate() - days);
  return d.getTime();
}

/** Which day group a time falls in, by the local calendar of `now`; a time in the future (a clock ahead) is today. */
export function dayGroup(updatedAt: string, now: number): Exclude<ChatGroupKey, 'pinned'> {
  const t = Date.parse(updatedAt);
  if (Number.isNaN(t)) return 'older';
  if (t >= startOfDay(now)) return 'today';
  if (t >= daysBefore(now, 1)) return 'yesterday';
  if (t >= daysBefore(now, 7)) return 'week';
  return 'older';
}

/**
 * The sidebar's sections: pinned chats first, then the rest by the day of
 * their last activity. `chats` come in list order (pinned first, newest
 * first), and every group keeps it, so the sections read top to bottom in
 * the same order as the keyboard walks them. Empty groups are left out.
 */
export function groupChats(chats: Chat[], now: number): ChatGroup[] {
  const by = new Map<ChatGroupKey, Chat[]>();
  for (const c of chats) {
    const key: ChatGroupKey = c.pinned ? 'pinned' : dayGroup(c.updated_at, now);
    const list = by.get(key);
    if (list) list.push(c);
    else by.set(key, [c]);
  }
  const order: ChatGroupKey[] = ['pinned', 'today', 'yesterday', 'week', 'older'];
  return order.filter((k) => by.has(k)).map((k) => ({ key: k, label: LABELS[k], chats: by.get(k)! }));
}

/**
 * The Archived view: the archived chats the server listed, overlaid with
 * what this window heard since (chat_updated). A chat archived elsewhere
 * joins, a restored one leaves. Newest first, as the server orders them
 * (pinned first).
 */
export function archivedChats(listed: Chat[], known: Record<string, Chat>): Chat[] {
  const out = new Map<string, Chat>();
  for (const c of listed) out.set(c.id, known[c.id] ? { ...c, ...known[c.id] } : c);
  for (const c of Object.values(known)) if (c.archived) out.set(c.id, c);
  return [...out.values()]
    .filter((c) => c.archived)
    .sort((a, b) => {
      if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
      if (a.updated_at !== b.updated_at) return a.updated_at < b.updated_at ? 1 : -1;
      return a.id < b.id ? 1 : -1;
    });
}
