import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('grows exponentially within its jitter band', () => {
    expect(backoffDelay(1, () => 0)).toBe(250);
    expect(backoffDelay(1, () => 1)).toBe(500);
    expect(backoffDelay(2, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(2000);
  });

  it('is capped, however many attempts failed', () => {
    for (const a of [6, 10, 50, 1000]) {
      expect(backoffDelay(a, () => 1)).toBe(15_000);
      expect(backoffDelay(a, () => 0)).toBe(7_500);
    }
  });

  it('is jittered', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) seen.add(backoffDelay(4));
    expect(seen.size).toBeGreaterThan(1);
  });
});
