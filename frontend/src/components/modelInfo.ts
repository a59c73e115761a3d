// Words for what the server says about models and downloads. Pure, so the
// picker and its tests share them.

import type { ModelInfo } from '../protocol';
import type { PullView } from '../state/store';

/** Decimal units, as Ollama and disk makers count. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/** A context length in tokens as model cards write it: 131072 → "128K". */
export function formatContext(tokens: number): string {
  if (tokens >= 1 << 20) return `${+(tokens / (1 << 20)).toFixed(1)}M`;
  if (tokens >= 1024) return `${Math.round(tokens / 1024)}K`;
  return String(tokens);
}

/** The facts a person chooses a model by, in the order they read them; only those the server gave. */
export function modelFacts(m: ModelInfo | undefined): string[] {
  if (!m) return [];
  const out: string[] = [];
  if (m.family) out.push(m.family);
  if (m.parameter_size) out.push(m.parameter_size);
  if (m.quantization) out.push(m.quantization);
  if (m.size) out.push(formatBytes(m.size));
  if (m.context_length) out.push(`${formatContext(m.context_length)} context`);
  return out;
}

const CAPABILITIES: Record<string, { label: string; title: string }> = {
  vision: { label: 'Vision', title: 'Sees images you attach' },
  tools: { label: 'Tools', title: 'Can call tools' },
  reasoning: { label: 'Reasoning', title: 'Thinks before it answers' },
  embedding: { label: 'Embedding', title: 'Makes embeddings; it does not chat' },
};

/** Badges for what the model can do, as the server named it. */
export function capabilityBadges(m: ModelInfo | undefined): { key: string; label: string; title: string }[] {
  return (m?.capabilities ?? []).flatMap((c) => {
    const known = CAPABILITIES[c];
    return known ? [{ key: c, ...known }] : [];
  });
}

export function formatTimeLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/** One download in words: bytes of bytes, speed and time left while bytes flow, else its status. */
export function pullText(p: PullView): string {
  if (p.end === 'done') return `Downloaded ${p.total > 0 ? formatBytes(p.total) : ''}`.trim();
  if (p.end === 'cancelled') return 'Cancelled';
  if (p.end === 'error') return p.error || 'The download failed';
  if (p.total <= 0) return statusText(p.status);
  const parts = [`${formatBytes(p.completed)} of ${formatBytes(p.total)}`];
  if (p.bytes_per_sec > 0 && p.completed < p.total) {
    parts.push(`${formatBytes(p.bytes_per_sec)}/s`);
    parts.push(`${formatTimeLeft((p.total - p.completed) / p.bytes_per_sec)} left`);
  } else if (p.completed >= p.total) {
    parts.push(statusText(p.status));
  }
  return parts.join(' · ');
}

function statusText(status: string): string {
  switch (status) {
    case 'starting':
    case 'pulling manifest':
      return 'Starting…';
    case 'verifying sha256 digest':
      return 'Checking the download…';
    case 'writing manifest':
    case 'success':
      return 'Finishing…';
  }
  return status.startsWith('pulling ') ? 'Downloading…' : status;
}

/** 0–1, or null when the size is not known yet. */
export function pullFraction(p: PullView): number | null {
  if (p.end === 'done') return 1;
  return p.total > 0 ? Math.min(1, p.completed / p.total) : null;
}
