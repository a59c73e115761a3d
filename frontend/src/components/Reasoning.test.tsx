import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import { Reasoning } from './Reasoning';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

async function render(el: React.ReactElement) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  await act(async () => root.render(el));
  return { host, root };
}

describe('Reasoning', () => {
  it('shows a live "Thinking…" block with a timer and the streamed text', async () => {
    // The clock stands still: on a busy machine the render itself may take
    // longer than the tenths the timer shows.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    try {
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
      const { host, root } = await render(<Reasoning text="step one" live startedAt={Date.now() - 2500} />);
      expect(host.textContent).toContain('Thinking…');
      expect(host.querySelector('[role="timer"]')?.textContent).toMatch(/^2\.\d s$/);
      expect(host.textContent).toContain('step one');
      act(() => root.unmount());
    } finally {
      vi.useRealTimers();
    }
  });

  it('collapses to "Thought for N s" and expands on click', async () => {
    const { host, root } = await render(<Reasoning text="the reasons" live={false} durationMs={12_400} />);
    const btn = host.querySelector('button')!;
    expect(btn.textContent).toContain('Thought for 12 s');
    expect(btn.getAttribute('aria-expanded')).toBe('false');
    expect(host.textContent).not.toContain('the reasons');
    await act(async () => btn.click());
    expect(btn.getAttribute('aria-expanded')).toBe('true');
    expect(host.textContent).toContain('the reasons');
    act(() => root.unmount());
  });
});
