import { describe, expect, it } from 'vitest';
import { ERROR_MS, INFO_MS, noticeLifetime } from './toastTiming';

describe('how long a notice stays', () => {
  it('information and failed actions leave by themselves, failures later', () => {
    expect(noticeLifetime({ kind: 'info' })).toBe(INFO_MS);
    expect(noticeLifetime({ kind: 'error' })).toBe(ERROR_MS);
    expect(ERROR_MS).toBeGreaterThan(INFO_MS);
  });

  it('a critical notice stays until dismissed', () => {
    expect(noticeLifetime({ kind: 'error', critical: true })).toBeNull();
    expect(noticeLifetime({ kind: 'info', critical: true })).toBeNull();
  });
});
