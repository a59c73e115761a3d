import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import { RenderBoundary } from './RenderBoundary';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function Broken(): never {
  throw new Error('Failed to fetch dynamically imported module: http://127.0.0.1:1/assets/x.js');
}

describe('RenderBoundary', () => {
  it('shows the text plain when rendering fails, and keeps its siblings on screen', () => {
    const el = document.createElement('div');
    const root = createRoot(el);
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    act(() =>
      root.render(
        <>
          <p>the banner</p>
          <RenderBoundary text={'**Hello** `x`'}>
            <Broken />
          </RenderBoundary>
        </>,
      ),
    );
    quiet.mockRestore();
    expect(el.textContent).toBe('the banner**Hello** `x`');
    // A new text renders normally again.
    act(() =>
      root.render(
        <>
          <p>the banner</p>
          <RenderBoundary text="next">
            <b>next</b>
          </RenderBoundary>
        </>,
      ),
    );
    expect(el.querySelector('b')?.textContent).toBe('next');
    act(() => root.unmount());
  });
});
