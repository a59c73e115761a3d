import { useEffect, useLayoutEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { useHearth, useMedia } from '../app/hooks';
import { chatAgent } from '../state/agents';
import { describeAttachment, type useAttachments } from './attachments';
import { IconClip, IconFile, IconSend, IconStop, IconX } from './Icons';

const drafts = new Map<string, string>();

// What the file picker offers: media, PDFs, and text by type and by the
// extensions of common text and source files a browser has no type for.
const ACCEPT = [
  'image/png,image/jpeg,image/webp,image/gif,video/mp4,video/webm,video/quicktime',
  'application/pdf,text/*,application/json,application/xml,application/x-yaml',
  '.pdf,.txt,.md,.markdown,.rst,.csv,.tsv,.log,.json,.yaml,.yml,.toml,.ini,.cfg,.conf,.env,.xml,.html,.css,.scss',
  '.go,.py,.js,.mjs,.ts,.tsx,.jsx,.rs,.c,.h,.cc,.cpp,.hpp,.java,.kt,.swift,.rb,.php,.cs,.sh,.bash,.zsh,.fish,.ps1,.sql,.lua,.r,.jl,.hs,.ex,.exs,.erl,.clj,.scala,.dart,.vue,.svelte,.tex,.srt',
].join(',');

interface Props {
  chatId: string | null;
  running: boolean;
  stopping: boolean;
  online: boolean;
  attachments: ReturnType<typeof useAttachments>;
  onSend: (text: string) => void;
  onStop: () => void;
  focusKey?: number;
  /** Why this chat takes no attachments (a temporary chat); null: it does. */
  attachBlocked?: string | null;
}

export function Composer({ chatId, running, stopping, online, attachments, onSend, onStop, focusKey, attachBlocked }: Props) {
  const draftKey = chatId ?? '';
  const [text, setText] = useState(() => drafts.get(draftKey) ?? '');
  const ta = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const narrow = useMedia('(max-width: 760px)');
  // Who the message goes to: the chat's agent, else the model.
  const agent = useHearth((s) => (chatId ? chatAgent(s.chats[chatId]) : (s.draftAgent ?? '')));
  const to = agent ? `Message ${agent}` : 'Message the model';

  useEffect(() => {
    setText(drafts.get(draftKey) ?? '');
  }, [draftKey]);

  useEffect(() => {
    ta.current?.focus();
  }, [draftKey, focusKey]);

  // Grow with the text, up to a limit.
  useLayoutEffect(() => {
    const el = ta.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const change = (v: string) => {
    setText(v);
    drafts.set(draftKey, v);
  };

  const empty = !text.trim() && attachments.items.length === 0;
  const canSend = online && !empty && !attachments.busy && !attachments.failed;

  const submit = () => {
    if (!canSend) return;
    onSend(text.trim());
    change('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(e.clipboardData.files);
    if (files.length > 0) {
      e.preventDefault();
      attachments.add(files);
    }
  };

  let sendLabel = running ? 'Queue message' : 'Send message';
  if (attachments.busy) sendLabel = 'Wait for uploads to finish';
  if (!online) sendLabel = 'Offline — cannot send';

  return (
    <form
      className="composer"
      aria-label="Message composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {attachments.items.length > 0 && (
        <ul className="tray" aria-label="Attachments">
          {attachments.items.map((a) => (
            <li key={a.key} className={`thumb ${a.status}${a.kind === 'document' ? ' file-chip' : ''}`}>
              {a.kind === 'image' ? (
                <img src={a.preview} alt={a.name} />
              ) : a.kind === 'video' ? (
                <video src={a.preview} muted aria-label={a.name} />
              ) : (
                <span className="file-chip-name" title={a.name}>
                  <IconFile width={16} height={16} />
                  <span>{a.name}</span>
                </span>
              )}
              <span className="thumb-status" role={a.status === 'error' ? 'alert' : undefined}>
                {describeAttachment(a)}
              </span>
              {a.status === 'uploading' && (
                <progress max={1} value={a.progress} aria-label={`Upload of ${a.name}`} />
              )}
              <button type="button" className="thumb-remove" aria-label={`Remove ${a.name}`} onClick={() => attachments.remove(a.key)}>
                <IconX width={14} height={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="icon-btn"
          aria-label="Attach files"
          // aria-disabled rather than disabled: it keeps its focus and its tooltip, which says why.
          aria-disabled={attachBlocked ? true : undefined}
          title={attachBlocked ?? 'Attach images, a video, PDFs or text files'}
          onClick={() => (attachBlocked ? attachments.add([]) : fileInput.current?.click())}
        >
          <IconClip />
        </button>
        <input
          ref={fileInput}
          type="file"
          accept={ACCEPT}
          multiple
          hidden
          aria-label="Choose files to attach"
          onChange={(e) => {
            if (e.target.files) attachments.add(Array.from(e.target.files));
            e.target.value = '';
          }}
        />
        <textarea
          ref={ta}
          rows={1}
          value={text}
          aria-label="Message"
          placeholder={
            running ? 'Type to queue a message…' : narrow ? to : `${to} — Enter to send, Shift+Enter for a new line`
          }
          onChange={(e) => change(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        {running && (
          <button
            type="button"
            className="btn stop"
            onClick={onStop}
            disabled={stopping || !online}
            aria-label="Stop reply"
            title={online ? 'Stop reply (Esc)' : 'Offline — the reply goes on on the server'}
          >
            <IconStop />
            <span>{stopping ? 'Stopping…' : 'Stop'}</span>
          </button>
        )}
        <button type="submit" className="btn primary send" disabled={!canSend} aria-label={sendLabel} title={sendLabel}>
          <IconSend />
          <span>{running ? 'Queue' : 'Send'}</span>
        </button>
      </div>
    </form>
  );
}
