import { describe, expect, it } from 'vitest';
import { normaliseMathDelimiters } from './mathDelimiters';

describe('normaliseMathDelimiters', () => {
  it('turns \\( \\) and \\[ \\] into dollar math', () => {
    expect(normaliseMathDelimiters('so \\(x^2\\) and \\[\\int f\\]')).toBe('so $x^2$ and $$\\int f$$');
  });
  it('leaves code alone', () => {
    const md = 'a `\\(x\\)` b\n\n```tex\n\\(y\\)\n```\n\nc \\(z\\)';
    expect(normaliseMathDelimiters(md)).toBe('a `\\(x\\)` b\n\n```tex\n\\(y\\)\n```\n\nc $z$');
  });
  it('does nothing to text without them', () => {
    const md = 'costs $5 and \\n';
    expect(normaliseMathDelimiters(md)).toBe(md);
  });
});
