import { describe, expect, it } from 'vitest';
import { fitWithin } from './downscale';

describe('fitWithin', () => {
  it('leaves small images alone', () => {
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
    expect(fitWithin(2048, 2048)).toEqual({ width: 2048, height: 2048 });
  });
  it('scales the longer side down to the limit, keeping the ratio', () => {
    expect(fitWithin(4096, 3072)).toEqual({ width: 2048, height: 1536 });
    expect(fitWithin(1000, 8000)).toEqual({ width: 256, height: 2048 });
  });
});
