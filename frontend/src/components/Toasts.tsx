import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { chatTitle } from '../app/format';
import { useClient, useHearth } from '../app/hooks';
import type { Notice } from '../state/store';
import { IconX } from './Icons';
import { noticeLifetime } from './toastTiming';

/**
 * Notices and the undo of a delete. They sit where no answer is (under the
 * chat list; at the top, over the header, in a narrow window), leave by
 * themselves unless critical, wait while the pointer or focus is on them,
 * and close with their × or Esc.
 */
export function Toasts() {
  const client = useClient();
  const notices = useHearth((s) => s.notices);
  const pendingDeletes = useHearth((s) => s.pendingDeletes);
  const chats = useHearth((s) => s.chats);
  const ids = Object.keys(pendingDeletes);
  if (notices.length === 0 && ids.length === 0) return null;
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      {ids.map((id) => (
        <div key={`del-${id}`} className="toast" role="status">
          <span>Deleted “{chatTitle(chats[id]?.title)}”.</span>
          <button type="button" className="link-btn" onClick={() => client.undoDelete(id)}>
            Undo
          </button>
        </div>
      ))}
      {notices.map((n) => (
        <Toast key={n.id} n={n} onDismiss={() => client.dismissNotice(n.id)} />
      ))}
    </div>
  );
}

function Toast({ n, onDismiss }: { n: Notice; onDismiss: () => void }) {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const dismiss = useRef(onDismiss);
  dismiss.current = onDismiss;
  const lifetime = noticeLifetime(n);
  const held = hovered || focused;

  useEffect(() => {
    if (lifetime === null || held) return;
    // Restarts in full after a hover: whoever paused it was reading it.
    const t = setTimeout(() => dismiss.current(), lifetime);
    return () => clearTimeout(t);
  }, [lifetime, held]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onDismiss();
    }
  };

  return (
    <div
      className={`toast ${n.kind}${n.critical ? ' critical' : ''}`}
      role={n.kind === 'error' ? 'alert' : 'status'}
      data-lifetime={lifetime ?? 'sticky'}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocused(false);
      }}
      onKeyDown={onKey}
    >
      <span>{n.text}</span>
      <button type="button" className="icon-btn small toast-close" aria-label="Dismiss notification" title="Dismiss (Esc)" onClick={onDismiss}>
        <IconX width={14} height={14} />
      </button>
    </div>
  );
}
