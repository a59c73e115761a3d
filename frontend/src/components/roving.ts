// One Tab stop for the chat list: arrows move between rows, and when the
// focused row goes away focus moves to a neighbour instead of the page.

/** The row a navigation key moves to from current; undefined if the key does not navigate. */
export function rovingTarget(ids: readonly string[], current: string | null, key: string): string | null | undefined {
  if (ids.length === 0) return key === 'ArrowDown' || key === 'ArrowUp' || key === 'Home' || key === 'End' ? null : undefined;
  const i = current === null ? -1 : ids.indexOf(current);
  switch (key) {
    case 'ArrowDown':
      return ids[i < 0 ? 0 : Math.min(i + 1, ids.length - 1)]!;
    case 'ArrowUp':
      return ids[i < 0 ? 0 : Math.max(i - 1, 0)]!;
    case 'Home':
      return ids[0]!;
    case 'End':
      return ids[ids.length - 1]!;
    default:
      return undefined;
  }
}

/** The row that keeps the list's Tab stop: the one last focused, else the open chat, else the first. */
export function tabStop(ids: readonly string[], focused: string | null, active: string | null): string | null {
  if (focused !== null && ids.includes(focused)) return focused;
  if (active !== null && ids.includes(active)) return active;
  return ids[0] ?? null;
}

/**
 * Where focus goes when row `gone` left the list (prev → next): the row that
 * followed it, else the one before it, else null (the caller's fallback,
 * New chat).
 */
export function neighbourAfterRemoval(prev: readonly string[], gone: string, next: readonly string[]): string | null {
  const i = prev.indexOf(gone);
  if (i < 0) return next[0] ?? null;
  const still = new Set(next);
  for (let j = i + 1; j < prev.length; j++) if (still.has(prev[j]!)) return prev[j]!;
  for (let j = i - 1; j >= 0; j--) if (still.has(prev[j]!)) return prev[j]!;
  return next[0] ?? null;
}
