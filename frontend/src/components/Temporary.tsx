// Temporary chats in the UI: the button (and shortcut) that starts one, and
// the calm markers that say, wherever such a chat shows, that it is not kept.
import { useEffect, type SVGProps } from 'react';
import { useClient, useHearth } from '../app/hooks';
import { TEMPORARY_DETAIL, TEMPORARY_LABEL, TEMPORARY_NOTE } from '../state/temporary';
import './temporary.css';

const base = { width: 18, height: 18, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const, 'aria-hidden': true };

/** An hourglass: here for a while. */
export const IconTemporary = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M7 3h10M7 21h10M8 3c0 5 8 5 8 9s-8 4-8 9M16 3c0 5-8 5-8 9s8 4 8 9" /></svg>
);

/** Ctrl/Cmd+Shift+X: no browser keeps it for itself (Ctrl+Shift+N and T are). */
export function isTemporaryShortcut(e: Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'key'>): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'x';
}

function focusComposer() {
  requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus());
}

/**
 * The sidebar's button beside New chat: a draft that becomes a temporary
 * chat with its first message. Also reached with Ctrl/Cmd+Shift+X anywhere.
 */
export function TemporaryChatButton({ onStart }: { onStart: () => void }) {
  const client = useClient();
  const on = useHearth((s) => s.activeChatId === null && s.draftTemporary);
  const start = () => {
    client.newTemporaryChat();
    onStart();
    focusComposer();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isTemporaryShortcut(e)) return;
      e.preventDefault();
      client.newTemporaryChat();
      onStart();
      focusComposer();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client, onStart]);
  return (
    <button
      type="button"
      className={`icon-btn temp-chat-btn ${on ? 'on' : ''}`}
      aria-label="Temporary chat"
      aria-pressed={on}
      title="Temporary chat — not saved (Ctrl+Shift+X)"
      onClick={start}
    >
      <IconTemporary />
    </button>
  );
}

/** The row's marker in the chat list. */
export function TemporaryBadge() {
  return (
    <span className="temp-badge" title={TEMPORARY_DETAIL}>
      <IconTemporary width={12} height={12} />
      {TEMPORARY_LABEL}
    </span>
  );
}

/** The line above the composer of a temporary chat (or of a draft that will be one). */
export function TemporaryNote() {
  return (
    <p className="temp-note" role="note" title={TEMPORARY_DETAIL}>
      <IconTemporary width={14} height={14} />
      <span>{TEMPORARY_NOTE}</span>
    </p>
  );
}

/** In a draft's header: whether its first message starts a temporary chat. */
export function DraftTemporaryToggle() {
  const client = useClient();
  const on = useHearth((s) => s.draftTemporary);
  return (
    <button
      type="button"
      className={`btn temp-toggle ${on ? 'on' : ''}`}
      aria-pressed={on}
      title={on ? 'This chat will not be saved. Press to make it a normal chat' : 'Make this a temporary chat: not saved (Ctrl+Shift+X)'}
      onClick={() => client.setDraftTemporary(!on)}
    >
      <IconTemporary width={14} height={14} />
      <span>{TEMPORARY_LABEL}</span>
    </button>
  );
}
