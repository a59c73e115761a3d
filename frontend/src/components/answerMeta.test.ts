import { describe, expect, it } from 'vitest';
import { answerMeta, formatSpeed, tokensPerSecond } from './answerMeta';

describe('answer time and speed', () => {
  it('divides completion tokens by the answer time', () => {
    expect(tokensPerSecond(120, 4000)).toBe(30);
    expect(tokensPerSecond(5, 2000)).toBe(2.5);
  });

  it('says nothing when a number is missing or meaningless', () => {
    expect(tokensPerSecond(undefined, 4000)).toBeUndefined();
    expect(tokensPerSecond(0, 4000)).toBeUndefined();
    expect(tokensPerSecond(120, undefined)).toBeUndefined();
    expect(tokensPerSecond(120, 0)).toBeUndefined();
    expect(tokensPerSecond(120, 10)).toBeUndefined();
  });

  it('rounds the speed to what a person reads', () => {
    expect(formatSpeed(2.5)).toBe('2.5 tok/s');
    expect(formatSpeed(30)).toBe('30 tok/s');
    expect(formatSpeed(42.6)).toBe('43 tok/s');
    expect(formatSpeed(312.4)).toBe('312 tok/s');
  });

  it('lists time, tokens and speed, in that order', () => {
    expect(answerMeta({ latency_ms: 4000, usage: { prompt_tokens: 9, completion_tokens: 120, total_tokens: 129 } })).toEqual([
      '4.0 s',
      '120 tokens',
      '30 tok/s',
    ]);
    expect(answerMeta({ latency_ms: 1500 })).toEqual(['1.5 s']);
    expect(answerMeta({})).toEqual([]);
  });
});
