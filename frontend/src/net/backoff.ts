// Reconnect delays: exponential, capped, with jitter so that many windows
// do not hammer a restarting server in lockstep.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 15_000 };

/**
 * Delay before reconnect attempt `attempt` (1 = first retry).
 * "Equal jitter": half of the exponential step is fixed, half is random, so
 * the delay is in [step/2, step] and never exceeds the cap.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, opts = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(attempt));
  const step = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(n - 1, 30));
  const half = step / 2;
  return Math.round(half + half * Math.min(1, Math.max(0, random())));
}
