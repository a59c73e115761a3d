// A question edited in place: its text in a box, its attachments (each can
// be left out), Save & submit / Cancel. Saving adds a new version of the
// question beside the old one and answers it; the old one and everything
// after it stay, one ‹ › away.

import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useClient } from '../app/hooks';
import type { Media } from '../protocol';
import type { ViewMessage } from '../state/store';
import { storedId } from '../state/branches';
import { IconX } from './Icons';
import { useBranchBlock } from './MessageActions';

export function MessageEditor({ m, onClose }: { m: ViewMessage; onClose: () => void }) {
  const client = useClient();
  const block = useBranchBlock(m.chat_id);
  const [text, setText] = useState(m.content);
  const [media, setMedia] = useState<Media[]>(m.media ?? []);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ta = useRef<HTMLTextAreaElement>(null);

  useLayoutEffect(() => {
    const el = ta.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 320)}px`;
  }, [text]);

  useLayoutEffect(() => {
    const el = ta.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const id = storedId(m);
  const empty = !text.trim() && media.length === 0;
  const why = block ?? (empty ? 'The message is empty' : null);

  const submit = async () => {
    if (why || saving || id === null) return;
    setSaving(true);
    setError(null);
    const err = await client.editMessage(m.chat_id, id, text.trim(), media);
    // Taken: the new version replaces this one on the path, and this editor
    // goes with it; in a chat where it stays (the window's own view lags),
    // closing is still right.
    if (err) {
      setSaving(false);
      setError(err);
    } else {
      onClose();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape') {
      // Esc cancels the edit; it must not reach App's Esc (stop the reply).
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };

  return (
    <form
      className="msg-editor"
      aria-label="Edit message"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {media.length > 0 && (
        <ul className="editor-media" aria-label="Attachments">
          {media.map((x) => (
            <li key={x.id || x.name} className="editor-chip">
              <span className="editor-chip-name">{x.name || x.mime}</span>
              <button
                type="button"
                className="icon-btn tiny"
                aria-label={`Leave out ${x.name || 'this attachment'}`}
                title="Leave it out of the new version"
                onClick={() => setMedia((all) => all.filter((y) => y !== x))}
              >
                <IconX width={12} height={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={ta}
        aria-label="Edited message"
        value={text}
        rows={1}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        disabled={saving}
      />
      {error && (
        <div className="msg-error" role="alert">
          Not saved: {error}
        </div>
      )}
      <div className="editor-buttons">
        <span className="editor-hint">A new version; the old one stays.</span>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="submit"
          className="btn primary"
          aria-disabled={why || saving ? true : undefined}
          title={why ?? 'Save & submit (Enter)'}
        >
          {saving ? 'Saving…' : 'Save & submit'}
        </button>
      </div>
    </form>
  );
}
