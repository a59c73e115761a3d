import { formatSeconds } from '../app/format';
import type { Usage } from '../protocol';

/**
 * Tokens per second over the answer's time (question to last token, the
 * server's latency_ms): what the turn cost the user, measured the same way
 * live and after a reload. Undefined when either number is missing or too
 * small to mean anything.
 */
export function tokensPerSecond(completionTokens: number | undefined, latencyMs: number | undefined): number | undefined {
  if (!completionTokens || completionTokens <= 0 || !latencyMs || latencyMs < 50) return undefined;
  return completionTokens / (latencyMs / 1000);
}

export function formatSpeed(tps: number): string {
  if (tps >= 100) return `${Math.round(tps)} tok/s`;
  if (tps >= 10) return `${tps.toFixed(0)} tok/s`;
  return `${tps.toFixed(1)} tok/s`;
}

/** The pieces of an answer's meta line after the model name: time, tokens, speed. */
export function answerMeta(m: { latency_ms?: number; usage?: Usage }): string[] {
  const out: string[] = [];
  if (m.latency_ms !== undefined && m.latency_ms > 0) out.push(formatSeconds(m.latency_ms));
  const tokens = m.usage?.completion_tokens;
  if (tokens) out.push(`${tokens} tokens`);
  const tps = tokensPerSecond(tokens, m.latency_ms);
  if (tps !== undefined) out.push(formatSpeed(tps));
  return out;
}
