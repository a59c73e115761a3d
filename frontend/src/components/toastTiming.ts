import type { Notice } from '../state/store';

/** How long an information notice stays: long enough to read a sentence twice. */
export const INFO_MS = 5_000;
/** A failed action the window shows no other sign of gets longer. */
export const ERROR_MS = 10_000;

/** How long a notice stays on screen by itself; null: until the user dismisses it. */
export function noticeLifetime(n: Pick<Notice, 'kind' | 'critical'>): number | null {
  if (n.critical) return null;
  return n.kind === 'error' ? ERROR_MS : INFO_MS;
}
