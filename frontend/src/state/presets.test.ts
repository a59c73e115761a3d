import { describe, expect, it } from 'vitest';
import { describePreset, formFromParams, paramsFromForm, presetExists, presetName, withPreset } from './presets';

const form = (f: Partial<Record<'temperature' | 'top_p' | 'context_length' | 'reasoning_effort', string>>) => ({
  temperature: '',
  top_p: '',
  context_length: '',
  reasoning_effort: '',
  ...f,
});

describe('paramsFromForm', () => {
  it('leaves empty fields out, so the defaults apply', () => {
    expect(paramsFromForm(form({}))).toEqual({ params: {}, error: null });
  });
  it('keeps a temperature of 0 (a choice, not "unset")', () => {
    expect(paramsFromForm(form({ temperature: '0' })).params).toEqual({ temperature: 0 });
  });
  it('reads every field, a decimal comma too', () => {
    expect(paramsFromForm(form({ temperature: '0,7', top_p: ' 0.9 ', context_length: '8192', reasoning_effort: 'high' })).params).toEqual({
      temperature: 0.7,
      top_p: 0.9,
      context_length: 8192,
      reasoning_effort: 'high',
    });
  });
  it.each([
    [{ temperature: '2.5' }, 'Temperature'],
    [{ temperature: 'warm' }, 'Temperature'],
    [{ top_p: '0' }, 'Top-p'],
    [{ top_p: '1.1' }, 'Top-p'],
    [{ context_length: '100' }, 'Context length'],
    [{ context_length: '4096.5' }, 'Context length'],
    [{ reasoning_effort: 'max' }, 'Reasoning effort'],
  ])('refuses %o with words about %s', (f, field) => {
    const r = paramsFromForm(form(f));
    expect(r.params).toBeNull();
    expect(r.error).toContain(field);
  });
  it('round-trips through formFromParams', () => {
    const p = { temperature: 0, top_p: 0.5, context_length: 2048, reasoning_effort: 'low' };
    expect(paramsFromForm(formFromParams(p)).params).toEqual(p);
    expect(formFromParams(undefined)).toEqual(form({}));
  });
});

describe('presets', () => {
  it('names are trimmed and bounded', () => {
    expect(presetName('  coder ')).toEqual({ name: 'coder', error: null });
    expect(presetName('   ').error).toBeTruthy();
    expect(presetName('é'.repeat(51)).error).toContain('100 bytes');
    expect(presetName('é'.repeat(50)).name).toBe('é'.repeat(50));
  });
  it('a saved name replaces the preset of that name, in name order', () => {
    const a = { name: 'alpha', system: '', model: '', params: {} };
    const b = { name: 'Beta', system: 'x', model: '', params: {} };
    const b2 = { ...b, system: 'y' };
    expect(withPreset([a, b], b2)).toEqual([a, b2]);
    expect(withPreset([b], a).map((p) => p.name)).toEqual(['alpha', 'Beta']);
    expect(presetExists([a, b], ' Beta')).toBe(true);
    expect(presetExists(null, 'Beta')).toBe(false);
  });
  it('describes what a preset sets', () => {
    expect(describePreset({ name: 'n', system: '', model: '', params: {} })).toBe('the defaults');
    expect(describePreset({ name: 'n', system: 'You write Go.', model: 'qwen3', params: { temperature: 0.2, reasoning_effort: 'high' } })).toBe(
      'qwen3 · temperature 0.2 · effort high · “You write Go.”',
    );
  });
});

describe('the store', () => {
  it('keeps the presets every presets event sends, and the draft preset', async () => {
    const { initialState, reduce } = await import('./store');
    let s = initialState();
    expect(s.presets).toBeNull();
    const items = [{ name: 'coder', system: 'Go.', model: 'qwen3', params: { temperature: 0.2 } }];
    s = reduce(s, { type: 'server', ev: { event: 'presets', items }, now: 0 });
    expect(s.presets).toEqual(items);
    s = reduce(s, { type: 'server', ev: { event: 'presets', req_id: 'r', items: [] }, now: 0 });
    expect(s.presets).toEqual([]);
    s = reduce(s, { type: 'draft_preset', name: 'coder' });
    expect(s.draftPreset).toBe('coder');
  });
});
