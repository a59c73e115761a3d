import { describe, expect, it } from 'vitest';
import { capabilityBadges, formatBytes, formatContext, modelFacts, pullFraction, pullText } from './modelInfo';
import type { PullView } from '../state/store';

const pull = (p: Partial<PullView>): PullView => ({
  pull_id: 'p1',
  name: 'qwen3:8b',
  status: 'pulling 6a0746a1ec1a',
  completed: 0,
  total: 0,
  bytes_per_sec: 0,
  ...p,
});

describe('model details', () => {
  it('says what the server said, in the order people read it', () => {
    expect(
      modelFacts({
        id: 'llama3.2',
        family: 'llama',
        parameter_size: '3.2B',
        quantization: 'Q4_K_M',
        size: 2019393189,
        context_length: 131072,
      }),
    ).toEqual(['llama', '3.2B', 'Q4_K_M', '2.0 GB', '128K context']);
  });
  it('invents nothing for a bare id', () => {
    expect(modelFacts({ id: 'gpt-x' })).toEqual([]);
    expect(capabilityBadges({ id: 'gpt-x' })).toEqual([]);
  });
  it('badges only the capabilities it knows', () => {
    expect(capabilityBadges({ id: 'm', capabilities: ['vision', 'tools', 'reasoning', 'completion'] }).map((b) => b.label)).toEqual([
      'Vision',
      'Tools',
      'Reasoning',
    ]);
  });
  it('writes sizes and context lengths as model cards do', () => {
    expect(formatBytes(4683087332)).toBe('4.7 GB');
    expect(formatBytes(1429)).toBe('1 kB');
    expect(formatBytes(35_000_000)).toBe('35.0 MB');
    expect(formatContext(8192)).toBe('8K');
    expect(formatContext(1 << 20)).toBe('1M');
  });
});

describe('download progress', () => {
  it('shows bytes, speed and time left while bytes flow', () => {
    expect(pullText(pull({ completed: 1_000_000_000, total: 4_000_000_000, bytes_per_sec: 25_000_000 }))).toBe(
      '1.0 GB of 4.0 GB · 25.0 MB/s · 2 min 0 s left',
    );
    expect(pullFraction(pull({ completed: 1, total: 4 }))).toBe(0.25);
  });
  it('says the phase when no size is known yet, and how it ended', () => {
    expect(pullText(pull({ status: 'pulling manifest' }))).toBe('Starting…');
    expect(pullFraction(pull({}))).toBeNull();
    expect(pullText(pull({ end: 'cancelled' }))).toBe('Cancelled');
    expect(pullText(pull({ end: 'error', error: 'Ollama has no model named "x".' }))).toBe('Ollama has no model named "x".');
    expect(pullText(pull({ end: 'done', total: 2_000_000_000 }))).toBe('Downloaded 2.0 GB');
  });
});
