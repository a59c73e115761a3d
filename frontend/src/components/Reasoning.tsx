import { memo, useEffect, useRef, useState } from 'react';
import { formatSeconds } from '../app/format';
import { useNow } from '../app/hooks';

interface Props {
  text: string;
  /** Reasoning is still streaming. */
  live: boolean;
  startedAt?: number;
  durationMs?: number;
}

/**
 * While the model reasons: an open "Thinking…" block with a running timer and
 * the streamed text. Afterwards: collapsed to "Thought for N s", expandable.
 */
export const Reasoning = memo(function Reasoning({ text, live, startedAt, durationMs }: Props) {
  const [open, setOpen] = useState(false);
  const now = useNow(live, 100);
  const bodyRef = useRef<HTMLDivElement>(null);

  // Keep the live text scrolled to its newest line inside its own box, so the
  // page itself never jumps.
  useEffect(() => {
    if (live && bodyRef.current) bodyRef.current.scrollTop = bodyRef.current.scrollHeight;
  }, [live, text]);

  if (live) {
    const secs = startedAt !== undefined ? formatSeconds(now - startedAt) : '';
    return (
      <section className="reasoning live" aria-label="Reasoning" aria-live="off">
        <div className="reasoning-head">
          <span className="spinner" aria-hidden="true" />
          <span>Thinking…</span>
          <span className="timer" role="timer">{secs}</span>
        </div>
        <div className="reasoning-body" ref={bodyRef}>
          {text}
        </div>
      </section>
    );
  }

  const label = durationMs !== undefined ? `Thought for ${formatSeconds(durationMs)}` : 'Thought';
  return (
    <section className={`reasoning ${open ? 'open' : ''}`}>
      <button type="button" className="reasoning-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span className="chevron" aria-hidden="true">
          ▸
        </span>
        {label}
      </button>
      {open && <div className="reasoning-body done">{text}</div>}
    </section>
  );
});
