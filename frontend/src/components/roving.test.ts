import { describe, expect, it } from 'vitest';
import { neighbourAfterRemoval, rovingTarget, tabStop } from './roving';

const ids = ['a', 'b', 'c', 'd'];

describe('chat list keyboard focus', () => {
  it('arrows move one row and stop at the ends; Home and End jump', () => {
    expect(rovingTarget(ids, 'b', 'ArrowDown')).toBe('c');
    expect(rovingTarget(ids, 'b', 'ArrowUp')).toBe('a');
    expect(rovingTarget(ids, 'd', 'ArrowDown')).toBe('d');
    expect(rovingTarget(ids, 'a', 'ArrowUp')).toBe('a');
    expect(rovingTarget(ids, 'c', 'Home')).toBe('a');
    expect(rovingTarget(ids, 'a', 'End')).toBe('d');
    expect(rovingTarget(ids, null, 'ArrowDown')).toBe('a');
    expect(rovingTarget(ids, 'gone', 'ArrowUp')).toBe('a');
  });

  it('other keys are not navigation', () => {
    expect(rovingTarget(ids, 'b', 'Enter')).toBeUndefined();
    expect(rovingTarget(ids, 'b', 'a')).toBeUndefined();
    expect(rovingTarget([], null, 'ArrowDown')).toBeNull();
  });

  it('one row holds the Tab stop: the last focused, else the open chat, else the first', () => {
    expect(tabStop(ids, 'c', 'b')).toBe('c');
    expect(tabStop(ids, 'gone', 'b')).toBe('b');
    expect(tabStop(ids, null, 'gone')).toBe('a');
    expect(tabStop([], null, null)).toBeNull();
  });

  it('after a row goes, focus goes to the next row, else the previous, else nowhere', () => {
    expect(neighbourAfterRemoval(ids, 'b', ['a', 'c', 'd'])).toBe('c');
    expect(neighbourAfterRemoval(ids, 'd', ['a', 'b', 'c'])).toBe('c');
    // Two rows gone at once (another window deleted the next one too).
    expect(neighbourAfterRemoval(ids, 'b', ['a', 'd'])).toBe('d');
    expect(neighbourAfterRemoval(ids, 'c', ['a'])).toBe('a');
    expect(neighbourAfterRemoval(['a'], 'a', [])).toBeNull();
  });
});
