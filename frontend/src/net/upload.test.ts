import { describe, expect, it } from 'vitest';
import { reasonText } from '../reasons';
import { parseRefusal } from './upload';

describe('upload refusals', () => {
  it('reads the server reason and detail', () => {
    const e = parseRefusal(413, '{"error":{"reason":"too_large","detail":"images are limited to 8 MB"}}');
    expect(e.reason).toBe('too_large');
    expect(reasonText(e.reason, e.detail)).toBe('Images are limited to 8 MB.');
    expect(reasonText('too_large')).toBe('The file is too large.');
  });
  it('copes with a body that is not JSON', () => {
    const e = parseRefusal(401, 'unauthorized\n');
    expect(e.reason).toBe('unauthorized');
  });
  it('says unknown reasons in words', () => {
    expect(reasonText('weird_thing')).toBe('Weird thing.');
    expect(reasonText('weird_thing', 'the disk is full')).toBe('The disk is full.');
  });
});
