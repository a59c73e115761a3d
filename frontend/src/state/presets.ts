// Per-chat settings and presets: the pure part of the settings panel. A
// parameter left empty is absent, so the chat uses the default from
// config.toml (and, unset there too, the model server's own).

import type { Params } from '../protocol.gen';
import type { Preset } from '../protocol';

/** The panel's parameter fields as typed: strings, '' for "default". */
export interface ParamsForm {
  temperature: string;
  top_p: string;
  context_length: string;
  reasoning_effort: string;
}

export const EFFORTS = ['low', 'medium', 'high'] as const;

/** The router's bounds (backend/protocol/tree.go, checkParams). */
export const LIMITS = {
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1 },
  context_length: { min: 256, max: 1 << 24 },
} as const;

/** The longest preset name the server takes, in UTF-8 bytes. */
export const MAX_PRESET_NAME_BYTES = 100;

export function formFromParams(p: Params | undefined | null): ParamsForm {
  return {
    temperature: p?.temperature === undefined ? '' : String(p.temperature),
    top_p: p?.top_p === undefined ? '' : String(p.top_p),
    context_length: p?.context_length === undefined ? '' : String(p.context_length),
    reasoning_effort: p?.reasoning_effort ?? '',
  };
}

function num(s: string): number | null {
  const t = s.trim().replace(',', '.');
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

/** The form as params, or the first field that is out of bounds, in words. */
export function paramsFromForm(f: ParamsForm): { params: Params; error: null } | { params: null; error: string } {
  const params: Params = {};
  const t = num(f.temperature);
  if (t !== null) {
    if (Number.isNaN(t) || t < LIMITS.temperature.min || t > LIMITS.temperature.max) return { params: null, error: 'Temperature is a number from 0 to 2.' };
    params.temperature = t;
  }
  const p = num(f.top_p);
  if (p !== null) {
    if (Number.isNaN(p) || p <= LIMITS.top_p.min || p > LIMITS.top_p.max) return { params: null, error: 'Top-p is a number above 0 and at most 1.' };
    params.top_p = p;
  }
  const c = num(f.context_length);
  if (c !== null) {
    if (Number.isNaN(c) || !Number.isInteger(c) || c < LIMITS.context_length.min || c > LIMITS.context_length.max) {
      return { params: null, error: `Context length is a whole number of tokens from ${LIMITS.context_length.min} to ${LIMITS.context_length.max}.` };
    }
    params.context_length = c;
  }
  if (f.reasoning_effort) {
    if (!(EFFORTS as readonly string[]).includes(f.reasoning_effort)) return { params: null, error: 'Reasoning effort is low, medium or high.' };
    params.reasoning_effort = f.reasoning_effort;
  }
  return { params, error: null };
}

/** A preset's name as the server will keep it, or why it cannot be one. */
export function presetName(raw: string): { name: string; error: null } | { name: null; error: string } {
  const name = raw.trim();
  if (!name) return { name: null, error: 'Give the preset a name.' };
  if (new TextEncoder().encode(name).length > MAX_PRESET_NAME_BYTES) return { name: null, error: `A preset name is at most ${MAX_PRESET_NAME_BYTES} bytes.` };
  return { name, error: null };
}

/** One line saying what a preset sets, for lists and menus. */
export function describePreset(p: Preset): string {
  const parts: string[] = [];
  if (p.model) parts.push(p.model);
  parts.push(...describeParams(p.params));
  if (p.system) parts.push(`“${p.system.length > 40 ? p.system.slice(0, 39) + '…' : p.system}”`);
  return parts.length ? parts.join(' · ') : 'the defaults';
}

export function describeParams(p: Params | undefined | null): string[] {
  const out: string[] = [];
  if (p?.temperature !== undefined) out.push(`temperature ${p.temperature}`);
  if (p?.top_p !== undefined) out.push(`top-p ${p.top_p}`);
  if (p?.context_length !== undefined) out.push(`context ${p.context_length}`);
  if (p?.reasoning_effort) out.push(`effort ${p.reasoning_effort}`);
  return out;
}

/** The presets as the server sent them, but a name it already has is replaced rather than doubled (an optimistic save). */
export function withPreset(items: readonly Preset[], p: Preset): Preset[] {
  const out = items.filter((x) => x.name !== p.name);
  out.push(p);
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || (a.name < b.name ? -1 : 1));
}

/** Whether a preset name is taken (saving under it replaces that preset). */
export function presetExists(items: readonly Preset[] | null, name: string): boolean {
  return Boolean(items?.some((p) => p.name === name.trim()));
}
